"""Claims → RDF (and back from N-Quads): each non-negated claim asserts its direct triple, and every claim is also a
resource (content-hash IRI) carrying its provenance. Output is deterministic: the same seeds give
the same bytes in every format.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import ClosedNamespace
from rdflib.plugins.serializers.nt import _quote_encode, _quoteLiteral

from kg.model import Claim, Document, Entity, Seeds
from kg.namespaces import (
    ALS,
    BIBO,
    CLAIM,
    DCTERMS,
    DOC,
    ENT,
    GRAPH_DATA,
    GRAPH_SCHEMA,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SCHEMA,
    SKOS,
    XSD,
)
from kg.schema import Schema

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff00-\uffef]")
BIND_PREFIXES = ("als", "ent", "claim", "doc", "biolink", "RO", "BFO", "prov", "dcterms", "bibo", "skos",
                 "schema", "rdfs", "owl", "xsd", "CL", "UBERON", "GO", "MONDO", "CHEBI", "NCBITaxon", "ECO")


def expand(curie: str) -> str:
    """``kg.identifiers.expand``, imported on first use: it loads the ``curies`` package (a third of a
    second), which ``alskg validate`` after one edit rarely needs (only for an entity it writes again)."""
    from kg.identifiers import expand as expand_curie

    return expand_curie(curie)


def entity_iri(entity_id: str) -> URIRef:
    return ENT[entity_id]


def claim_iri(claim: Claim) -> URIRef:
    return CLAIM[claim.id]


def lang_of(text: str) -> str:
    """'ja' for text with Japanese characters, else 'en' (for synonyms, which may be either)."""
    return "ja" if _CJK.search(text) else "en"


def _dec(x: float) -> Literal:
    return Literal(Decimal(repr(x)), datatype=XSD.decimal)


def schema_graph(schema: Schema, ontology_dir: Path) -> Graph:
    """The ontology plus schema:domainIncludes/rangeIncludes derived from the metagraph rows."""
    g = Graph()
    g.parse(ontology_dir / "alskg.ttl", format="turtle")
    for s, p, o in sorted(schema.metagraph):
        g.add((ALS[p], SCHEMA.domainIncludes, ALS[s]))
        g.add((ALS[p], SCHEMA.rangeIncludes, ALS[o]))
    return g


def data_graph(seeds: Seeds) -> Graph:
    """Documents, entities and claims as RDF (no schema)."""
    g = Graph()
    for d in seeds.documents:
        node = DOC[d.id]
        g.add((node, RDF.type, ALS.Document))
        g.add((node, RDF.type, PROV.Entity))
        g.add((node, DCTERMS.identifier, Literal(d.id)))
        g.add((node, DCTERMS.title, Literal(d.title, lang="en")))
        g.add((node, DCTERMS.language, Literal("ja")))
        g.add((node, ALS.documentKind, Literal(d.kind)))
        g.add((node, ALS.journal, Literal(d.journal)))
        g.add((node, ALS.sha256, Literal(d.sha256)))
        if d.institutions:
            g.add((node, ALS.institutions, Literal(d.institutions)))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d.published):
            g.add((node, DCTERMS.issued, Literal(d.published, datatype=XSD.date)))
        elif re.fullmatch(r"\d{4}", d.published):
            g.add((node, DCTERMS.issued, Literal(d.published, datatype=XSD.gYear)))
        if d.doi:
            g.add((node, BIBO.doi, Literal(d.doi)))
        if d.pmid:
            g.add((node, BIBO.pmid, Literal(d.pmid)))
    for e in seeds.entities:
        _add_entity(g, e)
    for c in seeds.claims:
        _add_claim(g, c)
    return g


def _add_entity(g: Graph, e: Entity) -> None:
    node = entity_iri(e.id)
    g.add((node, RDF.type, ALS[e.type]))
    g.add((node, DCTERMS.identifier, Literal(e.id)))
    g.add((node, RDFS.label, Literal(e.en, lang="en")))
    g.add((node, SKOS.prefLabel, Literal(e.en, lang="en")))
    for i, ja in enumerate(e.ja):
        g.add((node, RDFS.label, Literal(ja, lang="ja")))
        if i == 0:
            g.add((node, SKOS.prefLabel, Literal(ja, lang="ja")))
        else:
            g.add((node, SKOS.altLabel, Literal(ja, lang="ja")))
    for syn in e.synonyms:
        g.add((node, SKOS.altLabel, Literal(syn, lang=lang_of(syn))))
    for x in e.xrefs:
        g.add((node, ALS.xref, Literal(x)))
        g.add((node, SKOS.exactMatch, URIRef(expand(x))))
    if e.note:
        g.add((node, ALS.registryNote, Literal(e.note, lang="en")))
    if e.variant_of:
        g.add((entity_iri(e.variant_of), ALS.has_variant, node))
    if e.product_of:
        g.add((entity_iri(e.product_of), ALS.has_gene_product, node))


def _add_claim(g: Graph, c: Claim) -> None:
    node = claim_iri(c)
    s, p, o = entity_iri(c.subject), ALS[c.predicate], entity_iri(c.object)
    if not c.negated:
        g.add((s, p, o))
    g.add((node, RDF.type, ALS.Claim))
    g.add((node, RDF.type, RDF.Statement))
    g.add((node, RDF.subject, s))
    g.add((node, RDF.predicate, p))
    g.add((node, RDF.object, o))
    g.add((node, ALS.negated, Literal(c.negated)))
    g.add((node, ALS.quote, Literal(c.quote, lang="ja")))
    g.add((node, ALS.summary, Literal(c.summary, lang="en")))
    g.add((node, ALS.evidenceKind, ALS[c.evidence]))
    g.add((node, ALS.findingStatus, ALS[c.status]))
    g.add((node, PROV.wasDerivedFrom, DOC[c.document]))
    g.add((node, ALS.curationFile, Literal(str(c.where))))
    g.add((node, ALS.certainty, ALS[c.certainty]))
    if c.certainty_note:
        g.add((node, ALS.certaintyNote, Literal(c.certainty_note, lang="en")))
    if c.context.cell_type:
        g.add((node, ALS.cellTypeContext, entity_iri(c.context.cell_type)))
    if c.context.anatomy:
        g.add((node, ALS.anatomicalContext, entity_iri(c.context.anatomy)))
    if c.context.comparison:
        g.add((node, ALS.comparisonContext, Literal(c.context.comparison)))
    if c.model:
        g.add((node, ALS.modelSystem, entity_iri(c.model)))
    if c.species:
        g.add((node, ALS.species, entity_iri(c.species)))
    for i, q in enumerate(c.qualifiers, start=1):
        qn = CLAIM[f"{c.id}-q{i}"]
        g.add((node, ALS.qualifier, qn))
        g.add((qn, RDF.type, ALS.Qualifier))
        g.add((qn, ALS.measure, Literal(q.measure)))
        for prop, val in ((ALS.value, q.value), (ALS.fromValue, q.from_value), (ALS.toValue, q.to_value),
                          (ALS.change, q.change), (ALS.fold, q.fold)):
            if val is not None:
                g.add((qn, prop, _dec(val)))
        if q.unit:
            g.add((qn, ALS.unit, Literal(q.unit)))
        if q.comparison:
            g.add((qn, ALS.comparison, Literal(q.comparison)))


# ---------------------------------------------------------------- N-Quads straight from the seeds
#
# The N-Quads are the graph every check and query reads (Oxigraph loads them), so they are written
# directly from the claims, one statement per line, without building rdflib graphs first. Each term is
# written exactly as rdflib's N-Quads writer writes it (``_nq_row``: ``Term.n3()`` for IRIs,
# ``_quoteLiteral`` for literals), so the bytes equal those of ``nquads(build_dataset(...))``; a test
# compares the two on the curated and on synthetic seeds.

Statement = tuple[str, str, str]


def _iri(iri: str) -> str:
    return f"<{iri}>"


def _text(value: str, lang: str | None = None) -> str:
    quoted = _quote_encode(value)
    return f"{quoted}@{lang}" if lang else quoted


def _lit(value: Literal) -> str:
    return _quoteLiteral(value)


_T = {name: _iri(str(iri)) for name, iri in {
    "type": RDF.type, "subject": RDF.subject, "predicate": RDF.predicate, "object": RDF.object,
    "statement": RDF.Statement, "label": RDFS.label, "pref": SKOS.prefLabel, "alt": SKOS.altLabel,
    "exact": SKOS.exactMatch, "identifier": DCTERMS.identifier, "title": DCTERMS.title,
    "language": DCTERMS.language, "issued": DCTERMS.issued, "derived": PROV.wasDerivedFrom,
    "prov_entity": PROV.Entity, "doi": BIBO.doi, "pmid": BIBO.pmid}.items()}
_TRUE, _FALSE = _lit(Literal(True)), _lit(Literal(False))
_ENT, _DOC, _CLAIM = str(ENT), str(DOC), str(CLAIM)  # open namespaces: a name is appended as it is


class _Terms(dict):
    """A closed namespace's terms as N-Triples IRIs, each looked up once (an unknown name raises, as in
    the namespace): rdflib's lookups were a third of the time of writing every claim's statements."""

    def __init__(self, namespace: ClosedNamespace):
        super().__init__()
        self.namespace = namespace

    def __missing__(self, name: str) -> str:
        self[name] = term = _iri(self.namespace[name])
        return term


_A = _Terms(ALS)


def document_statements(d: Document) -> list[Statement]:
    """A document's statements, as N-Triples terms (the same as ``data_graph`` makes)."""
    node = f"<{_DOC}{d.id}>"
    out = [(node, _T["type"], _A["Document"]), (node, _T["type"], _T["prov_entity"]),
           (node, _T["identifier"], _text(d.id)), (node, _T["title"], _text(d.title, "en")),
           (node, _T["language"], _text("ja")), (node, _A["documentKind"], _text(d.kind)),
           (node, _A["journal"], _text(d.journal)), (node, _A["sha256"], _text(d.sha256))]
    if d.institutions:
        out.append((node, _A["institutions"], _text(d.institutions)))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d.published):
        out.append((node, _T["issued"], _lit(Literal(d.published, datatype=XSD.date))))
    elif re.fullmatch(r"\d{4}", d.published):
        out.append((node, _T["issued"], _lit(Literal(d.published, datatype=XSD.gYear))))
    if d.doi:
        out.append((node, _T["doi"], _text(d.doi)))
    if d.pmid:
        out.append((node, _T["pmid"], _text(d.pmid)))
    return out


