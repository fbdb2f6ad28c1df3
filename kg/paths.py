"""Paths between two entities, every hop with the sentences that support it, ranked for reading.

"What links SOD1 to microglia?" has many answers in a graph where almost everything touches ALS
or motor neurons. Ranking puts fewer hops first, then paths through specific nodes before paths
through hubs, then more supporting claims. The hub penalty is Hetionet's degree-weighted path
count for one path: the product over its edges of (degree(u) · degree(v))^-w, with w = 0.4, so a
path through a node with 20 neighbours scores far below one through a node with 2. Each hop is
then weighted by how well it explains: 1 for a hop that follows the arrow and rests on a study's
own finding (or on the entity registry), halved when it runs against every arrow (two causes of
one effect are weaker than a chain), halved again when only background statements support it.

Search is done here in NetworkX terms (a bounded depth-first search pruned by distance to the
target), never with SPARQL property paths, whose cost cannot be bounded. Negated claims never
form a hop: the projection in ``kg.network`` has no edge for them.
"""

from __future__ import annotations

from collections import defaultdict, deque

import networkx as nx

from kg.model import AlskgError, Claim
from kg.names import NameIndex
from kg.results import EntityRef, Hop, Link, PathAnswer, PathResult, entity_ref
from kg.schema import load_schema

DAMPING = 0.4  # Hetionet's w for degree-weighted path counts
REVERSE_HOP_WEIGHT = 0.5  # a hop taken against every arrow explains less than one along an arrow
BACKGROUND_HOP_WEIGHT = 0.5  # a hop resting only on background statements, not on a study finding
MAX_HOPS_LIMIT = 8  # beyond this the answer is "everything", and the search cost explodes
MAX_PATHS_SEEN = 200_000  # stop enumerating (and say so) past this many candidate paths


class PathFinder:
    """Adjacency, degrees and links of one graph, prepared once for many searches."""

    def __init__(self, G: nx.MultiDiGraph):
        self.G = G
        self.out: dict[str, set[str]] = defaultdict(set)
        self.und: dict[str, set[str]] = defaultdict(set)
        self.links: dict[tuple[str, str], list[Link]] = defaultdict(list)
        for u, v, data in G.edges(data=True):
            if u == v:
                continue
            claims = tuple(data.get("claims", ()))
            self.links[(u, v)].append(Link(u, data["predicate"], v, data.get("source", "claims"), claims))
            self.out[u].add(v)
            self.und[u].add(v)
            self.und[v].add(u)
        self.degree = {n: len(self.und.get(n, ())) for n in G.nodes}
        self._sorted_out = {n: sorted(vs) for n, vs in self.out.items()}
        self._sorted_und = {n: sorted(vs) for n, vs in self.und.items()}

    def hop(self, u: str, v: str, directed: bool) -> Hop:
        links = list(self.links.get((u, v), ()))
        if not directed:
            links += self.links.get((v, u), ())
        return Hop(u, v, tuple(sorted(links, key=lambda lk: (lk.subject != u, lk.predicate))))

    def _distances_to(self, target: str, directed: bool, banned: set[str]) -> dict[str, int]:
        """Hops from every node to ``target`` (against edge direction when directed), avoiding ``banned``."""
        into: dict[str, set[str]] = defaultdict(set)
        if directed:
            for u, vs in self.out.items():
                for v in vs:
                    into[v].add(u)
        else:
            into = self.und
        dist = {target: 0}
        queue = deque([target])
        while queue:
            n = queue.popleft()
            for m in into.get(n, ()):
                if m not in dist and m not in banned:
                    dist[m] = dist[n] + 1
                    queue.append(m)
        return dist

    def node_paths(self, a: str, b: str, max_hops: int, directed: bool, banned: set[str],
                   budget: int) -> tuple[list[tuple[str, ...]], bool]:
        """Every simple path a → b of at most ``max_hops`` hops (up to ``budget``; True if cut short)."""
        adj = self._sorted_out if directed else self._sorted_und
        dist = self._distances_to(b, directed, banned)  # a lower bound on the hops still needed
        if dist.get(a, max_hops + 1) > max_hops:
            return [], False
        out: list[tuple[str, ...]] = []
        path, on_path = [a], {a}

        def walk(n: str) -> bool:
            for m in adj.get(n, ()):
                if m in on_path or m in banned:
                    continue
                if m == b:
                    out.append((*path, b))
                    if len(out) >= budget:
                        return False
                    continue
                if len(path) + dist.get(m, max_hops + 1) > max_hops:
                    continue
                path.append(m)
                on_path.add(m)
                ok = walk(m)
                path.pop()
                on_path.discard(m)
                if not ok:
                    return False
            return True

        complete = walk(a)
        return out, not complete

    def score(self, nodes: tuple[str, ...], hops: tuple[Hop, ...] = ()) -> float:
        """Degree-weighted path score times hop weights (higher = more specific, better explained)."""
        s = 1.0
        for u, v in zip(nodes, nodes[1:], strict=False):
            s *= (max(self.degree.get(u, 1), 1) * max(self.degree.get(v, 1), 1)) ** -DAMPING
        for hop in hops:
            s *= hop_weight(hop)
        return s


