"""A cache that cannot lie (issue 13, "Cache"): data only, versioned, checked, rebuilt on any doubt, no leftovers."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kg
from helpers import REPO
from kg.cache import (
    CACHE_FORMAT,
    HASH_MEMO,
    STALE_AGE_S,
    content_key,
    decode_network,
    encode_network,
    load_cached,
    read_entry,
)
from kg.model import Claim
from kg.network import all_claims

ENTRY_FILES = ["answers.bin", "answers.json", "graph.nq", "meta.json", "network.json"]  # kg.readform's two files


def _exact(G: nx.MultiDiGraph) -> str:
    """Everything a projection holds, in order and with types (repr shows a tuple apart from a list,
    1 apart from 1.0, and each claim's ``where``, which claim equality ignores)."""
    return repr((list(G.nodes(data=True)), list(G.edges(keys=True, data=True)),
                 list(G.in_edges(keys=True, data=True)), G.graph))


def _meta(entry: Path) -> dict:
    return json.loads((entry / "meta.json").read_text(encoding="utf-8"))


def test_the_cached_graph_is_exactly_the_fresh_build(real_seeds, real_built, tmp_path):
    cache = tmp_path / "cache"
    load_cached(real_seeds, cache)  # builds and stores
    entry = cache / content_key(real_seeds)
    _, cached = load_cached(real_seeds, cache)  # loads from the files
    assert read_entry(entry) is not None
    assert _exact(cached) == _exact(real_built.network)
    assert [repr(c) for c in all_claims(cached)] == [repr(c) for c in all_claims(real_built.network)]
    assert [str(c.where) for c in all_claims(cached)] == [str(c.where) for c in all_claims(real_built.network)]


def test_every_claim_survives_to_dict_and_from_dict(real_built):
    for c in real_built.seeds.claims:
        back = Claim.from_dict(json.loads(json.dumps(c.to_dict())))
        assert repr(back) == repr(c) and back == c and hash(back) == hash(c)


def test_a_claim_whose_content_does_not_match_its_id_is_refused(real_built):
    d = real_built.seeds.claims[0].to_dict()
    d["quote"] += " (edited)"
    with pytest.raises(ValueError, match="does not match"):
        Claim.from_dict(d)


def test_the_cache_holds_no_pickle_and_records_format_and_checksums(mini_seeds, tmp_path):
    cache = tmp_path / "cache"
    kg.load(mini_seeds, cache)
    entry = cache / content_key(mini_seeds)
    assert sorted(p.name for p in entry.iterdir()) == ENTRY_FILES
    meta = _meta(entry)
    assert meta["format"] == CACHE_FORMAT and meta["key"] == entry.name
    for name, digest in meta["sha256"].items():
        assert hashlib.sha256((entry / name).read_bytes()).hexdigest() == digest


class _Evil:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_crafted_pickle_is_never_loaded(mini_seeds, tmp_path):
    cache = tmp_path / "cache"
    kg.load(mini_seeds, cache)
    entry = cache / content_key(mini_seeds)
    marker = tmp_path / "code-ran"
    evil = pickle.dumps(_Evil(marker))
    nq = (entry / "graph.nq").read_bytes()
    for name in list(entry.iterdir()):
        name.unlink()
    # the layout the old cache trusted: a pickle whose checksum matches meta.json
    (entry / "graph.nq").write_bytes(nq)
    (entry / "network.pickle").write_bytes(evil)
    (entry / "meta.json").write_text(json.dumps({"sha256": {
        "graph.nq": hashlib.sha256(nq).hexdigest(), "network.pickle": hashlib.sha256(evil).hexdigest()}}))
    g = kg.load(mini_seeds, cache)
    assert not marker.exists(), "loading the cache ran code from a pickle"
    assert g.resolve("ミクログリア") == "microglia"
    assert _meta(entry)["format"] == CACHE_FORMAT, "the entry was rebuilt in the current format"


@pytest.mark.parametrize("fmt", [CACHE_FORMAT - 1, CACHE_FORMAT + 1, "3", None])
def test_a_cache_of_another_format_version_is_rebuilt(mini_seeds, tmp_path, fmt):
    cache = tmp_path / "cache"
    kg.load(mini_seeds, cache)
    entry = cache / content_key(mini_seeds)
    # a consistent entry (checksums match) that claims another format and holds other labels
    net = json.loads((entry / "network.json").read_text(encoding="utf-8"))
    net["format"] = fmt
    for _, attrs in net["nodes"]:
        attrs["label_en"] = "WRONG"
    data = json.dumps(net).encode()
    (entry / "network.json").write_bytes(data)
    meta = _meta(entry)
    meta["format"] = fmt
    meta["sha256"]["network.json"] = hashlib.sha256(data).hexdigest()
    (entry / "meta.json").write_text(json.dumps(meta))
    assert read_entry(entry) is None
    g = kg.load(mini_seeds, cache)
    assert g.network.nodes["microglia"]["label_en"] == "microglia"
    assert _meta(entry)["format"] == CACHE_FORMAT


def test_a_consistent_entry_with_wrong_content_under_this_format_is_rebuilt(mini_seeds, tmp_path):
    """Checksums that match content someone rewrote are still no licence to lie: claims are checked."""
    cache = tmp_path / "cache"
    kg.load(mini_seeds, cache)
    entry = cache / content_key(mini_seeds)
    net = json.loads((entry / "network.json").read_text(encoding="utf-8"))
    net["claims"][0]["summary"] = "A summary nobody curated."
    net["claims"][0]["quote"] = "a quote no document holds"
    data = json.dumps(net).encode()
    (entry / "network.json").write_bytes(data)
    meta = _meta(entry)
    meta["sha256"]["network.json"] = hashlib.sha256(data).hexdigest()
    (entry / "meta.json").write_text(json.dumps(meta))
    assert read_entry(entry) is None
    g = kg.load(mini_seeds, cache)
    assert all(c.quote != "a quote no document holds" for c in all_claims(g.network))


@pytest.mark.parametrize("damage", [b"", b"\xff\xfe", b"[" * 100_000, b'{"format": 3, "claims": 7}', b"null"])
def test_unreadable_content_is_rebuilt_not_a_crash(mini_seeds, tmp_path, damage):
    cache = tmp_path / "cache"
    kg.load(mini_seeds, cache)
    entry = cache / content_key(mini_seeds)
    for name in ("network.json", "meta.json"):
        (entry / name).write_bytes(damage)
        g = kg.load(mini_seeds, cache)
        assert g.network.nodes["microglia"]["label_ja"] == "ミクログリア"
        assert read_entry(entry) is not None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                    max_leaves=12))
