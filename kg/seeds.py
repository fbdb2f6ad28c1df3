"""Read the curation files in ``seeds/`` into value objects, collecting every problem.

Each problem names the file and line and says how to fix it. Nothing here raises on the first
error: ``read_seeds`` returns what it could read plus the full list of problems, and callers
decide whether to stop (``load_seeds`` does).

The reader is safe against hostile files, and each file's failure stays one clear problem of its own:

* only regular files are read (a FIFO, a device, a folder or a link to one is refused before it is
  opened for reading, so nothing can block or stream forever), each up to a size cap:
  ``MAX_YAML_BYTES`` for entity and claims files, ``MAX_DOCUMENT_BYTES`` for documents,
  ``MAX_TABLE_BYTES`` for ``documents.tsv`` and ``SHA256SUMS`` (64 MB: room for far more documents than
  the ×1000 synthetic seeds' 5,000);
* YAML is read with libyaml's safe loader when PyYAML has it (the pure Python one otherwise), after one
  pass over its events that refuses nesting deeper than ``MAX_YAML_DEPTH`` and documents that expand,
  through aliases, to more than ``MAX_YAML_VALUES`` values (an "alias bomb") or refer to themselves;
  the loader keeps every mapping's line and its keys' lines (the C parser reports marks as the
  Python one does; only construction, which records them, runs in Python);
* a raw control character anywhere in a curation file is refused with its line and column, and then
  every text field passes the one text gate (``kg.textgate``) once, after reading;
* YAML 1.1's surprises are not resolved: a plain scalar is a boolean only if true/false, a number only
  if plain decimal (``1:30``, ``010``, ``0x1A``, ``0b11``, ``1_000``, ``yes``/``no``/``on``/``off`` stay the
  text written, and a number field refuses them at their line); a number over ``MAX_NUMBER_CHARS``
  characters or a date the calendar lacks is refused at its line;
* ``documents.tsv`` is read literally (tab-separated, rows at newlines, no quoting: a quote character is
  part of the value); DOIs and PMIDs have their shapes (``DOI``, ``PMID``);
* ids are one slug pattern (``SLUG``): lower-case letters, digits, '_' and '-' (entity ids no '-');
  every file read must lie inside the seeds folder once links are resolved (a claims file linked from
  elsewhere is refused like a document); dates are real dates (YYYY or YYYY-MM-DD);
* a broken, empty or missing file or folder is reported once, and the checks it would make fail
  (unknown entities, entities used by no claim) are not run on its account;
* problems are capped (``_Problems``): at most ``MAX_PROBLEMS_OF_A_KIND`` of one kind per file and
  ``MAX_PROBLEMS`` in all are listed, the rest counted; a file with ``STOP_READING_AFTER`` problems is
  read no further. Problem paths start with the seeds folder as the caller gave it.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import difflib
import functools
import hashlib
import math
import operator
import os
import re
import stat
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from kg.locations import ONTOLOGY_DIR
from kg.model import (
    AlskgError,
    Claim,
    Context,
    Document,
    Entity,
    Location,
    NoClaim,
    Problem,
    Qualifier,
    Seeds,
    ValidationFailed,
)
from kg.schema import Schema, load_schema
from kg.seedcache import FileCache, FileResult, Sources, code_digest, entity_digest, file_key, stable_digest
from kg.text import IndexedText, closest_passage, fold, squash
from kg.textgate import check_text, clip, first_unsafe_in_file, terminal_safe

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
SLUG_HINT = "use lower-case letters a-z, digits, '_' and '-' (at most 80), starting with a letter or digit"
CURIE = re.compile(r"^[A-Za-z][A-Za-z0-9.]*:[A-Za-z0-9_.\-]+$")
DATE = re.compile(r"^\d{4}(-\d{2}-\d{2})?$")
# A DOI is 10.<registrant>/<suffix> (the registrant dotted digits, the suffix any printable text without
# spaces); a PMID is a PubMed number: digits only. Both are written bare (no doi:, no URL).
DOI = re.compile(r"10\.[0-9]+(?:\.[0-9]+)*/\S+")
PMID = re.compile(r"[1-9][0-9]{0,9}")
DOC_COLUMNS = ["id", "file", "kind", "paper_title", "journal", "published", "doi", "pmid", "institutions"]
ENTITY_KEYS = {"id", "type", "en", "ja", "synonyms", "xrefs", "variant_of", "product_of", "note"}
CLAIM_KEYS = {
    "subject", "predicate", "object", "quote", "summary", "evidence", "status", "certainty", "certainty_note",
    "context", "negated", "model", "species", "qualifiers",
}
CONTEXT_KEYS = {"cell_type", "anatomy", "comparison"}
QUALIFIER_KEYS = {"measure", "value", "from", "to", "change", "fold", "unit", "comparison"}
NO_CLAIM_KEYS = {"quote", "reason"}

MAX_YAML_BYTES = 4 * 1024 * 1024
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
MAX_TABLE_BYTES = 64 * 1024 * 1024  # ≈ 250,000 documents: ×1000 synthetic seeds (5,000) need 1.3 MB
MAX_YAML_DEPTH = 32
MAX_YAML_VALUES = 1_000_000


def is_entity_id(text: str) -> bool:
    """An entity id: a slug written with '_' between words (never '-', the documents' separator)."""
    return bool(SLUG.match(text)) and "-" not in text


class _Map(dict):
    """A YAML mapping that remembers its line and the line of each key."""

    line: int = 0
    key_lines: dict[str, int]


_SafeLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML was built with it


class _LineLoader(_SafeLoader):  # type: ignore[misc, valid-type]
    """The safe loader, recording line numbers and reporting duplicate keys instead of hiding them."""

    def __init__(self, stream: Any):
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Map:
    m = _Map()
    m.line = node.start_mark.line + 1
    m.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError("while reading a mapping", node.start_mark,
                                                    "found a key that is not plain text", key_node.start_mark) from None
        if key in m:
            loader.duplicates.append((str(key), key_node.start_mark.line + 1))
        m[key] = loader.construct_object(value_node, deep=True)
        m.key_lines[str(key)] = key_node.start_mark.line + 1
    return m


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

# YAML 1.1, which PyYAML follows, reads some plain scalars as something else than what was written:
# 1:30 as 90 (base 60), 010 as 8 (octal), 0x1A as 26, 0b11 as 3, 1_000 as 1000, yes/no/on/off as
# booleans, '=' as a tag no safe loader can build. The curation loader resolves only the forms nobody
# misreads — true/false, plain decimal integers and decimals, null, dates — and keeps every other plain
# scalar as the text it is, so a value is never changed silently: a text field gets the text, a number
# field refuses it with its line (``_number``).
_BOOL, _INT, _FLOAT = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_PLAIN_FORMS = (
    (_BOOL, r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    (_INT, r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789"),
    (_FLOAT, r"^(?:[-+]?[0-9]+\.[0-9]*(?:[eE][-+][0-9]+)?|\.[0-9]+(?:[eE][-+][0-9]+)?"
             r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+0123456789."),
)
_KEPT_FORMS = {"tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge"}
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag in _KEPT_FORMS]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
for _tag, _rx, _firsts in _PLAIN_FORMS:
    for _first in _firsts:
        _LineLoader.yaml_implicit_resolvers.setdefault(_first, []).append((_tag, re.compile(_rx)))
MAX_NUMBER_CHARS = 1000  # a longer number is a mistake (and Python refuses ints of more than 4,300 digits)


def _yaml_1_1_number(text: str) -> bool:
    """Whether YAML 1.1 would read this plain text as a number (1:30, 010, 0x1A, 1_000 ... included)."""
    return yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False)) in (_INT, _FLOAT)


def _construct_checked(build: Any) -> Any:
    """A scalar constructor that refuses, at the value's own line, what it cannot build sensibly:
    a number of more than ``MAX_NUMBER_CHARS`` characters, a date the calendar does not have."""
    def construct(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
        if node.tag in (_INT, _FLOAT) and len(node.value) > MAX_NUMBER_CHARS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number {len(node.value):,} characters long (at most {MAX_NUMBER_CHARS}); "
                "if it is text, quote it", node.start_mark)
        try:
            return build(loader, node)
        except (ValueError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"{clip(node.value, 40)} cannot be read as a {node.tag.rsplit(':', 1)[-1]} "
                f"({terminal_safe(str(exc)[:80])}); if it is text, quote it", node.start_mark) from None
    return construct


for _tag, _build in ((_INT, yaml.constructor.SafeConstructor.construct_yaml_int),
                     (_FLOAT, yaml.constructor.SafeConstructor.construct_yaml_float),
                     ("tag:yaml.org,2002:timestamp", yaml.constructor.SafeConstructor.construct_yaml_timestamp)):
    _LineLoader.add_constructor(_tag, _construct_checked(_build))


MAX_PROBLEMS_OF_A_KIND = 50  # per file: more of one kind in one file are counted, not listed
MAX_PROBLEMS = 1000  # in all
STOP_READING_AFTER = 10_000  # problems from one file: its remaining items are not read
MAX_SUMMARIES = 100  # "… more like this" lines; beyond them, one line counts the rest
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\d[\d,.]*")


def problem_kind(message: str) -> str:
    """A problem's message with its values (quoted text, numbers) blanked: problems of one kind share it."""
    return _QUOTED.sub("…", message)


class _Problems(list):
    """The problems found so far, capped as they are found: a huge broken file (hundreds of thousands
    of bad items) gives ``MAX_PROBLEMS_OF_A_KIND`` problems of each kind and a count of the rest, and
    the whole list stops at ``MAX_PROBLEMS`` — a readable report, in bounded memory."""

    def __init__(self) -> None:
        super().__init__()
        self.kinds: dict[tuple[str, str], int] = {}
        self.per_file: dict[str, int] = {}  # how many were found in each file, listed or not
        self.dropped: dict[tuple[str, str], tuple[int, Problem]] = {}  # → (how many, the first dropped)

    def append(self, problem: Problem) -> None:
        key = (problem.file, problem_kind(problem.message))
        seen = self.kinds[key] = self.kinds.get(key, 0) + 1
        self.per_file[problem.file] = self.per_file.get(problem.file, 0) + 1
        if seen <= MAX_PROBLEMS_OF_A_KIND and len(self) < MAX_PROBLEMS:
            super().append(problem)
        else:
            n, first = self.dropped.get(key, (0, problem))
            self.dropped[key] = (n + 1, first)

    def finished(self, shown: dict[str, str]) -> list[Problem]:
        """Every problem kept, each file shown as ``shown`` says, plus one line per kind that was cut short."""
        out = [dataclasses.replace(p, file=shown.get(p.file, p.file)) for p in self]
        rest = 0
        for i, (n, first) in enumerate(self.dropped.values()):
            if i >= MAX_SUMMARIES:
                rest += n
                continue
            out.append(Problem(shown.get(first.file, first.file), first.line,
                               f"{n:,} more problem{'s' if n != 1 else ''} like this one, not listed: {first.message}",
                               "fix the ones listed first: problems of one kind usually share one cause"))
        if rest:
            out.append(Problem(out[-1].file, 0, f"{rest:,} more problems of other kinds, not listed",
                               "fix the ones listed first"))
        return out


@dataclass
class _Collector:
    root: Path
    problems: _Problems = field(default_factory=_Problems)
    unreadable: set[Path] = field(default_factory=set)  # files that could not be parsed at all
    snapshot: dict[Path, bytes] = field(default_factory=dict)  # files already read (the bytes kg.seedcache keyed)
    shown: dict[str, str] = field(default_factory=dict)  # rel(path) → the path as problems print it
    _rels: dict[Path, str] = field(default_factory=dict)

    @cached_property
    def real_root(self) -> Path:
        """The seeds folder with its links resolved: every file read must lie inside it."""
        return self.root.resolve()

    def rel(self, path: Path) -> str:
        """The path as curated items record it (``Location``: relative to the seeds' parent, so the
        graph's ``als:curationFile`` does not depend on where the seeds lie; a hostile name escaped).
        Problems print the path as the user gave the seeds folder instead (``shown``), so that a
        curator can open it from where they ran alskg, whatever folder they gave."""
        rel = self._rels.get(path)
        if rel is None:
            try:
                rel = terminal_safe(str(path.relative_to(self.root.parent)))
            except ValueError:
                rel = terminal_safe(str(path))
            self._rels[path] = rel
            self.shown.setdefault(rel, terminal_safe(str(path)))
        return rel

    def given_up(self, path: Path, line: int) -> bool:
        """Whether a file has given so many problems that reading on would only repeat them: then it
        is marked unreadable, with one problem saying where reading stopped."""
        found = self.problems.per_file.get(self.rel(path), 0)
        if found < STOP_READING_AFTER:
            return False
        self.broken(path, line, f"stopped reading this file here, after {found:,} problems",
                    "fix the problems listed first: problems of one kind usually share one cause")
        return True

    def at(self, where: Location) -> str:
        """A curated item's place as a problem's message names it (as ``shown``)."""
        return f"{self.shown.get(where.file, where.file)}:{where.line}"

    def finished(self) -> list[Problem]:
        """The problems, capped (``_Problems``), with their files as the user gave the seeds folder."""
        return self.problems.finished(self.shown)

    def add(self, path: Path, line: int, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.rel(path), line, message, hint))

    def broken(self, path: Path, line: int, message: str, hint: str = "") -> None:
        """A file that could not be read at all: one problem, and no checks that it would make fail."""
        self.add(path, line, message, hint)
        self.unreadable.add(path)

    def incomplete(self, part: str) -> bool:
        """Whether some of the ``part`` ('documents', 'entities' or 'claims') could not be read, so
        that checks relying on all of it would only report follow-on errors."""
        for path in self.unreadable:
            try:
                first = path.relative_to(self.root).parts[0]
            except (ValueError, IndexError):
                first = ""
            if (first if first in ("entities", "claims") else "documents") == part:
                return True
        return False


