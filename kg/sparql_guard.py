"""Checks on SPARQL text before any parser sees it: size, bracket nesting, ``SERVICE``, IRI terms.

Why a tokenizer of our own: the parsers are the thing to protect. Oxigraph's recursive parser
crashes the whole process (SIGSEGV) on tens of thousands of nested brackets, rdflib's runs out of
Python stack, and both engines (and the Oxigraph server) follow ``SERVICE <url>`` with real
outbound requests. So the text is scanned once with the SPARQL 1.1 lexical grammar (§19.8):
comments, strings (short and long, with escapes), IRIs, prefixed names and variables are whole
tokens, so a ``SERVICE`` inside a comment, a string, an IRI or a name such as ``ex:service`` is
not a keyword, and ``\\u0053ERVICE`` is (both engines replace ``\\u`` escapes in the whole text
before parsing, as the standard says, and so does this scan). Text the scan cannot make sense of
is refused rather than guessed at.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kg.model import AlskgError

MAX_QUERY_CHARS = 100_000
MAX_NESTING = 64  # brackets ( [ { open at once; the shipped queries need fewer than 10
MAX_OPERATORS = 2_000  # operators in all (1 + 1 + … and ! ! ! … nest just as deeply in every parser)
MAX_OPERATOR_RUN = 64  # operators in a row with nothing between (!!!!…: unary nesting)

_PN_CHARS_BASE = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
                  "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
PN_LOCAL = rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?"
_IRI_FORBIDDEN = re.compile(r'[\x00-\x20<>"{}|^`\\]')

_TOKEN = re.compile("|".join([
    r"(?P<space>\s+)",
    r"(?P<comment>#[^\n\r]*)",
    r'(?P<long1>"""(?:(?:"|"")?(?:[^"\\]|\\.))*""")',
    r"(?P<long2>'''(?:(?:'|'')?(?:[^'\\]|\\.))*''')",
    r'(?P<short1>"(?:[^"\\\n\r]|\\.)*")',
    r"(?P<short2>'(?:[^'\\\n\r]|\\.)*')",
    r'(?P<iri><[^<>"{}|^`\\\x00-\x20]*>)',
    rf"(?P<var>[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*)",
    rf"(?P<bnode>_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?)",
    rf"(?P<pname>(?:{_PN_PREFIX})?:(?:{PN_LOCAL})?)",
    r"(?P<lang>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)",
    r"(?P<number>[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)",
    r"(?P<word>[A-Za-z_][A-Za-z0-9_]*)",
    r"(?P<open>[(\[{])",
    r"(?P<close>[)\]}])",
    r"(?P<punct>\^\^|\|\||&&|!=|<=|>=|[.,;*+\-/!=<>|^?])",
]), re.S)
_OPERATORS = frozenset({"||", "&&", "!=", "<=", ">=", "+", "-", "*", "/", "!", "=", "<", ">"})
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


class QueryError(AlskgError):
    """A query could not be found, bound, run or sent."""


class QuerySyntaxError(QueryError):
    """The query does not parse; the message gives the line and column."""


class QueryRefused(QueryError):
    """The query text is refused before parsing (too large, too deeply nested, asks for SERVICE)."""


@dataclass(frozen=True)
class Scan:
    """What the lexical scan found: the deepest bracket nesting and whether ``SERVICE`` is used."""

    depth: int
    service: bool
    dataset: bool = False  # FROM / FROM NAMED: rdflib's engine would silently answer from the whole graph


def unescape_codepoints(text: str) -> str:
    """``\\uXXXX`` and ``\\UXXXXXXXX`` replaced everywhere, as SPARQL parsers do before parsing."""

    def one(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise QueryRefused(f"the escape {m.group(0)} is not a Unicode character")
        return chr(code)

    return _UNICODE_ESCAPE.sub(one, text)


def scan(text: str, max_chars: int = MAX_QUERY_CHARS, max_depth: int = MAX_NESTING) -> Scan:
    """Lex the query once; refuse text over ``max_chars`` or nested deeper than ``max_depth``.

    Stops at the first bracket past the limit, so a hostile text costs one linear pass at most."""
    if len(text) > max_chars:
        raise QueryRefused(f"the query is {len(text)} characters; refusing more than {max_chars}")
    text = unescape_codepoints(text)
    depth = deepest = 0
    service = dataset = last_was_operator = False
    operators = run = 0
    pos, end = 0, len(text)
    while pos < end:
        m = _TOKEN.match(text, pos)
        if m is None:
            raise QueryRefused(f"the query has a character SPARQL does not allow at position {pos}: "
                               f"{text[pos]!r}")
        kind = m.lastgroup
        if kind == "open":
            depth += 1
            if depth > max_depth:
                raise QueryRefused(f"the query nests brackets more than {max_depth} deep; refusing it before parsing")
            deepest = max(deepest, depth)
        elif kind == "close":
            depth = max(depth - 1, 0)
        if kind == "punct" and m.group() in _OPERATORS:
            operators += 1
            run = run + 1 if last_was_operator else 1
            if operators > MAX_OPERATORS or run > MAX_OPERATOR_RUN:
                raise QueryRefused(f"the query chains more than {MAX_OPERATORS if operators > MAX_OPERATORS else MAX_OPERATOR_RUN}"
                                   " operators; refusing it before parsing (parsers nest one level per operator)")
            last_was_operator = True
        elif kind not in ("space", "comment"):
            last_was_operator = False
        if kind == "word" and m.group().upper() == "SERVICE":
            service = True
        elif kind == "word" and m.group().upper() == "FROM":
            dataset = True
        pos = m.end()
    return Scan(deepest, service, dataset)


def check_query(text: str, allow_service: bool = False, max_chars: int = MAX_QUERY_CHARS,
                max_depth: int = MAX_NESTING) -> Scan:
    """Refuse what no engine should parse, and ``SERVICE`` unless the caller asked for it by name
    (it makes the engine or server send requests to any address the query names)."""
    found = scan(text, max_chars, max_depth)
    if found.service and not allow_service:
        raise QueryRefused("the query uses SERVICE, which sends requests to other servers; refused unless "
                           "asked for explicitly (alskg query --allow-service, or allow_service=True)")
    return found


def check_iri(iri: str) -> str:
    """The IRI unchanged if it can be written as ``<iri>`` without breaking out of it."""
    bad = _IRI_FORBIDDEN.search(iri)
    if bad or not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", iri):
        why = f"contains {bad.group()!r}" if bad else "has no scheme"
        raise QueryRefused(f"{iri!r} is not a valid IRI ({why})")
    return iri


def expand_local(local: str) -> str:
    """A prefixed name's local part as IRI text (``\\-`` escapes removed), refusing anything that is
    not a SPARQL local name (PN_LOCAL)."""
    if local and not re.fullmatch(PN_LOCAL, local):
        raise QueryRefused(f"{local!r} is not a valid local name after a prefix (letters, digits, _ - . : "
                           f"and %XX escapes; no spaces, quotes or brackets)")
    return re.sub(r"\\(.)", r"\1", local)
