"""The schema as data: prefixes, entity types, predicates and the metagraph, read from ``ontology/``.

Nothing about types or predicates is hard-coded in Python: add a predicate to ``alskg.ttl`` and its
allowed type pairs to ``metagraph.tsv`` and every command knows it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Namespace, URIRef

from kg.locations import ONTOLOGY_DIR
from kg.model import AlskgError


@dataclass(frozen=True)
class PredicateDef:
    """A predicate with its labels, definition and mappings, as the ontology states them."""

    name: str
    en: str
    ja: str
    definition: str
    mappings: tuple[tuple[str, str], ...]  # (skos relation, IRI)


@dataclass(frozen=True)
class TypeDef:
    name: str
    en: str
    ja: str
    definition: str
    parents: tuple[str, ...]
    biolink: str = ""  # the Biolink category it maps to (exact, else close, else related match), as a CURIE


@dataclass(frozen=True)
class Schema:
    prefixes: dict[str, str]
    types: dict[str, TypeDef]
    predicates: dict[str, PredicateDef]
    metagraph: frozenset[tuple[str, str, str]]
    evidence_kinds: tuple[str, ...]
    statuses: tuple[str, ...]
    certainties: tuple[str, ...] = ()
    knowledge_levels: dict[str, str] = field(default_factory=dict)  # certainty → Biolink knowledge_level
    hedge_cues: tuple[str, ...] = ()  # ontology/hedge-cues.tsv: phrases that mark a sentence as hedged
    families: dict[str, str] = field(default_factory=dict)  # predicate → its family (rdfs:subPropertyOf in alskg.ttl)
    signs: dict[str, int] = field(default_factory=dict)  # predicate → +1 / -1 (als:effectDirection; absent: none)

    def allowed(self, subject_type: str, predicate: str, object_type: str) -> bool:
        return (subject_type, predicate, object_type) in self.metagraph

    def allowed_for(self, predicate: str) -> list[tuple[str, str]]:
        """The (subject type, object type) pairs a predicate allows, for error hints."""
        return sorted((s, o) for s, p, o in self.metagraph if p == predicate)

    def expand(self, curie: str) -> str:
        """CURIE → IRI using ontology/prefixes.tsv; raise AlskgError for an unknown prefix."""
        prefix, sep, local = curie.partition(":")
        if not sep or prefix not in self.prefixes:
            raise AlskgError(f"unknown CURIE prefix in {curie!r}; known: {', '.join(sorted(self.prefixes))}")
        return self.prefixes[prefix] + local

    def is_a(self, type_name: str, ancestor: str) -> bool:
        return _descends(self.types, type_name, ancestor)

    def types_by_category(self) -> dict[str, str]:
        """Biolink category → alskg type (the first type, by name, that maps to it), for foreign nodes."""
        out: dict[str, str] = {}
        for t in sorted(self.types):
            if self.types[t].biolink:
                out.setdefault(self.types[t].biolink, t)
        return out

    def type_family(self, name: str) -> tuple[str, frozenset[str]]:
        """(the schema's spelling of a type, that type and all its subtypes); case and separators ignored.

        One rule for every type filter (path via, rank, pages): Therapy includes Drug and CellTherapy.
        """
        key = name.replace("_", "").replace(" ", "").casefold()
        for t in sorted(self.types):
            if t.casefold() == key:
                return t, frozenset(u for u in self.types if self.is_a(u, t))
        raise AlskgError(f"unknown entity type {name!r}; types: {', '.join(sorted(self.types))}")


def read_prefixes(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as f:
        return {row["prefix"]: row["namespace"] for row in csv.DictReader(f, delimiter="\t")}


def read_metagraph(path: Path) -> frozenset[tuple[str, str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return frozenset(
            (r["subject_type"], r["predicate"], r["object_type"]) for r in csv.DictReader(f, delimiter="\t")
        )


@lru_cache(maxsize=4)
def load_schema(ontology_dir: Path = ONTOLOGY_DIR) -> Schema:
    """Read alskg.ttl, prefixes.tsv and metagraph.tsv; check they agree with each other."""
    prefixes = read_prefixes(ontology_dir / "prefixes.tsv")
    ALS = prefixes["als"]  # noqa: N806 - the namespace, named as everywhere else
    als = Namespace(ALS)
    g = Graph()
    g.parse(ontology_dir / "alskg.ttl", format="turtle")

    def label(node: URIRef, lang: str) -> str:
        for lit in g.objects(node, RDFS.label):
            if getattr(lit, "language", None) == lang:
                return str(lit)
        return ""

    def local(node: URIRef) -> str:
        return str(node)[len(ALS):]

    types: dict[str, TypeDef] = {}
    for cls in g.subjects(RDF.type, OWL.Class):
        if not str(cls).startswith(ALS):
            continue
        parents = tuple(sorted(local(p) for p in g.objects(cls, RDFS.subClassOf) if str(p).startswith(ALS)))
        category = biolink_match(g, cls, prefixes["biolink"])
        types[local(cls)] = TypeDef(
            local(cls), label(cls, "en"), label(cls, "ja"), str(g.value(cls, SKOS.definition) or ""), parents, category
        )
    schema_types = {t: d for t, d in types.items() if _descends(types, t, "Entity") and t != "Entity"}

    predicates: dict[str, PredicateDef] = {}
    families = {f for f in g.subjects(RDFS.subPropertyOf, als.related_to)}
    family_of = {p: f for f in families for p in g.subjects(RDFS.subPropertyOf, f)}
    for p in family_of:
        maps = tuple(
            sorted(
                (rel.split("#")[-1], str(o))
                for rel in (SKOS.exactMatch, SKOS.closeMatch, SKOS.relatedMatch)
                for o in g.objects(p, rel)
            )
        )
        predicates[local(p)] = PredicateDef(
            local(p), label(p, "en"), label(p, "ja"), str(g.value(p, SKOS.definition) or ""), maps
        )
    evidence = tuple(sorted(local(x) for x in g.subjects(RDF.type, als.EvidenceKind)))
    statuses = tuple(sorted(local(x) for x in g.subjects(RDF.type, als.FindingStatus)))
    certainties = tuple(sorted(local(x) for x in g.subjects(RDF.type, als.Certainty)))
    levels = {local(x): str(g.value(x, als.biolinkKnowledgeLevel) or "not_provided") for x in g.subjects(RDF.type, als.Certainty)}

    metagraph = read_metagraph(ontology_dir / "metagraph.tsv")
    bad = sorted(
        f"{s} {p} {o}" for s, p, o in metagraph
        if p not in predicates or s not in schema_types or o not in schema_types
    )
    if bad:
        raise AlskgError(
            f"{ontology_dir / 'metagraph.tsv'}: rows name a predicate or type alskg.ttl does not define: "
            + "; ".join(bad[:10])
        )
    return Schema(
        prefixes=prefixes,
        types=schema_types,
        predicates=predicates,
        metagraph=metagraph,
        evidence_kinds=evidence,
        statuses=statuses,
        certainties=certainties,
        knowledge_levels=levels,
        hedge_cues=read_hedge_cues(ontology_dir / "hedge-cues.tsv"),
        families={local(p): local(f) for p, f in family_of.items()},
        signs={local(p): {"up": 1, "down": -1}[str(d)] for p in family_of
               for d in g.objects(p, als.effectDirection) if str(d) in ("up", "down")},
    )


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a tab-separated table with a header (empty if the file is absent)."""
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def read_hedge_cues(path: Path) -> tuple[str, ...]:
    """The Japanese phrases that mark a sentence as hedged (possibility, suggestion, belief), as data."""
    return tuple(row["cue"] for row in read_tsv(path) if row.get("cue"))


def _descends(types: dict[str, TypeDef], name: str, ancestor: str) -> bool:
    todo, seen = [name], set()
    while todo:
        t = todo.pop()
        if t == ancestor:
            return True
        if t in seen or t not in types:
            continue
        seen.add(t)
        todo.extend(types[t].parents)
    return False


def domain_range_turtle(schema: Schema) -> str:
    """The metagraph as schema:domainIncludes / schema:rangeIncludes per predicate, in Turtle.

    ``ontology/domain-range.ttl`` is this text, committed so the ontology folder shows every
    predicate's domain and range; metagraph.tsv stays the source (a test keeps the two equal;
    ``python tools/write_domain_range.py`` rewrites the file).
    """
    lines = [
        "# GENERATED from ontology/metagraph.tsv by tools/write_domain_range.py - do not edit by hand.",
        "# Domain and range of every alskg predicate: the subject and object types the metagraph allows.",
        f"@prefix als: <{schema.prefixes['als']}> .",
        f"@prefix schema: <{schema.prefixes['schema']}> .",
        "",
    ]
    for p in sorted(schema.predicates):
        subjects = sorted({s for s, q, _ in schema.metagraph if q == p})
        objects = sorted({o for _, q, o in schema.metagraph if q == p})
        lines.append(f"als:{p}")
        lines.append("    schema:domainIncludes " + ", ".join(f"als:{t}" for t in subjects) + " ;")
        lines.append("    schema:rangeIncludes " + ", ".join(f"als:{t}" for t in objects) + " .")
        lines.append("")
    return "\n".join(lines)



def vocabulary_terms(ontology_dir: Path = ONTOLOGY_DIR) -> list[str]:
    """Every term ``ontology/alskg.ttl`` defines in alskg's own namespace (classes, predicates,
    properties, evidence kinds, statuses), sorted."""
    als = read_prefixes(ontology_dir / "prefixes.tsv")["als"]
    g = Graph().parse(ontology_dir / "alskg.ttl", format="turtle")
    return sorted({str(s)[len(als):] for s in g.subjects() if str(s).startswith(als) and len(str(s)) > len(als)})


def vocabulary_module(ontology_dir: Path = ONTOLOGY_DIR) -> str:
    """The text of ``kg/vocab.py``: the terms as a tuple, so ``kg.namespaces.ALS`` can be closed
    (``ALS.fromVaule`` raises instead of minting an IRI). ``python tools/write_vocab.py`` writes it."""
    terms = vocabulary_terms(ontology_dir)
    body = "".join(f'    "{t}",\n' for t in terms)
    return ('"""alskg\'s schema terms. GENERATED from ontology/alskg.ttl by tools/write_vocab.py - do not edit.\n\n'
            "A test keeps this file equal to the ontology; ``kg.namespaces.ALS`` is closed over these terms.\n"
            '"""\n\nTERMS = (\n' + body + ")\n")


def biolink_match(g: Graph, term: URIRef, biolink_ns: str, default: str = "") -> str:
    """The Biolink term an alskg class or predicate maps to in alskg.ttl, as a CURIE: an exact match
    before a close one before a related one (the first by IRI within each); ``default`` if none."""
    for rel in (SKOS.exactMatch, SKOS.closeMatch, SKOS.relatedMatch):
        hits = sorted(str(o) for o in g.objects(term, rel) if str(o).startswith(biolink_ns))
        if hits:
            return "biolink:" + hits[0][len(biolink_ns):]
    return default
