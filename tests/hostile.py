"""Hostile request bodies: each one raw bytes, with the status and error code every JSON route owes it.

Every case is refused by the input guard before any decoder recursion or validator runs, so
the answer is the same on every route (API and webhook) and on every database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests import factories


@dataclass(frozen=True)
class Case:
    """One hostile body and what it must get: the status and the error code."""

    name: str
    body: bytes
    status: int
    code: str


def _packet_text(**overrides: Any) -> str:
    """A valid packet as JSON text, with ``overrides``; a placeholder string marks where to splice."""
    return json.dumps(factories.packet(**overrides))


def _splice(placeholder_value: str, raw: str, **field: Any) -> bytes:
    """Return a valid packet whose field holds ``raw`` JSON text in place of ``placeholder_value``."""
    text = _packet_text(**field)
    quoted = json.dumps(placeholder_value)
    assert quoted in text
    return text.replace(quoted, raw, 1).encode("utf-8")


def _nested(kind: str, levels: int) -> str:
    if kind == "list":
        return "[" * levels + "]" * levels
    return '{"a":' * levels + "1" + "}" * levels


DIGITS_5001 = "9" * 5001


def cases() -> list[Case]:
    """Return the corpus."""
    mark = "@@HOSTILE@@"
    summary = {"summary": mark}
    state = {"account_state": {"plan": "pro", "note": mark}}
    return [
        Case("lists nested 1,000 deep", _nested("list", 1000).encode(), 413, "json_too_deep"),
        Case("objects nested 1,000 deep", _nested("object", 1000).encode(), 413, "json_too_deep"),
        Case("lists nested 100,000 deep", _nested("list", 100_000).encode(), 413, "json_too_deep"),
        Case("one level over the limit", _nested("list", 65).encode(), 413, "json_too_deep"),
        Case(
            "schema-valid packet 900 deep inside account_state",
            _splice(mark, _nested("object", 900), **state),
            413,
            "json_too_deep",
        ),
        Case(
            "escaped lone high surrogate in the summary",
            _splice(mark, '"before \\ud800 after"', **summary),
            400,
            "invalid_unicode",
        ),
        Case(
            "escaped lone low surrogate in account_state",
            _splice(mark, '"\\udc00"', **state),
            400,
            "invalid_unicode",
        ),
        Case(
            "lone surrogate in a key",
            _splice(mark, '{"\\udbff": 1}', **state),
            400,
            "invalid_unicode",
        ),
        Case(
            "raw surrogate bytes (CESU) in the summary",
            _splice(mark, '"x', **summary).replace(b'"x', b'"x\xed\xa0\x80"', 1),
            400,
            "malformed_json",
        ),
        Case("NaN literal", _splice(mark, "NaN", **state), 400, "malformed_json"),
        Case("Infinity literal", _splice(mark, "Infinity", **state), 400, "malformed_json"),
        Case("-Infinity literal", _splice(mark, "-Infinity", **state), 400, "malformed_json"),
        Case(
            "1e400 overflows a double", _splice(mark, "1e400", **state), 422, "number_out_of_range"
        ),
        Case(
            "-1e400 overflows a double",
            _splice(mark, "-1e400", **state),
            422,
            "number_out_of_range",
        ),
        Case(
            "5,001-digit ticket id",
            _packet_text(ticket_id=1001).replace("1001", DIGITS_5001, 1).encode(),
            422,
            "number_out_of_range",
        ),
        Case(
            "5,001-digit integer in account_state",
            _splice(mark, DIGITS_5001, **state),
            422,
            "number_out_of_range",
        ),
        Case(
            "25-digit ticket id",
            _packet_text(ticket_id=1001).replace("1001", "1" * 25, 1).encode(),
            422,
            "number_out_of_range",
        ),
        Case(
            "UTF-16 body",
            _packet_text().encode("utf-16"),
            400,
            "malformed_json",
        ),
        Case(
            "UTF-16-LE body without a BOM",
            _packet_text().encode("utf-16-le"),
            400,
            "malformed_json",
        ),
        Case("UTF-8 BOM", b"\xef\xbb\xbf" + _packet_text().encode(), 400, "malformed_json"),
        Case(
            "Latin-1 byte",
            _splice(mark, '"caf\xe9"', **summary).replace(b"\xc3\xa9", b"\xe9"),
            400,
            "malformed_json",
        ),
        Case(
            "escaped NUL in the summary",
            _splice(mark, '"a\\u0000b"', **summary),
            422,
            "nul_character",
        ),
        Case(
            "escaped NUL in a key", _splice(mark, '{"k\\u0000": 1}', **state), 422, "nul_character"
        ),
        Case("truncated document", _packet_text().encode()[:-7], 400, "malformed_json"),
        Case("empty body", b"", 400, "malformed_json"),
        Case("only whitespace", b" \n\t ", 400, "malformed_json"),
        Case("two documents", b"{}{}", 400, "malformed_json"),
        Case("a bare NUL byte", b'{"a": "\x00"}', 400, "malformed_json"),
        Case(
            "packet_id given twice",
            _packet_text()
            .replace('"schema_version"', '"packet_id": "x", "schema_version"', 1)
            .encode(),
            400,
            "malformed_json",
        ),
    ]


# Bodies the guard must let through (positive controls): refusing them would be a bug.
ACCEPTED: list[tuple[str, Callable[[], dict[str, Any]]]] = [
    (
        "escaped surrogate pair (emoji)",
        lambda: json.loads('{"summary": "\\ud83d\\ude00 the customer is happy again"}'),
    ),
    ("brackets inside strings", lambda: {"summary": "[[[[{{{{" * 200}),
    ("escaped backslash before u0000 text", lambda: {"summary": "C:\\u0000dir"}),
    ("19-digit integer", lambda: {"account_state": {"big": 9_223_372_036_854_775_807}}),
]
