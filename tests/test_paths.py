"""Path explanations: every hop with its evidence, ranking that demotes hubs, negation never a hop."""

from __future__ import annotations

import json

import networkx as nx
import pytest

import kg
from helpers import Ran, invoke
from kg.model import AlskgError, Claim
from kg.paths import find_paths


def alskg(*args: str, cache) -> Ran:
    return invoke(*args, env={"ALSKG_CACHE": str(cache)})


@pytest.fixture()
def mini_kg(mini_seeds, tmp_path) -> kg.KG:
    return kg.load(mini_seeds, tmp_path / "cache")


def test_mini_path_goes_through_the_astrocyte_with_each_hops_evidence(mini_kg):
    ans = mini_kg.paths("SOD1", "ミクログリア")
    best = ans[0]
    assert [n.id for n in best.nodes] == ["sod1", "sod1_g37r_mini", "astrocyte", "microglia"]
    assert [h.predicate for h in best.hops] == ["has_variant", "expressed_in", "regulates"]
    assert [h.direction for h in best.hops] == ["forward", "forward", "forward"]
    assert best.hops[0].links[0].origin == "registry"
    assert best.hops[2].claims[0].document == "glia-sod1-2008"
    assert "ミクログリア" in best.hops[2].claims[0].quote
    assert best.hops[2].claims[0].summary.startswith("Astrocytes control")


def test_reverse_hops_are_marked_and_directed_search_refuses_them(mini_kg):
    ans = mini_kg.paths("microglia", "SOD1")
    assert [h.direction for h in ans[0].hops] == ["reverse", "reverse", "reverse"]
    assert len(mini_kg.paths("microglia", "SOD1", directed=True)) == 0
    assert len(mini_kg.paths("SOD1", "microglia", directed=True)) == 1


def test_a_negated_claim_never_forms_a_hop(mini_kg):
    # the fixture's only astrocyte → SOD1 claim is negated: no one-hop path, and no hop uses it
    negated = {c.id for c in mini_kg.network.graph["negated"]}
    assert negated
    ans = mini_kg.paths("astrocyte", "SOD1", max_hops=4)
    assert all(p.length > 1 for p in ans)
    assert not negated & {c.id for p in ans for h in p.hops for c in h.claims}
    assert len(mini_kg.paths("astrocyte", "SOD1", max_hops=1)) == 0


def test_avoid_via_limit_and_bad_requests(mini_kg):
    assert len(mini_kg.paths("SOD1", "microglia", avoid=["アストロサイト"])) == 0
    assert len(mini_kg.paths("SOD1", "microglia", via="CellType")) == 1
    assert len(mini_kg.paths("SOD1", "microglia", via="Drug")) == 0
    with pytest.raises(AlskgError, match="unknown entity type"):
        mini_kg.paths("SOD1", "microglia", via="Nope")
    with pytest.raises(AlskgError, match="max_hops"):
        mini_kg.paths("SOD1", "microglia", max_hops=0)
    with pytest.raises(AlskgError, match="same entity"):
        mini_kg.paths("SOD1", "sod1")
    with pytest.raises(AlskgError, match="cannot avoid one of its own ends"):
        mini_kg.paths("SOD1", "microglia", avoid=["microglia"])


def test_results_are_json_serialisable(mini_kg):
    d = json.loads(json.dumps(mini_kg.paths("SOD1", "microglia").to_dict()))
    assert d["paths"][0]["hops"][2]["links"][0]["claims"][0]["document"] == "glia-sod1-2008"
    assert json.dumps(mini_kg.neighbors("astrocyte", 2).to_dict())
    assert json.dumps(mini_kg.entity("astrocyte").to_dict())


def _hub_graph() -> nx.MultiDiGraph:
    """a → hub → b and a → x → b; the hub also touches 20 other nodes."""
    G = nx.MultiDiGraph()
    for n in ["a", "b", "hub", "x", *(f"n{i}" for i in range(20))]:
        G.add_node(n, type="Thing", label_en=n, label_ja="", labels_ja=[], synonyms=[], xrefs=[])
    def edge(u, v, k=1):
        G.add_edge(u, v, key="relates", predicate="relates", source="claims",
                   claims=[Claim(u, "relates", v, "d", f"q{i}", "s", "in_vitro", "finding") for i in range(k)])

    edge("a", "hub", 3)
    edge("hub", "b", 3)
    edge("a", "x")
    edge("x", "b")
    for i in range(20):
        edge("hub", f"n{i}")
    return G


def test_paths_through_specific_nodes_rank_before_paths_through_hubs():
    ans = find_paths(_hub_graph(), "a", "b")
    assert [n.id for n in ans[0].nodes] == ["a", "x", "b"]
    assert ans[0].score > ans[1].score
    assert ans[1].evidence > ans[0].evidence  # evidence only breaks ties after specificity


