"""RDF namespaces, read from ontology/prefixes.tsv so there is one source of truth for prefixes."""

from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

from kg.locations import ONTOLOGY_DIR
from kg.schema import read_prefixes

PREFIXES = read_prefixes(ONTOLOGY_DIR / "prefixes.tsv")

ALS = Namespace(PREFIXES["als"])
ENT = Namespace(PREFIXES["ent"])
CLAIM = Namespace(PREFIXES["claim"])
DOC = Namespace(PREFIXES["doc"])
BIBO = Namespace(PREFIXES["bibo"])
SCHEMA = Namespace(PREFIXES["schema"])
GRAPH_SCHEMA = Namespace("https://w3id.org/alskg/graph/")["schema"]
GRAPH_DATA = Namespace("https://w3id.org/alskg/graph/")["data"]

__all__ = ["ALS", "BIBO", "CLAIM", "DCTERMS", "DOC", "ENT", "GRAPH_DATA", "GRAPH_SCHEMA", "OWL", "PREFIXES",
           "PROV", "RDF", "RDFS", "SCHEMA", "SKOS", "XSD"]