def hop_weight(hop: Hop) -> float:
    """The best of the hop's links: along the arrow and on a study finding (or the registry) weigh most."""
    best = 0.0
    for lk in hop.links:
        w = 1.0 if lk.subject == hop.source else REVERSE_HOP_WEIGHT
        if lk.origin == "claims" and not any(c.status == "finding" for c in lk.claims):
            w *= BACKGROUND_HOP_WEIGHT
        best = max(best, w)
    return best or 1.0


def find_paths(G: nx.MultiDiGraph, a: str, b: str, *, max_hops: int = 4, limit: int | None = 10,
               via: str | None = None, avoid: tuple[str, ...] = (), directed: bool = False,
               names: NameIndex | None = None, finder: PathFinder | None = None) -> PathAnswer:
    """Ranked paths between the entities named ``a`` and ``b`` (any name ``kg.names`` accepts)."""
    names = names or NameIndex(G)
    finder = finder or PathFinder(G)
    if not 1 <= max_hops <= MAX_HOPS_LIMIT:
        raise AlskgError(f"max_hops must be between 1 and {MAX_HOPS_LIMIT} (got {max_hops})")
    if limit is not None and limit < 1:
        raise AlskgError(f"limit must be at least 1 (got {limit})")
    src, dst = names.resolve(a), names.resolve(b)
    if src == dst:
        raise AlskgError(f"{a!r} and {b!r} are the same entity ({src}); a path needs two different ones")
    banned = {names.resolve(x) for x in avoid}
    if banned & {src, dst}:
        raise AlskgError("a path cannot avoid one of its own ends")
    via_type, via_types = type_family(via) if via else (None, frozenset())
    raw, truncated = finder.node_paths(src, dst, max_hops, directed, banned, MAX_PATHS_SEEN)
    if via_type:
        raw = [p for p in raw if any(G.nodes[n].get("type") in via_types for n in p[1:-1])]
    results = [_make_path(G, finder, p, directed) for p in raw]
    results.sort(key=lambda r: (r.length, -r.score, -r.evidence, tuple(n.id for n in r.nodes)))
    shown = results if limit is None else results[:limit]
    filters = {"via": via_type, "avoid": sorted(banned)}
    return PathAnswer(entity_ref(G, src), entity_ref(G, dst), max_hops, directed, tuple(shown), len(results),
                      truncated, filters)


def type_family(name: str) -> tuple[str, frozenset[str]]:
    """(type, the type and its subtypes): a path via Therapy also passes Drug and CellTherapy."""
    return load_schema().type_family(name)


