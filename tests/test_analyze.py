"""Analytics: centrality ranking, deterministic communities, gene → cell → pathology → therapy chains."""

from __future__ import annotations

import json

import pytest

import kg
from helpers import invoke
from kg.model import AlskgError


def test_rank_by_every_metric_and_type(real_kg):
    for metric in ("degree", "betweenness", "pagerank"):
        rows = real_kg.rank(metric, top=5)
        assert len(rows) == 5
        assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)
    cells = real_kg.rank("degree", "CellType", top=50)
    assert cells and {r.entity.type for r in cells} == {"CellType"}
    therapies = real_kg.rank("degree", "therapy", top=50)
    assert {r.entity.type for r in therapies} <= {"Therapy", "Drug", "CellTherapy"}
    with pytest.raises(AlskgError):
        real_kg.rank("fame")


def test_communities_do_not_depend_on_insertion_order(real_kg):
    """The same graph built in the opposite order gives the same communities (no hidden randomness)."""
    import networkx as nx

    G = real_kg.network
    reversed_graph = nx.MultiDiGraph()
    reversed_graph.graph.update(G.graph)
    reversed_graph.add_nodes_from(reversed(list(G.nodes(data=True))))
    reversed_graph.add_edges_from(reversed(list(G.edges(keys=True, data=True))))
    a = [c.to_dict() for c in real_kg.communities()]
    b = [c.to_dict() for c in kg.analyze.communities(reversed_graph)]
    assert a == b and len(a) >= 2
    members = [m["id"] for c in a for m in c["members"]]
    assert len(members) == len(set(members))


def test_chains_carry_the_evidence_of_each_link(real_kg):
    rows = real_kg.chains()
    assert rows
    for ch in rows:
        assert ch.gene.type in ("Gene", "Variant", "GeneProduct") and ch.cell.type == "CellType"
        assert ch.pathology.type == "Pathology" and ch.therapy.type in ("Therapy", "Drug", "CellTherapy")
        assert all(step for step in ch.links)
    sod1 = real_kg.chains("SOD1")
    assert {c.gene.id for c in sod1} <= {"sod1", *(v for _, v in real_kg.network.out_edges("sod1"))}
    json.dumps([c.to_dict() for c in rows])


@pytest.mark.parametrize("cmd", [["rank"], ["rank", "--metric", "pagerank", "--type", "Gene"], ["communities"],
                                 ["chains"]])
def test_cli_analytics_text_and_json(real_seeds, tmp_path, cmd):
    runs = [invoke(*cmd, *extra, "--seeds", str(real_seeds)) for extra in ([], ["--json"], ["--json"])]
    for r in runs:
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    assert json.loads(runs[1].stdout) == json.loads(runs[2].stdout)  # deterministic
