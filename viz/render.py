"""A ``View`` → one self-contained HTML page (pyvis + vis-network), readable offline.

Why this shape:
- pyvis holds the nodes, edges and options and renders the page, but through our own Jinja
  template (``viz/assets/page.html``): pyvis's template links Bootstrap from a CDN even with
  ``cdn_resources="in_line"``. Ours inlines vis-network from the files pyvis ships, plus our CSS/JS,
  and ``external_references`` checks the result so a stray link fails the build, not the reader.
- Details (both labels, every claim with its quote) travel as data on each vis node/edge and are
  shown in a side panel built with ``textContent`` — quotes are never parsed as HTML.
- Large graphs: vis-network's improved layout is quadratic and its default physics runs ~100 s for
  1,000 nodes, so every layout is seeded here; small views settle with a bounded physics run that
  then stops, views over ``BIG`` nodes are drawn with physics off (5,000 nodes: ~2 s to first draw),
  and beyond ``MAX_NODES`` the page is refused with a message saying how to narrow it.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import networkx as nx
import pyvis
from jinja2 import ChoiceLoader, Environment, FileSystemLoader
from pyvis.network import Network

from kg.model import AlskgError, Claim
from viz.views import View

HERE = Path(__file__).parent
ASSETS = HERE / "assets"
STYLES = HERE / "styles.json"

MAX_NODES = 5000  # documented limit: beyond it a page is refused (narrow with --focus/--type/--doc)
MAX_EDGES = 20000
GROW_LABELS_ABOVE = 60  # views with more entities than this are shown zoomed out: scale hub labels up
BIG = 400  # above this many nodes: laid out in Python, physics off, no edge labels, straight edges
LANGS = ("en", "ja")


@cache
def load_styles() -> dict[str, Any]:
    """Colours and shapes per entity type, edge styles per kind (``viz/styles.json``)."""
    return json.loads(STYLES.read_text(encoding="utf-8"))


def _label(d: dict[str, Any], nid: str, lang: str) -> str:
    if lang == "ja" and d.get("label_ja"):
        return d["label_ja"]
    return d.get("label_en") or nid


def _sizes(G: nx.MultiDiGraph, lo: float, hi: float) -> dict[str, float]:
    """Node size by degree centrality (distinct neighbours, either direction): hubs stand out."""
    U = nx.Graph(G)
    deg = dict(U.degree())
    top = max(deg.values(), default=0) or 1
    return {n: round(lo + (hi - lo) * math.sqrt(deg[n] / top), 2) for n in G}


def _positions(G: nx.MultiDiGraph) -> dict[str, tuple[float, float]]:
    """Seeded, deterministic start positions, so pages are byte-stable and the browser starts near rest.

    Small graphs get NetworkX's spring layout. For large ones that takes ~30 s (5,000 nodes), so only
    a skeleton of the ``BIG`` best-connected nodes is sprung, and every other node is placed beside
    its first placed neighbour in breadth-first order (O(n)); the browser then draws with physics off.
    """
    n = G.number_of_nodes()
    if n == 0:
        return {}
    U = nx.Graph(G)
    scale = 60 * math.sqrt(min(n, BIG))
    order = sorted(U, key=lambda v: (-U.degree(v), v))
    skeleton = order[:BIG]
    # Built in sorted order: a NetworkX subgraph view iterates a set when it is small, and set order
    # changes with PYTHONHASHSEED, which would make the layout (and the page bytes) vary per run.
    S = nx.Graph()
    S.add_nodes_from(sorted(skeleton))
    S.add_edges_from(sorted(tuple(sorted(e)) for e in U.subgraph(skeleton).edges()))
    pos = {k: (float(x) * scale, float(y) * scale)
           for k, (x, y) in nx.spring_layout(S, seed=7, k=1.6 / math.sqrt(len(skeleton))).items()}
    golden = math.pi * (3 - math.sqrt(5))
    frontier = list(skeleton)
    placed_around: dict[str, int] = {}
    while len(pos) < n:
        nxt = []
        for u in frontier:
            for v in sorted(U[u]):
                if v in pos:
                    continue
                i = placed_around[u] = placed_around.get(u, 0) + 1
                r = 25 + 9 * math.sqrt(i)
                pos[v] = (pos[u][0] + r * math.cos(i * golden), pos[u][1] + r * math.sin(i * golden))
                nxt.append(v)
        if not nxt:  # a component with no skeleton node: start it on an outer ring
            rest = [v for v in order if v not in pos]
            pos[rest[0]] = (1.5 * scale * math.cos(len(pos)), 1.5 * scale * math.sin(len(pos)))
            nxt = [rest[0]]
        frontier = nxt
    return {k: (round(x, 1), round(y, 1)) for k, (x, y) in pos.items()}


_PAGE_CLAIM_FIELDS = ("id", "document", "doc_title", "quote", "summary", "evidence", "status", "certainty",
                      "context", "model", "species", "numbers")


def _claim(c: Claim, documents: dict[str, str], labels: dict[str, str] | None = None) -> dict[str, Any]:
    """What a page carries of a claim: ``Claim.to_dict()`` plus the document title, readable numbers and context."""
    names = labels or {}
    d = {**c.to_dict(), "doc_title": documents.get(c.document, ""), "numbers": list(c.qualifier_lines),
         "context": c.context.describe(lambda e: names.get(e, e))}
    return {k: d[k] for k in _PAGE_CLAIM_FIELDS}


def _node(nid: str, d: dict[str, Any], lang: str, size: float, xy: tuple[float, float] | None,
          styles: dict[str, Any], centre: bool, grow_labels: bool = False) -> dict[str, Any]:
    st = styles["types"].get(d.get("type", ""), styles["default_type"])
    label = _label(d, nid, lang)
    node: dict[str, Any] = {
        "id": nid, "label": label, "shape": st["shape"], "size": size, "type": d.get("type", ""),
        "color": {"background": st["color"], "border": "#222222" if centre else st["color"],
                  "highlight": {"background": st["color"], "border": "#000000"}},
        "borderWidth": 4 if centre else 1,
        "title": f"{label} [{d.get('type', '')}]",
        "d": {"label_en": d.get("label_en", nid), "label_ja": d.get("label_ja", ""),
              "labels_ja": list(d.get("labels_ja", [])), "synonyms": list(d.get("synonyms", [])),
              "xrefs": list(d.get("xrefs", [])), "note": d.get("note", ""), "type": d.get("type", "")},
    }
    # in large views labels grow with the node, so hubs stay named when zoomed out to fit
    node["font"] = {"size": round(12 + (size - 10) * 0.9)} if grow_labels else {}
    if st["shape"] == "box":
        node["font"]["color"] = "#000000"
    if xy is not None:
        node["x"], node["y"] = xy
    return node


def _edge(eid: str, u: str, v: str, predicate: str, kind: str, claims: list[dict[str, Any]],
          styles: dict[str, Any], on_path: bool, big: bool) -> dict[str, Any]:
    st = styles["edges"]["path" if on_path else (kind if kind in styles["edges"] else "external")]
    label = f"NOT {predicate}" if kind == "negated" else predicate
    edge: dict[str, Any] = {
        "id": eid, "from": u, "to": v, "arrows": "to", "kind": kind, "onpath": on_path,
        "color": {"color": st["color"], "highlight": "#000000"}, "width": st["width"], "dashes": st["dashes"],
        "title": f"{label} ({len(claims)} claim{'s' if len(claims) != 1 else ''})",
        "d": {"predicate": predicate, "kind": kind, "claims": claims},
    }
    if not big:
        edge["label"] = label
    return edge


def _parallel_curves(edges: list[dict[str, Any]]) -> None:
    """Curve edges that share a pair of nodes apart, so each label and arrow stays visible."""
    groups: dict[frozenset[str], list[dict[str, Any]]] = {}
    for e in edges:
        groups.setdefault(frozenset((e["from"], e["to"])), []).append(e)
    for group in groups.values():
        if len(group) < 2:
            continue
        for i, e in enumerate(group):
            forward = e["from"] <= e["to"]
            e["smooth"] = {"enabled": True, "type": "curvedCW" if forward == (i % 2 == 0) else "curvedCCW",
                           "roundness": 0.12 + 0.12 * (i // 2)}


def _options(n: int, big: bool) -> dict[str, Any]:
    return {
        "autoResize": True,
        "layout": {"improvedLayout": False, "randomSeed": 7},
        "interaction": {"hover": True, "tooltipDelay": 150, "hideEdgesOnDrag": big, "navigationButtons": False,
                        "keyboard": {"enabled": True, "bindToWindow": False}},
        "nodes": {"font": {"size": 14, "face": "sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"}},
        "edges": {"font": {"size": 10, "align": "middle", "strokeWidth": 3, "strokeColor": "#ffffff"},
                  "smooth": False if big else {"enabled": True, "type": "continuous", "roundness": 0.2},
                  "arrows": {"to": {"enabled": True, "scaleFactor": 0.6}}},
        "physics": {
            "enabled": 1 < n <= BIG,
            "solver": "barnesHut",
            "barnesHut": {"gravitationalConstant": -6000, "springLength": 140, "springConstant": 0.03,
                          "damping": 0.4, "avoidOverlap": 0.2},
            "maxVelocity": 40, "minVelocity": 1.0, "timestep": 0.5,
            "stabilization": {"enabled": True, "iterations": 250, "updateInterval": 10,
                              "fit": True},
        },
    }


def to_vis(view: View, lang: str = "en") -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """The view as vis-network nodes, edges and options (plain data; tested without a browser)."""
    if lang not in LANGS:
        raise AlskgError(f"unknown language {lang!r}; choose one of {', '.join(LANGS)}")
    G = view.graph
    n, m = G.number_of_nodes(), G.number_of_edges() + len(view.negated)
    if n > MAX_NODES or m > MAX_EDGES:
        raise AlskgError(f"this view has {n:,} entities and {m:,} relations; pages are limited to "
                         f"{MAX_NODES:,} entities and {MAX_EDGES:,} relations so the browser stays responsive. "
                         "Narrow it with --focus NAME --hops N, --type T or --doc ID.")
    styles = load_styles()
    big = n > BIG
    sizes = _sizes(G, styles["node_size"]["min"], styles["node_size"]["max"])
    pos = _positions(G)
    centre = set(view.centre)
    grow = G.number_of_nodes() > GROW_LABELS_ABOVE
    nodes = [_node(v, G.nodes[v], lang, sizes[v], pos.get(v), styles, v in centre, grow) for v in sorted(G)]
    documents = view.documents
    edges = []
    for u, v, k, d in sorted(G.edges(keys=True, data=True), key=lambda e: (e[0], e[2], e[1])):
        claims = [_claim(c, documents, view.labels) for c in d.get("claims", [])]
        edges.append(_edge(f"{u}|{k}|{v}", u, v, k, d.get("source", "claims"), claims, styles,
                           (u, v, k) in view.highlight, big))
    negated: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for c in view.negated:
        negated.setdefault((c.subject, c.predicate, c.object), []).append(_claim(c, documents, view.labels))
    for (s, p, o), claims in sorted(negated.items()):
        edges.append(_edge(f"not|{s}|{p}|{o}", s, o, p, "negated", claims, styles, False, big))
    if not big:
        _parallel_curves(edges)
    return nodes, edges, _options(n, big)


def page_data(view: View, lang: str, nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    """What the page script needs besides the nodes and edges: legend, notes, paths, counts."""
    styles = load_styles()
    counts: dict[str, int] = {}
    for nd in nodes:
        counts[nd["type"]] = counts.get(nd["type"], 0) + 1
    legend = [{"type": t, "count": c, **styles["types"].get(t, styles["default_type"])} for t, c in sorted(counts.items())]
    kinds = {e["kind"] if e["kind"] in styles["edges"] else "external" for e in edges} | ({"path"} if view.highlight else set())
    edge_legend = [{"kind": k, **styles["edges"][k]} for k in ("path", "claims", "registry", "external", "negated")
                   if k in kinds]
    n_neg = sum(1 for e in edges if e["kind"] == "negated")
    notes = list(view.notes)
    if n_neg:
        notes.append(f"{len(view.negated)} negated claim(s) are drawn as dashed red edges labelled NOT; "
                     "they are never used in paths.")
    if len(nodes) > BIG:
        notes.append(f"Large view ({len(nodes):,} entities): laid out before drawing with physics off, edge "
                     "labels hidden (hover an edge for its predicate). Narrow with --focus or --type.")
    labels = {nd["id"]: nd["label"] for nd in nodes}
    paths = [{**p, "text": " → ".join(labels.get(x, x) for x in p["nodes"])} for p in view.paths]
    return {"title": view.title, "lang": lang, "legend": legend, "edge_legend": edge_legend, "notes": notes,
            "paths": paths, "documents": view.documents, "big": len(nodes) > BIG,
            "counts": {"nodes": len(nodes), "edges": sum(1 for e in edges if e["kind"] != "negated"),
                       "negated": n_neg},
            "dimmed": styles["dimmed"]}


@cache
def _environment() -> Any:
    """Jinja environment: our template first, then pyvis's (for the vis-network files it ships)."""
    pyvis_templates = Path(pyvis.__file__).parent / "templates"
    return Environment(loader=ChoiceLoader([FileSystemLoader(str(ASSETS)), FileSystemLoader(str(pyvis_templates))]),
                       autoescape=False, keep_trailing_newline=True)


