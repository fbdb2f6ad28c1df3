"""The Python API: ``kg.load()`` gives a ``KG`` that the CLI commands and notebooks share.

    >>> import kg
    >>> g = kg.load()                      # builds once, then loads from the cache
    >>> g.network.nodes["sod1"]["label_en"]
    'SOD1'

``KG.network`` is the NetworkX projection (see ``kg.network``): nodes are entity ids with
``type``, ``label_en``, ``label_ja``, ``labels_ja``, ``synonyms``, ``xrefs``, ``note``; each edge
(key = predicate) carries ``claims`` — ``kg.model.Claim`` objects (id, subject, predicate, object,
document, quote, summary, evidence, status, negated, model, species, qualifiers, where; ``to_dict()``
for JSON) — and ``source`` ("claims" or "registry"). Negated claims form no edge; they are in ``network.graph["negated"]``.
``KG.rdf`` is the rdflib graph (parsed lazily from the cached N-Quads).

Asking the graph — the same functions the CLI commands call; every result has ``.to_dict()``:

    >>> g.resolve("ミクログリア")             # id, CURIE, English/Japanese label or synonym
    'microglia'
    >>> answer = g.paths("SOD1", "microglia", max_hops=4, limit=10)   # alskg path SOD1 microglia
    >>> any("mutant_sod1_astrocyte" in [n.id for n in p.nodes] for p in answer)
    True
    >>> hop = answer[0].hops[0]; hop.source, hop.direction in ("forward", "reverse", "both")
    ('sod1', True)
    >>> "glia-sod1-2008" in {c.document for p in answer for h in p.hops for c in h.claims}
    True
    >>> [n.id for n, d in g.neighbors("astrocyte", hops=1).nodes][:1] != []
    True
    >>> rows = g.query("claims-by-document", document="glia-sod1-2008").rows   # alskg query ...
    >>> len(rows) > 0
    True
    >>> g.rank("degree", top=1)[0].entity.id          # alskg rank
    'als'
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kg.cache import load_for_answers
from kg.entity import neighborhood, show_entity
from kg.locations import default_seeds_dir
from kg.names import NameIndex
from kg.paths import PathFinder, find_paths
from kg.readform import DamagedEntry, ReadForm

if TYPE_CHECKING:  # imported where used: ``path``, ``show`` and ``neighbors`` need neither rdflib nor NetworkX
    import networkx as nx
    from rdflib import Graph

    from kg.query import Engines, ResultTable
    from kg.results import Chain, Community, EntityView, Neighborhood, PathAnswer, Ranked

T = TypeVar("T")


class KG:
    """A loaded graph: the NetworkX projection and the RDF graph, each on first use (``network`` may be
    given as a function that reads it: a SPARQL command never needs it)."""

    def __init__(self, network: nx.MultiDiGraph | Callable[[], nx.MultiDiGraph], nq_path: Path, seeds_dir: Path,
                 form: ReadForm | None = None):
        if callable(network):
            self._read_network = network
        else:
            self.network = network
        self.nq_path = Path(nq_path)
        self.seeds_dir = Path(seeds_dir)
        self._form = form  # the cache entry's read form (kg.readform): path/show/neighbors read only what they use

    @cached_property
    def network(self) -> nx.MultiDiGraph:
        return self._read_network()

    @cached_property
    def rdf(self) -> Graph:
        from kg.rdf import read_rdf

        return read_rdf(self.nq_path)

    def __repr__(self) -> str:
        return f"<KG {self.network.number_of_nodes()} entities, {self.network.number_of_edges()} relations>"

    # ---- asking the graph (kg.names, kg.paths, kg.entity, kg.query, kg.analyze); the CLI calls these

    @cached_property
    def names(self) -> NameIndex:
        if self._form is not None and "network" not in self.__dict__:
            return self._form.names  # type: ignore[return-value]  # the same answers (kg.readform.StoredNames)
        return NameIndex(self.network)

    @cached_property
    def finder(self) -> PathFinder:
        return PathFinder(self.network)

    @cached_property
    def engines(self) -> Engines:
        from kg.query import Engines

        return Engines(self.nq_path, rdflib_graph=self.__dict__.get("rdf"))

    @property
    def view(self) -> Any:
        """What the answers read of the graph: the read form's view while the projection is not decoded
        (``kg.readform.StoredGraph``: nodes, labels, node count), else the projection itself. The CLI
        formats ``path``, ``show`` and ``neighbors`` answers with it."""
        return self._form.graph if self._form is not None else self.network

    def _answer(self, ask: Callable[[Any, Any, PathFinder], T]) -> T:
        """``ask(graph, names, finder)`` over the read form when there is one, else over the projection.
        A damaged record of the read form discards the cache entry (rebuilt on next use) and the
        question is asked again of the projection."""
        if self._form is not None:
            try:
                return ask(self._form.graph, self.names, self._form.finder)
            except DamagedEntry:
                form, self._form = self._form, None
                form.on_damage()
                form.close()
                self.__dict__.pop("names", None)
        return ask(self.network, self.names, self.finder)

    def resolve(self, name: str) -> str:
        """The entity id for an id, CURIE, English or Japanese label or synonym (raises AlskgError)."""
        return self._answer(lambda G, names, finder: names.resolve(name))

    def entity(self, name: str) -> EntityView:
        """Labels, ids, type and every claim about one entity (``alskg show``)."""
        return self._answer(lambda G, names, finder: show_entity(G, name, names))

    def paths(self, a: str, b: str, max_hops: int = 4, limit: int | None = 10, via: str | None = None,
              avoid: tuple[str, ...] | list[str] = (), directed: bool = False, no_hubs: bool = False,
              observed_only: bool = False, sign: str | None = None) -> PathAnswer:
        """Ranked paths between two entities, each hop with its claims (``alskg path``); the answer
        carries the negative findings between them and says when every path runs through a hub."""
        return self._answer(lambda G, names, finder: find_paths(
            G, a, b, max_hops=max_hops, limit=limit, via=via, avoid=tuple(avoid), directed=directed, names=names,
            finder=finder, no_hubs=no_hubs, observed_only=observed_only, sign=sign))

    def neighbors(self, name: str, hops: int = 1) -> Neighborhood:
        """Entities within ``hops`` of one entity and the relations among them (``alskg neighbors``)."""
        return self._answer(lambda G, names, finder: neighborhood(G, name, hops, names, finder))

    def query(self, query: str, params: dict[str, str] | None = None, engine: str = "oxigraph",
              **kwargs: str) -> ResultTable:
        """Run a shipped query by name (``g.query("chains", gene="SOD1")``), a .rq file or SPARQL text;
        a missing required parameter is an error."""
        from kg.query import bind_params, load_query, read_query, run

        q = read_query("<text>", query, "<text>") if "{" in query else load_query(query)
        return run(q, bind_params(q, {**(params or {}), **kwargs}, self), self.engines, engine)

    def rank(self, metric: str = "degree", type_: str | None = None, top: int = 20) -> list[Ranked]:
        """Entities by centrality (``alskg rank``); ``type_`` keeps a type and its subtypes."""
        from kg import analyze

        return analyze.rank(self.network, metric, type_, top)

    def communities(self) -> list[Community]:
        """Groups of entities (``alskg communities``)."""
        from kg import analyze

        return analyze.communities(self.network)

    def chains(self, gene: str | None = None) -> list[Chain]:
        """Gene → cell type → pathology → therapy chains (``alskg chains``)."""
        from kg import analyze

        return analyze.chains(self.network, gene, self.finder)


def load(seeds_dir: Path | str | None = None, cache_dir: Path | str | None = None,
         kgx: list[Path | str] | tuple[Path | str, ...] = (), kgx_name: str | None = None,
         progress: Any = None) -> KG:
    """Load the graph built from ``seeds_dir`` (default: the seeds shipped with alskg), via the cache.

    ``kgx`` files (another graph's nodes and edges) are joined by CURIE (``kg.kgx_import``), so paths,
    neighbours and pages run across both; their edges are marked ``kgx:<kgx_name>``."""
    seeds = Path(seeds_dir) if seeds_dir else default_seeds_dir()
    nq_path, network, form = load_for_answers(seeds, Path(cache_dir) if cache_dir else None)
    if kgx:
        from kg.kgx_import import merge, read_kgx
        from kg.schema import load_schema

        if form is not None:
            form.close()  # a joined graph is answered from its merged projection

        merged = merge(network(), read_kgx([Path(p) for p in kgx], kgx_name, progress), load_schema().types_by_category())
        return KG(merged, nq_path, seeds)
    return KG(network, nq_path, seeds, form)
