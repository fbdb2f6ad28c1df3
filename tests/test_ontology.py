"""The schema is data and is tested like code: definitions, labels, mappings, metagraph."""

from __future__ import annotations

import csv

from rdflib import Graph
from rdflib.namespace import SKOS

from kg.locations import ONTOLOGY_DIR
from kg.schema import load_schema


def _tsv(name: str) -> list[dict[str, str]]:
    with (ONTOLOGY_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_every_predicate_has_definition_and_both_labels():
    schema = load_schema()
    assert len(schema.predicates) >= 25
    for name, p in schema.predicates.items():
        assert p.definition.endswith("."), f"{name}: one-sentence definition needed"
        assert p.en and p.ja, f"{name}: English and Japanese labels needed"


def test_every_metagraph_row_uses_known_types_and_predicates_and_every_predicate_is_allowed_somewhere():
    schema = load_schema()
    used = {p for _, p, _ in schema.metagraph}
    assert used == set(schema.predicates), set(schema.predicates) ^ used


def test_every_mapping_in_the_ontology_was_checked():
    g = Graph().parse(ONTOLOGY_DIR / "alskg.ttl")
    checked = {row["target"] for row in _tsv("schema-mappings.tsv")} | {row["curie"] for row in _tsv("grounding.tsv")}
    prefixes = {row["prefix"]: row["namespace"] for row in _tsv("prefixes.tsv")}
    unchecked = []
    for rel in (SKOS.exactMatch, SKOS.closeMatch, SKOS.relatedMatch, SKOS.broadMatch, SKOS.narrowMatch):
        for _, target in g.subject_objects(rel):
            curie = next((f"{p}:{str(target)[len(ns):]}" for p, ns in prefixes.items() if str(target).startswith(ns)),
                         str(target))
            if curie not in checked:
                unchecked.append(curie)
    assert not unchecked, f"mappings not in schema-mappings.tsv or grounding.tsv: {sorted(set(unchecked))}"


def test_grounding_table_is_well_formed_and_sorted():
    rows = _tsv("grounding.tsv")
    prefixes = {row["prefix"] for row in _tsv("prefixes.tsv")}
    curies = [r["curie"] for r in rows]
    assert len(curies) == len(set(curies)), "duplicate curie in grounding.tsv"
    for r in rows:
        assert r["curie"].split(":", 1)[0] in prefixes, f"{r['curie']}: prefix not in prefixes.tsv"
        assert r["label"] and r["source"] and r["release"] and r["checked_on"], f"{r['curie']}: incomplete row"


def test_prefixes_are_unique():
    rows = _tsv("prefixes.tsv")
    assert len({r["prefix"] for r in rows}) == len(rows)


def test_domain_range_file_is_generated_from_the_current_metagraph():
    from kg.schema import domain_range_turtle

    current = (ONTOLOGY_DIR / "domain-range.ttl").read_text(encoding="utf-8")
    assert current == domain_range_turtle(load_schema()), "run: python tools/write_domain_range.py"
