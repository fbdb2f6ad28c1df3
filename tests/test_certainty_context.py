"""Certainty and context are data: checked by the validator, carried from the claim to every answer."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import invoke
from kg.network import all_claims
from kg.seeds import read_seeds


def _claims(seeds: Path) -> Path:
    return seeds / "claims" / "glia-sod1-2008.yaml"


def _problems(seeds: Path) -> list[str]:
    return [p.message for p in read_seeds(seeds)[1]]


def _edit(seeds: Path, old: str, new: str) -> None:
    p = _claims(seeds)
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_hedged_quote_marked_observed_needs_a_recorded_reason(mini_seeds):
    _edit(mini_seeds, "quote: アストロサイトは、神経系にある別の種類のグリア細胞であるミクログリアに起因する異常な炎症反応を制御している",
          "quote: 炎症反応を制御していると考えられます")
    assert any("hedge cue '考えられ'" in m and "marked observed" in m for m in _problems(mini_seeds))
    _edit(mini_seeds, "    certainty: observed\n    context:",
          "    certainty: observed\n    certainty_note: the next sentence reports the measurement\n    context:")
    assert not any("hedge cue" in m for m in _problems(mini_seeds))


def test_certainty_must_be_known_and_fit_the_status(mini_seeds):
    _edit(mini_seeds, "certainty: hypothesis", "certainty: likely")
    _edit(mini_seeds, "    status: finding\n    certainty: observed\n    species: mouse",
          "    status: finding\n    certainty: background\n    species: mouse")
    problems = _problems(mini_seeds)
    assert any("unknown certainty 'likely'" in m for m in problems)
    assert any("certainty 'background' does not fit status 'finding'" in m for m in problems)


def test_one_situation_cannot_be_asserted_and_negated_but_two_contexts_can(mini_seeds):
    p = _claims(mini_seeds)
    text = p.read_text(encoding="utf-8")
    negated_copy = """  - subject: astrocyte
    predicate: regulates
    object: microglia
    quote: 異常な炎症反応を制御している
    summary: Not regulated (test).
    evidence: mouse_model
    status: finding
    certainty: observed
    negated: true
    context:
      anatomy: spinal_cord
