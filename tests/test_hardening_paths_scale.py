"""Path search bounded by design: the ranked answer is the one a brute-force search over every simple
path gives (on the real graph and on hub-heavy random graphs), and ``Claim.id`` is hashed once."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import pickle

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.model import Claim
from kg.names import NameIndex
from kg.paths import PathFinder, _make_path, find_paths, observed_hop, type_family
from kg.schema import load_schema

# ---------------------------------------------------------------- the reference: every path, ranked


def brute_force(G: nx.MultiDiGraph, src: str, dst: str, *, max_hops: int = 4, limit: int | None = 10,
                via: str | None = None, avoid: tuple[str, ...] = (), directed: bool = False,
                no_hubs: bool = False, observed_only: bool = False, sign: str | None = None):
    """The answer as the search gave it before it was bounded: NetworkX's own simple-path
    enumeration, every path built in full, filtered and sorted by the README's ranking."""
    finder = PathFinder(G)
    simple = nx.DiGraph() if directed else nx.Graph()
    simple.add_nodes_from(n for n in G.nodes if n not in avoid)
    simple.add_edges_from((u, v) for u, v in finder.links if u not in avoid and v not in avoid)
    raw = [tuple(p) for p in nx.all_simple_paths(simple, src, dst, cutoff=max_hops)] if src in simple else []
    if via:
        types = type_family(via)[1]
        raw = [p for p in raw if any(G.nodes[n].get("type") in types for n in p[1:-1])]
    signs = load_schema().signs
    results = [_make_path(G, finder, p, directed, signs) for p in raw]
    hub_only = sorted({h for r in results for h in r.hubs}) if results and all(r.hubs for r in results) else []
    if no_hubs:
        results = [r for r in results if not r.hubs]
    if observed_only:
        results = [r for r in results if all(observed_hop(h) for h in r.hops)]
    if sign:
        results = [r for r in results if r.net_effect == (1 if sign == "up" else -1)]
    results.sort(key=lambda r: (r.length, bool(r.hubs), -r.score, -r.evidence, tuple(n.id for n in r.nodes)))
    return (results if limit is None else results[:limit]), len(results), hub_only


def assert_same_answer(G: nx.MultiDiGraph, src: str, dst: str, finder: PathFinder, names: NameIndex,
                       **options) -> None:
    want, found, hub_only = brute_force(G, src, dst, **options)
    got = find_paths(G, src, dst, finder=finder, names=names, **options)
    assert not got.truncated
    assert got.found == found
    assert [h.id for h in got.hub_only] == hub_only
    assert [p.to_dict() for p in got.paths] == [p.to_dict() for p in want]  # scores to the last bit


# ---------------------------------------------------------------- the real graph


@pytest.fixture(scope="module")
def real(real_kg):
    G = real_kg.network
    return G, PathFinder(G), NameIndex(G)


def test_real_graph_sod1_to_microglia_is_the_brute_force_answer_with_every_option(real):
    G, finder, names = real
    for options in ({}, {"limit": 1}, {"limit": None}, {"max_hops": 3}, {"directed": True},
                    {"no_hubs": True}, {"observed_only": True}, {"sign": "up"}, {"via": "CellType"},
                    {"avoid": ("sod1_g37r",)}, {"no_hubs": True, "limit": 2}):
        assert_same_answer(G, "sod1", "microglia", finder, names, **options)


def test_real_graph_through_the_hub_keeps_the_weak_link_warning(real):
    G, finder, names = real
    assert finder.hubs, "the curated graph has a general hub (ALS)"
    hub = sorted(finder.hubs)[0]
    leaves = sorted(n for n in finder.und[hub] if finder.degree[n] == 1)
    assert len(leaves) >= 2
    assert_same_answer(G, leaves[0], leaves[1], finder, names)
    assert find_paths(G, leaves[0], leaves[1], finder=finder, names=names).hub_only


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_real_graph_any_pair_is_the_brute_force_answer(real, data):
    G, finder, names = real
    nodes = sorted(n for n in G.nodes if finder.degree.get(n, 0) > 0)
    src = data.draw(st.sampled_from(nodes))
    dst = data.draw(st.sampled_from([n for n in nodes if n != src]))
    options = {"max_hops": data.draw(st.integers(1, 3)), "limit": data.draw(st.sampled_from([1, 3, 10, None])),
               "directed": data.draw(st.booleans()), "no_hubs": data.draw(st.booleans())}
    assert_same_answer(G, src, dst, finder, names, **options)


# ---------------------------------------------------------------- hub-heavy random graphs


def _claim(u: str, v: str, i: int, certainty: str) -> Claim:
    return Claim(u, "increases", v, "d", f"q{u}{v}{i}", "s", "in_vitro", "finding", certainty=certainty)


@st.composite
def hub_graphs(draw) -> nx.MultiDiGraph:
    """Graphs shaped like the synthetic seeds: a few hubs most nodes touch, sparse links elsewhere."""
    n = draw(st.integers(4, 14))
    nodes = [f"n{i}" for i in range(n)]
    G = nx.MultiDiGraph()
    for x in nodes:
        G.add_node(x, type="Gene", label_en=x, label_ja="", labels_ja=[], synonyms=[], xrefs=[])
    pairs = draw(st.lists(st.tuples(st.sampled_from(nodes), st.sampled_from(nodes)), max_size=45))
    hub = nodes[0]
    pairs += [(hub, x) for x in nodes[1:] if draw(st.booleans())]
    for i, (u, v) in enumerate(pairs):
        certainty = draw(st.sampled_from(["observed", "interpretation", "hypothesis"]))
        G.add_edge(u, v, key="increases", predicate="increases", source="claims", claims=[_claim(u, v, i, certainty)])
    return G


