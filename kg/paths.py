"""Paths between two entities, every hop with the sentences that support it, ranked for reading.

"What links SOD1 to microglia?" has many answers in a graph where almost everything touches ALS
or motor neurons. Ranking puts fewer hops first, then paths through specific nodes before paths
through hubs, then more supporting claims. The hub penalty is Hetionet's degree-weighted path
count for one path: the product over its edges of (degree(u) · degree(v))^-w, with w = 0.4, so a
path through a node with 20 neighbours scores far below one through a node with 2. Each hop is
then weighted by how well it explains: 1 for a hop that follows the arrow and rests on a study's
own finding (or on the entity registry), halved when it runs against every arrow (two causes of
one effect are weaker than a chain), halved again when only background statements support it.

Search is done here in NetworkX terms, never with SPARQL property paths, whose cost cannot be
bounded: a depth-first search over the nodes within reach of both ends, one path length at a time
(fewest hops rank first). Once the shorter lengths fill the page, longer paths are counted, not
built, so a hub with thousands of neighbours no longer means tens of thousands of scored paths;
the answer (paths, ``found``, the hub warning) is the one ranking every path would give, and
MAX_PATHS_SEEN still stops a search that would walk more paths than that (``truncated``).
Negated claims never form a hop: the projection in ``kg.network`` has no edge for them.
"""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from kg.model import AlskgError, Claim
from kg.names import NameIndex
from kg.results import EntityRef, Hop, Link, NegativeFinding, PathAnswer, PathResult, entity_ref
from kg.textgate import terminal_safe

if TYPE_CHECKING:  # the answers also run over the cache's read form (kg.readform), without NetworkX
    import networkx as nx

DAMPING = 0.4  # Hetionet's w for degree-weighted path counts
CERTAINTY_WEIGHT = {"observed": 1.0, "interpretation": 0.75, "hypothesis": 0.5, "background": 1.0, "registry": 1.0}
# (background is weighed by BACKGROUND_HOP_WEIGHT through the claims' status, not twice)
FOREIGN_HOP_WEIGHT = 0.5  # a hop only another graph states (joined from KGX) has no quote behind it here
HUB_SHARE = 0.12  # an entity linked to at least this share of all entities is a general hub (today: ALS itself)
TIE_PREDICATES = ("has_variant", "has_gene_product", "carries", "subtype_of", "associated_with")
REVERSE_HOP_WEIGHT = 0.5  # a hop taken against every arrow explains less than one along an arrow
BACKGROUND_HOP_WEIGHT = 0.5  # a hop resting only on background statements, not on a study finding
MAX_HOPS_LIMIT = 8  # beyond this the answer is "everything", and the search cost explodes
MAX_PATHS_SEEN = 200_000  # stop enumerating (and say so) past this many candidate paths


