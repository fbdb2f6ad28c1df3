"""Shipped queries rewritten for speed at scale keep their rows: the contradiction check joins each
side's context as one key instead of pairing every claim, and must find what the pairwise version
found, on both engines, on a graph that does contradict itself."""

from __future__ import annotations

import dataclasses

import pytest

from helpers import SEEDS
from kg.locations import ONTOLOGY_DIR
from kg.query import Engines, QueryDef, load_query, run
from kg.rdf import seeds_nquads
from kg.schema import load_schema
from kg.seeds import read_seeds

# The query as it was before the rewrite: every negated claim paired with every asserted claim of its
# relation, contexts compared per pair (quadratic in a relation repeated across many documents).
PAIRWISE_CONTRADICTION = """
PREFIX als: <https://w3id.org/alskg/schema/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?asserted ?negated ?subject ?predicate ?object
WHERE {
  ?negated a als:Claim ; als:negated true ; rdf:subject ?subject ; rdf:predicate ?predicate ; rdf:object ?object .
  ?asserted a als:Claim ; als:negated false ; rdf:subject ?subject ; rdf:predicate ?predicate ; rdf:object ?object .
  OPTIONAL { ?negated als:cellTypeContext ?nCell }      OPTIONAL { ?asserted als:cellTypeContext ?aCell }
  OPTIONAL { ?negated als:anatomicalContext ?nSite }    OPTIONAL { ?asserted als:anatomicalContext ?aSite }
  OPTIONAL { ?negated als:comparisonContext ?nVs }      OPTIONAL { ?asserted als:comparisonContext ?aVs }
  OPTIONAL { ?negated als:modelSystem ?nModel }         OPTIONAL { ?asserted als:modelSystem ?aModel }
  OPTIONAL { ?negated als:species ?nSpecies }           OPTIONAL { ?asserted als:species ?aSpecies }
  FILTER (COALESCE(STR(?nCell), "") = COALESCE(STR(?aCell), "")
          && COALESCE(STR(?nSite), "") = COALESCE(STR(?aSite), "")
          && COALESCE(STR(?nVs), "") = COALESCE(STR(?aVs), "")
          && COALESCE(STR(?nModel), "") = COALESCE(STR(?aModel), "")
          && COALESCE(STR(?nSpecies), "") = COALESCE(STR(?aSpecies), ""))
}
"""


@pytest.fixture(scope="module")
def contradicting(tmp_path_factory) -> Engines:
    """The real seeds plus negated copies of asserted claims: some in the same context (contradictions),
    some in another comparison, species or model (none), one comparison holding the key's separator."""
    seeds, _ = read_seeds(SEEDS)
    asserted = [c for c in seeds.claims if not c.negated]
    extra = []
    for i, c in enumerate(asserted[:40]):
        change: dict = {"negated": True, "quote": f"{c.quote} (negated copy {i})"}
        if i % 4 == 1:
            change["context"] = dataclasses.replace(c.context, comparison=f"{c.context.comparison}|{i}")
        elif i % 4 == 2:
            change["species"] = "mouse" if c.species != "mouse" else "human"
        extra.append(dataclasses.replace(c, **change))
    nq = tmp_path_factory.mktemp("contradicting") / "graph.nq"
    nq.write_bytes(seeds_nquads(dataclasses.replace(seeds, claims=(*seeds.claims, *extra)), load_schema(),
                                ONTOLOGY_DIR))
    return Engines(nq)


def _rows(q: QueryDef, engines: Engines, engine: str) -> list:
    return sorted(run(q, {}, engines, engine, isolate=False).rows, key=repr)


def test_the_keyed_contradiction_query_finds_what_the_pairwise_one_found_on_both_engines(contradicting):
    shipped = load_query("violation-contradiction")
    reference = QueryDef("pairwise", PAIRWISE_CONTRADICTION, shipped=True)
    want = _rows(reference, contradicting, "oxigraph")
    assert len({r[1] for r in want}) >= 10, "the fixture contradicts itself"
    assert _rows(reference, contradicting, "rdflib") == want
    assert len(want) < 100  # so the shipped LIMIT 100 keeps every row
    unlimited = QueryDef("unlimited", shipped.text.replace("LIMIT 100", ""), shipped=True)
    for engine in ("oxigraph", "rdflib"):
        assert _rows(shipped, contradicting, engine) == want
        assert _rows(unlimited, contradicting, engine) == want
