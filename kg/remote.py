"""Answers from any SPARQL endpoint: ``path``, ``show``, ``neighbors`` and ``stats`` with ``--endpoint``.

A graph that outgrows one machine lives in a triple store (Oxigraph's server, Virtuoso, …) loaded
from the N-Quads export. These commands do not ask the store to rank anything: they fetch a BOUNDED
neighbourhood over the SPARQL protocol (SELECT queries through ``kg.query.run_remote``, entity IRIs
in batched ``VALUES`` blocks, never a property path such as ``+``, whose cost cannot be bounded),
turn the claim resources' RDF back into ``kg.model.Claim`` objects (each checked against its
content-hash IRI, so a claim that did not survive the round trip is an error, not a quiet
difference), project them with ``kg.network.project`` and answer with the very code the embedded
graph uses (``kg.paths``, ``kg.entity``, ``kg.names``). The answers are the same as the embedded
graph's, because the fetch is exactly what that code reads:

* a path of at most k hops from a to b has every hop touching an entity within ⌈k/2⌉−1 hops of a
  or ⌊k/2⌋−1 hops of b (meet in the middle), so the relations of those entities hold every path;
  claims are then fetched only for the entity pairs on a path (and the ties of a and b that
  negative findings follow);
* the hub penalty needs each entity's degree in the WHOLE graph and the number of entities: COUNT
  queries, not the neighbourhood's own degrees;
* names resolve as ``kg.names.NameIndex`` resolves them: a name that is an entity's id (the
  strongest match there is) by one lookup; any other name through the index of every entity's
  labels and synonyms (one bounded query; past ``MAX_NAME_ROWS`` only exact names are matched, and a
  note says so);
* ``show`` lists the claims an entity is the model system or species of by id, as the embedded
  view does, so only their ids are fetched.

Every fetch is capped (``max_fetch`` entities expanded, relations or claims read); hitting a cap is
an ``EndpointLimit`` that says what to narrow, never a shorter answer. An answer of 1,000 rows or
more is recounted with COUNT, because some stores cut answers off silently (Virtuoso at
``ResultSetMaxRows``). An endpoint that holds no alskg claims is a ``NotAlskgData`` error rather
than empty answers. The one answer that differs from the embedded one is the order of documents in
``stats`` (by id: a store does not keep documents.tsv's row order), and the CLI says so.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx

from kg.entity import MAX_NEIGHBOR_HOPS, neighborhood, show_entity, within_hops
from kg.model import AlskgError, Claim, Context, Entity, Location, Qualifier, Seeds
from kg.names import NameIndex
from kg.namespaces import PREFIXES
from kg.network import project
from kg.paths import HUB_SHARE, MAX_HOPS_LIMIT, MAX_PATHS_SEEN, TIE_PREDICATES, PathFinder, find_paths
from kg.query import Cell, QueryDef, QueryError, ResultTable, run_remote, shown_url
from kg.results import EntityView, Neighborhood, PathAnswer
from kg.stats import CERTAINTIES
from kg.text import fold

ALS_NS, ENT_NS, CLAIM_NS, DOC_NS = (PREFIXES[p] for p in ("als", "ent", "claim", "doc"))
RDF_NS = PREFIXES["rdf"]
DEFAULT_MAX_FETCH = 20_000  # entities expanded, relations and claims read for one answer
MAX_NAME_ROWS = 200_000  # label/synonym rows read to resolve names (≈ 30,000 entities; ≈ 40 MB of JSON at most,
# under kg.query's 64 MB cap on one answer)
_IRI_SAFE = re.compile(r"[\w.:-]+")  # what may follow ent: in an id typed at the exact-name fallback
BATCH = 200  # IRIs per VALUES block: ≈ 12 KB of query text, far below kg.sparql_guard's limit
ROWS_PER_CLAIM = 40  # a claim resource has ≈ 16 properties, plus 2–3 per qualifier
DEFAULT_TIMEOUT_S = 30.0
RECOUNT_FROM = 1_000  # answers this long are recounted: a store's silent row limit is a round number above it
STATS_NOTE = ("note: counts are exact (COUNT queries over the whole endpoint); documents are listed by id, "
              "as the endpoint does not keep the row order of documents.tsv")


class EndpointLimit(AlskgError):
    """The neighbourhood an answer needs is larger than the fetch cap."""


class NotAlskgData(AlskgError):
    """The endpoint answers SPARQL but holds no alskg claims."""


def _iri(value: str) -> str:
    return Cell("iri", value).n3()  # checked: an IRI that is not one cannot reach the query text


def _ent(eid: str) -> str:
    return _iri(ENT_NS + eid)


def _local(iri: str, ns: str) -> str | None:
    return iri[len(ns):] if iri.startswith(ns) else None


def _batches(items: Iterable[Any], size: int = BATCH) -> Iterable[list[Any]]:
    items = sorted(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


@dataclass
class RemoteGraph:
    """The graph behind a SPARQL endpoint, asked as ``kg.KG`` is (``paths``, ``entity``,
    ``neighbors``, ``stats``). ``network`` is the projection of the last answer's neighbourhood
    (for the text formatters); ``names.notes`` collects what the reader should know."""

    url: str
    timeout: float = DEFAULT_TIMEOUT_S
    max_fetch: int = DEFAULT_MAX_FETCH
    max_name_rows: int = MAX_NAME_ROWS
    network: nx.MultiDiGraph = field(default_factory=nx.MultiDiGraph)
    _names: NameIndex | None = None
    _checked: bool = False
    queries: int = 0  # how many SELECT/ASK requests were sent (for tests and notes)

    @property
    def shown(self) -> str:
        """The endpoint as messages name it (no user:password@)."""
        return shown_url(self.url)

    # ---------------------------------------------------------------- the protocol

    def select(self, text: str, max_rows: int, over_cap: str = "") -> ResultTable:
        """One query through ``run_remote``; more rows than ``max_rows`` is a cap hit (an
        EndpointLimit, or an empty table with ``truncated`` set when ``over_cap`` is "allow"),
        never a shorter answer. A large answer is recounted, because some stores cut answers off
        silently (Virtuoso stops at ``ResultSetMaxRows``, 10,000 by default, and says nothing)."""
        self.queries += 1
        res = run_remote(QueryDef("endpoint fetch", text), {}, self.url, timeout=self.timeout, max_rows=max_rows,
                         size_hint="lower --max-fetch")
        if res.truncated:
            if over_cap == "allow":
                return ResultTable(res.columns, (), truncated=True, engine=res.engine)
            raise EndpointLimit(f"the endpoint {self.shown} has more than {max_rows:,} rows for one fetch; "
                                f"{self._narrow}")
        if len(res.rows) >= RECOUNT_FROM:
            self.queries += 1
            counted = run_remote(QueryDef("endpoint recount", f"SELECT (COUNT(*) AS ?n) WHERE {{ {text} }}"), {},
                                 self.url, timeout=self.timeout, max_rows=2)
            n = _count(_values(counted)[0][0], self.shown) if counted.rows else -1
            if n != len(res.rows):
                raise QueryError(f"the endpoint {self.shown} sent {len(res.rows):,} of {n:,} rows: it cut the answer "
                                 f"off without saying so (Virtuoso does at ResultSetMaxRows; raise it in "
                                 f"virtuoso.ini, see docs/virtuoso.md)")
        return res

    @property
    def _narrow(self) -> str:
        return (f"the answer needs more than --max-fetch {self.max_fetch:,} entities, relations or claims; "
                f"narrow it (fewer --max-hops or --hops, --avoid a hub) or raise --max-fetch")

    def check(self) -> None:
        """The endpoint holds alskg claims (else every answer would be an empty, misleading one)."""
        if self._checked:
            return
        self.queries += 1
        res = run_remote(QueryDef("endpoint check", "ASK { ?c a als:Claim ; rdf:subject ?s }"), {}, self.url,
                         timeout=self.timeout)
        if not res.boolean:
            raise NotAlskgData(f"the endpoint {self.shown} holds no alskg data (no als:Claim resources); load the "
                               f"N-Quads export into it (alskg export --format nq) or check the URL")
        self._checked = True

    def _count(self, n: int, what: str) -> None:
        if n > self.max_fetch:
            raise EndpointLimit(f"{what}: {n:,} found; {self._narrow}")

    # ---------------------------------------------------------------- names and entities

    @property
    def names(self) -> NameIndex:
        """Name resolution as ``kg.names`` does it: a name that is an entity's id is settled by one
        lookup (an id is the strongest match there is); any other name by the index of every
        entity's names (bounded; exact matches only past the bound, with a note)."""
        if self._names is None:
            self.check()
            self._names = _Names(self)
        return self._names

    def _all_names(self) -> NameIndex:
        res = self.select(_entity_query(""), self.max_name_rows, over_cap="allow")
        return _ExactNames(self) if res.truncated else NameIndex(_node_graph(_entities_from(res)))

    def _is_id(self, name: str) -> str | None:
        """The entity whose id ``name`` is (in ``kg.names``' folded form), if one exists."""
        key = fold(name)
        if not _IRI_SAFE.fullmatch(key):
            return None
        res = self.select(f"SELECT ?e WHERE {{ VALUES ?e {{ {_ent(key)} }} ?e dcterms:identifier ?id }}", 2)
        return key if res.rows else None

    def entities(self, ids: Iterable[str]) -> dict[str, Entity]:
        """The registry data of these entities (labels, synonyms, xrefs, type, note)."""
        out: dict[str, Entity] = {}
        ids = set(ids)
        self._count(len(ids), "entities to describe")
        for batch in _batches(ids):
            values = f"VALUES ?e {{ {' '.join(_ent(e) for e in batch)} }}"
            out.update(_entities_from(self.select(_entity_query(values), len(batch) * 200 + 1)))
        return out

    # ---------------------------------------------------------------- relations, claims, degrees

    def relations(self, ids: Iterable[str]) -> set[tuple[str, str, str]]:
        """The direct (subject, predicate, object) relations touching these entities: the projection's
        edges (a non-negated claim's triple, or a registry link), without their claims."""
        out: set[tuple[str, str, str]] = set()
        for batch in _batches(set(ids)):
            text = (f"SELECT DISTINCT ?x ?p ?y ?d WHERE {{ VALUES ?x {{ {' '.join(_ent(e) for e in batch)} }}\n"
                    f"  {{ ?x ?p ?y BIND(\"out\" AS ?d) }} UNION {{ ?y ?p ?x BIND(\"in\" AS ?d) }}\n"
                    f"  FILTER(isIRI(?y) && STRSTARTS(STR(?y), \"{ENT_NS}\") && STRSTARTS(STR(?p), \"{ALS_NS}\")) }}")
            for x, p, y, d in _values(self.select(text, self.max_fetch + 1)):
                x, p, y = _local(x, ENT_NS), _local(p, ALS_NS), _local(y, ENT_NS)
                if x and p and y:
                    out.add((x, p, y) if d == "out" else (y, p, x))
            self._count(len(out), "relations in the neighbourhood")
        return out

    def claims(self, selector: str, rows: list[str], have: dict[str, Claim] | None = None) -> dict[str, Claim]:
        """Claims chosen by ``selector`` (a pattern binding ?c, over one VALUES block per batch of
        ``rows``), rebuilt as ``kg.model.Claim`` and checked against their content-hash IRIs."""
        have = {} if have is None else have
        for batch in _batches(rows, BATCH // 2):
            text = (f"SELECT DISTINCT ?c ?q ?k ?v WHERE {{ {selector.replace('$VALUES', ' '.join(batch))}\n"
                    f"  ?c a als:Claim .\n"
                    f"  {{ ?c ?k ?v }} UNION {{ ?c als:qualifier ?q . ?q ?k ?v }} }}")
            res = self.select(text, (self.max_fetch - len(have) + 1) * ROWS_PER_CLAIM)
            for claim in _claims_from(res):
                have[claim.id] = claim
            self._count(len(have), "claims in the neighbourhood")
        return have

    def claims_of(self, ids: Iterable[str], have: dict[str, Claim] | None = None,
                  negated_only: bool = False) -> dict[str, Claim]:
        """Every claim whose subject or object is one of ``ids`` (only negated ones if asked)."""
        neg = ' ?c als:negated ?neg FILTER(STR(?neg) IN ("true", "1"))' if negated_only else ""
        selector = "VALUES ?x { $VALUES } { ?c rdf:subject ?x } UNION { ?c rdf:object ?x }" + neg
        return self.claims(selector, [_ent(e) for e in set(ids)], have)

    def claims_between(self, pairs: Iterable[tuple[str, str]], have: dict[str, Claim] | None = None) -> dict[str, Claim]:
        """Every claim (negated ones too) relating the two entities of a pair, either way round."""
        both = {p for a, b in pairs for p in ((a, b), (b, a))}
        selector = "VALUES (?s ?o) { $VALUES } ?c rdf:subject ?s ; rdf:object ?o ."
        return self.claims(selector, [f"({_ent(a)} {_ent(b)})" for a, b in both], have)

    def in_context(self, eid: str) -> tuple[str, ...]:
        """Ids of the claims whose model system or species is ``eid`` (only their ids are shown)."""
        text = (f"SELECT DISTINCT ?c WHERE {{ VALUES ?x {{ {_ent(eid)} }}\n"
                f"  {{ ?c als:modelSystem ?x }} UNION {{ ?c als:species ?x }} ?c a als:Claim }}")
        found = {_local(c, CLAIM_NS) for (c,) in _values(self.select(text, self.max_fetch + 1))}
        return tuple(sorted(c for c in found if c))

    def degrees(self, ids: Iterable[str]) -> dict[str, int]:
        """Each entity's number of distinct neighbours in the whole graph (the hub penalty's degree)."""
        out = dict.fromkeys(ids, 0)
        for batch in _batches(out):
            text = (f"SELECT ?x (COUNT(DISTINCT ?y) AS ?n) WHERE {{ VALUES ?x {{ {' '.join(_ent(e) for e in batch)} }}\n"
                    f"  {{ ?x ?p ?y }} UNION {{ ?y ?p ?x }}\n"
                    f"  FILTER(isIRI(?y) && ?y != ?x && STRSTARTS(STR(?y), \"{ENT_NS}\") "
                    f"&& STRSTARTS(STR(?p), \"{ALS_NS}\")) }} GROUP BY ?x")
            for x, n in _values(self.select(text, len(batch) + 1)):
                eid = _local(x, ENT_NS)
                if eid in out:
                    out[eid] = _count(n, self.shown)
        return out

    def entity_count(self) -> int:
        text = (f"SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{ ?e dcterms:identifier ?id . "
                f"FILTER(STRSTARTS(STR(?e), \"{ENT_NS}\")) }}")
        return _count(_values(self.select(text, 2))[0][0], self.shown)

    # ---------------------------------------------------------------- neighbourhoods → projection

    def _expand(self, starts: Iterable[str], rounds: int, banned: set[str],
                known: set[tuple[str, str, str]], expanded: set[str]) -> None:
        """Breadth-first over the relations: fetch the relations of every entity within ``rounds``−1
        hops of ``starts`` (so those within ``rounds`` hops become known)."""
        frontier = set(starts) - banned
        seen = set(frontier)
        for _ in range(rounds):
            todo = frontier - expanded
            self._count(len(expanded) + len(todo), "entities to expand")
            known |= self.relations(todo)
            self._count(len(known), "relations in the neighbourhood")
            expanded |= todo
            adj = _undirected(known)
            frontier = {m for n in frontier for m in adj.get(n, ()) if m not in seen and m not in banned}
            seen |= frontier

    def _projection(self, claims: dict[str, Claim], relations: set[tuple[str, str, str]],
                    extra_entities: Iterable[str] = ()) -> nx.MultiDiGraph:
        """``kg.network.project`` over the fetched claims, plus registry links (relations no claim
        supports); every entity they touch, and ``extra_entities``, with its registry data."""
        ids = {*extra_entities}
        for c in claims.values():
            ids |= {c.subject, c.object, *(x for x in (c.context.cell_type, c.context.anatomy) if x)}
        ids |= {x for s, _, o in relations for x in (s, o)}
        entities = self.entities(ids)
        missing = sorted(ids - set(entities))
        if missing:  # an endpoint that names entities it then does not describe (or rewrote their IRIs)
            raise NotAlskgData(f"the endpoint {self.shown} refers to {len(missing):,} alskg entities it does not "
                               f"describe (e.g. {ENT_NS}{missing[0]}): not a complete alskg graph")
        G = project(Seeds("", (), {}, tuple(sorted(entities.values())), tuple(sorted(claims.values()))))
        supported = {(c.subject, c.predicate, c.object) for c in claims.values() if not c.negated}
        edges = {(u, k, v): d for u, v, k, d in G.edges(keys=True, data=True)}
        for s, p, o in relations - supported:
            edges[(s, p, o)] = {"predicate": p, "claims": [], "source": "registry"}
        G.remove_edges_from(list(G.edges(keys=True)))  # re-added in the projection's order
        for (s, p, o) in sorted(edges):
            G.add_edge(s, o, key=p, **edges[(s, p, o)])
        self.network = G
        return G

    # ---------------------------------------------------------------- the commands

    def resolve(self, name: str) -> str:
        return self.names.resolve(name)

    def paths(self, a: str, b: str, max_hops: int = 4, limit: int | None = 10, via: str | None = None,
              avoid: tuple[str, ...] | list[str] = (), directed: bool = False, no_hubs: bool = False,
              observed_only: bool = False, sign: str | None = None) -> PathAnswer:
        """``kg.KG.paths`` over the endpoint: the same ranked paths, hops, quotes and negative findings."""
        if not 1 <= max_hops <= MAX_HOPS_LIMIT:
            raise AlskgError(f"max_hops must be between 1 and {MAX_HOPS_LIMIT} (got {max_hops})")
        names = self.names
        src, dst = names.resolve(a), names.resolve(b)
        banned = {names.resolve(x) for x in avoid} - {src, dst}  # find_paths refuses an avoided end itself
        known: set[tuple[str, str, str]] = set()
        expanded: set[str] = set()
        self._expand([src], max(1, (max_hops + 1) // 2), banned, known, expanded)
        self._expand([dst], max(1, max_hops // 2), banned, known, expanded)
        skeleton = nx.MultiDiGraph()
        skeleton.add_nodes_from([src, dst])
        for s, p, o in sorted(known):
            skeleton.add_edge(s, o, key=p, predicate=p)
        finder = PathFinder(skeleton)
        raw, _ = finder.node_paths(src, dst, max_hops, directed, banned, MAX_PATHS_SEEN) if src != dst else ([], False)
        pairs = {tuple(sorted(uv)) for p in raw for uv in zip(p, p[1:], strict=False)}
        ties = {end: {x for u, v in finder.pairs_of.get(end, ()) for x in (u, v)
                      if any(lk.predicate in TIE_PREDICATES for lk in finder.links[(u, v)])} for end in (src, dst)}
        pairs |= {tuple(sorted((end, x))) for end in (src, dst) for x in ties[end] if x != end}
        self._count(len(pairs), "entity pairs on the paths")
        claims = self.claims_between(pairs)
        smaller = min(ties.values(), key=len) | {src, dst}  # a negative finding joins a tie of a to one of b
        claims = self.claims_of(smaller, claims, negated_only=True)
        on_pairs = {frozenset(x) for x in pairs}
        relations = {r for r in known if frozenset((r[0], r[2])) in on_pairs}
        G = self._projection(claims, relations, {src, dst, *banned})
        path_finder = PathFinder(G)
        on_paths = {n for p in raw for n in p} | {src, dst}
        degree = self.degrees(on_paths)
        total = max(self.entity_count(), 1)
        path_finder.degree = {n: degree.get(n, path_finder.degree.get(n, 0)) for n in G.nodes}
        path_finder.hubs = frozenset(n for n, d in degree.items() if d >= HUB_SHARE * total)
        return find_paths(G, a, b, max_hops=max_hops, limit=limit, via=via, avoid=tuple(avoid), directed=directed,
                          names=names, finder=path_finder, no_hubs=no_hubs, observed_only=observed_only, sign=sign)

    def entity(self, name: str) -> EntityView:
        """``kg.KG.entity`` over the endpoint: every claim about one entity, its registry links."""
        eid = self.names.resolve(name)
        self._projection(self.claims_of([eid]), self.relations([eid]), {eid})
        view = show_entity(self.network, name, self.names)
        # the claims it is the model system or species of are listed by id: their ids, not the claims
        return replace(view, as_context=self.in_context(eid))

    def neighbors(self, name: str, hops: int = 1) -> Neighborhood:
        """``kg.KG.neighbors`` over the endpoint: the entities within ``hops`` and the links among them."""
        if not 1 <= hops <= MAX_NEIGHBOR_HOPS:
            raise AlskgError(f"hops must be between 1 and {MAX_NEIGHBOR_HOPS} (got {hops})")
        eid = self.names.resolve(name)
        known: set[tuple[str, str, str]] = set()
        expanded: set[str] = set()
        self._expand([eid], hops, set(), known, expanded)
        ball = within_hops(_undirected(known), eid, hops)
        known |= self.relations(set(ball) - expanded)  # links between the entities farthest out
        inside = {r for r in known if r[0] in ball and r[2] in ball}
        self._count(len(inside), "relations in the neighbourhood")
        pairs = {tuple(sorted((s, o))) for s, _, o in inside}
        claims = {c.id: c for c in self.claims_between(pairs).values() if not c.negated}
        G = self._projection(claims, inside, set(ball))
        return neighborhood(G, name, hops, self.names)

    def stats(self) -> dict[str, Any]:
        """``kg.stats.compute_stats`` from COUNT queries over the whole endpoint (exact, not sampled)."""
        self.check()
        return remote_stats(self)


def _count(value: Any, url: str = "the endpoint") -> int:
    """A count the endpoint sent: a non-negative integer of sane length, or a clear error (an endpoint
    can send "NaN", "-715" or "1e999999999" where a COUNT belongs)."""
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]{1,18}", text):
        raise QueryError(f"{url} answered {text[:40]!r} where a count belongs: "
                         "not an alskg-compatible SPARQL endpoint")
    return int(text)


def _values(res: ResultTable) -> list[tuple[Any, ...]]:
    return [tuple(c.value if c is not None else None for c in row) for row in res.rows]


def _undirected(relations: Iterable[tuple[str, str, str]]) -> dict[str, set[str]]:
    adj: dict[str, set[str]] = defaultdict(set)
    for s, _, o in relations:
        if s != o:
            adj[s].add(o)
            adj[o].add(s)
    return adj


# ---------------------------------------------------------------- RDF back to the model

_ENTITY_PROPS = ("rdf:type", "rdfs:label", "skos:prefLabel", "skos:altLabel", "als:xref", "als:registryNote")


def _entity_query(values: str) -> str:
    """Registry data of the entities in ``values`` (a VALUES block), or of every entity (no block):
    what ``kg.rdf`` writes on an entity IRI, one UNION branch per property (Oxigraph joins a
    ``VALUES ?p`` block with ``?e ?p ?v`` twenty times slower than these branches)."""
    where = "" if values else f"\n  FILTER(STRSTARTS(STR(?e), \"{ENT_NS}\"))"
    branches = " UNION ".join(f"{{ ?e {p} ?v BIND({p} AS ?p) }}" for p in _ENTITY_PROPS)
    return f"SELECT ?e ?p ?v WHERE {{ {values}\n  {branches}{where} }}"


def _entities_from(res: ResultTable) -> dict[str, Entity]:
    """Entities as ``kg.rdf`` wrote them: rdfs:label@en is the English label, skos:prefLabel@ja the
    first Japanese label, the other rdfs:label@ja the rest, skos:altLabel the synonyms (Japanese
    labels after the first among them, as the projection counts them)."""
    acc: dict[str, dict[str, Any]] = defaultdict(lambda: {"type": "", "en": "", "ja0": "", "ja": set(), "syn": set(),
                                                            "xrefs": set(), "note": ""})
    rdf_type, label, pref, alt = (PREFIXES[p] + x for p, x in (("rdf", "type"), ("rdfs", "label"),
                                                               ("skos", "prefLabel"), ("skos", "altLabel")))
    for row in res.rows:
        e, p, v = row
        eid = _local(e.value, ENT_NS) if e else None
        if not eid or p is None or v is None:
            continue
        d = acc[eid]
        if p.value == rdf_type:
            d["type"] = _local(v.value, ALS_NS) or d["type"]
        elif p.value == label:
            if v.lang == "ja":
                d["ja"].add(v.value)
            else:
                d["en"] = v.value
        elif p.value == pref and v.lang == "ja":
            d["ja0"] = v.value
        elif p.value == alt:
            d["syn"].add(v.value)
        elif p.value == ALS_NS + "xref":
            d["xrefs"].add(v.value)
        elif p.value == ALS_NS + "registryNote":
            d["note"] = v.value
    out = {}
    for eid, d in acc.items():
        ja = (d["ja0"], *sorted(d["ja"] - {d["ja0"]})) if d["ja0"] else tuple(sorted(d["ja"]))
        out[eid] = Entity(eid, d["type"], d["en"], ja, tuple(sorted(d["syn"])), tuple(sorted(d["xrefs"])),
                          note=d["note"])
    return out


def _node_graph(entities: dict[str, Entity]) -> nx.MultiDiGraph:
    """Entities only, with the projection's node data (for the name index)."""
    return project(Seeds("", (), {}, tuple(sorted(entities.values())), ()))


_CLAIM_PROPS = {"subject", "predicate", "object", "negated", "quote", "summary", "evidenceKind", "findingStatus",
                "wasDerivedFrom", "curationFile", "certainty", "certaintyNote", "cellTypeContext",
                "anatomicalContext", "comparisonContext", "modelSystem", "species"}


def _short(iri: str) -> str:
    for ns in (ALS_NS, ENT_NS, DOC_NS, RDF_NS, PREFIXES["prov"]):
        if iri.startswith(ns):
            return iri[len(ns):]
    return iri


def _claims_from(res: ResultTable) -> list[Claim]:
    """``kg.model.Claim`` objects from the rows (?c ?q ?k ?v) of claim resources and their qualifiers;
    a claim whose rebuilt content does not hash to its IRI is an error."""
    props: dict[str, dict[str, str]] = defaultdict(dict)
    quals: dict[str, dict[str, dict[str, str]]] = defaultdict(lambda: defaultdict(dict))
    for c, q, k, v in res.rows:
        if c is None or k is None or v is None:
            continue
        key = _short(k.value)
        if q is None:
            if key in _CLAIM_PROPS:
                props[c.value][key] = v.value
        else:
            quals[c.value][q.value][key] = v.value
    out = []
    for iri, d in props.items():
        try:
            qualifiers = tuple(_qualifier(quals[iri][q]) for q in sorted(quals[iri], key=_qualifier_order))
            file, _, line = d.get("curationFile", ":0").rpartition(":")
            claim = Claim(
                subject=_short(d["subject"]), predicate=_short(d["predicate"]), object=_short(d["object"]),
                document=_short(d["wasDerivedFrom"]), quote=d["quote"], summary=d["summary"],
                evidence=_short(d["evidenceKind"]), status=_short(d["findingStatus"]),
                negated=d["negated"] in ("true", "1"), model=_opt(d, "modelSystem"), species=_opt(d, "species"),
                qualifiers=qualifiers, certainty=_short(d.get("certainty", ALS_NS + "observed")),
                certainty_note=d.get("certaintyNote", ""),
                context=Context(_opt(d, "cellTypeContext"), _opt(d, "anatomicalContext"), d.get("comparisonContext", "")),
                where=Location(file, int(line or 0)))
        except (KeyError, ValueError) as exc:
            raise AlskgError(f"claim {iri} on the endpoint is incomplete or malformed ({exc}); "
                             f"load the whole N-Quads export") from None
        if CLAIM_NS + claim.id != iri:
            raise AlskgError(f"claim {iri} on the endpoint does not match its content (it rebuilds as "
                             f"{claim.id}); the endpoint's copy differs from an alskg export")
        out.append(claim)
    return out


def _opt(d: dict[str, str], key: str) -> str | None:
    return _short(d[key]) if key in d else None


def _qualifier_order(iri: str) -> int:
    tail = iri.rpartition("-q")[2]
    return int(tail) if tail.isdigit() else 0


def _qualifier(d: dict[str, str]) -> Qualifier:
    numbers = {attr: float(d[key]) for key, attr in (("value", "value"), ("fromValue", "from_value"),
                                                      ("toValue", "to_value"), ("change", "change"), ("fold", "fold"))
               if key in d}
    return Qualifier(measure=d["measure"], unit=d.get("unit", ""), comparison=d.get("comparison", ""), **numbers)


# ---------------------------------------------------------------- names past the bound


class _Names(NameIndex):
    """``kg.names.NameIndex`` for an endpoint: an id is found by one lookup, anything else through
    the index of every name, fetched on first need (its notes are this object's notes)."""

    def __init__(self, remote: RemoteGraph):
        super().__init__(nx.MultiDiGraph())
        self.remote = remote
        self.full: NameIndex | None = None

    def __repr__(self) -> str:
        return f"<names of {self.remote.shown}: {'every name' if self.full else 'ids so far'}>"

    def resolve(self, name: str) -> str:
        if self.full is None:
            eid = self.remote._is_id(name)
            if eid:
                return eid
            self._load_full()
        return self.full.resolve(name)

    def lookup(self, name: str) -> list[str]:
        if self.full is None:
            self._load_full()
        return self.full.lookup(name)

    def _load_full(self) -> None:
        self.full = self.remote._all_names()
        self.notes += self.full.notes
        self.full.notes = self.notes


class _ExactNames(NameIndex):
    """A name index over only the entities whose id, label, synonym or xref equals what was typed
    (case-insensitively): used when the endpoint has more names than one fetch may read."""

    def __init__(self, remote: RemoteGraph):
        self.remote = remote
        super().__init__(nx.MultiDiGraph())
        self.notes.append(f"note: the endpoint has more than {remote.max_name_rows:,} entity names; names are "
                          f"matched exactly (id, label, synonym or xref, any case), not loosely")

    def resolve(self, name: str) -> str:
        """``NameIndex.resolve`` over the entities that bear this exact name (looser readings of it
        would need every name, which is what the bound keeps out)."""
        notes = self.notes
        NameIndex.__init__(self, _node_graph(self._candidates(name)))
        self.notes = notes
        return super().resolve(name)

    def _candidates(self, name: str) -> dict[str, Entity]:
        literal = Cell("literal", name.strip().casefold()).n3()
        ids = {name.strip(), name.strip().casefold()}
        if name.startswith(ENT_NS):
            ids.add(name[len(ENT_NS):])
        elif name.startswith("ent:"):
            ids.add(name[4:])
        values = " ".join(_iri(ENT_NS + i) for i in sorted(ids) if _IRI_SAFE.fullmatch(i))
        text = (f"SELECT DISTINCT ?e WHERE {{ {{ VALUES ?e {{ {values} }} ?e dcterms:identifier ?id }} UNION\n"
                f"  {{ VALUES ?p {{ rdfs:label skos:altLabel als:xref }} ?e ?p ?v . "
                f"FILTER(LCASE(STR(?v)) = {literal} && STRSTARTS(STR(?e), \"{ENT_NS}\")) }} }}")
        hits = [_local(e, ENT_NS) for (e,) in _values(self.remote.select(text, self.remote.max_fetch + 1))]
        return self.remote.entities(h for h in hits if h)


# ---------------------------------------------------------------- stats


def remote_stats(remote: RemoteGraph) -> dict[str, Any]:
    """The same numbers as ``kg.stats.compute_stats``, from grouped COUNT queries (documents ordered
    by id: the endpoint does not keep documents.tsv's row order)."""
    groups = _values(remote.select(
        "SELECT ?doc ?neg ?status ?cert ?pred ?ev (COUNT(DISTINCT ?c) AS ?n) WHERE {\n"
        "  ?c a als:Claim ; prov:wasDerivedFrom ?doc ; als:negated ?neg ; als:findingStatus ?status ;\n"
        "     als:certainty ?cert ; rdf:predicate ?pred ; als:evidenceKind ?ev }\n"
        "GROUP BY ?doc ?neg ?status ?cert ?pred ?ev", 1_000_000))
    numeric = _values(remote.select(
        "SELECT ?doc ?neg (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a als:Claim ; prov:wasDerivedFrom ?doc ;\n"
        "  als:negated ?neg ; als:qualifier ?q } GROUP BY ?doc ?neg", 100_000))
    with_context = _values(remote.select(
        "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a als:Claim .\n"
        "  { ?c als:cellTypeContext ?x } UNION { ?c als:anatomicalContext ?x } UNION { ?c als:comparisonContext ?x } }",
        2))
    types = _values(remote.select(
        f"SELECT ?t (COUNT(DISTINCT ?e) AS ?n) WHERE {{ ?e dcterms:identifier ?id ; a ?t .\n"
        f"  FILTER(STRSTARTS(STR(?e), \"{ENT_NS}\") && STRSTARTS(STR(?t), \"{ALS_NS}\")) }} GROUP BY ?t", 100_000))
    xrefs = _values(remote.select(
        f"SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{ ?e dcterms:identifier ?id ; als:xref ?x .\n"
        f"  FILTER(STRSTARTS(STR(?e), \"{ENT_NS}\")) }}", 2))
    docs = _values(remote.select(
        f"SELECT DISTINCT ?d WHERE {{ ?d a als:Document . FILTER(STRSTARTS(STR(?d), \"{DOC_NS}\")) }}", 1_000_000))
    per_doc: dict[str, dict[str, int]] = {}
    for (d,) in sorted(docs):
        per_doc[_short(d)] = {"claims": 0, "numeric": 0, "negated": 0, "findings": 0, "background": 0,
                              **{f"certainty_{k}": 0 for k in CERTAINTIES}}
    by_pred: dict[str, int] = defaultdict(int)
    by_ev: dict[str, int] = defaultdict(int)
    by_cert = dict.fromkeys(CERTAINTIES, 0)
    total = negated = 0
    for doc, neg, status, cert, pred, ev, n in groups:
        n = _count(n)
        row = per_doc.setdefault(_short(doc), {"claims": 0, "numeric": 0, "negated": 0, "findings": 0,
                                               "background": 0, **{f"certainty_{k}": 0 for k in CERTAINTIES}})
        is_neg = neg in ("true", "1")
        status, cert = _short(status), _short(cert)
        row["claims"] += n
        row["negated"] += n if is_neg else 0
        row["findings"] += n if status == "finding" else 0
        row["background"] += n if status == "background" else 0
        if f"certainty_{cert}" in row:
            row[f"certainty_{cert}"] += n
        if cert in by_cert:
            by_cert[cert] += n
        by_pred[_short(pred)] += n
        by_ev[_short(ev)] += n
        total += n
        negated += n if is_neg else 0
    for doc, _neg, n in numeric:
        per_doc[_short(doc)]["numeric"] += _count(n)
    return {
        "entities": sum(_count(n) for _, n in types),
        "claims": total,
        "numeric_claims": sum(_count(n) for _, _, n in numeric),
        "negated_claims": negated,
        "entities_by_type": dict(sorted((_short(t), _count(n)) for t, n in types)),
        "claims_by_predicate": dict(sorted(by_pred.items())),
        "claims_by_evidence": dict(sorted(by_ev.items())),
        "claims_by_certainty": by_cert,
        "claims_with_context": _count(with_context[0][0]),
        "documents": per_doc,
        "entities_with_xrefs": _count(xrefs[0][0]),
    }