def entity_statements(e: Entity) -> list[Statement]:
    """An entity's statements (and the registry links that point at it), as N-Triples terms."""
    node = f"<{_ENT}{e.id}>"
    out = [(node, _T["type"], _A[e.type]), (node, _T["identifier"], _text(e.id)),
           (node, _T["label"], _text(e.en, "en")), (node, _T["pref"], _text(e.en, "en"))]
    for i, ja in enumerate(e.ja):
        out.append((node, _T["label"], _text(ja, "ja")))
        out.append((node, _T["pref"] if i == 0 else _T["alt"], _text(ja, "ja")))
    for syn in e.synonyms:
        out.append((node, _T["alt"], _text(syn, lang_of(syn))))
    for x in e.xrefs:
        out.append((node, _A["xref"], _text(x)))
        out.append((node, _T["exact"], URIRef(expand(x)).n3()))
    if e.note:
        out.append((node, _A["registryNote"], _text(e.note, "en")))
    if e.variant_of:
        out.append((f"<{_ENT}{e.variant_of}>", _A["has_variant"], node))
    if e.product_of:
        out.append((f"<{_ENT}{e.product_of}>", _A["has_gene_product"], node))
    return out


def claim_statements(c: Claim) -> list[Statement]:
    """A claim's statements — its direct triple unless negated, the claim resource, its qualifiers."""
    node = f"<{_CLAIM}{c.id}>"
    s, p, o = f"<{_ENT}{c.subject}>", _A[c.predicate], f"<{_ENT}{c.object}>"
    out = [] if c.negated else [(s, p, o)]
    out += [(node, _T["type"], _A["Claim"]), (node, _T["type"], _T["statement"]), (node, _T["subject"], s),
            (node, _T["predicate"], p), (node, _T["object"], o), (node, _A["negated"], _TRUE if c.negated else _FALSE),
            (node, _A["quote"], _text(c.quote, "ja")), (node, _A["summary"], _text(c.summary, "en")),
            (node, _A["evidenceKind"], _A[c.evidence]), (node, _A["findingStatus"], _A[c.status]),
            (node, _T["derived"], f"<{_DOC}{c.document}>"), (node, _A["curationFile"], _text(str(c.where))),
            (node, _A["certainty"], _A[c.certainty])]
    if c.certainty_note:
        out.append((node, _A["certaintyNote"], _text(c.certainty_note, "en")))
    if c.context.cell_type:
        out.append((node, _A["cellTypeContext"], f"<{_ENT}{c.context.cell_type}>"))
    if c.context.anatomy:
        out.append((node, _A["anatomicalContext"], f"<{_ENT}{c.context.anatomy}>"))
    if c.context.comparison:
        out.append((node, _A["comparisonContext"], _text(c.context.comparison)))
    if c.model:
        out.append((node, _A["modelSystem"], f"<{_ENT}{c.model}>"))
    if c.species:
        out.append((node, _A["species"], f"<{_ENT}{c.species}>"))
    for i, q in enumerate(c.qualifiers, start=1):
        qn = f"<{_CLAIM}{c.id}-q{i}>"
        out += [(node, _A["qualifier"], qn), (qn, _T["type"], _A["Qualifier"]), (qn, _A["measure"], _text(q.measure))]
        for prop, val in (("value", q.value), ("fromValue", q.from_value), ("toValue", q.to_value),
                          ("change", q.change), ("fold", q.fold)):
            if val is not None:
                out.append((qn, _A[prop], _lit(_dec(val))))
        if q.unit:
            out.append((qn, _A["unit"], _text(q.unit)))
        if q.comparison:
            out.append((qn, _A["comparison"], _text(q.comparison)))
    return out


