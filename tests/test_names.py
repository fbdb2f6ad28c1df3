"""Name resolution: ids, CURIEs, English and Japanese labels, synonyms; folded; clear errors."""

from __future__ import annotations

import contextlib

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kg
from helpers import invoke
from kg.model import AlskgError
from kg.names import AmbiguousName, NameIndex, UnknownName


def _graph() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    G.add_node("sod1", type="Gene", label_en="SOD1", label_ja="SOD1遺伝子", labels_ja=["SOD1遺伝子"],
               synonyms=["superoxide dismutase 1"], xrefs=["HGNC:11179"])
    G.add_node("microglia", type="CellType", label_en="microglia", label_ja="ミクログリア", labels_ja=["ミクログリア"],
               synonyms=["microglial cell"], xrefs=["CL:0000129"])
    G.add_node("astrocyte", type="CellType", label_en="astrocyte", label_ja="アストロサイト",
               labels_ja=["アストロサイト"], synonyms=["glia x"], xrefs=[])
    G.add_node("glia_x", type="CellType", label_en="another glia", label_ja="", labels_ja=[], synonyms=["glia x"],
               xrefs=[])
    G.add_node("als", type="Disease", label_en="amyotrophic lateral sclerosis", label_ja="筋萎縮性側索硬化症",
               labels_ja=["筋萎縮性側索硬化症"], synonyms=["ALS", "sod1"], xrefs=[])
    return G


@pytest.fixture(scope="module")
def index() -> NameIndex:
    return NameIndex(_graph())


@pytest.mark.parametrize("name,expected", [
    ("sod1", "sod1"), ("SOD1", "sod1"), ("HGNC:11179", "sod1"), ("hgnc:11179", "sod1"), ("ent:sod1", "sod1"),
    ("https://w3id.org/alskg/entity/sod1", "sod1"), ("superoxide dismutase 1", "sod1"), ("SOD1遺伝子", "sod1"),
    ("ＳＯＤ１", "sod1"), ("  s o d 1 ", "sod1"), ("ミクログリア", "microglia"), ("ﾐｸﾛｸﾞﾘｱ", "microglia"),
    ("CL:0000129", "microglia"), ("Microglial Cell", "microglia"), ("ALS", "als"), ("筋萎縮性側索硬化症", "als"),
])
def test_every_kind_of_name_resolves(index, name, expected):
    assert index.resolve(name) == expected


def test_an_id_beats_another_entitys_synonym(index):
    # "sod1" is the gene's id and (in this fixture) a synonym of ALS: the id wins
    assert index.resolve("sod1") == "sod1"


def test_equal_matches_are_ambiguous_and_list_the_candidates(index):
    with pytest.raises(AmbiguousName) as err:
        index.resolve("glia x")
    assert [c[0] for c in err.value.candidates] == ["astrocyte", "glia_x"]
    assert "did you mean one of" in str(err.value) and isinstance(err.value, AlskgError)


def test_unknown_names_suggest_close_ones(index):
    with pytest.raises(UnknownName) as err:
        index.resolve("microglai")
    assert "microglia" in err.value.suggestions
    assert "did you mean" in str(err.value)
    with pytest.raises(UnknownName):
        index.resolve("   ")


def _variant(text: str, data: st.DataObject) -> str:
    """The same name as a user might type it: case, full width, stray spaces."""
    out = []
    for ch in text:
        if ch.isascii() and ch.isalnum():
            ch = ch.upper() if data.draw(st.booleans()) else ch.lower()
            if data.draw(st.booleans()):
                ch = chr(ord(ch) + 0xFEE0)  # full-width form
        out.append(ch)
        if data.draw(st.integers(0, 4)) == 0:
            out.append(data.draw(st.sampled_from([" ", "\u3000", "\t"])))
    return "".join(out)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_typing_of_a_unique_name_finds_its_entity(index, data):
    G = index.G
    eid = data.draw(st.sampled_from(sorted(G.nodes)))
    names = [eid, G.nodes[eid]["label_en"], *G.nodes[eid]["labels_ja"], *G.nodes[eid]["xrefs"]]
    name = data.draw(st.sampled_from(names))
    assert index.resolve(_variant(name, data)) == eid


@settings(max_examples=100, deadline=None)
@given(text=st.text(min_size=1, max_size=12))
def test_resolution_either_answers_or_raises_alskg_error(index, text):
    with contextlib.suppress(AlskgError):
        assert index.resolve(text) in index.G


def test_real_graph_resolves_english_japanese_and_curies(real_kg):
    assert real_kg.resolve("ミクログリア") == "microglia"
    assert real_kg.resolve("SOD1") == "sod1"
    assert real_kg.resolve("アストロサイト") == "astrocyte"
    for eid, data in real_kg.network.nodes(data=True):
        assert real_kg.resolve(eid) == eid
        for x in data["xrefs"]:
            assert eid in real_kg.names.lookup(x)


def test_cli_unknown_name_is_a_clean_error(mini_seeds, tmp_path):
    r = invoke("show", "microglai", "--seeds", str(mini_seeds), env=_env(tmp_path))
    assert r.returncode == 1
    assert "did you mean" in r.stderr and "microglia" in r.stderr
    assert "Traceback" not in r.stderr


def _env(tmp_path):
    import os

    return {**os.environ, "ALSKG_CACHE": str(tmp_path / "cache")}


def test_kg_resolve_is_the_api(mini_seeds, tmp_path):
    g = kg.load(mini_seeds, tmp_path / "cache")
    assert g.resolve("ＡＳＴＲＯＣＹＴＥ") == "astrocyte"
