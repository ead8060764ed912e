"""The JSON Schemas under ``schemas/``, each loaded once into a draft 2020-12 validator.

Two validators per schema: a compiled one (jsonschema-rs) answers "valid?" in microseconds on
the accept path; the Python one (jsonschema) is the authority and explains a refusal, every
error with its JSON path. A document the fast one refuses is judged again by the Python one, so
the answer is always the Python validator's; the fast one only has to be no more lenient
(tests/handoff/test_schemas.py holds both to that on the test corpora).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.exceptions import best_match
from referencing import Registry, Resource

from handoff.errors import SchemaError

# `handoff/_schemas` links to the top-level `schemas/`; a wheel holds the files themselves.
SCHEMA_DIR = Path(__file__).parent / "_schemas"
PACKET = "handoff-packet"
CONVERSATION = "bot-conversation"


def schema_files() -> list[Path]:
    """List every schema file the project ships."""
    return sorted(SCHEMA_DIR.glob("*.schema.json"))


@cache
def _documents() -> dict[str, dict[str, Any]]:
    """Read every schema file once, keyed by its file stem (``handoff-packet``...)."""
    return {
        path.name.removesuffix(".schema.json"): json.loads(path.read_text(encoding="utf-8"))
        for path in schema_files()
    }


@cache
def _registry() -> Registry:
    """Register every schema under its ``$id`` so cross-file ``$ref`` resolves offline."""
    resources = [(doc["$id"], Resource.from_contents(doc)) for doc in _documents().values()]
    return Registry().with_resources(resources)


def schema(name: str) -> dict[str, Any]:
    """Return the parsed schema document called ``name``."""
    return _documents()[name]


@cache
def ecma_regex(pattern: str) -> re.Pattern[str]:
    """Compile a schema pattern with ECMA-262's ``$``: the end of the string, not before a final newline."""
    out, escaped, in_class = [], False, False
    for ch in pattern:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            out.append(ch)
            escaped = True
        elif ch == "[":
            in_class = True
            out.append(ch)
        elif ch == "]":
            in_class = False
            out.append(ch)
        else:
            out.append("\\Z" if ch == "$" and not in_class else ch)
    return re.compile("".join(out))


def _ecma_pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """The ``pattern`` keyword as JSON Schema defines it (ECMA-262), not as Python's ``re`` reads ``$``."""
    if isinstance(instance, str) and not ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


@cache
def validator(name: str) -> Draft202012Validator:
    """Return the one validator for schema ``name``, with format checking on."""
    return _Validator(
        schema(name), registry=_registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


@cache
def fast_validator(name: str) -> Any:
    """Return the compiled validator for schema ``name``: formats asserted, ``$ref`` resolved offline."""
    registry = jsonschema_rs.Registry([(doc["$id"], doc) for doc in _documents().values()])
    return jsonschema_rs.validator_for(
        schema(name), validate_formats=True, registry=registry, offline=True
    )


def _may_hold_nul(value: Any) -> bool:
    """Tell whether any string or key in ``value`` may hold NUL: its repr shows every NUL as ``\\x00``.

    A string holding a backslash followed by ``x00`` also matches: that only sends the document
    to the Python validator, which looks for NUL itself (``_nul_errors``).
    """
    return "\\x00" in repr(value)


def passes_fast(name: str, document: Any, *, text_checked: bool = False) -> bool:
    """Tell whether ``document`` is surely valid: the compiled validator accepts it and no NUL.

    False means "ask the Python validator", not "invalid": the compiled one may refuse what
    the Python one accepts (a stricter email check), or fail to read the document at all.
    ``text_checked`` says no string or key holds NUL already (``jsonguard.parse`` refuses
    them in every body): the scan for one is skipped.
    """
    try:
        accepted = bool(fast_validator(name).is_valid(document))
    except Exception:  # noqa: BLE001 - e.g. a lone surrogate or a huge int: let Python judge
        return False
    return accepted and (text_checked or not _may_hold_nul(document))


def _path(parts: Any) -> str:
    """Render an error location as a JSON path: ``$.transcript[0].role``."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _nul_errors(value: Any, path: tuple[Any, ...] = ()) -> list[SchemaError]:
    """Find strings holding NUL, which PostgreSQL's JSON types refuse to store."""
    if isinstance(value, str):
        if "\x00" in value:
            return [SchemaError(_path(path), "contains a NUL character (\\u0000)", "nul")]
        return []
    if isinstance(value, dict):
        found = [e for k, v in value.items() for e in _nul_errors(v, (*path, k))]
        return found + [
            SchemaError(_path(path), f"a key contains a NUL character: {k!r}", "nul")
            for k in value
            if isinstance(k, str) and "\x00" in k
        ]
    if isinstance(value, list):
        return [e for i, v in enumerate(value) for e in _nul_errors(v, (*path, i))]
    return []


def validate(name: str, document: Any, *, text_checked: bool = False) -> list[SchemaError]:
    """Validate ``document`` against schema ``name`` and return every error, sorted by path.

    ``text_checked``: the document was read by ``jsonguard.parse``, which refuses NUL in any
    string or key, so the accept path does not look for NUL again (see ``passes_fast``).
    """
    if passes_fast(name, document, text_checked=text_checked):
        return []
    errors: list[SchemaError] = _nul_errors(document)
    for error in validator(name).iter_errors(document):
        if error.validator in ("anyOf", "oneOf") and error.context:
            # Say which branch came closest instead of "is not valid under any of the given schemas".
            closest = best_match(error.context)
            # error.message repeats the whole instance; name only the nearest miss.
            message = f"matches none of the allowed forms; closest: {closest.message}"
        else:
            message = error.message
        errors.append(SchemaError(_path(error.absolute_path), message, str(error.validator)))
    return sorted(errors, key=lambda e: (e.path, e.validator, e.message))
