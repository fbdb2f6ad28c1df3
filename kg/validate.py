"""Checks on the built graph itself: the SHACL shapes, then the ``violation-*.rq`` queries.

The seeds reader (``kg.seeds``) checks the curation files with precise messages; these checks are
the independent proof that the graph users query has the shape the ontology promises. ``kg.build``
runs them on the one build it made (``alskg validate`` and ``alskg build`` both), on the statements
written straight from the seeds (``kg.rdf``): SHACL document by document with rudof
(``kg.shapes``, by the parts the seeds' items write: ``kg.shacl_units``), the violation queries
relation by relation on Oxigraph (``kg.violations``); both keep the results of what an edit did not
touch in the cache, so neither writes the whole graph's statements after one edit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pyoxigraph as ox

from kg.model import Problem, Seeds
from kg.query import Engines, run, shipped_queries
from kg.rdf import Statement
from kg.shacl_units import unit_shacl_problems
from kg.violations import relation_violations


def graph_problems(seeds: Seeds, schema_statements: Sequence[Statement],
                   data_statements: Callable[[], Sequence[Statement]]) -> list[Problem]:
    """Every SHACL violation and every row of a violation query, located where the curator can fix it.

    ``data_statements`` is called for the data graph's statements when a check needs them."""
    return (unit_shacl_problems(seeds, schema_statements, data_statements)
            + relation_violations(seeds, schema_statements, data_statements))


def violation_problems(nquads: bytes) -> list[Problem]:
    """Run every shipped ``violation-*.rq`` query on the whole graph; each row it returns is a problem.

    ``alskg validate`` runs them relation by relation instead (``kg.violations``, the same rows);
    this is the plain form the tests compare it with."""
    queries = [q for q in shipped_queries() if q.name.startswith("violation-")]
    if not queries:
        return []
    store = ox.Store()  # loaded straight from the bytes, in their (sorted) order: no temporary file
    store.load(nquads, format=ox.RdfFormat.N_QUADS)
    engines = Engines(Path("(the graph being validated)"), _ox=store)
    problems = []
    for q in queries:
        for row in run(q, {}, engines).records():
            shown = ", ".join(f"{k}={v}" for k, v in row.items())
            problems.append(Problem(f"ontology/queries/{q.name}.rq", 1, f"violation query returned a row: {shown}",
                                    q.summary))
    return problems
