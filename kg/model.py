"""Frozen value objects for curated data, and alskg's error types.

Kept free of rdflib so the curation layer can be read and checked without building a graph.
A claim's identity is a hash of its content, so rebuilding the same seeds gives the same ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any


class AlskgError(ValueError):
    """Base of every error alskg reports to a user (the CLI prints the message, exits non-zero)."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the curation, located precisely enough for a curator to fix it."""

    file: str
    line: int
    message: str
    hint: str = ""
    kind: str = "error"

    def to_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "message": self.message, "hint": self.hint, "kind": self.kind}

    def __str__(self) -> str:
        text = f"{self.file}:{self.line}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class ValidationFailed(AlskgError):
    """The seeds have problems; all of them are in ``problems``."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems))
        n = len(self.problems)
        lines = [str(p) for p in self.problems]
        super().__init__(f"{n} problem{'s' if n != 1 else ''} found:\n" + "\n".join(lines))


@dataclass(frozen=True, order=True)
class Location:
    """Where a curated item was written (file relative to the seeds folder, 1-based line)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, order=True)
class Entity:
    """A node of the graph: one real thing, however many documents mention it."""

    id: str
    type: str
    en: str
    ja: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    xrefs: tuple[str, ...] = ()
    variant_of: str | None = None
    product_of: str | None = None
    note: str = ""
    where: Location = field(default=Location("", 0), compare=False)


@dataclass(frozen=True, order=True)
class Qualifier:
    """A number a claim reports, with its unit and what it is compared against."""

    measure: str
    value: float | None = None
    from_value: float | None = None
    to_value: float | None = None
    change: float | None = None
    fold: float | None = None
    unit: str = ""
    comparison: str = ""

    # the curation file's keys; ``from``/``to`` are Python keywords, hence from_value/to_value here
    KEYS = (("measure", "measure"), ("value", "value"), ("from", "from_value"), ("to", "to_value"),
            ("change", "change"), ("fold", "fold"), ("unit", "unit"), ("comparison", "comparison"))

    def to_dict(self) -> dict[str, Any]:
        """The qualifier as JSON, keyed as in the curation files; unset fields left out."""
        out: dict[str, Any] = {}
        for key, attr in self.KEYS:
            value = getattr(self, attr)
            if value is not None and value != "":
                out[key] = value
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Qualifier:
        return cls(**{attr: d[key] for key, attr in cls.KEYS if key in d})

    def describe(self) -> str:
        """One readable line, e.g. 'disease duration: 39 → 87 day (×2.2) vs untreated'."""
        parts = [f"{self.measure}:"]
        if self.value is not None:
            parts.append(_num(self.value))
        if self.from_value is not None or self.to_value is not None:
            parts.append(f"{_num(self.from_value)} → {_num(self.to_value)}")
        if self.change is not None:
            parts.append(f"{'+' if self.change > 0 else ''}{_num(self.change)}")
        if self.unit:
            parts.append(self.unit)
        if self.fold is not None:
            parts.append(f"(×{_num(self.fold)})")
        if self.comparison:
            parts.append(f"vs {self.comparison}")
        return " ".join(parts)


def _num(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True, order=True)
class Context:
    """What changes the meaning of a claim's edge: the cell type and anatomical site the subject was
    present, manipulated or measured in, and the comparison the finding rests on. Part of a claim's
    identity: the same relation in two contexts is two claims (and may be asserted in one, negated in
    the other)."""

    cell_type: str | None = None
    anatomy: str | None = None
    comparison: str = ""

    def __bool__(self) -> bool:
        return bool(self.cell_type or self.anatomy or self.comparison)

    def to_dict(self) -> dict[str, str]:
        out = {"cell_type": self.cell_type, "anatomy": self.anatomy, "comparison": self.comparison}
        return {k: v for k, v in out.items() if v}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Context:
        """The inverse of ``to_dict``."""
        return cls(cell_type=d.get("cell_type"), anatomy=d.get("anatomy"), comparison=d.get("comparison", ""))

    def describe(self, label: Callable[[str], str] = str) -> str:
        """'in astrocyte; at lumbar spinal cord; comparison: one patient line vs one healthy line'
        (``label`` turns an entity id into its name; ids by default)."""
        parts = [*([f"in {label(self.cell_type)}"] if self.cell_type else []),
                 *([f"at {label(self.anatomy)}"] if self.anatomy else []),
                 *([f"comparison: {self.comparison}"] if self.comparison else [])]
        return "; ".join(parts)


_NO_CONTEXT = Context()