def test_decoding_any_json_gives_a_graph_or_a_plain_error(doc):
    for value in (doc, {"format": CACHE_FORMAT, "claims": [], "graph": {}, "nodes": doc, "edges": []},
                  {"format": CACHE_FORMAT, "claims": [], "graph": doc, "nodes": [], "edges": doc}):
        try:
            G = decode_network(json.dumps(value).encode())
        except (ValueError, TypeError, KeyError, IndexError):
            continue
        assert isinstance(G, nx.MultiDiGraph)


def test_an_attribute_the_cache_cannot_keep_exactly_is_refused_when_written():
    G = nx.MultiDiGraph()
    G.add_node("a", xrefs=("tuple", "not list"))
    with pytest.raises(TypeError, match="tuple"):
        encode_network(G)
    G = nx.MultiDiGraph()
    G.add_node("a", label_en="A", labels_ja=["あ"], note="", n=1, f=1.5, flag=True, nothing=None)
    G.add_edge("a", "a", key="p", claims=[], source="registry")
    G.graph.update(documents={"$odd": "title"}, negated=[])
    assert _exact(decode_network(encode_network(G))) == _exact(G)


# ---------------------------------------------------------------- leftovers


_LOAD = "import sys, kg; kg.load(sys.argv[1], sys.argv[2]); print('ok')"


def test_parallel_first_runs_agree_and_leave_no_temporary_folders(mini_seeds, tmp_path):
    cache = tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", _LOAD, str(mini_seeds), str(cache)], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(6)]
    results = [p.communicate(timeout=600) for p in procs]
    assert all(p.returncode == 0 and out.strip() == "ok" for p, (out, _) in zip(procs, results, strict=True)), results
    assert sorted(p.name for p in cache.iterdir()) == sorted([content_key(mini_seeds), "files", "key", HASH_MEMO])
    assert not [p for p in (cache / "files").iterdir() if not p.name.endswith(".json")]
    assert read_entry(cache / content_key(mini_seeds)) is not None


def test_temporary_folders_of_killed_runs_are_removed_once_old(mini_seeds, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    old, fresh, stale = cache / ".tmp-killed", cache / ".tmp-running", cache / ".stale-killed"
    for folder in (old, fresh, stale):
        folder.mkdir()
        (folder / "graph.nq").write_bytes(b"half")
    then = time.time() - STALE_AGE_S - 60
    for folder in (old, stale):
        os.utime(folder, (then, then))
    kg.load(mini_seeds, cache)
    assert not old.exists() and not stale.exists()
    assert fresh.exists(), "a recent temporary folder may belong to a run still writing it"


def test_a_corrupt_entry_is_replaced_whole(mini_seeds, tmp_path):
    cache = tmp_path / "cache"
    kg.load(mini_seeds, cache)
    entry = cache / content_key(mini_seeds)
    (entry / "network.json").write_bytes(b"{")
    (entry / "extra-file").write_bytes(b"from the corrupt entry")
    kg.load(mini_seeds, cache)
    assert sorted(p.name for p in entry.iterdir()) == ENTRY_FILES
    assert sorted(p.name for p in cache.iterdir()) == sorted([entry.name, "files", "key", HASH_MEMO])
