"""Strict JSON intake: every body the product accepts is read here before any decoder or validator.

The standard decoder recurses once per nesting level (``RecursionError`` past ~1,000), accepts
``NaN`` and ``Infinity`` (which are not JSON and cannot be served back), turns ``1e400`` into
infinity, refuses integers over 4,300 digits with a bare ``ValueError``, guesses UTF-16 from the
first bytes and keeps lone surrogates (``"\\ud800"``), which no database can store. ``parse``
checks the nesting depth on the raw text first, then decodes strict UTF-8 with hooks that refuse
non-finite numbers, over-long integers and a key given twice in one object (parsers disagree on
which value wins), then refuses NUL and lone surrogates in any string or key. Each refusal is a :class:`HandoffError` naming the problem and, where known, its JSON path.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from handoff.errors import HandoffError

# 64 levels hold any real packet many times over (the schema's deepest typed path is 5).
DEFAULT_MAX_DEPTH = 64
# 2**63 - 1 has 19 digits: every id the product stores fits; a longer integer is never an id.
DEFAULT_MAX_INTEGER_DIGITS = 19

# A JSON string, matched without backtracking, so brackets inside strings are not counted.
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.S)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
_DEPTH_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
# Cheap pre-checks: only a body holding one of these escapes can carry NUL or a surrogate.
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


class MalformedJSON(HandoffError):
    """The body is not strict JSON in UTF-8 (400)."""

    status = 400
    code = "malformed_json"


class InvalidUnicode(HandoffError):
    """A string holds a lone UTF-16 surrogate, which is not a character (400)."""

    status = 400
    code = "invalid_unicode"


class TooDeep(HandoffError):
    """The document nests objects and lists deeper than the limit (413)."""

    status = 413
    code = "json_too_deep"


class NumberOutOfRange(HandoffError):
    """A number is not finite or an integer has more digits than the limit (422)."""

    status = 422
    code = "number_out_of_range"


class NulCharacter(HandoffError):
    """A string or key holds NUL (U+0000), which PostgreSQL cannot store (422)."""

    status = 422
    code = "nul_character"


@dataclass(frozen=True)
class Limits:
    """How deep a document may nest and how many digits an integer may have."""

    max_depth: int = DEFAULT_MAX_DEPTH
    max_integer_digits: int = DEFAULT_MAX_INTEGER_DIGITS


DEFAULT_LIMITS = Limits()


def depth(raw: bytes) -> int:
    """Return the deepest nesting of objects and lists in JSON text, ignoring brackets in strings."""
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", raw))
    if not brackets:
        return 0
    steps = (b if b < 128 else b - 256 for b in brackets.translate(_DEPTH_STEP))
    return max(accumulate(steps))


def _path(parts: tuple[Any, ...]) -> str:
    """Render a JSON path with control characters and surrogates escaped, as JSON escapes them."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{json.dumps(part)[1:-1]}"
    return out


def _bad_text(value: str) -> str | None:
    """Name what makes a decoded string unstorable (NUL, lone surrogate), or None."""
    if "\x00" in value:
        return "nul"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "surrogate"
    return None


def _refuse_text(problem: str, parts: tuple[Any, ...], where: str) -> HandoffError:
    path = _path(parts)
    if problem == "nul":
        message = f"{where} at {path} contains a NUL character (\\u0000)"
        return NulCharacter(message, details=[{"path": path, "message": message}])
    message = f"{where} at {path} contains a lone UTF-16 surrogate, which is not a character"
    return InvalidUnicode(message, details=[{"path": path, "message": message}])


def check_text(document: Any) -> None:
    """Refuse NUL and lone surrogates in any string or key of a decoded document."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(document, ())]
    while stack:
        value, parts = stack.pop()
        if isinstance(value, str):
            problem = _bad_text(value)
            if problem:
                raise _refuse_text(problem, parts, "a string")
        elif isinstance(value, dict):
            for key, item in value.items():
                problem = _bad_text(key)
                if problem:
                    raise _refuse_text(problem, (*parts, key), "a key")
                stack.append((item, (*parts, key)))
        elif isinstance(value, list):
            stack.extend((item, (*parts, i)) for i, item in enumerate(value))


def parse(raw: bytes, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Decode a JSON body strictly within ``limits``, or raise the error that names what is wrong."""
    # Nothing nests deeper than it has opening brackets: a body with no more than the limit
    # (most packets) needs no exact scan, which costs half the parse.
    if raw.count(b"[") + raw.count(b"{") > limits.max_depth:
        deepest = depth(raw)
        if deepest > limits.max_depth:
            raise TooDeep(
                f"the body nests {deepest} levels deep; the limit is {limits.max_depth}",
                details=[{"path": "$", "message": f"nesting deeper than {limits.max_depth}"}],
            )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedJSON(
            f"the body is not UTF-8 (byte {exc.start})",
            details=[{"path": "$", "message": f"invalid UTF-8 at byte {exc.start}"}],
        ) from None

    def refuse_constant(name: str) -> Any:
        raise MalformedJSON(
            f"the body is not valid JSON: {name} is not a JSON value",
            details=[{"path": "$", "message": f"{name} is not a JSON value"}],
        )

    def finite(literal: str) -> float:
        value = float(literal)
        if not math.isfinite(value):
            raise NumberOutOfRange(
                f"the number {literal[:40]} is out of range (not finite as a double)",
                details=[{"path": "$", "message": f"{literal[:40]} overflows a double"}],
            )
        return value

    def bounded(literal: str) -> int:
        digits = len(literal.lstrip("-"))
        if digits > limits.max_integer_digits:
            raise NumberOutOfRange(
                f"an integer has {digits} digits; the limit is {limits.max_integer_digits}",
                details=[{"path": "$", "message": f"integer of {digits} digits"}],
            )
        return int(literal)

    def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        document = dict(pairs)
        if len(document) != len(pairs):
            seen: set[str] = set()
            twice = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
            shown = json.dumps(twice)[:80]
            # Parsers disagree on which of two values wins: refuse rather than pick one.
            raise MalformedJSON(
                f"the body is not valid JSON for this API: the key {shown} appears twice in one object",
                details=[{"path": "$", "message": f"duplicate key {shown}"}],
            )
        return document

    try:
        document = json.loads(
            text,
            parse_constant=refuse_constant,
            parse_float=finite,
            parse_int=bounded,
            object_pairs_hook=unique_keys,
        )
    except json.JSONDecodeError as exc:
        raise MalformedJSON(
            f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            details=[{"path": "$", "message": exc.msg, "line": exc.lineno, "column": exc.colno}],
        ) from None
    except RecursionError:  # the depth check above makes this unreachable; a guard, not a path
        raise TooDeep("the body nests too deep") from None
    if _SUSPECT_ESCAPE.search(text):
        check_text(document)
    return document


def dumps(document: Any) -> str:
    """Encode a document as strict JSON (a non-finite number is an error, never ``Infinity``)."""
    return json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