@dataclass(frozen=True, order=True)
class Claim:
    """One curated statement with its provenance inside it."""

    subject: str
    predicate: str
    object: str
    document: str
    quote: str
    summary: str
    evidence: str
    status: str
    negated: bool = False
    model: str | None = None
    species: str | None = None
    qualifiers: tuple[Qualifier, ...] = ()
    certainty: str = "observed"
    certainty_note: str = ""
    context: Context = field(default_factory=Context)
    where: Location = field(default=Location("", 0), compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The claim as JSON (the one shape every command, page and export uses)."""
        return {"id": self.id, "subject": self.subject, "predicate": self.predicate, "object": self.object,
                "document": self.document, "quote": self.quote, "summary": self.summary, "evidence": self.evidence,
                "status": self.status, "certainty": self.certainty, "certainty_note": self.certainty_note,
                "negated": self.negated, "context": self.context.to_dict(), "model": self.model,
                "species": self.species, "qualifiers": [q.to_dict() for q in self.qualifiers], "where": str(self.where)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Claim:
        """The inverse of ``to_dict``; refuses (ValueError) a dict whose ``id`` is not its content's hash.

        Every field is set at once, as pickle and ``copy`` restore a frozen dataclass (its ``__init__``
        sets each field through ``object.__setattr__``, ten times slower): the cache (``kg.cache``)
        turns every claim back into a ``Claim`` on each command.
        """
        file, _, line = d["where"].rpartition(":")
        fields = {"subject": d["subject"], "predicate": d["predicate"], "object": d["object"],
                  "document": d["document"], "quote": d["quote"], "summary": d["summary"], "evidence": d["evidence"],
                  "status": d["status"], "negated": d["negated"], "model": d["model"], "species": d["species"],
                  "qualifiers": tuple(Qualifier.from_dict(q) for q in d["qualifiers"]),
                  "certainty": d["certainty"], "certainty_note": d["certainty_note"],
                  "context": Context.from_dict(d["context"]) if d["context"] else _NO_CONTEXT,
                  "where": Location(file, int(line))}
        claim = object.__new__(cls)
        claim.__dict__.update(fields)
        if claim.id != d["id"]:
            raise ValueError(f"claim {d['id']!r} does not match its content (id {claim.id!r})")
        return claim

    @property
    def situation(self) -> tuple[str, str, str, str, str, str, str, str]:
        """The relation in its full context: (subject, predicate, object, cell type, anatomy,
        comparison, model, species). One situation cannot be both asserted and negated."""
        ctx = self.context
        return (self.subject, self.predicate, self.object, ctx.cell_type or "", ctx.anatomy or "", ctx.comparison,
                self.model or "", self.species or "")

    @property
    def qualifier_lines(self) -> tuple[str, ...]:
        """Each number the claim reports, as one readable line."""
        return tuple(q.describe() for q in self.qualifiers)

    @cached_property
    def id(self) -> str:
        """Content hash: stable across rebuilds, different for any change of meaning or quote.

        Computed once per claim and kept in the instance's ``__dict__`` (a path search reads it a
        million times at x100): the claim is frozen, so its content, and so its hash, never changes;
        equality, ordering and hashing still use the fields only, and ``dataclasses.replace`` makes a
        new claim that hashes afresh."""
        parts = [self.subject, self.predicate, self.object, self.document, self.quote,
                 "neg" if self.negated else "pos", self.model or "", self.species or ""]
        if self.context:  # context joins the identity; claims without one keep their ids
            parts += [self.context.cell_type or "", self.context.anatomy or "", self.context.comparison]
        key = "\x1f".join(parts)
        return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, order=True)
class Document:
    """A source document and its bibliographic facts (from documents.tsv)."""

    id: str
    file: str
    kind: str
    title: str
    journal: str
    published: str
    doi: str = ""
    pmid: str = ""
    institutions: str = ""
    sha256: str = ""


@dataclass(frozen=True, order=True)
class NoClaim:
    """A passage marked as carrying no claim (boilerplate, contacts...), with the reason."""

    document: str
    quote: str
    reason: str
    where: Location = field(default=Location("", 0), compare=False)


@dataclass(frozen=True)
class Seeds:
    """Everything read from the seeds folder, before it becomes RDF."""

    root: str
    documents: tuple[Document, ...]
    texts: dict[str, str]
    entities: tuple[Entity, ...]
    claims: tuple[Claim, ...]
    no_claims: tuple[NoClaim, ...] = ()

    @cached_property
    def entity_index(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}