def render(view: View, lang: str = "en") -> bytes:
    """The page for ``view`` as UTF-8 bytes; raises AlskgError if it would not be self-contained."""
    nodes, edges, options = to_vis(view, lang)
    net = Network(height="100%", width="100%", directed=True, cdn_resources="in_line", heading=view.title)
    # Direct assignment: pyvis's add_node/add_edge scan lists (quadratic for thousands of items).
    net.nodes, net.edges = nodes, edges
    net.node_ids = [nd["id"] for nd in nodes]
    net.node_map = {nd["id"]: nd for nd in nodes}
    net.options = options
    env = _environment()
    net.templateEnv, net.path = env, "page.html"
    env.globals["page"] = page_data(view, lang, nodes, edges)
    try:
        html = net.generate_html()
    finally:
        env.globals.pop("page", None)
    bad = external_references(html)
    if bad:
        raise AlskgError(f"the page would load {len(bad)} external resource(s): {', '.join(bad[:5])}")
    return html.encode("utf-8")


_CSS_URL = re.compile(r"""url\(\s*['"]?(?!data:|#)([^'")\s]+)""", re.I)
_CSS_IMPORT = re.compile(r"@import\s+(?:url\()?\s*['\"]?([^'\")\s;]+)", re.I)


class _RefFinder(HTMLParser):
    """Collects every attribute and CSS reference that would make the browser fetch something."""

    FETCHING = {"src", "href", "srcset", "data", "poster", "action", "formaction", "background", "manifest"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.refs: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if name in self.FETCHING and not value.startswith(("data:", "#", "javascript:")):
                self.refs.append(f"<{tag} {name}={value}>")
            if name == "style":
                self.refs += _css_refs(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.refs += _css_refs(data)


def _css_refs(css: str) -> list[str]:
    return [f"url({m})" for m in _CSS_URL.findall(css)] + [f"@import {m}" for m in _CSS_IMPORT.findall(css)]


def external_references(html: str) -> list[str]:
    """Every reference in ``html`` that a browser would fetch (links, sources, CSS urls/imports)."""
    finder = _RefFinder()
    finder.feed(html)
    finder.close()
    return finder.refs
