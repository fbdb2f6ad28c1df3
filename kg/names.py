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
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from kg.model import AlskgError
from kg.text import fold

if TYPE_CHECKING:
    import networkx as nx

# Match strengths: lower is stronger.
ID, CURIE, LABEL, SYNONYM = 0, 1, 2, 3
_KIND = {ID: "id", CURIE: "CURIE", LABEL: "label", SYNONYM: "synonym"}


@cache
def entity_prefixes() -> tuple[str, str]:
    """("ent:", the entity IRI namespace): read on first use, so a warm answer from the cache's read
    form (``kg.readform``) never imports rdflib for it."""
    from kg.namespaces import PREFIXES

    return ("ent:", PREFIXES["ent"])


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
    for prefix in entity_prefixes():
        yield CURIE, prefix + eid
    for x in data.get("xrefs", ()):
        yield CURIE, x
    yield LABEL, data.get("label_en", "")
    for ja in [data.get("label_ja", ""), *data.get("labels_ja", ())]:
        yield LABEL, ja
    for syn in data.get("synonyms", ()):
        yield SYNONYM, syn


# ---------------------------------------------------------------- names as people type them

GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "κ": "kappa", "λ": "lambda",
         "μ": "mu", "τ": "tau", "ω": "omega"}
_SPELLING = ((re.compile(r"isation"), "ization"), (re.compile(r"ise(d|s)?$"), r"ize\1"), (re.compile(r"yse(d|s)?$"), r"yze\1"),
             (re.compile(r"our$"), "or"), (re.compile(r"^oe"), "e"), (re.compile(r"oe(?=[a-z])"), "e"),
             (re.compile(r"(?<=[a-z])ae(?=[a-z])"), "e"), (re.compile(r"^neurone$"), "neuron"))
_WORD = re.compile(r"[^\W_]+")


def _singular(word: str) -> str:
    """A conservative English singular: cells → cell, lymphocytes → lymphocyte, bodies → body."""
    if len(word) <= 3 or not word.isalpha() or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def words(name: str) -> tuple[str, ...]:
    """The words of a name as people may type it: NFKC, case-folded, Greek letters spelled out,
    British spellings made American, plurals made singular; separators (space, _, -, /) ignored.
    Japanese runs stay one word each."""
    text = unicodedata.normalize("NFKC", name).casefold()
    for letter, spelled in GREEK.items():
        text = text.replace(letter, f" {spelled} ")
    out = []
    for w in _WORD.findall(text):
        for pattern, repl in _SPELLING:
            w = pattern.sub(repl, w)
        out.append(_singular(w))
    return tuple(out)


def loose_key(name: str) -> str:
    """Words in order, joined without separators: 'ALS progression', 'als_progression' and 'SOD-1' vs
    'SOD1' meet here."""
    return _loose(words(name))


def bag_key(name: str) -> str:
    """Words in any order: 'progression of ALS' and 'ALS progression' meet here (minus 'of', 'the')."""
    return _bag(words(name))


def _loose(ws: tuple[str, ...]) -> str:
    return "".join(ws)


def _bag(ws: tuple[str, ...]) -> str:
    return " ".join(sorted(set(ws) - _STOP))


_STOP = {"of", "the", "a", "an", "in", "and", "by"}
MAX_EXTRA_WORDS = 2  # 'FUS mutation' finds 'FUS-ALS mutation'; 'tumour' does not find 'tumor necrosis factor alpha'


