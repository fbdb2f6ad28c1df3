"""RDF namespaces, read from ontology/prefixes.tsv (the one place for prefixes); alskg's own schema
namespace is closed over the terms ontology/alskg.ttl defines (``kg.vocab``)."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD, ClosedNamespace

from kg.locations import ONTOLOGY_DIR
from kg.schema import read_prefixes
from kg.vocab import TERMS

PREFIXES = read_prefixes(ONTOLOGY_DIR / "prefixes.tsv")

ALS = ClosedNamespace(PREFIXES["als"], list(TERMS))  # unknown terms raise: the vocabulary is closed
ENT = Namespace(PREFIXES["ent"])
CLAIM = Namespace(PREFIXES["claim"])
DOC = Namespace(PREFIXES["doc"])
BIBO = Namespace(PREFIXES["bibo"])
SCHEMA = Namespace(PREFIXES["schema"])
GRAPH_SCHEMA = Namespace(PREFIXES["graph"])["schema"]
GRAPH_DATA = Namespace(PREFIXES["graph"])["data"]

__all__ = ["ALS", "BIBO", "CLAIM", "DCTERMS", "DOC", "ENT", "GRAPH_DATA", "GRAPH_SCHEMA", "OWL", "PREFIXES",
           "PROV", "RDF", "RDFS", "SCHEMA", "SKOS", "XSD"]
