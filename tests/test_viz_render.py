"""The views and the page, without a browser: selection, styles as data, self-containment, limits, CLI errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

import kg
from helpers import Ran, invoke
from kg.model import AlskgError
from kg.schema import load_schema
from viz import render, views
from viz.synthetic import synthetic_graph

VIS_SHAPES = {"dot", "diamond", "triangle", "triangleDown", "square", "star", "hexagon", "box", "ellipse", "circle"}


@pytest.fixture()
def mini(mini_seeds: Path, tmp_path: Path) -> nx.MultiDiGraph:
    return kg.load(mini_seeds, cache_dir=tmp_path / "cache").network


def _embedded(html: bytes, name: str) -> list[dict]:
    """The JSON a page embeds as ``var NAME = [...];`` (what the browser will draw)."""
    m = re.search(rf"var {name} = (.*?);\n", html.decode("utf-8"))
    assert m, f"{name} not found in page"
    return json.loads(m.group(1))


def test_styles_cover_every_schema_type_with_a_valid_colour_and_shape():
    styles = render.load_styles()
    missing = sorted(set(load_schema().types) - set(styles["types"]))
    assert not missing, f"add these types to viz/styles.json: {missing}"
    for name, st in [*styles["types"].items(), ("default_type", styles["default_type"])]:
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", st["color"]), f"{name}: colour must be #rrggbb"
        assert st["shape"] in VIS_SHAPES, f"{name}: shape {st['shape']!r} is not a vis-network shape"
    assert {"claims", "registry", "negated", "path"} <= set(styles["edges"])


def test_pyvis_in_line_alone_is_not_self_contained_and_the_checker_sees_it():
    """The known pyvis problem this module works around: in_line pages still link Bootstrap's CDN."""
    from pyvis.network import Network

    net = Network(cdn_resources="in_line")
    net.add_node(1)
    refs = render.external_references(net.generate_html())
    assert any("cdn.jsdelivr.net" in r for r in refs)


def test_checker_finds_every_kind_of_reference():
    html = ('<img src="http://x/a.png"><link href="//x/s.css"><div style="background:url(http://x/b.png)"></div>'
            '<style>@import "http://x/c.css"; .a{background:url(data:image/png;base64,AA)}</style>'
            '<script>var s = "<img src=http://in-a-string>";</script><a href="#top">top</a>')
    refs = render.external_references(html)
    assert len(refs) == 4, refs


def test_whole_page_is_self_contained_and_draws_every_node_and_edge(mini):
    html = render.render(views.whole(mini))
    text = html.decode("utf-8")
    assert render.external_references(text) == []
    assert "<script src" not in text and "<link" not in text
    assert "vis.Network" in text  # vis-network is inlined, not fetched
    nodes, edges = _embedded(html, "ALSKG_NODES"), _embedded(html, "ALSKG_EDGES")
    assert {n["id"] for n in nodes} == set(mini.nodes)
    assert sum(e["kind"] != "negated" for e in edges) == mini.number_of_edges()
    neg = [e for e in edges if e["kind"] == "negated"]
    assert len(neg) == 1 and neg[0]["dashes"] and neg[0]["label"] == "NOT activates"
    assert neg[0]["d"]["claims"][0]["numbers"] == ["test number: 1.5 day"]


def test_node_and_edge_carry_both_labels_and_every_claim(mini):
    nodes, edges, options = render.to_vis(views.whole(mini), "ja")
    astro = next(n for n in nodes if n["id"] == "astrocyte")
    assert astro["label"] == "アストロサイト" and astro["d"]["label_en"] == "astrocyte"
    reg = next(e for e in edges if e["id"] == "astrocyte|regulates|microglia")
    claim = reg["d"]["claims"][0]
    assert claim["quote"].startswith("アストロサイトは") and claim["summary"].startswith("Astrocytes control")
    assert claim["document"] == "glia-sod1-2008" and claim["evidence"] == "mouse_model"
    assert options["physics"]["enabled"] and not options["layout"]["improvedLayout"]


def test_node_size_grows_with_centrality(mini):
    nodes, _, _ = render.to_vis(views.whole(mini))
    size = {n["id"]: n["size"] for n in nodes}
    assert size["astrocyte"] > size["microglia"]


def test_path_view_highlights_the_astrocyte_route(mini):
    view = views.paths(mini, "SOD1", "microglia")
    assert view.paths[0]["nodes"] == ["sod1", "sod1_g37r_mini", "astrocyte", "microglia"]
    _, edges, _ = render.to_vis(view)
    on_path = {e["id"] for e in edges if e["onpath"]}
    assert on_path == {"sod1|has_variant|sod1_g37r_mini", "sod1_g37r_mini|expressed_in|astrocyte",
                       "astrocyte|regulates|microglia"}


def test_focus_document_and_type_views(mini):
    f = views.focus(mini, "アストロサイト", 1)
    assert set(f.graph) == {"astrocyte", "microglia", "sod1_g37r_mini"}  # a negated claim is no edge to walk
    d = views.document(mini, "glia-sod1-2008")
    assert d.graph.number_of_edges() == 2 and len(d.negated) == 1
    t = views.filter_types(views.whole(mini), ["cell_type"])
    assert set(t.graph) == {"astrocyte", "microglia"}


def test_a_type_filter_keeps_subtypes_as_rank_does(real_kg):
    """`viz --type Therapy` keeps drugs and cell therapies: the same rule as `rank --type Therapy`."""
    page = views.filter_types(views.whole(real_kg.network), ["Therapy"])
    ranked = {r.entity.id for r in real_kg.rank("degree", "Therapy", top=1000)}
    assert ranked and set(page.graph) == ranked
    assert {"Drug", "CellTherapy"} <= {d["type"] for _, d in page.graph.nodes(data=True)}