"""
    p.write_text(text + negated_copy, encoding="utf-8")
    assert any("negated here but asserted" in m for m in _problems(mini_seeds))
    p.write_text(text + negated_copy.replace("anatomy: spinal_cord", "comparison: another experiment"), encoding="utf-8")
    assert not any("negated here but asserted" in m for m in _problems(mini_seeds))


def test_the_violation_query_catches_a_contradiction_the_reader_would_refuse(mini_seeds):
    """The graph-level check is independent: build RDF from seeds that contradict themselves."""
    import dataclasses

    from kg.locations import ONTOLOGY_DIR
    from kg.rdf import build_dataset, nquads
    from kg.schema import load_schema
    from kg.validate import violation_problems

    seeds, problems = read_seeds(mini_seeds)
    assert problems == []
    positive = next(c for c in seeds.claims if c.predicate == "regulates")
    contradiction = dataclasses.replace(positive, negated=True, quote="異常な炎症反応")
    bad = dataclasses.replace(seeds, claims=(*seeds.claims, contradiction))
    found = violation_problems(nquads(build_dataset(bad, load_schema(), ONTOLOGY_DIR)))
    assert {p.file for p in found} == {"ontology/queries/violation-contradiction.rq"}


def test_context_entities_must_exist_and_have_the_right_type(mini_seeds):
    _edit(mini_seeds, "anatomy: spinal_cord", "anatomy: microglia")
    assert any("context anatomy must be a AnatomicalStructure" in m for m in _problems(mini_seeds))


def test_certainty_and_context_travel_to_rdf_network_pages_and_kgx(real_built):
    from kg.namespaces import ALS, CLAIM
    from kg.serialize import serialize
    from viz import views
    from viz.render import to_vis

    claims = all_claims(real_built.network)
    hedged = [c for c in claims if c.certainty == "hypothesis"]
    with_context = [c for c in claims if c.context.cell_type]
    assert hedged and with_context
    g = real_built.union
    assert (CLAIM[hedged[0].id], ALS.certainty, ALS.hypothesis) in g
    assert (CLAIM[with_context[0].id], ALS.cellTypeContext, None) in g
    kgx = {e["id"]: e for e in json.loads(serialize(real_built, "kgx"))["edges"]}
    assert kgx[f"ALSKG.CLAIM:{hedged[0].id}"]["knowledge_level"] == "prediction"
    assert kgx[f"ALSKG.CLAIM:{with_context[0].id}"]["alskg_context"].startswith("in ")
    _, edges, _ = to_vis(views.whole(real_built.network))
    shown = {c["id"]: c for e in edges for c in e["d"]["claims"]}
    assert shown[hedged[0].id]["certainty"] == "hypothesis"
    assert shown[with_context[0].id]["context"].startswith("in ")


def test_show_path_and_stats_say_how_sure_and_where(real_seeds):
    r = invoke("show", "SOD1 G37R", "--seeds", str(real_seeds))
    assert r.returncode == 0, r.stderr
    assert "context: in astrocyte" in r.stdout and "context: in motor neuron" in r.stdout
    assert "INTERPRETATION" in r.stdout
    stats = json.loads(invoke("stats", "--json", "--seeds", str(real_seeds)).stdout)
    assert sum(stats["claims_by_certainty"].values()) == stats["claims"]
    assert stats["claims_by_certainty"]["hypothesis"] > 0 and stats["claims_by_certainty"]["interpretation"] > 0


def test_the_named_cases_of_the_curation_pass_stay_fixed(real_built):
    """Regression checks for the cases the expert read named (issue: edges that say what the sentence says)."""
    claims = real_built.seeds.claims
    onset = [c for c in claims if (c.subject, c.predicate, c.object) == ("sod1_g37r", "contributes_to", "als_onset")]
    assert {(c.negated, c.context.cell_type) for c in onset} >= {(False, "motor_neuron"), (True, "astrocyte")}
    progression = [c for c in claims
                   if (c.subject, c.predicate, c.object) == ("sod1_g37r", "contributes_to", "als_progression")]
    assert {(c.negated, c.context.cell_type) for c in progression} >= {(False, "astrocyte"), (True, "motor_neuron")}
    # a phenotype of one patient line is not hung on the variant
    assert {(c.predicate, c.object) for c in claims if c.subject == "tardbp_n345k"} <= {("associated_with", "familial_als")}
    # SOD1 → familial ALS: one predicate across documents
    assert {c.predicate for c in claims if (c.subject, c.object) == ("sod1", "familial_als")} == {"causes"}
    # one id per real thing: merged ids still resolve as names
    names = {n for e in real_built.seeds.entities for n in e.synonyms}
    assert {"endothelial_barrier_dysfunction", "motor_function_decline"} <= names
    # Muse cells become the registry's astrocyte-like cells, not astrocytes outright
    assert not [c for c in claims if (c.subject, c.predicate, c.object) == ("muse_cell", "differentiates_into", "astrocyte")]


def test_outcomes_are_entities_claims_point_to(real_kg):
    """'What extends survival in SOD1 mice?' is a path and a query, with the numbers as qualifiers."""
    ans = real_kg.paths("SOD1", "survival", max_hops=2)
    assert ans.paths and ans[0].nodes[-1].type == "Outcome"
    numbers = [q for p in ans for h in p.hops for c in h.claims for q in c.qualifier_lines]
    assert any("60" in q for q in numbers) and any("42" in q for q in numbers)
    rows = real_kg.query("SELECT ?c WHERE { ?c a als:Claim ; rdf:object ent:survival }").rows
    assert len(rows) >= 2