class PathFinder:
    """Adjacency, degrees and links of one graph, prepared once for many searches.

    ``kg.readform.StoredFinder`` is the same over a cache entry's read form; the search reads the
    graph only through this class's attributes and the methods below (``link_ends``, ``type_of``,
    ``negated_ends``, ``negated_claim``, ``signs``), so both give the same answers."""

    def __init__(self, G: nx.MultiDiGraph):
        self.G = G
        self.out: dict[str, set[str]] = defaultdict(set)
        self.und: dict[str, set[str]] = defaultdict(set)
        self.links: dict[tuple[str, str], list[Link]] = defaultdict(list)
        self.pairs_of: dict[str, list[tuple[str, str]]] = defaultdict(list)  # node → its (u, v) keys of links
        for u, v, data in G.edges(data=True):
            if u == v:
                continue
            claims = tuple(data.get("claims", ()))
            if (u, v) not in self.links:
                self.pairs_of[u].append((u, v))
                self.pairs_of[v].append((u, v))
            self.links[(u, v)].append(Link(u, data["predicate"], v, data.get("source", "claims"), claims))
            self.out[u].add(v)
            self.und[u].add(v)
            self.und[v].add(u)
        self.degree = {n: len(self.und.get(n, ())) for n in G.nodes}
        self._sorted_out = {n: sorted(vs) for n, vs in self.out.items()}
        self._sorted_und = {n: sorted(vs) for n, vs in self.und.items()}
        self.negated: dict[frozenset[str], list[Claim]] = defaultdict(list)
        for c in G.graph.get("negated", ()):
            self.negated[frozenset((c.subject, c.object))].append(c)
        n = max(G.number_of_nodes(), 1)
        self.hubs = frozenset(x for x, d in self.degree.items() if d >= HUB_SHARE * n)

    @cached_property
    def signs(self) -> dict[str, int]:
        """Predicate → +1 / -1, the schema's direction of effect (for ``net_effect``)."""
        from kg.schema import load_schema

        return load_schema().signs

    def link_ends(self, u: str, v: str) -> list[tuple[str, str, str]]:
        """(subject, predicate, object) of each link from u to v, without their claims."""
        return [(lk.subject, lk.predicate, lk.object) for lk in self.links.get((u, v), ())]

    def type_of(self, n: str) -> str | None:
        return self.G.nodes[n].get("type")

    def negated_ends(self) -> list[tuple[str, str]]:
        """(subject, object) of every negated claim, in the projection's order."""
        return [(c.subject, c.object) for c in self.G.graph.get("negated", ())]

    def negated_claim(self, k: int) -> Claim:
        return self.G.graph["negated"][k]

    def hop(self, u: str, v: str, directed: bool) -> Hop:
        links = list(self.links.get((u, v), ()))
        if not directed:
            links += self.links.get((v, u), ())
        return Hop(u, v, tuple(sorted(links, key=lambda lk: (lk.subject != u, lk.predicate))),
                   tuple(self.negated.get(frozenset((u, v)), ())))

    def ties(self, eid: str) -> dict[str, str]:
        """Entities the graph ties to ``eid`` closely enough that a finding about them is about it too
        (its variants and products, what carries it, its subtypes, what is associated with it), each
        with the relation that ties them, e.g. {'ve_cadherin_disruption': 'associated_with'}."""
        out = {eid: ""}
        for u, v in self.pairs_of.get(eid, ()):
            other = v if u == eid else u
            for subject, predicate, obj in self.link_ends(u, v):
                if predicate in TIE_PREDICATES and other not in out:
                    out[other] = f"{subject} —{predicate}→ {obj}"
        return out

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

    def _distances_from(self, source: str, directed: bool, banned: set[str], limit: int) -> dict[str, int]:
        """Hops from ``source`` to every node within ``limit`` (along edge direction when directed)."""
        adj = self.out if directed else self.und
        dist = {source: 0}
        frontier = [source]
        for d in range(1, limit + 1):
            nxt = []
            for n in frontier:
                for m in adj.get(n, ()):
                    if m not in dist and m not in banned:
                        dist[m] = d
                        nxt.append(m)
            frontier = nxt
        return dist

    def search(self, a: str, b: str, max_hops: int, directed: bool, banned: set[str]) -> Search | None:
        """The part of the graph any simple path a → b of at most ``max_hops`` hops can use (None when
        there is no such path): nodes whose hops from ``a`` plus hops to ``b`` fit in ``max_hops``, each
        with its neighbours among them, so a hub's thousands of neighbours are filtered once here and
        not once per visit of the hub."""
        full = self._sorted_out if directed else self._sorted_und
        dist = self._distances_to(b, directed, banned)  # a lower bound on the hops still needed
        if dist.get(a, max_hops + 1) > max_hops:
            return None
        reach = self._distances_from(a, directed, banned, max_hops)
        near = {n for n, d in reach.items() if d + dist.get(n, max_hops + 1) <= max_hops}
        adj = {n: [m for m in full.get(n, ()) if m in near] for n in near}
        into_b = {m for m in near if m != b and b in adj[m]}  # the nodes one hop before b
        return Search(a, b, max_hops, dist, adj, into_b)

    def node_paths(self, a: str, b: str, max_hops: int, directed: bool, banned: set[str],
                   budget: int) -> tuple[list[tuple[str, ...]], bool]:
        """Every simple path a → b of at most ``max_hops`` hops (up to ``budget``; True if cut short)."""
        s = self.search(a, b, max_hops, directed, banned)
        if s is None:
            return [], False
        out: list[tuple[str, ...]] = []
        for hops in range(1, max_hops + 1):
            found, cut = s.paths(hops, budget - len(out))
            out += found
            if cut:
                return out, True
        return out, False

    def hub_free_path(self, a: str, b: str, max_hops: int, directed: bool, banned: set[str]) -> bool:
        """Whether some path a → b of at most ``max_hops`` hops passes no general hub (a shortest path
        is simple, so a breadth-first search answers it exactly)."""
        dist = self._distances_to(b, directed, banned | (self.hubs - {a, b}))
        return dist.get(a, max_hops + 1) <= max_hops

    def score(self, nodes: tuple[str, ...], hops: tuple[Hop, ...] = ()) -> float:
        """Degree-weighted path score times hop weights (higher = more specific, better explained)."""
        s = 1.0
        for u, v in zip(nodes, nodes[1:], strict=False):
            s *= (max(self.degree.get(u, 1), 1) * max(self.degree.get(v, 1), 1)) ** -DAMPING
        for hop in hops:
            s *= hop_weight(hop)
        return s