class NameIndex:
    """Folded name → entities, built once per graph; looser keys for names as people type them.

    Exact matches (folded: width, case, spaces) come first, by strength. Only when nothing matches
    exactly does a looser key apply — separators, plurals, spellings and Greek letters ignored
    (``loose_key``), then word order too (``bag_key``), then a name whose words contain all the words
    typed — and only when it names exactly one entity. The entity taken that way is recorded in
    ``notes`` (the CLI prints them on stderr), so the reader knows which entity answered.
    """

    def __init__(self, G: nx.MultiDiGraph):
        self.G = G
        best: dict[str, dict[str, int]] = defaultdict(dict)
        self.display: dict[str, str] = {}  # folded key → a readable spelling, for suggestions
        self._loose_names: list[tuple[str, str]] = []  # (name, entity) for the looser tiers, built on first need
        self.notes: list[str] = []
        iri = entity_prefixes()[1]
        for eid, data in G.nodes(data=True):
            for strength, name in names_of(eid, data):
                key = fold(name)
                if not key:
                    continue
                prev = best[key].get(eid)
                best[key][eid] = strength if prev is None else min(prev, strength)
                if not name.startswith(iri):
                    self.display.setdefault(key, name)
                if strength != CURIE:
                    self._loose_names.append((name, eid))
        self._index = dict(best)

    def exact_index(self) -> dict[str, dict[str, int]]:
        """Folded name → {entity: strength}: the exact tier, as ``kg.readform`` stores it."""
        return self._index

    @cached_property
    def _tiers(self) -> tuple[dict[str, set[str]], dict[str, set[str]], list[tuple[frozenset[str], str]]]:
        """The looser keys (words in order, words in any order, word sets), built on the first exact
        miss: ``words()`` is the costly part of the index (every command builds one, most never miss),
        and it runs once per name."""
        loose: dict[str, set[str]] = defaultdict(set)
        bag: dict[str, set[str]] = defaultdict(set)
        word_sets: list[tuple[frozenset[str], str]] = []
        for name, eid in self._loose_names:
            ws = words(name)
            loose[_loose(ws)].add(eid)
            bag[_bag(ws)].add(eid)
            word_sets.append((frozenset(ws) - _STOP, eid))
        return loose, bag, word_sets

    def _loosely(self, name: str) -> list[str]:
        """Entities a looser reading of ``name`` finds, tier by tier; the first tier with a hit decides."""
        typed = frozenset(words(name)) - _STOP
        if not typed:
            return []
        loose, bag, word_sets = self._tiers
        for hits in (loose.get(loose_key(name), set()), bag.get(bag_key(name), set())):
            if hits:
                return sorted(hits)
        # a name that has every word typed plus at most MAX_EXTRA_WORDS more; the fewest extra words win
        extra: dict[str, int] = {}
        for ws, eid in word_sets:
            if typed < ws and len(ws - typed) <= MAX_EXTRA_WORDS:
                extra[eid] = min(extra.get(eid, 99), len(ws - typed))
        if not extra:
            return []
        fewest = min(extra.values())
        return sorted(eid for eid, n in extra.items() if n == fewest)

    def lookup(self, name: str) -> list[str]:
        """Ids of the entities that match ``name`` most strongly (empty if none, several if ambiguous)."""
        return strongest(self._index.get(fold(name), {}))

    def resolve(self, name: str) -> str:
        """The one entity id ``name`` means; raises UnknownName or AmbiguousName (both AlskgError)."""
        ids = self.lookup(name)
        if len(ids) == 1:
            return ids[0]
        if ids:
            raise AmbiguousName(name, [(i, self.G.nodes[i].get("label_en", i)) for i in ids])
        loose = self._loosely(name)
        if len(loose) == 1:
            eid = loose[0]
            self.notes.append(f"note: {name!r} taken as {self.G.nodes[eid].get('label_en', eid)} [{eid}]")
            return eid
        suggestions = [self.G.nodes[i].get("label_en", i) for i in loose[:5]] or self.suggest(name)
        raise UnknownName(name, suggestions)

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


def strongest(hits: dict[str, int]) -> list[str]:
    """The ids with the strongest (lowest) match tier, sorted; empty when nothing matched."""
    if not hits:
        return []
    top = min(hits.values())
    return sorted(eid for eid, s in hits.items() if s == top)
