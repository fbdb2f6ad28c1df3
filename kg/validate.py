"""Checks on the built graph itself: the SHACL shapes, then the ``violation-*.rq`` queries.

The seeds reader (``kg.seeds``) checks the curation files with precise messages; these checks are
the independent proof that the graph users query has the shape the ontology promises. ``kg.build``
runs them on the one build it made (``alskg validate`` and ``alskg build`` both), on the statements
written straight from the seeds (``kg.rdf``): SHACL document by document with rudof
(``kg.shapes``), the violation queries once on Oxigraph loaded from the N-Quads.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from kg.model import Problem, Seeds
from kg.query import Engines, run, shipped_queries
from kg.rdf import Statement
from kg.shapes import shacl_problems


def graph_problems(seeds: Seeds, statements: Iterable[Statement], nquads: bytes) -> list[Problem]:
    """Every SHACL violation and every row of a violation query, located where the curator can fix it."""
    return shacl_problems(seeds, statements) + violation_problems(nquads)


def violation_problems(nquads: bytes) -> list[Problem]:
    """Run every shipped ``violation-*.rq`` query on the graph; each row it returns is a problem.

    The queries read the whole graph (a contradiction pairs claims of any two documents), so they run
    on every validation, cached or not; at ×100 loading takes ≈ 4 s and the queries ≈ 5 s."""
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
