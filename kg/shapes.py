"""SHACL validation of the built graph (pyshacl), mapped back to curation file and line.

The seeds reader already checks most rules with better messages; SHACL is the independent check
that the graph itself — what users query — has the shape the ontology promises.
"""

from __future__ import annotations

from pyshacl import validate
from rdflib import RDF, Graph
from rdflib.namespace import SH

from kg.locations import ONTOLOGY_DIR
from kg.model import Problem, Seeds
from kg.namespaces import CLAIM, DOC, ENT


def shacl_violations(data: Graph) -> list[tuple[str, str, str]]:
    """Run ontology/shapes.ttl on an rdflib graph: (focus node, path, message) per violation."""
    shapes = Graph().parse(ONTOLOGY_DIR / "shapes.ttl", format="turtle")
    conforms, report, _ = validate(data, shacl_graph=shapes, advanced=True, allow_warnings=False)
    if conforms:
        return []
    out = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        out.append((str(report.value(result, SH.focusNode)), str(report.value(result, SH.resultPath)),
                    str(report.value(result, SH.resultMessage))))
    return sorted(out)


def shacl_problems(seeds: Seeds, data: Graph) -> list[Problem]:
    """SHACL violations of the built graph (schema and data), each located at the entity or claim it concerns."""
    where = {str(ENT[e.id]): (e.where.file, e.where.line) for e in seeds.entities}
    where.update({str(CLAIM[c.id]): (c.where.file, c.where.line) for c in seeds.claims})
    where.update({str(DOC[d.id]): ("seeds/documents.tsv", 1) for d in seeds.documents})
    return [
        Problem(*where.get(focus.split("-q")[0], ("(graph)", 0)), f"SHACL: {msg} (node {focus}, path {path})",
                "see ontology/shapes.ttl for the rule")
        for focus, path, msg in shacl_violations(data)
    ]
