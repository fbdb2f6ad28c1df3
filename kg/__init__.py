"""alskg: a knowledge graph of ALS mechanisms curated from five Japanese research documents.

``kg.load()`` returns a :class:`kg.graph.KG`; see that module for the Python API. The package
imports lazily: ``import kg`` (and ``alskg --help``) loads neither rdflib nor NetworkX until a
graph is asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kg.graph import KG, load

__all__ = ["KG", "load"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from kg import graph

        return getattr(graph, name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")
