"""Name resolution shared by every command: whatever a user types, one entity id or a helpful error.

Users type what they read: an id (``sod1``), a CURIE (``HGNC:11179``), an English or Japanese label
(``microglia``, ``ミクログリア``) or a synonym, in any case, full or half width, with stray spaces.
Every key is compared in ``kg.text.fold`` form, so ``ＳＯＤ１`` and ``sod 1`` find ``SOD1``.

Ties are broken by how strong the match is (id, then CURIE or IRI, then label, then synonym): a
name that is one entity's id and another's synonym means the id. Two entities matching at the
same strength is ambiguous, and the error lists them rather than guessing.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import networkx as nx

from kg.model import AlskgError
from kg.namespaces import PREFIXES
from kg.text import fold

# Match strengths: lower is stronger.
ID, CURIE, LABEL, SYNONYM = 0, 1, 2, 3
_KIND = {ID: "id", CURIE: "CURIE", LABEL: "label", SYNONYM: "synonym"}
ENTITY_PREFIXES = ("ent:", PREFIXES["ent"])


class UnknownName(AlskgError):
    """No entity has this name; ``suggestions`` are the closest names that do exist."""

    def __init__(self, name: str, suggestions: list[str]):
        self.name, self.suggestions = name, suggestions
        hint = f"; did you mean: {', '.join(suggestions)}?" if suggestions else "; try `alskg rank` to list entities"
        super().__init__(f"no entity named {name!r}{hint}")


class AmbiguousName(AlskgError):
    """Several entities share this name equally well; ``candidates`` are (id, label) pairs."""

    def __init__(self, name: str, candidates: list[tuple[str, str]]):
        self.name, self.candidates = name, candidates
        listed = ", ".join(f"{eid} ({label})" for eid, label in candidates)
        super().__init__(f"{name!r} names several entities; did you mean one of: {listed}? (give the id)")


def names_of(eid: str, data: dict[str, Any]) -> Iterable[tuple[int, str]]:
    """Every (strength, name) an entity answers to."""
    yield ID, eid
    for prefix in ENTITY_PREFIXES:
        yield CURIE, prefix + eid
    for x in data.get("xrefs", ()):
        yield CURIE, x
    yield LABEL, data.get("label_en", "")
    for ja in [data.get("label_ja", ""), *data.get("labels_ja", ())]:
        yield LABEL, ja
    for syn in data.get("synonyms", ()):
        yield SYNONYM, syn


class NameIndex:
    """Folded name → entities, built once per graph."""

    def __init__(self, G: nx.MultiDiGraph):
        self.G = G
        best: dict[str, dict[str, int]] = defaultdict(dict)
        self.display: dict[str, str] = {}  # folded key → a readable spelling, for suggestions
        for eid, data in G.nodes(data=True):
            for strength, name in names_of(eid, data):
                key = fold(name)
                if not key:
                    continue
                prev = best[key].get(eid)
                best[key][eid] = strength if prev is None else min(prev, strength)
                if not name.startswith(ENTITY_PREFIXES[1]):
                    self.display.setdefault(key, name)
        self._index = dict(best)

    def lookup(self, name: str) -> list[str]:
        """Ids of the entities that match ``name`` most strongly (empty if none, several if ambiguous)."""
        hits = self._index.get(fold(name), {})
        if not hits:
            return []
        top = min(hits.values())
        return sorted(eid for eid, s in hits.items() if s == top)

    def resolve(self, name: str) -> str:
        """The one entity id ``name`` means; raises UnknownName or AmbiguousName (both AlskgError)."""
        ids = self.lookup(name)
        if len(ids) == 1:
            return ids[0]
        if ids:
            raise AmbiguousName(name, [(i, self.G.nodes[i].get("label_en", i)) for i in ids])
        raise UnknownName(name, self.suggest(name))

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Close names: fuzzy matches on the folded form, then names that contain what was typed."""
        key = fold(name)
        if not key:
            return []
        keys = [k for k in self.display if not k.startswith("ent:")]
        close = difflib.get_close_matches(key, keys, n=n, cutoff=0.6)
        contains = sorted((k for k in keys if key in k and k not in close), key=lambda k: (len(k), k))
        out: list[str] = []
        for k in [*close, *contains]:
            label = self.display[k]
            if label not in out:
                out.append(label)
        return out[:n]

    def kind_of_match(self, name: str, eid: str) -> str:
        """How ``name`` matched ``eid`` (id, CURIE, label or synonym), for explanations."""
        s = self._index.get(fold(name), {}).get(eid)
        return _KIND.get(s, "") if s is not None else ""
