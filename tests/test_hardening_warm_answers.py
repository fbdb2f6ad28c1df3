"""Warm ``path``, ``show`` and ``neighbors`` from the cache entry's read form (``kg.readform``): the same
answers as from the whole projection, nothing of the projection decoded, a damaged or forged read
form rebuilt, and the seeds' remembered hashes never hiding an edit."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kg
import kg.cache
from helpers import REPO, SEEDS, invoke
from kg import cachefs, readform
from kg.cache import HASH_MEMO, content_key
from kg.entity import format_entity, format_neighborhood
from kg.graph import KG
from kg.model import AlskgError, Claim
from kg.names import AmbiguousName, NameIndex, UnknownName, entity_prefixes
from kg.paths import PathFinder, format_answer

PATH_OPTIONS = [
    {},
    {"max_hops": 3, "limit": 50},
    {"via": "CellType"},
    {"observed_only": True},
    {"no_hubs": True},
    {"directed": True, "max_hops": 5},
    {"sign": "up"},
    {"avoid": ("astrocyte",)},
    {"limit": None},
]
PAIRS = [("SOD1", "microglia"), ("ミクログリア", "sod 1"), ("TDP-43", "ALS"), ("astrocyte", "motor neuron")]


@pytest.fixture(scope="module")
def warm(tmp_path_factory) -> tuple[KG, KG]:
    """(the real graph answered from the read form, the same graph answered from the projection)."""
    cache = tmp_path_factory.mktemp("warm-cache")
    kg.load(SEEDS, cache)  # builds the entry
    g = kg.load(SEEDS, cache)
    assert g._form is not None, "a warm load opens the read form"
    full = kg.load(SEEDS, cache)
    return g, KG(full.network, full.nq_path, full.seeds_dir)


def _same(a, b) -> None:
    assert json.dumps(a.to_dict(), ensure_ascii=False) == json.dumps(b.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize("options", PATH_OPTIONS, ids=lambda o: ",".join(o) or "default")
def test_warm_paths_equal_the_projections(warm, options):
    g, full = warm
    for a, b in PAIRS:
        try:
            want = full.paths(a, b, **options)
        except AlskgError as exc:  # e.g. avoiding an end: the same error
            with pytest.raises(AlskgError, match=re.escape(str(exc))):
                g.paths(a, b, **options)
            continue
        got = g.paths(a, b, **options)
        _same(got, want)
        for lang in ("en", "ja"):
            assert format_answer(g.view, got, lang) == format_answer(full.network, want, lang)
    assert "network" not in g.__dict__, "a warm path decodes nothing of the projection"


@pytest.mark.parametrize("name", ["SOD1", "microglia", "ALS", "ミクログリア", "astrocyte", "TDP-43"])
def test_warm_show_and_neighbors_equal_the_projections(warm, name):
    g, full = warm
    _same(g.entity(name), full.entity(name))
    assert format_entity(g.view, g.entity(name)) == format_entity(full.network, full.entity(name))
    for hops in (1, 2):
        _same(g.neighbors(name, hops), full.neighbors(name, hops))
        assert format_neighborhood(g.view, g.neighbors(name, hops)) == format_neighborhood(full.network, full.neighbors(name, hops))
    assert "network" not in g.__dict__


def _outcome(resolve, name: str) -> str:
    try:
        return resolve(name)
    except (UnknownName, AmbiguousName) as exc:
        return f"{type(exc).__name__}: {exc}"


def test_loose_and_unknown_names_fall_back_to_the_full_index(warm):
    g, full = warm
    for name in ("motor neurones", "no such entity", "microgli", "SOD-1", "ALS progression"):
        assert _outcome(g.resolve, name) == _outcome(full.resolve, name)
    assert g.names.notes == full.names.notes != []


def test_the_cli_answers_warm_as_it_answers_cold(tmp_path):
    env = {"ALSKG_CACHE": str(tmp_path / "cache")}
    commands = [("path", "SOD1", "microglia", "--json"), ("path", "SOD1", "microglia", "--max-hops", "3"),
                ("show", "SOD1"), ("neighbors", "astrocyte", "--json"), ("path", "SOD-1", "microglia")]
    cold = [invoke(*c, env=env) for c in commands[:1]]  # the first builds the entry (answers from the projection)
    warm = [invoke(*c, env=env) for c in commands]
    assert cold[0] == warm[0] and warm[0].returncode == 0
    full = KG(kg.load(SEEDS, tmp_path / "cache").network, tmp_path / "x.nq", SEEDS)
    assert json.loads(warm[0].stdout) == json.loads(json.dumps(full.paths("SOD1", "microglia").to_dict()))
    assert warm[4].stderr == "note: 'SOD-1' taken as SOD1 [sod1]\n"


# ---------------------------------------------------------------- damage and forgery


def _entry(cache: Path) -> Path:
    return cache / content_key(SEEDS)


def _index(entry: Path) -> dict:
    """The read form's index with its integer tables decoded."""
    doc = json.loads((entry / readform.INDEX_NAME).read_bytes())
    for table in readform._INT_TABLES:
        doc[table] = list(readform.int_table(doc[table]))
    return doc