@dataclass
class Search:
    """One search's reachable part of the graph (``PathFinder.search``), walked one path length at a
    time: the answer ranks fewer hops first, so longer paths are only counted once the shorter ones
    fill the page, and counting the last two hops is one set intersection per prefix, not one walk
    per path (at x100, 81,602 of SOD1-microglia's 82,003 paths have four hops)."""

    a: str
    b: str
    max_hops: int
    dist: dict[str, int]  # hops from each node to b
    adj: dict[str, list[str]]  # neighbours within the reachable part, sorted
    into_b: set[str]
    _adj_sets: dict[str, frozenset[str]] = field(default_factory=dict)

    def _walk(self, hops: int, budget: int, leaf: Callable[[list[str], set[str]], int], stop: int) -> bool:
        """Visit every simple prefix a … n that can still reach b in exactly ``hops`` hops and has
        ``stop`` hops left, calling ``leaf`` on it (it returns how many paths it added); True if the
        ``budget`` of paths ran out."""
        far = self.max_hops + 1
        path, on_path = [self.a], {self.a}
        total = 0

        def walk(n: str) -> bool:
            nonlocal total
            left = hops - (len(path) - 1)
            if left == stop:
                total += leaf(path, on_path)
                return total >= budget
            for m in self.adj.get(n, ()):
                if m in on_path or m == self.b or self.dist.get(m, far) > left - 1:
                    continue
                path.append(m)
                on_path.add(m)
                cut = walk(m)
                path.pop()
                on_path.discard(m)
                if cut:
                    return True
            return False

        return walk(self.a)

    def paths(self, hops: int, budget: int) -> tuple[list[tuple[str, ...]], bool]:
        """Every simple path of exactly ``hops`` hops, in the order of the sorted neighbours (up to
        ``budget``; True if cut short)."""
        out: list[tuple[str, ...]] = []
        if budget <= 0:
            return out, True

        def leaf(path: list[str], on_path: set[str]) -> int:
            if self.b in self._neighbours(path[-1]):
                out.append((*path, self.b))
                return 1
            return 0

        cut = self._walk(hops, budget, leaf, stop=1)
        return out, cut

    def count(self, hops: int, budget: int, interior_ban: frozenset[str] = frozenset()) -> tuple[int, bool]:
        """How many simple paths of exactly ``hops`` hops there are whose inner nodes avoid
        ``interior_ban`` (up to ``budget``; True if cut short)."""
        if budget <= 0:
            return 0, True
        if hops == 1:
            return int(self.b in self._neighbours(self.a)), budget <= 1
        n_found = 0

        def leaf(path: list[str], on_path: set[str]) -> int:
            nonlocal n_found
            if interior_ban and any(n in interior_ban for n in path[1:]):
                return 0
            k = len((self._neighbours(path[-1]) & self.into_b).difference(on_path, interior_ban))
            n_found += k
            return k

        cut = self._walk(hops, budget, leaf, stop=2)
        return min(n_found, budget), cut

    def _neighbours(self, n: str) -> frozenset[str]:
        got = self._adj_sets.get(n)
        if got is None:
            got = self._adj_sets[n] = frozenset(self.adj.get(n, ()))
        return got


def hop_weight(hop: Hop) -> float:
    """The best of the hop's links: along the arrow, on a study finding (or the registry) and on an
    observation weigh most; an interpretation weighs ¾ and a hypothesis ½ of an observation."""
    best = 0.0
    for lk in hop.links:
        w = 1.0 if lk.subject == hop.source else REVERSE_HOP_WEIGHT
        if lk.origin.startswith("kgx:"):
            w *= FOREIGN_HOP_WEIGHT
        elif lk.origin == "claims":
            if not any(c.status == "finding" for c in lk.claims):
                w *= BACKGROUND_HOP_WEIGHT
            else:
                w *= max(CERTAINTY_WEIGHT.get(c.certainty, 1.0) for c in lk.claims if c.status == "finding")
        best = max(best, w)
    return best or 1.0