@settings(max_examples=150, deadline=None)
@given(G=hub_graphs(), data=st.data())
def test_hub_heavy_graphs_give_the_brute_force_answer(G, data):
    finder, names = PathFinder(G), NameIndex(G)
    src = data.draw(st.sampled_from(sorted(G.nodes)))
    dst = data.draw(st.sampled_from(sorted(n for n in G.nodes if n != src)))
    options = {"max_hops": data.draw(st.integers(1, 5)), "limit": data.draw(st.sampled_from([1, 2, 5, None])),
               "directed": data.draw(st.booleans()), "no_hubs": data.draw(st.booleans()),
               "observed_only": data.draw(st.booleans()), "sign": data.draw(st.sampled_from([None, "up"]))}
    assert_same_answer(G, src, dst, finder, names, **options)


@settings(max_examples=150, deadline=None)
@given(G=hub_graphs(), data=st.data())
def test_counting_a_length_agrees_with_walking_it(G, data):
    finder = PathFinder(G)
    src = data.draw(st.sampled_from(sorted(G.nodes)))
    dst = data.draw(st.sampled_from(sorted(n for n in G.nodes if n != src)))
    directed = data.draw(st.booleans())
    search = finder.search(src, dst, 5, directed, set())
    if search is None:
        return
    ban = frozenset(data.draw(st.sets(st.sampled_from(sorted(G.nodes)), max_size=3)))
    for hops in range(1, 6):
        paths, cut = search.paths(hops, 10_000)
        assert not cut and all(len(p) == hops + 1 and len(set(p)) == len(p) for p in paths)
        assert search.count(hops, 10_000) == (len(paths), False)
        inner_free = [p for p in paths if not ban & set(p[1:-1])]
        assert search.count(hops, 10_000, ban) == (len(inner_free), False)


def test_the_budget_stops_a_search_and_says_so():
    G = nx.MultiDiGraph()
    mids = [f"m{i}" for i in range(30)]
    for x in ["a", "b", *mids]:
        G.add_node(x, type="Gene", label_en=x, label_ja="", labels_ja=[], synonyms=[], xrefs=[])
    for i, m in enumerate(mids):
        G.add_edge("a", m, key="increases", predicate="increases", source="claims", claims=[_claim("a", m, i, "observed")])
        G.add_edge(m, "b", key="increases", predicate="increases", source="claims", claims=[_claim(m, "b", i, "observed")])
    search = PathFinder(G).search("a", "b", 2, False, set())
    assert search is not None
    assert search.count(2, 10) == (10, True)
    paths, cut = search.paths(2, 10)
    assert len(paths) == 10 and cut


# ---------------------------------------------------------------- Claim.id, hashed once


def _expected_id(c: Claim) -> str:
    parts = [c.subject, c.predicate, c.object, c.document, c.quote, "neg" if c.negated else "pos",
             c.model or "", c.species or ""]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def test_claim_id_is_computed_once_and_stays_the_content_hash():
    c = Claim("sod1", "increases", "microglia", "doc", "a quote", "s", "in_vitro", "finding")
    assert "id" not in c.__dict__
    first = c.id
    assert first == _expected_id(c) and c.__dict__["id"] is first and c.id is first
    twin = Claim("sod1", "increases", "microglia", "doc", "a quote", "s", "in_vitro", "finding")
    assert twin == c and hash(twin) == hash(c) and not twin < c  # the stored id is no field
    changed = dataclasses.replace(c, quote="another quote")
    assert changed.id != first and changed.id == _expected_id(changed)
    for restored in (pickle.loads(pickle.dumps(c)), copy.copy(c), copy.deepcopy(c), Claim.from_dict(c.to_dict())):
        assert restored == c and restored.id == first
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.quote = "edited"  # type: ignore[misc]


def test_a_longer_hub_free_path_that_is_only_counted_still_clears_the_weak_link_warning():
    """a → hub → b fills a one-path page; a → x → y → b is only counted, yet it is hub-free."""
    G = nx.MultiDiGraph()
    for x in ["a", "b", "hub", "x", "y", *(f"n{i}" for i in range(20))]:
        G.add_node(x, type="Gene", label_en=x, label_ja="", labels_ja=[], synonyms=[], xrefs=[])
    edges = [("a", "hub"), ("hub", "b"), ("a", "x"), ("x", "y"), ("y", "b"), *(("hub", f"n{i}") for i in range(20))]
    for i, (u, v) in enumerate(edges):
        G.add_edge(u, v, key="increases", predicate="increases", source="claims", claims=[_claim(u, v, i, "observed")])
    finder, names = PathFinder(G), NameIndex(G)
    assert finder.hubs == {"hub"}
    ans = find_paths(G, "a", "b", limit=1, finder=finder, names=names)
    assert [n.id for n in ans[0].nodes] == ["a", "hub", "b"] and ans.found == 2 and not ans.hub_only
    for limit in (1, 2, None):
        assert_same_answer(G, "a", "b", finder, names, limit=limit)
        assert_same_answer(G, "a", "b", finder, names, limit=limit, max_hops=2)