def _reseal(entry: Path, **changes) -> None:
    """Seal the entry's metadata again with the cache's key (what only the key's owner can do)."""
    secret = cachefs.cache_key(entry.parent)
    meta = cachefs.read_sealed_json(entry / "meta.json", secret)
    meta.update(changes)
    (entry / "meta.json").write_bytes(cachefs.sealed_json(secret, meta))


def _count_builds(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = kg.cache.build
    monkeypatch.setattr(kg.cache, "build", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


@pytest.mark.parametrize("victim", [readform.INDEX_NAME, readform.RECORDS_NAME])
def test_a_written_read_form_file_is_rebuilt(tmp_path, monkeypatch, victim):
    kg.load(SEEDS, tmp_path)
    entry = _entry(tmp_path)
    data = bytearray((entry / victim).read_bytes())
    data[len(data) // 2] ^= 1
    (entry / victim).write_bytes(bytes(data))
    calls = _count_builds(monkeypatch)
    g = kg.load(SEEDS, tmp_path)
    assert calls == [1], "a read form written after its seal is rebuilt"
    assert g.paths("SOD1", "microglia").found > 0
    assert kg.load(SEEDS, tmp_path)._form is not None and calls == [1]


def test_a_damaged_record_is_caught_on_read_and_the_entry_rebuilt(tmp_path, monkeypatch):
    """A record that no longer matches its digest (bit rot, or a forger who re-sealed the metadata
    without touching the sealed index) stops the read form: the entry goes, the answer comes from a
    rebuilt projection and is the same."""
    kg.load(SEEDS, tmp_path)
    want = kg.load(SEEDS, tmp_path).paths("SOD1", "microglia").to_dict()
    entry = _entry(tmp_path)
    doc = _index(entry)
    sod1 = doc["ids"].index("sod1")
    edge = doc["edge_start"][sod1]  # an edge of SOD1's: every search from SOD1 reads it
    data = bytearray((entry / readform.RECORDS_NAME).read_bytes())
    at = doc["edge_at"][edge]
    data[at + 1: at + 2] = b"{" if data[at + 1: at + 2] != b"{" else b"["
    (entry / readform.RECORDS_NAME).write_bytes(bytes(data))
    _reseal(entry, **{readform.RECORDS_NAME: cachefs.fingerprint(entry / readform.RECORDS_NAME)})
    g = kg.load(SEEDS, tmp_path)
    assert g._form is not None, "the seal is sound: the damage shows only when the record is read"
    calls = _count_builds(monkeypatch)
    assert g.paths("SOD1", "microglia").to_dict() == want
    assert calls == [1] and g._form is None
    assert kg.load(SEEDS, tmp_path)._form is not None, "the rebuilt entry has a sound read form"


def test_a_claim_record_must_hash_to_its_id(tmp_path, monkeypatch):
    """Even a record whose digest matches (a forger who rewrote the index and re-sealed everything
    with the key) cannot slip a changed quote in: each claim read back must hash to its id."""
    kg.load(SEEDS, tmp_path)
    entry = _entry(tmp_path)
    doc = _index(entry)
    records = (entry / readform.RECORDS_NAME).read_bytes()
    sod1 = doc["ids"].index("sod1")
    edge = next(e for e in range(doc["edge_start"][sod1], doc["edge_start"][sod1 + 1])
                if json.loads(records[doc["edge_at"][e]:doc["edge_at"][e + 1]]))
    start, end = doc["edge_at"][edge], doc["edge_at"][edge + 1]
    claims = json.loads(records[start:end])
    claims[0]["quote"] = "forged " + claims[0]["quote"]
    forged = json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode()
    shift = len(forged) - (end - start)
    records = records[:start] + forged + records[end:]
    for table in ("node_at", "edge_at", "neg_at", "name_at", "context_at"):
        doc[table] = [x + shift if x > start else x for x in doc[table]]
    for table in readform._INT_TABLES:
        doc[table] = readform.ints(list(doc[table]))
    sha = doc["edge_sha"]
    doc["edge_sha"] = sha[:edge * 32] + hashlib.sha256(forged).hexdigest()[:32] + sha[(edge + 1) * 32:]
    index = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    (entry / readform.INDEX_NAME).write_bytes(index)
    (entry / readform.RECORDS_NAME).write_bytes(records)
    secret = cachefs.cache_key(tmp_path)
    meta = cachefs.read_sealed_json(entry / "meta.json", secret)
    meta["sha256"][readform.INDEX_NAME] = hashlib.sha256(index).hexdigest()
    meta[readform.RECORDS_NAME] = cachefs.fingerprint(entry / readform.RECORDS_NAME)
    (entry / "meta.json").write_bytes(cachefs.sealed_json(secret, meta))
    g = kg.load(SEEDS, tmp_path)
    calls = _count_builds(monkeypatch)
    view = g.entity("SOD1")
    assert calls == [1], "the forged claim was refused and the entry rebuilt"
    assert not any(c.quote.startswith("forged ") for c in view.claims)


def test_an_entry_without_a_read_form_answers_from_the_projection(tmp_path):
    """A projection the form does not know (here: an unknown edge attribute) gets no read form;
    its commands read the projection, as before."""
    G = nx.MultiDiGraph()
    G.add_node("a", label_en="A")
    G.add_node("b", label_en="B")
    G.add_edge("a", "b", key="p", predicate="p", claims=[], source="registry", weight=2)
    assert readform.encode(G, NameIndex(G), entity_prefixes()[1], {}) is None


# ---------------------------------------------------------------- the stored finder is the finder


_IDS = ["a", "b", "c", "d", "e", "f", "g"]


def _claim(s: str, p: str, o: str, i: int, negated: bool = False, model: str | None = None) -> Claim:
    return Claim(s, p, o, f"doc{i % 3}", f"quote {i}", f"summary {i}", "in_vivo",
                 "finding" if i % 4 else "background", negated=negated, model=model,
                 certainty=("observed", "interpretation", "hypothesis")[i % 3])


@st.composite
def projections(draw) -> nx.MultiDiGraph:
    """Small graphs shaped as ``kg.network`` makes them: sorted nodes, edges keyed by predicate with
    claims of that subject and object, registry edges without claims, negated claims beside."""
    G = nx.MultiDiGraph()
    for n in _IDS[:draw(st.integers(2, len(_IDS)))]:
        G.add_node(n, type=draw(st.sampled_from(["Gene", "CellType", "Pathology"])), label_en=n.upper(),
                   label_ja="", labels_ja=[], synonyms=draw(st.lists(st.sampled_from(["x", "y"]), max_size=1)),
                   xrefs=[], note="")
    nodes = list(G.nodes)
    triples = draw(st.lists(st.tuples(st.sampled_from(nodes), st.sampled_from(["causes", "regulates", "has_variant"]),
                                      st.sampled_from(nodes)), unique=True, max_size=14))
    i = 0
    for s, p, o in sorted(triples):
        n_claims = draw(st.integers(0, 2)) if s != o else 1
        claims = []
        for _ in range(n_claims):
            i += 1
            claims.append(_claim(s, p, o, i, model=draw(st.sampled_from([None, *nodes]))))
        G.add_edge(s, o, key=p, predicate=p, claims=sorted(claims, key=lambda c: (c.document, c.id)),
                   source="claims" if claims else "registry")
    negated = [_claim(s, p, o, 100 + j, negated=True)
               for j, (s, p, o) in enumerate(draw(st.lists(st.tuples(st.sampled_from(nodes), st.just("causes"),
                                                                      st.sampled_from(nodes)), max_size=4)))]
    G.graph["negated"] = sorted(negated, key=lambda c: (c.document, c.id))
    G.graph["documents"] = {"doc0": "Zero", "doc1": "One", "doc2": "Two"}
    return G


def _open(G: nx.MultiDiGraph, tmp: Path) -> readform.ReadForm:
    got = readform.encode(G, NameIndex(G), entity_prefixes()[1], {"causes": 1})
    assert got is not None
    index, records = got
    (tmp / readform.RECORDS_NAME).write_bytes(records)
    return readform.ReadForm(index, tmp / readform.RECORDS_NAME, lambda: G)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(G=projections())
def test_the_stored_finder_is_the_projections_finder(G, tmp_path):
    form = _open(G, tmp_path)
    try:
        want, got = PathFinder(G), form.finder
        assert {n: sorted(v) for n, v in want.und.items() if v} == got.und
        assert want._sorted_und == {n: v for n, v in got._sorted_und.items()}
        assert want._sorted_out == got._sorted_out
        assert want.degree == got.degree and want.hubs == got.hubs
        assert dict(want.links) == {pair: got.links[pair] for pair in got.links} and len(want.links) == len(got.links)
        assert {n: v for n, v in want.pairs_of.items()} == {n: got.pairs_of[n] for n in got.pairs_of}
        assert dict(want.negated) == {k: got.negated[k] for k in got.negated}
        assert want.negated_ends() == got.negated_ends()
        for n in G.nodes:
            assert want.ties(n) == got.ties(n)
            assert got.G.nodes[n] == G.nodes[n]
            facts = got.G.entity_facts(n)
            from kg.entity import _facts

            edges, mine, context = _facts(G, n)
            assert sorted(facts[0], key=str) == sorted(set(edges), key=str)
            assert sorted(facts[1]) == sorted(mine) and sorted(facts[2]) == sorted(set(context))
        for key, hits in NameIndex(G).exact_index().items():
            assert form.name_hits(key) == hits
        assert form.name_hits("not a name") == {}
        for name in ["x", "y", "A", "ent:a", "zzz", *G.nodes]:  # ambiguous, exact, unknown (the full index)
            assert _outcome(form.names.resolve, name) == _outcome(NameIndex(G).resolve, name)
    finally:
        form.close()


# ---------------------------------------------------------------- the seeds' remembered hashes


def test_remembered_hashes_give_the_same_key_and_an_edit_changes_it(tmp_path, seeds_copy):
    root = tmp_path / "cache"
    cachefs.secure_root(root)
    memo = (root, cachefs.cache_key(root))
    plain = content_key(seeds_copy)
    old = os.stat(seeds_copy / "documents.tsv").st_mtime_ns
    for f in seeds_copy.rglob("*"):  # old enough to be remembered
        os.utime(f, ns=(old - 10**10, old - 10**10))
    assert content_key(seeds_copy, memo) == plain
    assert (root / HASH_MEMO).is_file()
    assert content_key(seeds_copy, memo) == plain, "from the memo"
    victim = next((seeds_copy / "claims").glob("*.yaml"))
    st_ = os.stat(victim)
    data = victim.read_bytes()
    victim.write_bytes(data.replace(b"a", b"b", 1))  # same size
    os.utime(victim, ns=(st_.st_atime_ns, st_.st_mtime_ns))  # and the modification time set back
    assert content_key(seeds_copy, memo) == content_key(seeds_copy) != plain


def test_a_forged_memo_is_ignored(tmp_path, seeds_copy):
    root = tmp_path / "cache"
    cachefs.secure_root(root)
    memo = (root, cachefs.cache_key(root))
    plain = content_key(seeds_copy)
    content_key(seeds_copy, memo)
    doc = json.loads((root / HASH_MEMO).read_bytes())
    for stamp in doc["files"].values():
        stamp[-1] = "00" * 32
    (root / HASH_MEMO).write_text(json.dumps(doc))  # the MAC no longer seals it
    assert content_key(seeds_copy, memo) == plain


# ---------------------------------------------------------------- what a warm answer imports


def test_a_warm_answer_imports_neither_rdflib_nor_networkx_nor_the_build(tmp_path):
    code = ("import sys, kg; g = kg.load(sys.argv[1], sys.argv[2]); g.paths('SOD1', 'microglia'); g.entity('SOD1');"
            " g.neighbors('SOD1'); print(sorted(m for m in ('rdflib', 'networkx', 'kg.build', 'pyoxigraph')"
            " if m in sys.modules))")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    kg.load(SEEDS, tmp_path)
    r = subprocess.run([sys.executable, "-c", code, str(SEEDS), str(tmp_path)], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stderr + r.stdout


def test_a_damaged_node_record_read_while_printing_gives_the_projections_label(tmp_path):
    """Labels are read again while an answer is printed (outside the guard of ``KG``'s questions):
    a damaged node record there takes the label from the projection and the entry is rebuilt."""
    kg.load(SEEDS, tmp_path)
    entry = _entry(tmp_path)
    doc = _index(entry)
    i = doc["ids"].index("microglia")
    data = bytearray((entry / readform.RECORDS_NAME).read_bytes())
    data[doc["node_at"][i] + 2] ^= 1
    (entry / readform.RECORDS_NAME).write_bytes(bytes(data))
    _reseal(entry, **{readform.RECORDS_NAME: cachefs.fingerprint(entry / readform.RECORDS_NAME)})
    g = kg.load(SEEDS, tmp_path)
    assert g.view.nodes["microglia"]["label_en"] == "microglia"
    assert not entry.exists() or kg.load(SEEDS, tmp_path)._form is not None


@pytest.mark.parametrize("how", ["file", "folder"])
def test_a_seed_file_leading_out_of_the_seeds_changes_the_key(tmp_path, seeds_copy, how):
    """The same bytes behind a link that leads out of the seeds folder must not find the entry of the
    valid build (the reader refuses such a file), whether the link is the file or a folder above it."""
    root = tmp_path / "cache"
    cachefs.secure_root(root)
    memo = (root, cachefs.cache_key(root))
    plain = content_key(seeds_copy)
    outside = tmp_path / "outside"
    outside.mkdir()
    if how == "file":
        victim = next((seeds_copy / "claims").glob("*.yaml"))
        (outside / victim.name).write_bytes(victim.read_bytes())
        victim.unlink()
        victim.symlink_to(outside / victim.name)
    else:
        import shutil

        shutil.move(seeds_copy / "claims", outside / "claims")
        (seeds_copy / "claims").symlink_to(outside / "claims")
    assert content_key(seeds_copy) != plain
    assert content_key(seeds_copy, memo) == content_key(seeds_copy)