def observed_hop(hop: Hop) -> bool:
    """A hop resting on an observed finding or on the entity registry (for ``observed_only``)."""
    return any(lk.origin == "registry" or any(c.certainty == "observed" for c in lk.claims) for lk in hop.links)


def net_effect(hops: tuple[Hop, ...], signs: dict[str, int]) -> int | None:
    """The direction of effect from source to target, as INDRA's signed paths: the product of each
    hop's sign (+1 increases/activates/causes…, -1 decreases/inhibits/ameliorates…). None when a hop
    runs against its arrow, has no signed predicate, or its links disagree."""
    total = 1
    for hop in hops:
        hop_signs = {signs.get(lk.predicate) for lk in hop.links if lk.subject == hop.source}
        if len(hop_signs) != 1 or None in hop_signs or hop.direction != "forward":
            return None
        total *= hop_signs.pop()
    return total


def negative_evidence(G: nx.MultiDiGraph, finder: PathFinder, a: str, b: str) -> tuple[NegativeFinding, ...]:
    """Negated claims relating ``a`` and ``b`` (either direction, any predicate), then those relating
    entities the graph ties to them (a finding about 'VE-cadherin junctional disruption' is about
    VE-cadherin); direct ones first."""
    ta, tb = finder.ties(a), finder.ties(b)
    found = []
    for k, (s, o) in enumerate(finder.negated_ends()):
        for x, y in ((s, o), (o, s)):
            if x in ta and y in tb:
                ties = tuple(t for t in (ta[x], tb[y]) if t)
                found.append(NegativeFinding(finder.negated_claim(k), ties))
                break
    found.sort(key=lambda n: (len(n.ties), n.claim.document, n.claim.id))
    return tuple(found)


def find_paths(G: nx.MultiDiGraph, a: str, b: str, *, max_hops: int = 4, limit: int | None = 10,
               via: str | None = None, avoid: tuple[str, ...] = (), directed: bool = False,
               names: NameIndex | None = None, finder: PathFinder | None = None, no_hubs: bool = False,
               observed_only: bool = False, sign: str | None = None) -> PathAnswer:
    """Ranked paths between the entities named ``a`` and ``b`` (any name ``kg.names`` accepts).

    The answer starts with what the documents say did NOT happen between the two (``negative``);
    ``hub_only`` names the general hubs when every path found runs through one. ``no_hubs`` drops
    paths through a hub, ``observed_only`` keeps paths whose every hop rests on an observation (or
    the registry), ``sign`` ("up"/"down") keeps paths with that net direction of effect."""
    if sign not in (None, "up", "down"):
        raise AlskgError(f"sign must be 'up' or 'down' (got {sign!r})")
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
    search = finder.search(src, dst, max_hops, directed, banned)
    # Paths are walked one length at a time, fewest hops first as they rank; once the shorter ones fill
    # the page, longer ones are only counted (for ``found``), never built. Per-path filters (via,
    # observed_only, sign), an unlimited page and a hub-only answer (it names every hub on every path)
    # need every path, so they walk them all, as before (up to MAX_PATHS_SEEN).
    count_tail = (search is not None and limit is not None and not via_type and not observed_only
                  and sign is None and (not finder.hubs or finder.hub_free_path(src, dst, max_hops, directed, banned)))
    signs = finder.signs
    ranker = _Ranker(finder, directed, signs)
    hubs_seen: set[str] = set()
    every_path_has_hub = True
    keyed: list[tuple[tuple[int, bool, float, int, tuple[str, ...]], tuple[str, ...]]] = []
    want = None if sign is None else (1 if sign == "up" else -1)
    seen = counted = 0
    truncated = False
    for hops in range(1, max_hops + 1) if search is not None else ():
        if count_tail and limit is not None and len(keyed) >= limit:
            n, truncated = search.count(hops, MAX_PATHS_SEEN - seen, finder.hubs if no_hubs else frozenset())
            seen += n
            counted += n
        else:
            raw, truncated = search.paths(hops, MAX_PATHS_SEEN - seen)
            seen += len(raw)
            for p in raw:
                if via_type and not any(finder.type_of(n) in via_types for n in p[1:-1]):
                    continue
                path_hubs = [n for n in p[1:-1] if n in finder.hubs]
                hubs_seen.update(path_hubs)
                every_path_has_hub = every_path_has_hub and bool(path_hubs)
                if no_hubs and path_hubs:
                    continue
                if observed_only and not ranker.observed(p):
                    continue
                if want is not None and ranker.net_effect(p) != want:
                    continue
                keyed.append(((hops, bool(path_hubs), -ranker.score(p), -ranker.evidence(p), p), p))
        if truncated:
            break
    hub_only: tuple[EntityRef, ...] = ()
    if hubs_seen and every_path_has_hub and not count_tail:
        hub_only = tuple(entity_ref(G, h) for h in sorted(hubs_seen))
    # rank on keys from per-hop memos; only the paths shown are built in full
    best = sorted(keyed) if limit is None else heapq.nsmallest(limit, keyed)
    shown = [_make_path(G, finder, p, directed, signs, ranker) for _, p in best]
    filters = {"via": via_type, "avoid": sorted(banned), "no_hubs": no_hubs, "observed_only": observed_only,
               "sign": sign}
    return PathAnswer(entity_ref(G, src), entity_ref(G, dst), max_hops, directed, tuple(shown), len(keyed) + counted,
                      truncated, filters, negative_evidence(G, finder, src, dst), hub_only)


