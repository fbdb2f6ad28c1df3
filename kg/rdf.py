"""Claims → RDF (and back from N-Quads): each non-negated claim asserts its direct triple, and every claim is also a
resource (content-hash IRI) carrying its provenance. Output is deterministic: the same seeds give
the same bytes in every format.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef

from kg.identifiers import expand
from kg.model import Claim, Entity, Seeds
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
