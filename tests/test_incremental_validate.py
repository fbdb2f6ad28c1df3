"""Issue 14 (scale), the curator's loop: SHACL results are cached per document (and per chunk of the
other subjects), so re-validating after one edit re-checks only what the edit touched, and the
problems are exactly those of an uncached run."""

from __future__ import annotations

import json
import os

import kg.shapes
from kg.build import build
from kg.shapes import shacl_problems

ALS, ENT, CLAIM, DOC = ("https://w3id.org/alskg/schema/", "https://w3id.org/alskg/entity/",
                        "https://w3id.org/alskg/claim/", "https://w3id.org/alskg/document/")
TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


def _statements(built) -> list[tuple[str, str, str]]:
    return [*built.schema_statements, *built.data_statements]


def _claims_of(built, document: str) -> list:
    return [c for c in built.seeds.claims if c.document == document]


def _edited(statements, claim_id: str, predicate: str, value: str) -> list[tuple[str, str, str]]:
    node = f"<{CLAIM}{claim_id}>"
    return [(s, p, value if (s == node and p == predicate) else o) for s, p, o in statements]


def test_cached_results_equal_uncached_ones_on_a_faulty_graph(mini_seeds, cache, validated):
    built = build(mini_seeds)
    claim = built.seeds.claims[0]
    broken = _edited(_statements(built), claim.id, f"<{ALS}quote>", '"an English quote"@en')
    broken = [(s, p, o) for s, p, o in broken if not (s == f"<{ENT}microglia>" and p.endswith("rdf-schema#label>")
                                                     and o.endswith("@en"))]
    uncached = shacl_problems(built.seeds, broken, cache=False)
    assert len(uncached) >= 2
    assert shacl_problems(built.seeds, broken) == uncached  # fills the cache
    assert list((cache / "shapes").glob("shapes-*.json"))
    validated.clear()
    assert shacl_problems(built.seeds, broken) == uncached  # every unit from the cache
    assert validated == []
    assert shacl_problems(built.seeds, _statements(built)) == shacl_problems(built.seeds, _statements(built),
                                                                            cache=False) == []


def test_an_edit_re_checks_exactly_the_edited_document(real_built, cache, validated):
    statements = _statements(real_built)
    assert shacl_problems(real_built.seeds, statements) == []
    documents = sorted({c.document for c in real_built.seeds.claims})
    assert len(documents) >= 2
    target = documents[1]
    claim = _claims_of(real_built, target)[0]
    edited = _edited(statements, claim.id, f"<{ALS}summary>", '"ab"@en')  # too short: a SHACL fault
    validated.clear()
    found = shacl_problems(real_built.seeds, edited)
    assert len(validated) == 1  # one part, holding the edited document's unit and nothing else
    unit = {f"<{DOC}{target}>"} | {f"<{CLAIM}{c.id}>" for c in _claims_of(real_built, target)}
    assert unit <= validated[0]
    assert all(n in unit or n.startswith(tuple(f"<{CLAIM}{c.id}-q" for c in _claims_of(real_built, target)))
               for n in validated[0])
    assert found == shacl_problems(real_built.seeds, edited, cache=False)
    assert [p.line for p in found] == [claim.where.line] and "summary" in found[0].message
    validated.clear()
    assert shacl_problems(real_built.seeds, statements) == []  # the edit undone: every unit cached
    assert validated == []


def test_retyping_an_entity_re_checks_the_documents_that_point_at_it(mini_seeds, cache, validated):
    """A document's result depends on the type of the entities its claims name (``sh:class``): the
    entity's typing is part of the document's key."""
    built = build(mini_seeds)
    statements = _statements(built)
    shacl_problems(built.seeds, statements)
    claim = built.seeds.claims[0]
    subject = f"<{ENT}{claim.subject}>"
    retyped = [(s, p, f"<{ALS}NotAClass>" if (s == subject and p == TYPE) else o) for s, p, o in statements]
    validated.clear()
    found = shacl_problems(built.seeds, retyped)
    assert found == shacl_problems(built.seeds, retyped, cache=False)
    assert any(f"<{CLAIM}{claim.id}>" in part for part in validated)
    assert any("subject" in p.message for p in found)


def test_a_damaged_or_forged_entry_is_a_miss(mini_seeds, cache, validated):
    built = build(mini_seeds)
    statements = _edited(_statements(built), built.seeds.claims[0].id, f"<{ALS}summary>", '"ab"@en')
    want = shacl_problems(built.seeds, statements)
    assert want
    for entry in (cache / "shapes").glob("shapes-*.json"):
        seal, _, body = entry.read_bytes().partition(b"\n")
        rows = json.loads(body)
        entry.write_bytes(seal + b"\n" + json.dumps(rows[:0]).encode())  # a forged "no problems"
        os.utime(entry)
    validated.clear()
    assert shacl_problems(built.seeds, statements) == want
    assert validated  # re-validated, not believed


def test_units_are_validated_in_parts_of_bounded_size(real_built, cache, validated, monkeypatch):
    monkeypatch.setattr(kg.shapes, "CHUNK_STATEMENTS", 500)
    statements = _statements(real_built)
    assert shacl_problems(real_built.seeds, statements) == []
    assert len(validated) > 5
    validated.clear()
    assert shacl_problems(real_built.seeds, statements) == []
    assert validated == []


def test_validate_after_edits_reports_what_a_fresh_run_reports(mini_seeds, cache):
    """The CLI loop: ok, an edit that breaks a claim, the same problems from a warm and a cold cache,
    the edit undone: ok again (a cached failure is never remembered as a pass, nor the reverse)."""
    from helpers import invoke

    args = ("validate", "--seeds", str(mini_seeds))
    assert invoke(*args).returncode == 0
    assert invoke(*args).returncode == 0
    claims = mini_seeds / "claims" / "glia-sod1-2008.yaml"
    original = claims.read_text(encoding="utf-8")
    claims.write_text(original.replace("predicate: regulates", "predicate: regulatez"), encoding="utf-8")
    warm = invoke(*args)
    assert warm.returncode == 1 and "unknown predicate 'regulatez'" in warm.stderr
    cold = invoke(*args, env={"ALSKG_CACHE": str(cache.parent / "other-cache")})
    assert (cold.returncode, cold.stdout, cold.stderr) == (warm.returncode, warm.stdout, warm.stderr)
    claims.write_text(original, encoding="utf-8")
    assert invoke(*args).returncode == 0


def test_entries_do_not_depend_on_the_hash_seed(mini_seeds, cache):
    """The schema's statements come from an rdflib graph in an order that varies with the hash seed;
    a unit's key must not, or every command would miss (a real child process for the hash seed)."""
    from helpers import run_alskg as run

    shapes = cache / "shapes"
    assert run("validate", "--seeds", str(mini_seeds), env={"PYTHONHASHSEED": "1"}).returncode == 0
    first = sorted(p.name for p in shapes.iterdir())
    assert first
    for seed in ("2", "3"):
        assert run("validate", "--seeds", str(mini_seeds), env={"PYTHONHASHSEED": seed}).returncode == 0
        assert sorted(p.name for p in shapes.iterdir()) == first