class _Ranker:
    """The ranking facts of candidate paths from memos per hop, so tens of thousands of candidates
    through hubs cost a few dict look-ups each instead of a full ``PathResult`` each.

    Every value equals what ``_make_path`` computes for the same path (the score multiplies the same
    factors in the same order, so the floats are identical); the memos live for one search."""

    def __init__(self, finder: PathFinder, directed: bool, signs: dict[str, int]):
        self.finder, self.directed, self.signs = finder, directed, signs
        self._hops: dict[tuple[str, str], Hop] = {}
        self._degree: dict[tuple[str, str], float] = {}
        self._weight: dict[tuple[str, str], float] = {}
        self._claims: dict[tuple[str, str], frozenset[str]] = {}
        self._observed: dict[tuple[str, str], bool] = {}

    def hop(self, u: str, v: str) -> Hop:
        h = self._hops.get((u, v))
        if h is None:
            h = self._hops[(u, v)] = self.finder.hop(u, v, self.directed)
        return h

    def score(self, nodes: tuple[str, ...]) -> float:
        deg = self.finder.degree
        s = 1.0
        pairs = list(zip(nodes, nodes[1:], strict=False))
        for e in pairs:
            f = self._degree.get(e)
            if f is None:
                f = self._degree[e] = (max(deg.get(e[0], 1), 1) * max(deg.get(e[1], 1), 1)) ** -DAMPING
            s *= f
        for e in pairs:
            w = self._weight.get(e)
            if w is None:
                w = self._weight[e] = hop_weight(self.hop(*e))
            s *= w
        return s

    def evidence(self, nodes: tuple[str, ...]) -> int:
        ids: set[str] = set()
        for e in zip(nodes, nodes[1:], strict=False):
            c = self._claims.get(e)
            if c is None:
                c = self._claims[e] = frozenset(x.id for x in self.hop(*e).claims)
            ids |= c
        return len(ids)

    def observed(self, nodes: tuple[str, ...]) -> bool:
        for e in zip(nodes, nodes[1:], strict=False):
            o = self._observed.get(e)
            if o is None:
                o = self._observed[e] = observed_hop(self.hop(*e))
            if not o:
                return False
        return True

    def net_effect(self, nodes: tuple[str, ...]) -> int | None:
        return net_effect(tuple(self.hop(u, v) for u, v in zip(nodes, nodes[1:], strict=False)), self.signs)


def type_family(name: str) -> tuple[str, frozenset[str]]:
    """(type, the type and its subtypes): a path via Therapy also passes Drug and CellTherapy."""
    from kg.schema import load_schema  # rdflib: only a --via search needs the schema's types

    return load_schema().type_family(name)


def _make_path(G: nx.MultiDiGraph, finder: PathFinder, nodes: tuple[str, ...], directed: bool,
               signs: dict[str, int], ranker: _Ranker | None = None) -> PathResult:
    hop = ranker.hop if ranker else (lambda u, v: finder.hop(u, v, directed))
    hops = tuple(hop(u, v) for u, v in zip(nodes, nodes[1:], strict=False))
    claims = {c.id: c for h in hops for c in h.claims}
    docs = tuple(sorted({c.document for c in claims.values()}))
    hubs = tuple(n for n in nodes[1:-1] if n in finder.hubs)
    return PathResult(tuple(entity_ref(G, n) for n in nodes), hops, finder.score(nodes, hops), len(claims), docs,
                      net_effect(hops, signs), hubs)


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
        return terminal_safe(f"{s} —{link.predicate}→ {t}")
    return terminal_safe(f"{s} ←{link.predicate}— {t}")


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
    return [terminal_safe(line) for line in lines]  # also printed by kg.analyze


