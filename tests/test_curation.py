"""The curated seeds, checked like code on every run (independently of the validator's own checks)."""

from __future__ import annotations

import re

import pytest
import yaml

from helpers import SEEDS
from kg.schema import load_schema
from kg.seeds import load_seeds, read_grounding

ID_SHAPES = {
    "HGNC": r"\d+", "NCBIGene": r"\d+", "CL": r"\d{7}", "UBERON": r"\d{7}", "GO": r"\d{7}", "MONDO": r"\d{7}",
    "CHEBI": r"\d+", "NCBITaxon": r"\d+", "ECO": r"\d{7}", "EFO": r"\d{7}", "UniProtKB": r"[A-Z0-9]{6,10}",
    "PUBCHEM.COMPOUND": r"\d+", "CLO": r"\d{7}",
}


@pytest.fixture(scope="module")
def seeds():
    return load_seeds(SEEDS)


def _raw_claim_files() -> dict[str, dict]:
    """The claims files read as plain YAML, not through alskg's reader (which would refuse to load
    seeds with a broken quote, so a test through it could never see one)."""
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((SEEDS / "claims").glob("*.yaml"))}


def test_every_quote_is_found_verbatim_in_its_document():
    """Only line breaks and spaces may differ between a quote and its document."""
    docs = {p.name.removesuffix(".ja.txt"): re.sub(r"\s+", "", p.read_text(encoding="utf-8"))
            for p in SEEDS.glob("*.ja.txt")}
    files = _raw_claim_files()
    assert set(files) == set(docs)
    missing = []
    for doc, data in files.items():
        for item in [*data.get("claims", []), *data.get("no_claim", [])]:
            if re.sub(r"\s+", "", item["quote"]) not in docs[doc]:
                missing.append(f"{doc}: {item['quote'][:50]}")
    assert not missing, "quotes that no longer match their document:\n" + "\n".join(missing)


def test_every_document_is_curated(seeds):
    per_doc = {d.id: 0 for d in seeds.documents}
    for c in seeds.claims:
        per_doc[c.document] += 1
    assert all(n >= 20 for n in per_doc.values()), per_doc


def test_every_xref_has_its_prefix_shape_and_is_verified(seeds):
    verified = read_grounding()
    for e in seeds.entities:
        for x in e.xrefs:
            prefix, _, local = x.partition(":")
            assert prefix in ID_SHAPES, f"{e.id}: unexpected prefix in {x}"
            assert re.fullmatch(ID_SHAPES[prefix], local), f"{e.id}: {x} does not look like a {prefix} id"
            assert x in verified, f"{e.id}: {x} is not in ontology/grounding.tsv"


def test_gene_labels_are_their_hgnc_symbols(seeds):
    verified = read_grounding()
    for e in seeds.entities:
        for x in e.xrefs:
            if x.startswith("HGNC:"):
                assert e.type == "Gene", f"{e.id}: HGNC ids belong on genes"
                assert verified[x]["label"] == e.en, f"{e.id}: label {e.en!r} but {x} is {verified[x]['label']!r}"


def test_every_entity_is_used_and_no_name_is_shared(seeds):
    from kg.text import fold

    used = {x for c in seeds.claims for x in (c.subject, c.object, c.model, c.species) if x}
    for e in seeds.entities:
        if e.variant_of or e.product_of:
            used |= {e.id, e.variant_of or e.product_of}
    assert {e.id for e in seeds.entities} - used == set()
    owner: dict[str, str] = {}
    for e in seeds.entities:
        for name in {fold(n) for n in (e.en, *e.ja, *e.synonyms)}:
            assert owner.setdefault(name, e.id) == e.id, f"{name!r} names both {owner[name]} and {e.id}"


def test_numbers_are_qualifiers_and_negations_exist(seeds):
    assert sum(1 for c in seeds.claims if c.qualifiers) >= 20
    assert sum(1 for c in seeds.claims if c.negated) >= 5


def test_variants_and_products_are_linked_to_their_gene(seeds):
    for e in seeds.entities:
        if e.type == "Variant":
            assert e.variant_of, f"{e.id}: a variant names its gene (variant_of)"


def _tsv(path) -> list[dict[str, str]]:
    import csv

    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def test_one_predicate_per_kind_of_relation_or_a_recorded_review(seeds):
    """A subject/object pair linked by two predicates of one family (e.g. SOD1 → familial ALS as
    `causes` in one document and `associated_with` in another) is listed for review; it passes only
    when seeds/reviewed-predicate-pairs.tsv records why the two are kept."""
    from collections import defaultdict

    family = load_schema().families
    assert set(family) == set(load_schema().predicates), "every predicate needs a family (rdfs:subPropertyOf)"
    reviewed = {(r["subject"], r["object"]): set(r["predicates"].split()) for r in _tsv(SEEDS / "reviewed-predicate-pairs.tsv")}
    used: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for c in seeds.claims:
        used[(c.subject, c.object, family[c.predicate])].add(c.predicate)
    for_review = {(s, o): preds for (s, o, _), preds in used.items() if len(preds) > 1}
    unreviewed = {pair: sorted(p) for pair, p in for_review.items() if reviewed.get(pair) != p}
    assert not unreviewed, f"pairs linked by two predicates of one family, not reviewed: {unreviewed}"
    stale = sorted(set(reviewed) - set(for_review))
    assert not stale, f"reviewed pairs that no longer occur (remove them): {stale}"
