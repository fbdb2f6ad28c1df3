"""alskg: a knowledge graph of ALS mechanisms curated from five Japanese research documents.

``kg.load()`` returns a :class:`kg.graph.KG`; see that module for the Python API.
"""

from kg.graph import KG, load

__all__ = ["KG", "load"]
