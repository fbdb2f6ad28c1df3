"""Rewrite kg/vocab.py from ontology/alskg.ttl (run after adding a class, predicate or property)."""

from __future__ import annotations

from pathlib import Path

from kg.schema import vocabulary_module


def main() -> None:
    path = Path(__file__).resolve().parent.parent / "kg" / "vocab.py"
    path.write_text(vocabulary_module(), encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