def test_fewer_hops_rank_first():
    G = _hub_graph()
    G.add_edge("a", "b", key="relates", predicate="relates", source="claims", claims=[])
    assert find_paths(G, "a", "b")[0].length == 1


def test_hops_against_the_arrow_or_on_background_only_weigh_less():
    from kg.paths import BACKGROUND_HOP_WEIGHT, REVERSE_HOP_WEIGHT, hop_weight
    from kg.results import Hop, Link

    finding = Claim("a", "p", "b", "d", "q", "s", "mouse_model", "finding")
    background = Claim("a", "p", "b", "d", "q", "s", "background_statement", "background")
    assert hop_weight(Hop("a", "b", (Link("a", "p", "b", "claims", (finding,)),))) == 1.0
    assert hop_weight(Hop("a", "b", (Link("b", "p", "a", "claims", (finding,)),))) == REVERSE_HOP_WEIGHT
    assert hop_weight(Hop("a", "b", (Link("a", "p", "b", "claims", (background,)),))) == BACKGROUND_HOP_WEIGHT
    assert hop_weight(Hop("a", "b", (Link("a", "p", "b", "registry", ()),))) == 1.0


def test_real_graph_sod1_to_microglia_ranks_the_astrocyte_route_first(real_kg):
    for target in ("microglia", "ミクログリア"):
        best = real_kg.paths("SOD1", target)[0]
        assert [n.id for n in best.nodes] == ["sod1", "sod1_g37r", "mutant_sod1_astrocyte", "microglia"]
        assert all(h.direction == "forward" for h in best.hops)


def test_real_graph_sod1_to_microglia_shows_the_astrocyte_route_with_the_glia_sentences(real_kg):
    for target in ("microglia", "ミクログリア"):
        ans = real_kg.paths("SOD1", target)
        routes = [p for p in ans if "mutant_sod1_astrocyte" in [n.id for n in p.nodes]]
        assert routes, f"no astrocyte route among {[[n.id for n in p.nodes] for p in ans]}"
        docs = {c.document for h in routes[0].hops for c in h.claims}
        assert "glia-sod1-2008" in docs


def test_cli_path_text_json_and_no_path(real_seeds, tmp_path):
    cache = tmp_path / "cache"
    r = alskg("path", "SOD1", "ミクログリア", "--seeds", str(real_seeds), cache=cache)
    assert r.returncode == 0, r.stderr
    assert "astrocyte" in r.stdout and "[glia-sod1-2008]" in r.stdout and "「" in r.stdout
    r = alskg("path", "SOD1", "microglia", "--json", "--limit", "2", "--seeds", str(real_seeds), cache=cache)
    assert r.returncode == 0 and len(json.loads(r.stdout)["paths"]) == 2
    r = alskg("path", "SOD1", "microglia", "--max-hops", "1", "--seeds", str(real_seeds), cache=cache)
    assert r.returncode == 0 and "No path" in r.stdout and "within 1 hop" in r.stdout


@pytest.mark.parametrize("args,code,message", [
    (["path", "SOD1", "nosuchthing"], 1, "no entity named"),
    (["path", "SOD1", "microglia", "--max-hops", "99"], 2, "--max-hops"),
    (["path", "SOD1", "microglia", "--via", "Nope"], 1, "unknown entity type"),
    (["neighbors", "SOD1", "--hops", "0"], 2, "--hops"),
])
def test_cli_impossible_requests_fail_cleanly(mini_seeds, tmp_path, args, code, message):
    r = alskg(*args, "--seeds", str(mini_seeds), cache=tmp_path / "cache")
    assert r.returncode == code
    assert message in r.stderr and "Traceback" not in r.stderr


def test_show_lists_negated_claims_apart_and_neighbors_by_distance(mini_kg):
    view = mini_kg.entity("アストロサイト")
    assert any(c.negated for c in view.claims)
    assert view.entity.label_ja == "アストロサイト"
    nb = mini_kg.neighbors("SOD1", hops=2)
    assert [(n.id, d) for n, d in nb.nodes] == [("sod1_g37r_mini", 1), ("astrocyte", 2)]


def test_the_python_api_example_in_kg_graph_runs(real_seeds, tmp_path, monkeypatch):
    """The docstring of kg.graph is the notebook example the README shows; it must stay true."""
    import doctest

    import kg.graph

    monkeypatch.setenv("ALSKG_SEEDS", str(real_seeds))
    monkeypatch.setenv("ALSKG_CACHE", str(tmp_path / "cache"))
    result = doctest.testmod(kg.graph, verbose=False)
    assert result.attempted >= 8 and result.failed == 0