def data_statements(seeds: Seeds) -> list[Statement]:
    """Every statement of the data graph (documents, entities, claims), in seeds order, duplicates kept."""
    out: list[Statement] = []
    for d in seeds.documents:
        out += document_statements(d)
    for e in seeds.entities:
        out += entity_statements(e)
    for c in seeds.claims:
        out += claim_statements(c)
    return out


def statements_of(g: Graph) -> list[Statement]:
    """An rdflib graph's statements as N-Triples terms (for the schema graph: the ontology is small)."""
    return [(s.n3(), p.n3(), _quoteLiteral(o) if isinstance(o, Literal) else o.n3()) for s, p, o in g]


def schema_statements(schema: Schema, ontology_dir: Path) -> list[Statement]:
    """The schema graph's statements as N-Triples terms (the ontology is small: rdflib parses it)."""
    return statements_of(schema_graph(schema, ontology_dir))


def statements_nquads(schema_statements: Iterable[Statement], data_statements: Iterable[Statement]) -> bytes:
    """The two graphs as sorted N-Quads, one statement per line: the bytes ``nquads(build_dataset(...))``
    gives for the same seeds, without building an rdflib graph of the data."""
    lines = {f"{s} {p} {o} <{GRAPH_SCHEMA}> ." for s, p, o in schema_statements}
    data = f"<{GRAPH_DATA}> ."
    lines.update(f"{s} {p} {o} {data}" for s, p, o in data_statements)
    out = io.BytesIO()  # line by line: one joined str of Japanese text would take 2–4 bytes a character
    for line in sorted(lines):
        out.write(line.encode("utf-8"))
        out.write(b"\n")
    return out.getvalue()