def _read_bytes(path: Path, col: _Collector, cap: int, what: str = "file") -> bytes | None:
    """The bytes of a regular file of at most ``cap`` bytes, or None with one problem.

    The file type is checked before opening (a FIFO would block ``open``) and again on the open file
    (it may have been swapped in between); the read itself never takes more than ``cap + 1`` bytes."""
    if path in col.snapshot:
        return col.snapshot[path]
    hint = f"the {what} must be an ordinary file inside the seeds folder"
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            col.broken(path, 1, f"not an ordinary file ({_kind(path)})", hint)
            return None
        if not _inside(path, col.real_root):  # a link (or a linked folder) leading out of the seeds
            col.broken(path, 1, f"the {what} lies outside the seeds folder (it leads to {_target(path)})",
                       f"{hint}: copy it into the seeds folder instead of linking to it")
            return None
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                     | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        col.broken(path, 1, f"cannot read the {what}: {exc.strerror or exc}", hint)
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            col.broken(path, 1, f"not an ordinary file ({_kind(path)})", hint)
            return None
        chunks, size = [], 0
        while size <= cap:
            chunk = os.read(fd, min(1 << 20, cap + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        col.broken(path, 1, f"cannot read the {what}: {exc.strerror or exc}", hint)
        return None
    finally:
        os.close(fd)
    if size > cap:
        hint = ("split it (one claims file per document, entities over several files)" if cap != MAX_TABLE_BYTES
                else "a table this large is taken for a mistake (the limit fits about 250,000 documents)")
        col.broken(path, 1, f"the {what} is larger than {cap // 1024:,} KB, the most alskg reads", hint)
        return None
    return b"".join(chunks)


def _target(path: Path) -> str:
    """Where a path really leads (links resolved), safe to print."""
    try:
        return terminal_safe(str(path.resolve()))
    except (OSError, RuntimeError):
        return "a place that cannot be resolved"


def _kind(path: Path) -> str:
    """'a FIFO', 'a device', 'a folder' ... what a path is, for a message."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "unknown kind"
    for test, name in ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "unknown kind"


def _read_text(path: Path, col: _Collector, cap: int, what: str = "file") -> str | None:
    data = _read_bytes(path, col, cap, what)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        col.broken(path, 1, f"not UTF-8 text ({exc.reason})", "save the file as UTF-8")
        return None


def _yaml_shape_problem(text: str) -> str | None:
    """Why the YAML must not be built into objects (too deep, too many values once aliases are
    expanded, an alias inside its own anchor), or None. One pass over the parser's events, which
    needs no recursion and no memory beyond the nesting stack."""
    loader = _SafeLoader(text)
    try:
        stack: list[tuple[str | None, int]] = []
        sizes: dict[str, int] = {}
        values = 0
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                if len(stack) >= MAX_YAML_DEPTH:
                    return f"nested more than {MAX_YAML_DEPTH} levels deep"
                stack.append((event.anchor, values))
                values += 1
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                anchor, before = stack.pop()
                if anchor is not None:
                    sizes[anchor] = values - before
            elif isinstance(event, yaml.ScalarEvent):
                values += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                if any(anchor == event.anchor for anchor, _ in stack):
                    return f"the alias *{clip(event.anchor, 30)} refers to the item that contains it"
                values += sizes.get(event.anchor, 1)  # an undefined alias is left to the loader's message
            if values > MAX_YAML_VALUES:
                return f"more than {MAX_YAML_VALUES:,} values once its aliases (*name) are expanded"
        return None
    finally:
        loader.dispose()


def _load_yaml(path: Path, col: _Collector) -> Any:
    text = _read_text(path, col, MAX_YAML_BYTES, "YAML file")
    if text is None:
        return None
    bad = first_unsafe_in_file(text)
    if bad:
        line, column, char = bad
        col.broken(path, line, f"the control character {char} at column {column}",
                   "only tab and newline may appear in a curation file: remove it or write a plain space "
                   "(it is often invisible; a text editor's 'show invisibles' reveals it)")
        return None
    hint = ("check indentation and quoting near this line (quote text containing ': ' or '#'; "
            "no control characters)")
    loader = None
    try:
        shape = _yaml_shape_problem(text)
        if shape:
            col.broken(path, 1, f"YAML refused: {shape}", "curation files are flat lists of items; "
                       "write each value out instead of using anchors (&name) and aliases (*name)")
            return None
        loader = _LineLoader(text)
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        position = getattr(exc, "position", 0)
        line = mark.line + 1 if mark else text.count("\n", 0, position) + 1
        reason = terminal_safe(str(getattr(exc, "problem", None) or exc)[:200])
        col.broken(path, line, f"not valid YAML: {reason}", hint)
        return None
    except (ValueError, OverflowError, RecursionError, MemoryError) as exc:
        # a value the safe constructor cannot make: a 5,000-digit integer, a date like 2020-13-45
        col.broken(path, 1, f"not valid YAML: a value cannot be read ({terminal_safe(str(exc)[:120])})", hint)
        return None
    finally:
        if loader is not None:
            loader.dispose()
    for key, line in loader.duplicates:
        col.add(path, line, f"key {clip(key)} appears twice in one item", "keep one of them")
    if data is None:
        col.broken(path, 1, "the file is empty", "write its items, or delete the file")
    return data


def _str(item: _Map, key: str, path: Path, col: _Collector, required: bool = True) -> str:
    line = item.key_lines.get(key, item.line)
    if key not in item or item[key] is None:
        if required:
            col.add(path, item.line, f"missing required field {key!r}", f"add '{key}: ...' to this item")
        return ""
    value = item[key]
    if not isinstance(value, str):
        scalar = not isinstance(value, (dict, list))
        written = str(value).lower() if isinstance(value, bool) else clip(value, 30) if scalar else "..."
        col.add(path, line, f"field {key!r} must be text, got {type(value).__name__} {clip(value)}",
                f"quote the value: {key}: \"{written}\" "
                "(YAML reads true/false, numbers and dates as non-text)")
        return _as_text(value)
    if required and not value.strip():
        col.add(path, line, f"field {key!r} is empty", "write a value or remove the item")
    return value


def _as_text(value: object) -> str:
    """A non-text scalar as the text it was probably meant to be (so later checks see it); '' for
    anything else (a list, a mapping, a huge number: never turned into a huge string)."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return ""
    return str(value) if isinstance(value, (bool, int, float, datetime.date)) else ""


def _str_list(item: _Map, key: str, path: Path, col: _Collector) -> tuple[str, ...]:
    value = item.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        col.add(path, item.key_lines.get(key, item.line), f"field {key!r} must be a list of text",
                f"write {key}: [a, b]")
        return ()
    out = []
    for v in value:
        if not isinstance(v, str):
            col.add(path, item.key_lines.get(key, item.line),
                    f"field {key!r} has a non-text entry {clip(v)}", "quote every entry")
            continue
        out.append(v)
    return tuple(out)


def _unknown_keys(item: _Map, allowed: set[str], path: Path, col: _Collector, what: str) -> None:
    for key in item:
        if key not in allowed:
            col.add(path, item.key_lines.get(str(key), item.line), f"unknown field {clip(key)} in {what}",
                    f"allowed fields: {', '.join(sorted(allowed))}")


def _read_documents(root: Path, col: _Collector) -> tuple[list[Document], dict[str, str]]:
    tsv = root / "documents.tsv"
    sums = _read_sha256sums(root, col)
    docs: list[Document] = []
    texts: dict[str, str] = {}
    if not tsv.exists():
        col.add(tsv, 1, "documents.tsv is missing", "copy it from ../shared/seeds/")
        return docs, texts
    text = _read_text(tsv, col, MAX_TABLE_BYTES, "document table")
    if text is None:
        return docs, texts
    # Read literally: rows end at \n (a \r before it is dropped), cells are split at tabs, and nothing
    # else is special. csv would strip quote characters from a cell ("a" b → a b) and join rows inside
    # quotes; str.splitlines() would also break a row at U+2028, U+0085 or a form feed inside a cell
    # (the text gate reports those). A value is stored exactly as written, or refused.
    lines = text.split("\n")
    rows = [(n, line.removesuffix("\r").split("\t")) for n, line in enumerate(lines, start=1)
            if line.removesuffix("\r")]
    header = rows.pop(0)[1] if rows and rows[0][0] == 1 else []
    if header != DOC_COLUMNS:
        col.add(tsv, 1, f"unexpected header {clip(' '.join(header), 200)}", f"columns must be: {' '.join(DOC_COLUMNS)}")
        return docs, texts
    seen: dict[str, int] = {}
    for n, row in rows:
        if len(row) > len(DOC_COLUMNS) and not any(row[len(DOC_COLUMNS) - 1:-1]):
            # The shared documents.tsv has one surplus empty cell before `institutions` in a row;
            # the file must stay byte-identical, so empty surplus cells there are tolerated.
            row = row[: len(DOC_COLUMNS) - 1] + [row[-1]]
        if len(row) != len(DOC_COLUMNS):
            col.broken(tsv, n, f"row has {len(row)} columns, expected {len(DOC_COLUMNS)}", "separate with tabs")
            continue
        r = dict(zip(DOC_COLUMNS, row, strict=True))
        refused = [gate for name, value in r.items() if (gate := check_text(value, name))]
        for message, hint in refused:
            col.add(tsv, n, message, hint)
        if refused:
            col.unreadable.add(tsv)
            continue
        if not SLUG.match(r["id"]):
            col.broken(tsv, n, f"document id {clip(r['id'])} is not a slug", SLUG_HINT + ", e.g. glia-sod1-2008")
            continue
        if r["id"] in seen:
            col.broken(tsv, n, f"duplicate document id {r['id']!r} (also on line {seen[r['id']]})",
                       "each document has one row; give the other document its own id")
            continue
        seen[r["id"]] = n
        if r["published"] and not _is_date(r["published"]):
            col.add(tsv, n, f"published {clip(r['published'])} is not a date",
                    "write the year (2022) or the full date (2022-03-17), a real calendar date")
        _check_identifiers(r, tsv, n, col)
        path = root / r["file"]
        if not r["file"] or Path(r["file"]).is_absolute() or not _inside(path, col.real_root):
            col.broken(tsv, n, f"document file {clip(r['file'])} is not inside the seeds folder",
                       "give the file name relative to the seeds folder, e.g. glia-sod1-2008.ja.txt")
            continue
        if not path.exists():
            col.broken(tsv, n, f"document file {r['file']} is missing", "copy it byte-identical from ../shared/seeds/")
            continue
        data = _read_bytes(path, col, MAX_DOCUMENT_BYTES, "document")
        if data is None:
            continue
        digest = hashlib.sha256(data).hexdigest()
        if sums is None:
            pass  # no checksum list: reported once, not once per document
        elif r["file"] in sums and sums[r["file"]] != digest:
            col.add(path, 1, "document differs from its SHA256SUMS entry",
                    "documents are sources, never edit them; restore from ../shared/seeds/")
        elif r["file"] not in sums:
            col.add(root / "SHA256SUMS", 1, f"no checksum for {r['file']}", "add its sha256sum line")
        try:
            texts[r["id"]] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            col.broken(path, 1, f"document is not UTF-8 text ({exc.reason})", "restore it from ../shared/seeds/")
            continue
        docs.append(Document(r["id"], r["file"], r["kind"], r["paper_title"], r["journal"],
                             r["published"], r["doi"], r["pmid"], r["institutions"], digest))
    return docs, texts


def _check_identifiers(r: dict[str, str], tsv: Path, n: int, col: _Collector) -> None:
    """A row's DOI and PMID, when given, have their shapes (a typo here becomes a dead link in every output)."""
    if r["doi"] and not DOI.fullmatch(r["doi"]):
        col.add(tsv, n, f"doi {clip(r['doi'])} of document {clip(r['id'])} is not a DOI",
                "write the DOI itself, 10.<registrant>/<suffix> without spaces (e.g. 10.1038/nn2047; "
                "no 'doi:' or https://doi.org/ in front), or leave the cell empty")
    if r["pmid"] and not PMID.fullmatch(r["pmid"]):
        col.add(tsv, n, f"pmid {clip(r['pmid'])} of document {clip(r['id'])} is not a PubMed id",
                "write the PMID's digits only (e.g. 18246065; no 'PMID:' in front), or leave the cell empty")


def _is_date(text: str) -> bool:
    """YYYY or YYYY-MM-DD, and a day the calendar has."""
    if not DATE.match(text):
        return False
    try:
        datetime.date.fromisoformat(text if len(text) > 4 else f"{text}-01-01")
    except ValueError:
        return False
    return True


def _inside(path: Path, real_root: Path) -> bool:
    """Whether ``path``, with its links and '..' resolved, lies inside the (resolved) seeds folder."""
    try:
        path.resolve().relative_to(real_root)
    except (ValueError, OSError, RuntimeError):
        return False
    return True


def _read_sha256sums(root: Path, col: _Collector) -> dict[str, str] | None:
    """file → sha256 from SHA256SUMS; None if it is missing or unreadable (reported once, here)."""
    path = root / "SHA256SUMS"
    if not path.exists():
        col.add(path, 1, "SHA256SUMS is missing", "copy it from ../shared/seeds/")
        return None
    out = {}
    text = _read_text(path, col, MAX_TABLE_BYTES, "checksum list")
    if text is None:
        return None
    for n, line in enumerate(text.split("\n"), start=1):
        parts = line.split()
        if len(parts) == 2:
            out[parts[1].lstrip("*")] = parts[0]
        elif line.strip():
            col.add(path, n, "expected '<sha256>  <file>'", "regenerate with sha256sum")
    return out


def _curation_files(folder: Path, col: _Collector) -> list[Path]:
    """The ``*.yaml`` files of a curation folder. A file that looks meant to be read but would not be
    (``x.yml``, ``x.YAML``) or whose name is not a slug is a problem, never silently skipped."""
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.suffix == ".yaml":
            if SLUG.match(path.stem):
                out.append(path)
            else:
                col.broken(path, 1, f"file name {clip(path.name)} is not a slug, the file is not read",
                           f"rename it: {SLUG_HINT}, then .yaml")
        elif path.suffix.lower() in (".yaml", ".yml"):
            col.broken(path, 1, f"{clip(path.name)} is not read: alskg reads only files ending in .yaml",
                       f"rename it to {terminal_safe(path.stem[:80])}.yaml")
    return out


def _read_entities(root: Path, col: _Collector, files: list[Path] | None = None) -> list[Entity]:
    folder = root / "entities"
    files = _curation_files(folder, col) if files is None else files
    if not files:  # reported once; the checks that need the registry are skipped (``incomplete``)
        col.broken(folder, 1, "no entity files (entities/*.yaml)" + ("" if folder.is_dir() else ": the folder is missing"),
                   "the entity registry must exist: entities/*.yaml")
    out: list[Entity] = []
    for path in files:
        data = _load_yaml(path, col)
        if data is None:
            continue
        if not isinstance(data, list):
            col.add(path, 1, "an entity file must be a YAML list of entities", "start each entity with '- id: ...'")
            continue
        for item in data:
            if col.given_up(path, getattr(item, "line", 1)):
                break
            if not isinstance(item, _Map):
                col.add(path, 1, f"entity entry is not a mapping: {clip(item)}", "write '- id: ...' with fields below")
                continue
            _unknown_keys(item, ENTITY_KEYS, path, col, "an entity")
            ent = Entity(
                id=_str(item, "id", path, col),
                type=_str(item, "type", path, col),
                en=_str(item, "en", path, col),
                ja=_str_list(item, "ja", path, col),
                synonyms=_str_list(item, "synonyms", path, col),
                xrefs=_str_list(item, "xrefs", path, col),
                variant_of=_str(item, "variant_of", path, col, required=False) or None,
                product_of=_str(item, "product_of", path, col, required=False) or None,
                note=_str(item, "note", path, col, required=False),
                where=Location(col.rel(path), item.line),
            )
            out.append(ent)
    return out


def _number(q: _Map, key: str, path: Path, col: _Collector) -> float | None:
    if key not in q or q[key] is None:
        return None
    v = q[key]
    line = q.key_lines.get(key, q.line)
    if isinstance(v, str) and any(re.match(rx, v.strip()) for tag, rx, _ in _PLAIN_FORMS if tag != _BOOL):
        col.add(path, line, f"qualifier {key!r} is the text {clip(v)}, not a number",
                "remove the quotes around the number")
        return None
    if isinstance(v, str) and _yaml_1_1_number(v.strip()):
        col.add(path, line, f"qualifier {key!r} is written {clip(v)}, a number form alskg does not read",
                "write the number in plain decimal digits (90, 1.5, -20): YAML 1.1 would read 1:30 as 90 "
                "(base 60), 010 as 8 (octal), 0x1A, 0b11 and 1_000 as other numbers than they look")
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        col.add(path, line, f"qualifier {key!r} must be a number, got {clip(v)}",
                "write digits only (units go in 'unit', signs are fine: change: -20)")
        return None
    try:
        number = float(v)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        col.add(path, line, f"qualifier {key!r} must be a finite number, got {clip(v)}",
                "write the number the document reports (.nan, .inf and numbers beyond 1e308 are not numbers "
                "a document reports)")
        return None
    return number


def _read_qualifiers(item: _Map, path: Path, col: _Collector) -> tuple[Qualifier, ...]:
    raw = item.get("qualifiers")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        col.add(path, item.key_lines.get("qualifiers", item.line), "qualifiers must be a list",
                "write '- measure: ...' items under qualifiers")
        return ()
    out = []
    for q in raw:
        if not isinstance(q, _Map):
            col.add(path, item.line, f"qualifier is not a mapping: {clip(q)}", "write '- measure: ...'")
            continue
        _unknown_keys(q, QUALIFIER_KEYS, path, col, "a qualifier")
        qual = Qualifier(
            measure=_str(q, "measure", path, col),
            value=_number(q, "value", path, col),
            from_value=_number(q, "from", path, col),
            to_value=_number(q, "to", path, col),
            change=_number(q, "change", path, col),
            fold=_number(q, "fold", path, col),
            unit=_str(q, "unit", path, col, required=False),
            comparison=_str(q, "comparison", path, col, required=False),
        )
        # a number given but refused is reported already (counted from the item, not from the problems,
        # which may be capped)
        numbers_refused = any(q.get(k) is not None for k in ("value", "from", "to", "change", "fold"))
        if all(x is None for x in (qual.value, qual.from_value, qual.to_value, qual.change, qual.fold)) \
                and not numbers_refused:
            col.add(path, q.line, "qualifier has no number", "give at least one of value, from/to, change, fold")
        out.append(qual)
    return tuple(out)


def _read_context(item: _Map, path: Path, col: _Collector) -> Context:
    raw = item.get("context")
    if raw is None:
        return Context()
    if not isinstance(raw, _Map):
        col.add(path, item.key_lines.get("context", item.line), "context must be a mapping",
                "write cell_type:, anatomy: and/or comparison: under context")
        return Context()
    _unknown_keys(raw, CONTEXT_KEYS, path, col, "a context")
    ctx = Context(cell_type=_str(raw, "cell_type", path, col, required=False) or None,
                  anatomy=_str(raw, "anatomy", path, col, required=False) or None,
                  comparison=_str(raw, "comparison", path, col, required=False))
    if not ctx:
        col.add(path, raw.line, "context is empty", "give cell_type, anatomy or comparison, or drop context")
    return ctx


def _read_claim_files(root: Path, col: _Collector, doc_ids: Collection[str],
                      files: list[Path] | None = None) -> tuple[list[Claim], list[NoClaim]]:
    folder = root / "claims"
    claims: list[Claim] = []
    no_claims: list[NoClaim] = []
    files = _curation_files(folder, col) if files is None else files
    if not files:
        col.broken(folder, 1, "no claims files (claims/*.yaml)" + ("" if folder.is_dir() else ": the folder is missing"),
                   "write one claims file per document: claims/<id>.yaml")
    for path in files:
        data = _load_yaml(path, col)
        if data is None:
            continue
        if not isinstance(data, _Map):
            col.broken(path, 1, "a claims file must be a mapping with 'document' and 'claims'",
                       "see seeds/README.md for the format")
            continue
        _unknown_keys(data, {"document", "claims", "no_claim"}, path, col, "a claims file")
        doc = _str(data, "document", path, col)
        # no known documents at all, or a refused row of documents.tsv, is reported once, elsewhere
        if doc and doc_ids and doc not in doc_ids and not col.incomplete("documents"):
            col.add(path, data.key_lines.get("document", 1), f"unknown document {clip(doc)}",
                    f"known documents: {', '.join(sorted(doc_ids))}")
        if doc and path.stem != doc:
            col.add(path, 1, f"file name {path.name} does not match document {clip(doc)}",
                    f"rename it to {clip(doc)}.yaml" if SLUG.match(doc) else f"write the document's id ({SLUG_HINT})")
        items = data.get("claims") or []
        if not isinstance(items, list):
            col.add(path, data.key_lines.get("claims", 1), "'claims' must be a list", "start each claim with '- subject:'")
            items = []
        for item in items:
            if col.given_up(path, getattr(item, "line", data.line)):
                break
            if not isinstance(item, _Map):
                col.add(path, data.line, f"claim is not a mapping: {clip(item)}", "write '- subject: ...'")
                continue
            _unknown_keys(item, CLAIM_KEYS, path, col, "a claim")
            negated = item.get("negated", False)
            if not isinstance(negated, bool):
                col.add(path, item.key_lines.get("negated", item.line), f"negated must be true or false, got {clip(negated)}",
                        "write negated: true")
                negated = bool(negated)
            claims.append(Claim(
                subject=_str(item, "subject", path, col),
                predicate=_str(item, "predicate", path, col),
                object=_str(item, "object", path, col),
                document=doc,
                quote=_str(item, "quote", path, col),
                summary=_str(item, "summary", path, col),
                evidence=_str(item, "evidence", path, col),
                status=_str(item, "status", path, col),
                negated=negated,
                model=_str(item, "model", path, col, required=False) or None,
                species=_str(item, "species", path, col, required=False) or None,
                qualifiers=_read_qualifiers(item, path, col),
                certainty=_str(item, "certainty", path, col),
                certainty_note=_str(item, "certainty_note", path, col, required=False),
                context=_read_context(item, path, col),
                where=Location(col.rel(path), item.line),
            ))
        skips = data.get("no_claim") or []
        if not isinstance(skips, list):
            col.add(path, data.key_lines.get("no_claim", 1), "'no_claim' must be a list", "write '- quote: ...'")
            skips = []
        for item in skips:
            if col.given_up(path, getattr(item, "line", data.line)):
                break
            if not isinstance(item, _Map):
                col.add(path, data.line, f"no_claim entry is not a mapping: {clip(item)}", "write '- quote: ...'")
                continue
            _unknown_keys(item, NO_CLAIM_KEYS, path, col, "a no_claim entry")
            no_claims.append(NoClaim(doc, _str(item, "quote", path, col), _str(item, "reason", path, col),
                                     Location(col.rel(path), item.line)))
    return claims, no_claims


def _in_order(items: list[Any]) -> tuple[Any, ...]:
    """``tuple(sorted(items))`` of one dataclass with ``order=True``, by a key of its compared fields: the same
    order as the dataclass's ``__lt__`` (which compares those fields as a tuple), without a Python call per
    comparison (0.28 s for the claims at ×100, on every validate)."""
    if not items:
        return ()
    names = [f.name for f in dataclasses.fields(items[0]) if f.compare]
    if any(type(x) is not type(items[0]) for x in items):
        return tuple(sorted(items))
    return tuple(sorted(items, key=operator.attrgetter(*names)))


def read_seeds(root: Path, schema: Schema | None = None, cache: bool = True) -> tuple[Seeds, list[Problem]]:
    """Read and check everything in the seeds folder; return the seeds and every problem found.

    Each curation file is read, gated and its claims checked on its own (``_read_file``), through the
    per-file cache (``kg.seedcache``) unless ``cache`` is False; the checks across files run after."""
    root = Path(root)
    if not root.is_dir():
        raise AlskgError(f"seeds folder not found: {root} (set --seeds or ALSKG_SEEDS)")
    schema = schema or load_schema()
    col = _Collector(root)
    documents, raw_texts = _read_documents(root, col)
    reader = _FileReader(root, col, schema, FileCache.open() if cache else None)
    entity_files = _curation_files(root / "entities", col)
    entities = [] if entity_files else _read_entities(root, col, [])  # [] reports the missing registry
    for path in entity_files:
        entities += reader.read(path, "entities", Sources({}), _entity_file).entities
    texts = _IndexedTexts(raw_texts)  # each document indexed once, when first needed
    doc_sha = {d.id: d.sha256 for d in documents}
    ents = Seeds(str(root), (), {}, tuple(sorted(entities)), ()).entity_index
    sources = Sources({"documents": (doc_sha, doc_sha.get), "texts": (texts, doc_sha.get),
                       "entities": (ents, lambda k: entity_digest(ents[k]) if k in ents else None)})
    claim_files = _curation_files(root / "claims", col)
    claims: list[Claim] = []
    no_claims: list[NoClaim] = []
    if not claim_files:
        _read_claim_files(root, col, doc_sha, [])  # [] reports the missing claims
    for path in claim_files:
        got = reader.read(path, "claims", sources, _claims_file)
        claims += got.claims
        no_claims += got.no_claims
    seeds = Seeds(str(root), tuple(documents), raw_texts, _in_order(entities), _in_order(claims),
                  _in_order(no_claims))
    _report_missing_claim_files(root, col, seeds)
    _check_entities(seeds, schema, col, texts)
    _check_across_claims(seeds, col)
    return seeds, col.finished()


class _IndexedTexts(Mapping):
    """document id → ``IndexedText``, each made on first use."""

    def __init__(self, texts: dict[str, str]):
        self._texts = texts
        self._made: dict[str, IndexedText] = {}

    def __getitem__(self, key: str) -> IndexedText:
        if key not in self._made:
            self._made[key] = IndexedText(self._texts[key])
        return self._made[key]

    def __contains__(self, key: object) -> bool:
        return key in self._texts

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)


_FileWork = Callable[[Path, Path, _Collector, Schema, dict[str, Any]], FileResult]


def _entity_file(root: Path, path: Path, col: _Collector, schema: Schema, seen: dict[str, Any]) -> FileResult:
    """One entity file: read, and its text fields gated."""
    entities = _read_entities(root, col, [path])
    _gate_text(Seeds(str(root), (), {}, tuple(entities), ()), col)
    return FileResult(entities=entities)


def _claims_file(root: Path, path: Path, col: _Collector, schema: Schema, seen: dict[str, Any]) -> FileResult:
    """One claims file: read, its text fields gated, each claim checked against its document, the
    schema and the entities it names (``seen``: the parts of the seeds it may look at, recorded)."""
    claims, no_claims = _read_claim_files(root, col, seen["documents"], [path])
    part = Seeds(str(root), (), {}, (), tuple(claims), tuple(no_claims))
    _gate_text(part, col)
    _check_each_claim(part, seen["entities"], schema, col, seen["texts"])
    return FileResult(claims=claims, no_claims=no_claims)


@dataclass
class _FileReader:
    """Reads one curation file at a time through the per-file cache (``kg.seedcache``), if any."""

    root: Path
    col: _Collector
    schema: Schema
    cache: FileCache | None
    _digests: tuple[str, str] | None = None

    def read(self, path: Path, kind: str, sources: Sources, work: _FileWork) -> FileResult:
        col, key, snapshot = self.col, None, {}
        if self.cache is not None:
            data = _read_bytes(path, _Collector(self.root), MAX_YAML_BYTES, "YAML file")  # problems: reported below
            if data is not None:
                if self._digests is None:
                    self._digests = (code_digest(), stable_digest(self.schema))
                flags = f"documents:{col.incomplete('documents')} entities:{col.incomplete('entities')}"
                key = file_key(*self._digests, kind, f"{col.rel(path)}\0{path}", data, flags)
                hit = self.cache.get(key)
                if hit is not None and sources.still_hold(hit.facts):
                    self._merge(path, hit)
                    return hit
                snapshot = {path: data}  # read exactly the bytes the key names
        sub = _Collector(self.root, unreadable=set(col.unreadable), snapshot=snapshot)
        recorders = sources.recorders()
        result = work(self.root, path, sub, self.schema, recorders)
        result.problems = sub.problems.finished({})  # capped per kind, with a line for what was cut
        result.unreadable = sorted(str(p.relative_to(self.root)) for p in sub.unreadable - col.unreadable)
        result.facts = sources.facts(recorders)
        if key is not None and self.cache is not None:
            self.cache.put(key, result)
        self._merge(path, result)
        return result

    def _merge(self, path: Path, result: FileResult) -> None:
        self.col.rel(path)
        for problem in result.problems:  # one at a time: a collector may count or cap them
            self.col.problems.append(problem)
        self.col.unreadable.update(self.root / p for p in result.unreadable)


def _report_missing_claim_files(root: Path, col: _Collector, seeds: Seeds) -> None:
    """A document with its own entity file (entities/<id>.yaml) but no claims/<id>.yaml has lost its
    claims file: one problem naming it, instead of one 'used by no claim' per entity it introduced."""
    have = {path.stem for path in _listed(root / "claims")}
    if not have:
        return  # no claims files at all: reported once, as such
    for path in _listed(root / "entities"):
        if path.stem in {d.id for d in seeds.documents} and path.stem not in have:
            col.broken(root / "claims" / f"{path.stem}.yaml", 1,
                       f"the claims file of document {path.stem!r} is missing (entities/{path.name} has its entities)",
                       f"restore claims/{path.stem}.yaml, or write it with 'document: {path.stem}' and its claims")


def _listed(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def _gate_text(seeds: Seeds, col: _Collector) -> None:
    """The one text gate (``kg.textgate``), once, on every text field of every entity, claim and
    no_claim entry — found by walking the value objects, so a field added later is gated too.
    (documents.tsv rows pass the same gate as they are read: a refused row is not kept.)"""
    for item in (*seeds.entities, *seeds.claims, *seeds.no_claims):
        for name, value in _text_fields(item):
            refused = check_text(value, name)
            if refused:
                col.problems.append(Problem(item.where.file, item.where.line, *refused))


def _text_fields(obj: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(dotted field name, text) for every text inside a value object, its tuples and nested objects."""
    for f in dataclasses.fields(obj):
        if f.name != "where":
            yield from _texts(getattr(obj, f.name), prefix + f.name)


def _texts(value: Any, name: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield name, value
    elif isinstance(value, tuple):
        for i, v in enumerate(value):
            yield from _texts(v, f"{name}[{i}]")
    elif dataclasses.is_dataclass(value):
        yield from _text_fields(value, name + ".")


def load_seeds(root: Path, schema: Schema | None = None) -> Seeds:
    """Read the seeds; raise ValidationFailed listing every problem if there is any."""
    seeds, problems = read_seeds(root, schema)
    if problems:
        raise ValidationFailed(problems)
    return seeds


def _where(loc: Location) -> tuple[str, int]:
    return loc.file, loc.line


@functools.lru_cache(maxsize=4096)
def _stem(file: str) -> str:
    """``Path(file).stem``, made once per file (20,000 entities in 500 files at ×100, on every validate)."""
    return Path(file).stem


def _check_entities(seeds: Seeds, schema: Schema, col: _Collector, texts: Mapping[str, IndexedText]) -> None:
    verified = read_grounding()
    squashed_docs = list(texts.values())
    # one search per label over all documents at once (a NUL never occurs in a label: the text gate
    # refuses control characters), not one per label and document: linear in labels + text
    all_docs = "\x00".join(t.squashed for t in squashed_docs)
    seen: dict[str, Entity] = {}
    names: dict[str, Entity] = {}
    # In file order, the shared core.yaml first: a clash is reported on the later, newer entry.
    for e in sorted(seeds.entities, key=lambda e: (os.path.basename(e.where.file) != "core.yaml", e.where)):
        f, line = _where(e.where)
        if e.id and not is_entity_id(e.id):
            col.problems.append(Problem(f, line, f"entity id {clip(e.id)} is not a lower-case slug",
                                        "use letters a-z, digits and '_' (at most 80), e.g. sod1_g93a"))
        if e.id in seen:
            other = seen[e.id].where
            col.problems.append(Problem(f, line, f"duplicate entity id {clip(e.id)} (also at {col.at(other)})",
                                        "merge the two entries"))
        seen[e.id] = e
        if e.type and e.type not in schema.types:
            col.problems.append(Problem(f, line, f"unknown entity type {clip(e.type)}",
                                        f"use one of: {', '.join(sorted(schema.types))}"))
        for name in {fold(x) for x in (e.en, *e.ja, *e.synonyms) if x}:
            if name in names and names[name].id != e.id:
                col.problems.append(Problem(
                    f, line, f"name {clip(name)} of {clip(e.id)} is also a name of {names[name].id!r}",
                    "one real thing is one entity: merge them, or drop the shared synonym"))
            names.setdefault(name, e)
        stem = _stem(e.where.file)
        own = texts.get(stem)  # entities/<doc>.yaml: its labels are most likely in <doc>
        for ja in e.ja if not col.incomplete("documents") else ():
            if squashed_docs and not (own is not None and squash(ja) in own.squashed) and squash(ja) not in all_docs:
                col.problems.append(Problem(f, line, f"Japanese label {clip(ja)} of {clip(e.id)} is not in any document",
                                            "Japanese labels are copied from the documents' own wording"))
        for x in e.xrefs:
            if not CURIE.match(x) or x.split(":", 1)[0] not in schema.prefixes:
                col.problems.append(Problem(f, line, f"xref {clip(x)} is not a CURIE with a known prefix",
                                            "write PREFIX:ID with a prefix from ontology/prefixes.tsv"))
            elif x not in verified:
                col.problems.append(Problem(
                    f, line, f"xref {clip(x)} is not in ontology/grounding.tsv",
                    "only ids checked against real ontology data go in; add the verified row first or drop it"))
    for e in seeds.entities:
        f, line = _where(e.where)
        for key, target, want in (("variant_of", e.variant_of, "Gene"), ("product_of", e.product_of, "Gene")):
            if target is None:
                continue
            if target not in seen:
                if col.incomplete("entities"):
                    continue  # it may be in the entity file that could not be read
                col.problems.append(Problem(f, line, f"{key} names unknown entity {clip(target)}", "add it to the registry"))
            elif seen[target].type != want:
                col.problems.append(Problem(f, line, f"{key} must name a {want}, {clip(target)} is a {seen[target].type}", ""))


def _check_claims(seeds: Seeds, schema: Schema, col: _Collector, texts: Mapping[str, IndexedText]) -> None:
    """Every check of the claims: each claim on its own, then across claims."""
    _check_each_claim(seeds, seeds.entity_index, schema, col, texts)
    _check_across_claims(seeds, col)


def _check_each_claim(seeds: Seeds, ents: Mapping[str, Entity], schema: Schema, col: _Collector,
                      texts: Mapping[str, IndexedText]) -> None:
    """The checks of one claim or no_claim entry at a time (run per file, and cached per file by
    ``kg.seedcache``: they may look only at ``ents``, ``texts`` and the schema, never at other files)."""
    suggest = _suggester(ents)  # close matches computed only for unknown names
    for c in seeds.claims:
        f, line = _where(c.where)
        for role in ("subject", "object"):
            ref = getattr(c, role)
            if ref and ref not in ents and not col.incomplete("entities"):
                col.problems.append(Problem(f, line, f"unknown {role} entity {clip(ref)}", suggest(ref)))
        if c.predicate and c.predicate not in schema.predicates:
            col.problems.append(Problem(f, line, f"unknown predicate {clip(c.predicate)}",
                                        f"use one of: {', '.join(sorted(schema.predicates))}"))
        elif c.subject in ents and c.object in ents:
            st, ot = ents[c.subject].type, ents[c.object].type
            if not schema.allowed(st, c.predicate, ot):
                pairs = schema.allowed_for(c.predicate)
                col.problems.append(Problem(
                    f, line, f"({st}) {c.subject} {c.predicate} ({ot}) {c.object} is not in the metagraph",
                    "allowed pairs for this predicate include: "
                    + ", ".join(f"{s}→{o}" for s, o in pairs[:12])
                    + " (add a row to ontology/metagraph.tsv only if the schema should allow it)"))
        for role, ref, want in (("model", c.model, "ModelSystem"), ("species", c.species, "Organism"),
                                ("context cell_type", c.context.cell_type, "CellType"),
                                ("context anatomy", c.context.anatomy, "AnatomicalStructure")):
            if ref is None:
                continue
            if ref not in ents:
                if not col.incomplete("entities"):
                    col.problems.append(Problem(f, line, f"unknown {role} entity {clip(ref)}", suggest(ref)))
            elif not schema.is_a(ents[ref].type, want):
                col.problems.append(Problem(f, line, f"{role} must be a {want}; {clip(ref)} is a {ents[ref].type}", ""))
        _check_certainty(c, schema, col)
        if c.evidence and c.evidence not in schema.evidence_kinds:
            col.problems.append(Problem(f, line, f"unknown evidence kind {clip(c.evidence)}",
                                        f"use one of: {', '.join(schema.evidence_kinds)}"))
        if c.status and c.status not in schema.statuses:
            col.problems.append(Problem(f, line, f"unknown status {clip(c.status)}",
                                        f"use one of: {', '.join(schema.statuses)}"))
        if c.status == "background" and c.evidence not in ("background_statement", ""):
            col.problems.append(Problem(f, line, "a background claim must have evidence: background_statement",
                                        "or mark it status: finding if the study itself showed it"))
        if c.document in texts and c.quote and not texts[c.document].contains(c.quote):
            got = closest_passage(c.quote, texts[c.document])
            col.problems.append(Problem(
                f, line, f"quote not found in {c.document}: {c.quote[:60]!r}",
                f"the document matches up to {got[-30:]!r}; copy the passage exactly "
                "(only line breaks and spaces may differ)" if got else "copy the passage exactly from the document"))
    for n in seeds.no_claims:
        f, line = _where(n.where)
        if n.document in texts and n.quote and not texts[n.document].contains(n.quote):
            col.problems.append(Problem(f, line, f"no_claim quote not found in {n.document}: {n.quote[:60]!r}",
                                        "copy the passage exactly from the document"))


def _check_across_claims(seeds: Seeds, col: _Collector) -> None:
    """The checks that compare claims with each other and with the registry (linear: one pass each)."""
    first: dict[str, Claim] = {}
    for c in seeds.claims:
        f, line = _where(c.where)
        if c.id in first:
            col.problems.append(Problem(f, line, f"duplicate claim (same content as {col.at(first[c.id].where)})",
                                        "delete one of them"))
        first.setdefault(c.id, c)
    _check_contradictions(seeds, col)
    used = {x for c in seeds.claims for x in (c.subject, c.object, c.model, c.species, c.context.cell_type,
                                               c.context.anatomy) if x}
    used |= {x for e in seeds.entities for x in (e.variant_of, e.product_of) if x}
    used |= {e.id for e in seeds.entities if e.variant_of or e.product_of}
    for e in seeds.entities if not col.unreadable else ():  # an unreadable claims file would make all look unused
        if e.id not in used:
            f, line = _where(e.where)
            col.problems.append(Problem(f, line, f"entity {clip(e.id)} is used by no claim",
                                        "use it in a claim or remove it from the registry"))


def _check_certainty(c: Claim, schema: Schema, col: _Collector) -> None:
    """Certainty is data: known values, background with background, and no hedged sentence passed off
    as an observation without the curator's recorded reason."""
    f, line = _where(c.where)
    if not c.certainty:
        return  # the missing field is already reported
    if c.certainty not in schema.certainties:
        col.problems.append(Problem(f, line, f"unknown certainty {clip(c.certainty)}",
                                    f"use one of: {', '.join(schema.certainties)}"))
        return
    if (c.certainty == "background") != (c.status == "background"):
        col.problems.append(Problem(f, line, f"certainty {clip(c.certainty)} does not fit status {clip(c.status)}",
                                    "background knowledge is status: background and certainty: background; "
                                    "a study's own claim is observed, interpretation or hypothesis"))
    cues = [cue for cue in schema.hedge_cues if cue in c.quote]
    if c.certainty == "observed" and cues and not c.certainty_note:
        col.problems.append(Problem(
            f, line, f"the quote carries the hedge cue {cues[0]!r} but the claim is marked observed",
            "mark it interpretation or hypothesis, or say why it is an observation in certainty_note "
            "(cues: ontology/hedge-cues.tsv)"))


def _check_contradictions(seeds: Seeds, col: _Collector) -> None:
    """One situation (relation, context, model, species) cannot be both asserted and negated."""
    asserted = {c.situation: c for c in seeds.claims if not c.negated}
    for c in seeds.claims:
        other = asserted.get(c.situation) if c.negated else None
        if other is not None:
            f, line = _where(c.where)
            col.problems.append(Problem(
                f, line, f"{c.subject} {c.predicate} {c.object} is negated here but asserted at {col.at(other.where)} "
                "in the same context", "give the two claims the context that tells them apart (context: cell_type, "
                "anatomy, comparison; model; species), or fix the one that is wrong"))


MAX_SUGGESTIONS = 200


def _suggester(ents: dict[str, Entity]) -> Callable[[str], str]:
    """``_suggest`` once per unknown name, and for the first ``MAX_SUGGESTIONS`` names only: a close
    match costs a millisecond, and a huge broken file has hundreds of thousands of unknown names."""
    cache: dict[str, str] = {}

    def suggest(ref: str) -> str:
        if ref not in cache:
            cache[ref] = _suggest(ref, ents) if len(cache) < MAX_SUGGESTIONS else "add it to seeds/entities/"
        return cache[ref]
    return suggest


def _suggest(ref: str, ents: dict[str, Entity]) -> str:
    close = difflib.get_close_matches(ref, list(ents), n=3) if len(ref) <= 100 else []
    return f"did you mean {', '.join(close)}? Or add it to seeds/entities/" if close else "add it to seeds/entities/"


def read_grounding(path: Path | None = None) -> dict[str, dict[str, str]]:
    """The verified ontology ids (ontology/grounding.tsv): curie → row. Empty if the file is absent."""
    path = path or ONTOLOGY_DIR / "grounding.tsv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        return {row["curie"]: row for row in csv.DictReader(f, delimiter="\t")}
