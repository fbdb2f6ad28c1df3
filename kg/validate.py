"""``alskg validate``: every check on the seeds, then SHACL on the built graph; collect, then fail."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from kg.model import Seeds, ValidationFailed
from kg.schema import load_schema
from kg.seeds import read_seeds


@dataclass(frozen=True)
class Report:
    seeds: Seeds

    def summary(self) -> str:
        by_doc = Counter(c.document for c in self.seeds.claims)
        docs = ", ".join(f"{d} {n}" for d, n in sorted(by_doc.items()))
        return (f"ok: {len(self.seeds.entities)} entities, {len(self.seeds.claims)} claims"
                f" ({docs}); every quote found in its document")


def validate_seeds(root: Path) -> Report:
    """Raise ValidationFailed with every problem, or return a report of what passed."""
    schema = load_schema()
    seeds, problems = read_seeds(root, schema)
    if not problems:
        from kg.shapes import shacl_problems

        problems = shacl_problems(seeds, schema)
    if problems:
        raise ValidationFailed(problems)
    return Report(seeds)
