"""`alskg validate` passes on the real seeds and fails precisely on broken copies of them."""

from __future__ import annotations

import re
from pathlib import Path

from helpers import Ran, invoke
from kg.seeds import read_seeds


def run(*args: str, env_seeds: Path | None = None) -> Ran:
    cmd = list(args)
    if env_seeds is not None:
        cmd += ["--seeds", str(env_seeds)]
    return invoke(*cmd)


def assert_clean_failure(result: Ran, *patterns: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr, result.stderr
    for pattern in patterns:
        assert re.search(pattern, result.stderr), f"{pattern!r} not in:\n{result.stderr}"


def test_real_seeds_validate(real_seeds):
    result = run("validate", env_seeds=real_seeds)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok:")


def test_mini_seeds_validate(mini_seeds):
    seeds, problems = read_seeds(mini_seeds)
    assert problems == []
    assert len(seeds.claims) == 3


def _claims(seeds: Path) -> Path:
    return seeds / "claims" / "glia-sod1-2008.yaml"


def test_quote_not_in_document(mini_seeds):
    p = _claims(mini_seeds)
    p.write_text(p.read_text(encoding="utf-8").replace("アストロサイトに発現している変異SOD1",
                                                          "アストロサイトに発現していない変異SOD1"), encoding="utf-8")
    assert_clean_failure(run("validate", env_seeds=mini_seeds),
                         r"claims/glia-sod1-2008\.yaml:3: quote not found in glia-sod1-2008",
                         r"hint: the document matches up to")


def test_unknown_predicate_and_entity_collected_together(mini_seeds):
    p = _claims(mini_seeds)
    text = p.read_text(encoding="utf-8").replace("predicate: regulates", "predicate: regulatez")
    text = text.replace("object: microglia", "object: microglla")
    p.write_text(text, encoding="utf-8")
    assert_clean_failure(run("validate", env_seeds=mini_seeds), r"3 problems found", r"entity .microglia. is used by no claim",
                         r"glia-sod1-2008\.yaml:12: unknown predicate 'regulatez'",
                         r"unknown object entity 'microglla'", r"did you mean microglia")


def test_metagraph_violation(mini_seeds):
    p = _claims(mini_seeds)
    p.write_text(p.read_text(encoding="utf-8").replace("predicate: regulates", "predicate: has_variant"),
                 encoding="utf-8")
    assert_clean_failure(run("validate", env_seeds=mini_seeds), r"\(CellType\) astrocyte has_variant \(CellType\) microglia is not in the metagraph")


def test_malformed_yaml_names_file_and_line(mini_seeds):
    p = _claims(mini_seeds)
    lines = p.read_text(encoding="utf-8").splitlines()
    lines[4] = "    object: [astrocyte"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert_clean_failure(run("validate", env_seeds=mini_seeds), r"claims/glia-sod1-2008\.yaml:\d+: not valid YAML")


def test_duplicate_entity_id_and_shared_name(mini_seeds):
    p = mini_seeds / "entities" / "extra.yaml"
    p.write_text("- id: astrocyte\n  type: CellType\n  en: astroglia\n- id: astro2\n  type: CellType\n  en: Astrocyte\n",
                 encoding="utf-8")
    assert_clean_failure(run("validate", env_seeds=mini_seeds),
                         r"entities/extra\.yaml:1: duplicate entity id 'astrocyte'",
                         r"entities/extra\.yaml:4: name 'astrocyte' of 'astro2' is also a name of 'astrocyte'")


def test_unverified_xref_rejected(mini_seeds):
    p = mini_seeds / "entities" / "core.yaml"
    p.write_text(p.read_text(encoding="utf-8").replace("  en: SOD1\n", "  en: SOD1\n  xrefs: [HGNC:99999999]\n"),
                 encoding="utf-8")
    assert_clean_failure(run("validate", env_seeds=mini_seeds), r"xref 'HGNC:99999999' is not in ontology/grounding\.tsv")


def test_yaml_boolean_trap_is_explained(mini_seeds):
    # YAML 1.1's NO (nitric oxide) stays the text written (tests/test_hardening_input.py); true/false
    # are booleans, and a label written so is explained
    p = mini_seeds / "entities" / "core.yaml"
    p.write_text(p.read_text(encoding="utf-8") + "- id: no_gas\n  type: Compound\n  en: false\n", encoding="utf-8")
    assert_clean_failure(run("validate", env_seeds=mini_seeds), r"field 'en' must be text, got bool False",
                         r"quote the value")


def test_edited_document_fails_checksum(mini_seeds):
    doc = mini_seeds / "glia-sod1-2008.ja.txt"
    doc.write_text(doc.read_text(encoding="utf-8") + "アストロサイトに発現していない変異SOD1", encoding="utf-8")
    assert_clean_failure(run("validate", env_seeds=mini_seeds),
                         r"glia-sod1-2008\.ja\.txt:1: document differs from its SHA256SUMS entry")


def test_missing_seeds_folder(tmp_path):
    assert_clean_failure(run("validate", env_seeds=tmp_path / "nope"), r"seeds folder not found")


def test_unknown_field_and_duplicate_key(mini_seeds):
    p = _claims(mini_seeds)
    p.write_text(p.read_text(encoding="utf-8").replace("    species: mouse\n",
                                                          "    species: mouse\n    specie: mouse\n    status: finding\n"),
                 encoding="utf-8")
    assert_clean_failure(run("validate", env_seeds=mini_seeds), r"unknown field 'specie' in a claim",
                         r"key 'status' appears twice")


def test_violation_queries_catch_an_edge_no_claim_supports(mini_seeds):
    from kg.build import build
    from kg.namespaces import ALS, ENT, GRAPH_DATA
    from kg.rdf import nquads
    from kg.validate import graph_problems, violation_problems

    built = build(mini_seeds)
    assert graph_problems(built.seeds, built.schema_statements, lambda: built.data_statements) == []
    built.dataset.graph(GRAPH_DATA).add((ENT.astrocyte, ALS.activates, ENT.sod1))  # the negated claim's relation, asserted
    files = {p.file for p in violation_problems(nquads(built.dataset))}
    assert files == {"ontology/queries/violation-unsupported-edge.rq", "ontology/queries/violation-negated-edge.rq"}


def test_an_unreadable_claims_file_does_not_cascade_into_unused_entities(mini_seeds):
    _claims(mini_seeds).write_text("document: glia-sod1-2008\nclaims:\n  - subject: [x\n", encoding="utf-8")
    r = run("validate", env_seeds=mini_seeds)
    assert_clean_failure(r, r"1 problem found", r"not valid YAML")
    assert "used by no claim" not in r.stderr


def test_non_utf8_documents_tsv_is_one_clear_problem(mini_seeds):
    (mini_seeds / "documents.tsv").write_bytes(b"\xff\xfeid\tfile\n")
    r = run("validate", env_seeds=mini_seeds)
    assert_clean_failure(r, r"documents\.tsv:1: not UTF-8 text", r"1 problem found")