@pytest.mark.parametrize("call, message", [
    (lambda G: views.focus(G, "no such thing", 1), "no entity named"),
    (lambda G: views.focus(G, "astrocyte", 99), "hops must be between"),
    (lambda G: views.document(G, "nope-2000"), "unknown document"),
    (lambda G: views.filter_types(views.whole(G), ["Planet"]), "unknown entity type"),
    (lambda G: render.render(views.whole(G), "fr"), "unknown language"),
])
def test_bad_input_is_a_clear_error(mini, call, message):
    with pytest.raises(AlskgError, match=message):
        call(mini)


def test_beyond_the_limit_the_page_is_refused_with_advice():
    G = synthetic_graph(render.MAX_NODES + 1)
    with pytest.raises(AlskgError, match=r"limited to 5,000 entities.*--focus"):
        render.to_vis(views.whole(G))


def test_large_graph_is_laid_out_up_front_with_physics_off():
    nodes, edges, options = render.to_vis(views.whole(synthetic_graph(2000)))
    assert all("x" in n and "y" in n for n in nodes)
    assert len({(n["x"], n["y"]) for n in nodes}) == len(nodes)
    assert not options["physics"]["enabled"] and options["edges"]["smooth"] is False
    assert not any("label" in e for e in edges)


def test_pages_are_byte_stable(mini):
    assert render.render(views.whole(mini)) == render.render(views.whole(mini))


def test_large_layout_does_not_depend_on_the_hash_seed():
    code = ("from viz import render, views; from viz.synthetic import synthetic_graph; import hashlib; "
            "print(hashlib.sha256(render.render(views.whole(synthetic_graph(1000)))).hexdigest())")
    digests = {subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(digests) == 1, digests


def _alskg(*args: str) -> Ran:
    return invoke(*args)


def test_cli_writes_the_path_page(mini_seeds, tmp_path):
    out = tmp_path / "p.html"
    r = _alskg("viz", "--seeds", str(mini_seeds), "--path", "SOD1", "microglia", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert "astrocyte|regulates|microglia" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("args, code, message", [
    (["--focus", "nothing-like-this"], 1, "no entity named"),
    (["--doc", "nope-2000"], 1, "unknown document"),
    (["--type", "Planet"], 1, "unknown entity type"),
    (["--focus", "astrocyte", "--doc", "glia-sod1-2008"], 2, "choose one view"),
    (["--focus", "astrocyte", "--hops", "99"], 2, "--hops"),
])
def test_cli_bad_input_fails_cleanly_and_writes_nothing(mini_seeds, tmp_path, args, code, message):
    out = tmp_path / "x.html"
    r = _alskg("viz", "--seeds", str(mini_seeds), *args, "-o", str(out))
    assert r.returncode == code and message in r.stderr and "Traceback" not in r.stderr
    assert not out.exists() and not list(tmp_path.glob(".x.html*"))


def test_cli_unwritable_output_is_a_clear_error(mini_seeds, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    r = _alskg("viz", "--seeds", str(mini_seeds), "-o", str(blocker / "p.html"))
    assert r.returncode == 1 and "cannot write" in r.stderr and "Traceback" not in r.stderr


def test_build_pages_gives_index_and_one_page_per_document(mini_seeds):
    from kg.build import build
    from viz.pages import build_pages

    pages = build_pages(build(mini_seeds))
    docs = {line.split("\t")[0] for line in (mini_seeds / "documents.tsv").read_text().splitlines()[1:] if line}
    assert set(pages) == {"html/index.html", *(f"html/{d}.html" for d in docs)}
    assert all(render.external_references(b.decode("utf-8")) == [] for b in pages.values())


def test_an_index_page_over_the_limits_shows_the_most_connected_entities_and_says_so(real_kg):
    """``alskg build`` must not fail on a graph too large to draw whole (×100 synthetic seeds: 20,345
    entities): its index page keeps the most connected entities that fit both limits, and says so."""
    from viz import views
    from viz.render import to_vis

    G = real_kg.network
    assert views.overview(G, 10_000, 100_000).graph.number_of_nodes() == G.number_of_nodes()
    view = views.overview(G, 30, 60)
    kept = set(view.graph.nodes)
    degree = dict(G.degree())
    assert len(kept) <= 30 and view.graph.number_of_edges() + len(view.negated) <= 60
    assert min(degree[n] for n in kept) >= max(degree[n] for n in set(G) - kept)
    assert any(f"{G.number_of_nodes():,} entities" in note and "most connected" in note for note in view.notes)
    nodes, edges, _ = to_vis(view)
    assert len(nodes) == len(kept)
    assert "most connected" in view.title


def test_document_pages_from_one_pass_equal_one_document_at_a_time(real_kg):
    """``alskg build`` makes every document's view in one pass (``views.documents``); each is the view
    ``views.document`` gives, and shows that document's negated claims only (none when it has none)."""
    from viz import views

    G = real_kg.network
    ids = sorted(G.graph["documents"])
    together = list(views.documents(G))
    assert [v.title.split(":")[0] for v in together] == ids
    for doc_id, view in zip(ids, together, strict=True):
        alone = views.document(G, doc_id)
        assert list(view.graph.nodes(data=True)) == list(alone.graph.nodes(data=True))
        assert list(view.graph.edges(keys=True, data=True)) == list(alone.graph.edges(keys=True, data=True))
        assert view.negated == alone.negated and all(c.document == doc_id for c in view.negated)
        assert all(c.document == doc_id for _, _, d in view.graph.edges(data=True) for c in d["claims"])
    H = G.copy()
    H.graph["negated"] = [c for c in G.graph["negated"] if c.document != ids[0]]
    assert views.document(H, ids[0]).negated == [], "a document without negations shows none of other documents'"