def _make_path(G: nx.MultiDiGraph, finder: PathFinder, nodes: tuple[str, ...], directed: bool) -> PathResult:
    hops = tuple(finder.hop(u, v, directed) for u, v in zip(nodes, nodes[1:], strict=False))
    claims = {c.id: c for h in hops for c in h.claims}
    docs = tuple(sorted({c.document for c in claims.values()}))
    return PathResult(tuple(entity_ref(G, n) for n in nodes), hops, finder.score(nodes, hops), len(claims), docs)


# ---------------------------------------------------------------- text


def _label(ref: EntityRef | None, eid: str, G: nx.MultiDiGraph, lang: str) -> str:
    d = G.nodes[eid] if eid in G else {}
    if lang == "ja" and d.get("label_ja"):
        return d["label_ja"]
    return d.get("label_en", eid)


def format_link(G: nx.MultiDiGraph, hop: Hop, link: Link, lang: str = "en") -> str:
    """'astrocyte —regulates→ microglia' or, against the path, 'microglia ←regulates— astrocyte'."""
    s, t = _label(None, hop.source, G, lang), _label(None, hop.target, G, lang)
    if link.subject == hop.source:
        return f"{s} —{link.predicate}→ {t}"
    return f"{s} ←{link.predicate}— {t}"


def format_evidence(c: Claim, indent: str = "     ", G: nx.MultiDiGraph | None = None) -> list[str]:
    """A claim under a relation: 「quote」 with its document, the summary and tags (certainty first
    when it is not an observation), its context, then its numbers."""
    tags = [*([CERTAINTY_TAGS[c.certainty]] if c.certainty in CERTAINTY_TAGS else []), c.evidence,
            *([c.species] if c.species else []), *(["background"] if c.status == "background" else [])]
    lines = [f"{indent}[{c.document}] 「{c.quote}」",
             f"{indent}  {c.summary}  ({', '.join(tags)}; claim {c.id})"]
    if c.context:
        lines.append(f"{indent}  context: {c.context.describe(lambda e: _label(None, e, G, 'en') if G is not None else e)}")
    lines += [f"{indent}  {q}" for q in c.qualifier_lines]
    return lines


CERTAINTY_TAGS = {"interpretation": "INTERPRETATION", "hypothesis": "HYPOTHESIS"}  # observed and background go untagged


def format_answer(G: nx.MultiDiGraph, ans: PathAnswer, lang: str = "en") -> str:
    a, b = _label(ans.source, ans.source.id, G, lang), _label(ans.target, ans.target.id, G, lang)
    mode = "directed " if ans.directed else ""
    if not ans.paths:
        extra = []
        if ans.filters.get("via"):
            extra.append(f"through a {ans.filters['via']}")
        if ans.filters.get("avoid"):
            extra.append(f"avoiding {', '.join(ans.filters['avoid'])}")
        tail = f" ({'; '.join(extra)})" if extra else ""
        return f"No {mode}path from {a} [{ans.source.id}] to {b} [{ans.target.id}] within {ans.max_hops} hop{'s' if ans.max_hops != 1 else ''}{tail}."
    head = (f"{a} [{ans.source.id}] → {b} [{ans.target.id}]: {ans.found}{'+' if ans.truncated else ''} "
            f"{mode}path{'s' if ans.found != 1 else ''} within {ans.max_hops} hop{'s' if ans.max_hops != 1 else ''}; showing {len(ans.paths)}, "
            "fewest hops first, then most specific")
    out = [head]
    for i, p in enumerate(ans.paths, 1):
        chain = " — ".join(_label(n, n.id, G, lang) for n in p.nodes)
        out += ["", f"{i}. {chain}",
                f"   {p.length} hop{'s' if p.length != 1 else ''}, score {p.score:.4f}, {p.evidence} "
                f"claim{'s' if p.evidence != 1 else ''}" + (f", documents: {', '.join(p.documents)}" if p.documents else "")]
        for h in p.hops:
            for lk in h.links:
                origin = "   (entity registry)" if lk.origin == "registry" else ""
                out.append(f"   {format_link(G, h, lk, lang)}{origin}")
                for ev in lk.claims:
                    out += format_evidence(ev, G=G)
    return "\n".join(out)