CERTAINTY_TAGS = {"interpretation": "INTERPRETATION", "hypothesis": "HYPOTHESIS"}  # observed and background go untagged


def format_answer(G: nx.MultiDiGraph, ans: PathAnswer, lang: str = "en") -> str:
    """The answer as text: negative findings first, then a hub warning, then the ranked paths with the
    certainty, context and species of every hop and the claims behind it."""
    a, b = _label(ans.source, ans.source.id, G, lang), _label(ans.target, ans.target.id, G, lang)
    mode = "directed " if ans.directed else ""
    out: list[str] = []
    if ans.negative:
        out.append(f"NEGATIVE FINDINGS: the documents say these did NOT hold between {a} and {b}:")
        for n in ans.negative:
            c = n.claim
            out.append(f"  {_label(None, c.subject, G, lang)} —NOT {c.predicate}→ {_label(None, c.object, G, lang)}")
            for tie in n.ties:
                out.append(f"     (tied by: {tie})")
            out += format_evidence(c, G=G)
        out.append("")
    if ans.hub_only:
        hubs = ", ".join(_label(h, h.id, G, lang) for h in ans.hub_only)
        out.append(f"WEAK LINK: every path found runs through the general hub {hubs}; the documents draw no "
                   f"specific connection between {a} and {b} (--no-hubs drops such paths).")
        out.append("")
    if not ans.paths:
        extra = []
        if ans.filters.get("via"):
            extra.append(f"through a {ans.filters['via']}")
        if ans.filters.get("avoid"):
            extra.append(f"avoiding {', '.join(ans.filters['avoid'])}")
        for key, text in (("no_hubs", "not through a hub"), ("observed_only", "on observed findings only")):
            if ans.filters.get(key):
                extra.append(text)
        if ans.filters.get("sign"):
            extra.append(f"with net effect {ans.filters['sign']}")
        tail = f" ({'; '.join(extra)})" if extra else ""
        out.append(f"No {mode}path from {a} [{ans.source.id}] to {b} [{ans.target.id}] within {ans.max_hops} "
                   f"hop{'s' if ans.max_hops != 1 else ''}{tail}.")
        return terminal_safe("\n".join(out))
    out.append(f"{a} [{ans.source.id}] → {b} [{ans.target.id}]: {ans.found}{'+' if ans.truncated else ''} "
               f"{mode}path{'s' if ans.found != 1 else ''} within {ans.max_hops} hop{'s' if ans.max_hops != 1 else ''}; "
               f"showing {len(ans.paths)}, fewest hops first, then most specific and best observed")
    for i, p in enumerate(ans.paths, 1):
        chain = " — ".join(_label(n, n.id, G, lang) for n in p.nodes)
        facts = [f"{p.length} hop{'s' if p.length != 1 else ''}", f"score {p.score:.4f}",
                 f"{p.evidence} claim{'s' if p.evidence != 1 else ''}"]
        if p.documents:
            facts.append(f"documents: {', '.join(p.documents)}")
        out += ["", f"{i}. {chain}", f"   {', '.join(facts)}"]
        marks = [f"certainty per hop: {' → '.join(p.certainties)}"]
        if p.species:
            marks.append(f"species: {', '.join(p.species)}" + (" (CROSSES SPECIES)" if p.crosses_species else ""))
        if p.net_effect:
            marks.append(f"net effect: {'up' if p.net_effect > 0 else 'down'}")
        if p.hubs:
            marks.append(f"through hub: {', '.join(_label(None, h, G, lang) for h in p.hubs)}")
        out.append(f"   {'; '.join(marks)}")
        for h in p.hops:
            for lk in h.links:
                origin = {"registry": "   (entity registry)", "claims": ""}.get(
                    lk.origin, f"   (from the KGX graph {lk.origin[4:]}; no quote here)")
                out.append(f"   {format_link(G, h, lk, lang)}{origin}")
                for ev in lk.claims:
                    out += format_evidence(ev, G=G)
            for c in h.negated:
                out.append(f"   NOT: {_label(None, c.subject, G, lang)} —NOT {c.predicate}→ {_label(None, c.object, G, lang)}")
                out += format_evidence(c, G=G)
    return terminal_safe("\n".join(out))  # curated text never drives the terminal