def seeds_nquads(seeds: Seeds, schema: Schema, ontology_dir: Path) -> bytes:
    """The dataset as sorted N-Quads, written straight from the seeds."""
    return statements_nquads(schema_statements(schema, ontology_dir), data_statements(seeds))


def build_dataset(seeds: Seeds, schema: Schema, ontology_dir: Path) -> Dataset:
    """Schema and data in two named graphs (for TriG / N-Quads)."""
    ds = Dataset()
    bind_prefixes(ds)
    sg = ds.graph(GRAPH_SCHEMA)
    for t in _sorted_triples(schema_graph(schema, ontology_dir)):
        sg.add(t)
    dg = ds.graph(GRAPH_DATA)
    for t in _sorted_triples(data_graph(seeds)):
        dg.add(t)
    return ds


def union_graph(ds: Dataset) -> Graph:
    """All triples of the dataset in one graph (for Turtle, JSON-LD and querying)."""
    g = Graph()
    bind_prefixes(g)
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def nquads(ds: Dataset) -> bytes:
    """The dataset as N-Quads, one statement per line, sorted (the same dataset gives the same bytes)."""
    text = ds.serialize(format="nquads", encoding="utf-8").decode("utf-8")
    lines = {x for x in text.split("\n") if x.strip()}
    return ("\n".join(sorted(lines)) + "\n").encode("utf-8")


def read_rdf(nq_path: Path) -> Graph:
    """A written N-Quads file as one rdflib Graph (the union of its named graphs)."""
    ds = Dataset()
    ds.parse(nq_path, format="nquads")
    g = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def _sorted_triples(g: Graph) -> list:
    return sorted(g)


def bind_prefixes(g: Graph | Dataset) -> None:
    """Bind alskg's prefixes (from ontology/prefixes.tsv) on a graph so writers use them."""
    for p in BIND_PREFIXES:
        g.bind(p, PREFIXES[p], override=True, replace=True)
