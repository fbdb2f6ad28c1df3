"""Rewrite ontology/domain-range.ttl from ontology/metagraph.tsv (run after editing the metagraph)."""

from __future__ import annotations

from kg.locations import ONTOLOGY_DIR
from kg.schema import domain_range_turtle, load_schema


def main() -> None:
    path = ONTOLOGY_DIR / "domain-range.ttl"
    path.write_text(domain_range_turtle(load_schema()), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
