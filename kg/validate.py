"""``alskg validate``: every check on the seeds, then SHACL and the violation queries on the built
graph. Collect, then fail: every problem is reported, not just the first.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kg.model import Problem, Seeds, ValidationFailed
from kg.schema import load_schema
from kg.seeds import read_seeds

if TYPE_CHECKING:
    from rdflib import Dataset


@dataclass(frozen=True)
class Report:
    seeds: Seeds

    def summary(self) -> str:
        by_doc = Counter(c.document for c in self.seeds.claims)
        docs = ", ".join(f"{d} {n}" for d, n in sorted(by_doc.items()))
        return (f"ok: {len(self.seeds.entities)} entities, {len(self.seeds.claims)} claims"
                f" ({docs}); every quote found in its document")

    def to_dict(self) -> dict[str, object]:
        by_doc = Counter(c.document for c in self.seeds.claims)
        return {"ok": True, "entities": len(self.seeds.entities), "claims": len(self.seeds.claims),
                "claims_by_document": dict(sorted(by_doc.items())), "problems": []}


def validate_seeds(root: Path) -> Report:
    """Raise ValidationFailed with every problem, or return a report of what passed."""
    schema = load_schema()
    seeds, problems = read_seeds(root, schema)
    if problems:
        raise ValidationFailed(problems)
    from kg.build import build_dataset
    from kg.locations import ONTOLOGY_DIR

    problems = graph_problems(seeds, build_dataset(seeds, schema, ONTOLOGY_DIR))
    if problems:
        raise ValidationFailed(problems)
    return Report(seeds)


def graph_problems(seeds: Seeds, dataset: Dataset) -> list[Problem]:
    """The checks on the built graph itself (``validate`` and ``build`` both run them): SHACL shapes,
    then the violation queries."""
    from kg.shapes import shacl_problems

    return shacl_problems(seeds, dataset) + violation_problems(dataset)


def violation_problems(dataset: Dataset) -> list[Problem]:
    """Run every shipped ``violation-*.rq`` query on the built graph; each row it returns is a problem."""
    from kg.query import Engines, run, shipped_queries
    from kg.serialize import serialize

    queries = [q for q in shipped_queries() if q.name.startswith("violation-")]
    if not queries:
        return []
    with tempfile.TemporaryDirectory(prefix="alskg-validate-") as tmp:
        nq = Path(tmp) / "graph.nq"
        nq.write_bytes(serialize(dataset, "nq"))
        engines = Engines(nq)
        problems = []
        for q in queries:
            for row in run(q, {}, engines).records():
                shown = ", ".join(f"{k}={v}" for k, v in row.items())
                problems.append(Problem(f"ontology/queries/{q.name}.rq", 1, f"violation query returned a row: {shown}",
                                        q.summary))
    return problems
