"""Digests of the seeds' items that parts of the graph are written from (``kg.violations``,
``kg.shacl_units``): a part whose items' digest is unchanged has unchanged statements, as long as the
code that writes them is unchanged too (each user puts ``kg/rdf.py`` and ``kg/model.py`` in its version).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from typing import Any

_FIELDS: dict[type, tuple[str, ...]] = {}


def item_text(item: Any) -> str:
    """Every field of a claim, entity or document (its place too: a claim's statements name its file),
    as text; a field added to the class is in it without a change here."""
    names = _FIELDS.get(type(item))
    if names is None:
        names = _FIELDS[type(item)] = tuple(f.name for f in dataclasses.fields(item))
    return repr(tuple(getattr(item, n) for n in names))


def items_digest(items: Iterable[Any]) -> str:
    h = hashlib.sha256()
    for item in items:
        h.update(item_text(item).encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()
