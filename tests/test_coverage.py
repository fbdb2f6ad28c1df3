"""`alskg coverage`: every in-scope sentence is quoted by a claim or marked no_claim."""

from __future__ import annotations

import json

from helpers import SEEDS, invoke
from kg.coverage import coverage, split_sentences
from kg.seeds import load_seeds


def test_every_sentence_of_every_document_is_covered():
    results = coverage(load_seeds(SEEDS))
    assert len(results) == 5
    for r in results:
        missing = [f"line {s.line}: {s.text[:60]}" for s in r.sentences if s.covered < 0.5]
        assert not missing, f"{r.document}: sentences neither quoted nor marked no_claim:\n" + "\n".join(missing)


def test_sentences_keep_their_line_and_lose_pdf_line_breaks():
    text = "一つ目の文です。 \n二つ目の\n文は、改行を\n含みます。\n"
    assert split_sentences(text) == [(1, "一つ目の文です。"), (2, "二つ目の文は、改行を含みます。")]


def test_mini_seeds_coverage_reports_uncovered_sentences_and_unclaimed_mentions(mini_seeds):
    (r,) = coverage(load_seeds(mini_seeds), ["glia-sod1-2008"])
    assert 0 < r.covered < r.in_scope
    assert r.percent < 10
    uncovered = r.to_dict()["uncovered"]
    assert any("筋萎縮性側索硬化症" in s["text"] for s in uncovered)
    assert {"entity": "microglia", "name": "microglia"} not in r.unclaimed_mentions  # used by a claim
    assert r.unclaimed_mentions == []  # every mini entity is used by one of its claims


def test_cli_json_and_unknown_document(mini_seeds):
    ok = invoke("coverage", "--seeds", str(mini_seeds), "--json", "--doc", "glia-sod1-2008")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)[0]["document"] == "glia-sod1-2008"
    bad = invoke("coverage", "--seeds", str(mini_seeds), "--doc", "nope")
    assert bad.returncode == 1 and "unknown document 'nope'" in bad.stderr and "Traceback" not in bad.stderr
