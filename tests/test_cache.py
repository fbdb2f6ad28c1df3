"""The built graph is cached by content: repeat queries do not rebuild; stale and corrupt caches are rebuilt."""

from __future__ import annotations

import pytest

import kg
import kg.cache
from kg.cache import content_key


@pytest.fixture()
def cache(tmp_path):
    return tmp_path / "cache"


def _no_build(*_a, **_k):
    raise AssertionError("the cache should have been used")


def test_a_repeat_load_uses_the_cache(mini_seeds, cache, monkeypatch):
    first = kg.load(mini_seeds, cache)
    monkeypatch.setattr(kg.cache, "build", _no_build)
    again = kg.load(mini_seeds, cache)
    assert sorted(again.network.nodes) == sorted(first.network.nodes)
    assert again.paths("SOD1", "microglia")[0].length == 3
    assert len(again.query("documents").rows) == 5


def test_an_edited_seed_makes_the_cache_stale_and_it_is_rebuilt(mini_seeds, cache):
    kg.load(mini_seeds, cache)
    key = content_key(mini_seeds)
    claims = mini_seeds / "claims" / "glia-sod1-2008.yaml"
    claims.write_text(claims.read_text(encoding="utf-8").replace(
        "Astrocytes control the abnormal", "Astrocytes govern the abnormal"), encoding="utf-8")
    assert content_key(mini_seeds) != key
    g = kg.load(mini_seeds, cache)
    summaries = [c.summary for p in g.paths("astrocyte", "microglia") for h in p.hops for c in h.claims]
    assert any(s.startswith("Astrocytes govern") for s in summaries)
    assert any(r[0].value.startswith("Astrocytes govern")
               for r in g.query("SELECT ?s WHERE { ?c als:summary ?s }").rows)


@pytest.mark.parametrize("victim,damage", [
    ("network.json", b"not json"),
    ("graph.nq", b"<broken"),
    ("meta.json", b"{"),
])
def test_a_corrupt_cache_is_detected_and_rebuilt(mini_seeds, cache, victim, damage, monkeypatch):
    kg.load(mini_seeds, cache)
    entry = cache / content_key(mini_seeds)
    (entry / victim).write_bytes(damage)
    calls = []
    real_build = kg.cache.build
    monkeypatch.setattr(kg.cache, "build", lambda *a, **k: calls.append(1) or real_build(*a, **k))
    g = kg.load(mini_seeds, cache)
    assert calls == [1], "a corrupt cache must be rebuilt"
    assert g.resolve("ミクログリア") == "microglia"
    assert len(g.query("documents").rows) == 5
    calls.clear()
    kg.load(mini_seeds, cache)
    assert calls == [], "the rebuilt cache is used again"
