"""Summarise the shapes of Zendesk's real responses: keys and JSON types, never values.

Usage:
    python scripts/extract_zendesk_shapes.py PATH_TO_ZENPY_CHECKOUT [-o tests/data/zendesk_shapes.json]

PATH is a checkout (a plain directory) of github.com/facetoe/zenpy. Its Betamax cassettes
(tests/test_api/betamax/*.json, bodies base64 + gzip) are recordings of the real Zendesk API;
its specification/zendesk/*.json files are the examples of Zendesk's API docs. Both are
GPL-licensed third-party data: this script reads them where they are and writes only the shape
summary (key names and JSON types), which the sandbox tests compare against. Do not copy the
cassettes or their bodies into this repository.

Shapes the cassettes lack (satisfaction ratings, ticket metrics, incremental ticket events,
the ticket import response) are built from the documentation examples plus the fields the
current reference pages list, and are marked ``"source": "zendesk-docs"``.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

Shape = dict[str, Any]

DOCS_BASE = "https://developer.zendesk.com/api-reference/ticketing"


def json_type(value: Any) -> str:
    """Return the JSON type name of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape_of(value: Any) -> Shape:
    """Return the shape of one value: its type, and for containers the shapes inside."""
    kind = json_type(value)
    shape: Shape = {"types": [kind]}
    if kind == "object":
        shape["keys"] = {k: shape_of(v) for k, v in value.items()}
        shape["required"] = sorted(value)
    elif kind == "array" and value:
        merged: Shape | None = None
        for item in value:
            merged = merge(merged, shape_of(item))
        shape["items"] = merged
    return shape


def merge(a: Shape | None, b: Shape) -> Shape:
    """Merge two shapes: types unite; object keys unite; a key is required only if always there."""
    if a is None:
        return b
    out: Shape = {"types": sorted(set(a["types"]) | set(b["types"]))}
    if "keys" in a or "keys" in b:
        keys_a, keys_b = a.get("keys", {}), b.get("keys", {})
        out["keys"] = {
            k: merge(keys_a.get(k), keys_b[k]) if k in keys_b else keys_a[k]
            for k in sorted(set(keys_a) | set(keys_b))
        }
        if "keys" in a and "keys" in b:
            out["required"] = sorted(set(a["required"]) & set(b["required"]))
        else:
            out["required"] = a.get("required") or b.get("required") or []
    if "items" in a or "items" in b:
        out["items"] = merge(a.get("items"), b["items"]) if "items" in b else a["items"]
    return out


def decode_body(response: dict[str, Any]) -> Any:
    """Decode a Betamax response body (base64, usually gzip) into JSON, or None."""
    body = response.get("body") or {}
    if "base64_string" in body:
        raw = base64.b64decode(body["base64_string"])
    else:
        raw = (body.get("string") or "").encode()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _each(key: str) -> Callable[[Any], Iterable[Any]]:
    return lambda body: body.get(key) or []


def _one(key: str) -> Callable[[Any], Iterable[Any]]:
    return lambda body: [body[key]] if isinstance(body.get(key), dict) else []


def _whole(body: Any) -> Iterable[Any]:
    return [body] if isinstance(body, dict) else []


def _comment_events(body: Any) -> Iterable[Any]:
    audit = body.get("audit") or {}
    return [e for e in audit.get("events") or [] if e.get("type") == "Comment"]


def _cursor_envelope(key: str) -> Callable[[Any], Iterable[Any]]:
    # The page envelope without its records, so the records' shapes stay in their own kind.
    return lambda body: [{**body, key: []}] if key in body else []


T = r"/api/v2/"
# (kind, method, status, path regex, extractor)
RULES: list[tuple[str, str, int, str, Callable[[Any], Iterable[Any]]]] = [
    ("ticket", "GET", 200, T + r"tickets/\d+\.json$", _one("ticket")),
    ("ticket", "GET", 200, T + r"tickets/show_many\.json$", _each("tickets")),
    ("ticket", "POST", 201, T + r"tickets\.json$", _one("ticket")),
    ("ticket", "PUT", 200, T + r"tickets/\d+\.json$", _one("ticket")),
    ("ticket", "GET", 200, T + r"incremental/tickets/cursor\.json$", _each("tickets")),
    ("ticket_write_response", "POST", 201, T + r"tickets\.json$", _whole),
    ("ticket_write_response", "PUT", 200, T + r"tickets/\d+\.json$", _whole),
    ("audit", "POST", 201, T + r"tickets\.json$", _one("audit")),
    ("audit", "PUT", 200, T + r"tickets/\d+\.json$", _one("audit")),
    ("audit_comment_event", "POST", 201, T + r"tickets\.json$", _comment_events),
    ("comment", "GET", 200, T + r"tickets/\d+/comments\.json$", _each("comments")),
    ("comments_page", "GET", 200, T + r"tickets/\d+/comments\.json$", _cursor_envelope("comments")),
    ("user", "GET", 200, T + r"users/(\d+|me)\.json$", _one("user")),
    ("user", "GET", 200, T + r"users/show_many\.json$", _each("users")),
    ("user", "POST", 201, T + r"users\.json$", _one("user")),
    ("ticket_field", "POST", 201, T + r"ticket_fields\.json$", _one("ticket_field")),
    (
        "incremental_tickets_cursor_page",
        "GET",
        200,
        T + r"incremental/tickets/cursor\.json$",
        _cursor_envelope("tickets"),
    ),
    ("job_status", "POST", 200, T + r"tickets/create_many\.json$", _one("job_status")),
    ("job_status", "GET", 200, T + r"job_statuses/[^/]+\.json$", _one("job_status")),
    ("webhook", "POST", 201, T + r"webhooks$", _one("webhook")),
    ("webhook", "GET", 200, T + r"webhooks/[0-9A-Z]+$", _one("webhook")),
    (
        "webhook_signing_secret",
        "GET",
        200,
        T + r"webhooks/[^/]+/signing_secret$",
        _one("signing_secret"),
    ),
    ("trigger", "POST", 201, T + r"triggers\.json$", _one("trigger")),
    ("trigger", "GET", 200, T + r"triggers\.json$", _each("triggers")),
    ("error_record_not_found", "*", 404, r".*", _whole),
    ("error_too_many_values", "POST", 400, T + r"\w+/create_many\.json$", _whole),
]

# Fields the current reference pages list but the docs' own examples (older) leave out.
DOC_EXTRA_FIELDS: dict[str, dict[str, list[str]]] = {
    "satisfaction_rating": {
        "comment": ["string", "null"],
        "reason": ["string", "null"],
        "reason_code": ["integer", "null"],
        "reason_id": ["integer", "null"],
    },
    "ticket_metric": {
        "url": ["string"],
        "custom_status_updated_at": ["string", "null"],
        "reply_time_in_seconds": ["object"],
    },
    "ticket_event": {
        "created_at": ["string"],
        "event_type": ["string"],
        "system": ["object"],
        "merged_ticket_ids": ["array"],
    },
}
DOC_SPEC_FILES = {
    "satisfaction_rating": (
        "satisfaction_rating.json",
        f"{DOCS_BASE}/ticket-management/satisfaction_ratings/",
    ),
    "ticket_metric": ("ticket_metric.json", f"{DOCS_BASE}/tickets/ticket_metrics/"),
    "ticket_event": ("ticket_event.json", f"{DOCS_BASE}/ticket-management/incremental_exports/"),
}
# Page envelopes the docs describe (no cassette records them).
DOC_ENVELOPES: dict[str, tuple[dict[str, list[str]], str]] = {
    "incremental_ticket_events_page": (
        {
            "ticket_events": ["array"],
            "next_page": ["string", "null"],
            "count": ["integer"],
            "end_of_stream": ["boolean"],
            "end_time": ["integer"],
        },
        f"{DOCS_BASE}/ticket-management/incremental_exports/#incremental-ticket-event-export",
    ),
    "cursor_page": (
        {"meta": ["object"], "links": ["object"]},
        "https://developer.zendesk.com/api-reference/introduction/pagination/",
    ),
    "ticket_import_response": (
        {"ticket": ["object"]},
        f"{DOCS_BASE}/tickets/ticket_import/",
    ),
    "error_record_invalid": (
        {"error": ["string"], "description": ["string"], "details": ["object"]},
        "https://developer.zendesk.com/api-reference/introduction/requests/#422-unprocessable-entity",
    ),
}


def from_cassettes(root: Path) -> dict[str, Shape]:
    """Merge the shapes of every cassette response that a rule classifies."""
    shapes: dict[str, Shape] = {}
    sources: dict[str, set[str]] = {}
    files = sorted((root / "tests/test_api/betamax").glob("*.json"))
    if not files:
        raise SystemExit(f"no cassettes under {root}/tests/test_api/betamax")
    for path in files:
        for interaction in json.loads(path.read_text())["http_interactions"]:
            request, response = interaction["request"], interaction["response"]
            url_path = re.sub(r"^https?://[^/]+", "", request["uri"]).split("?")[0]
            status = response["status"]["code"]
            body = None
            for kind, method, want, pattern, extract in RULES:
                if method not in ("*", request["method"]) or status != want:
                    continue
                if not re.search(pattern, url_path):
                    continue
                if body is None:
                    body = decode_body(response)
                if not isinstance(body, dict):
                    continue
                for item in extract(body):
                    shapes[kind] = merge(shapes.get(kind), shape_of(item))
                    sources.setdefault(kind, set()).add(path.name)
    for kind, shape in shapes.items():
        shape["source"] = "cassette"
        shape["cassettes"] = len(sources[kind])
    return shapes


def _scalar_shape(types: list[str]) -> Shape:
    return {"types": sorted(types)}


def from_docs(root: Path) -> dict[str, Shape]:
    """Build the shapes the cassettes lack from the docs' examples and reference tables."""
    shapes: dict[str, Shape] = {}
    spec_dir = root / "specification/zendesk"
    for kind, (filename, url) in DOC_SPEC_FILES.items():
        example = json.loads((spec_dir / filename).read_text())
        shape = shape_of(example)
        for key, types in DOC_EXTRA_FIELDS.get(kind, {}).items():
            shape["keys"].setdefault(key, _scalar_shape(types))
        # Example values are sometimes null where the type is not: allow null everywhere.
        for sub in shape["keys"].values():
            if "null" not in sub["types"]:
                sub["types"] = sorted({*sub["types"], "null"})
        shape["source"] = "zendesk-docs"
        shape["docs"] = url
        shapes[kind] = shape
    for kind, (fields, url) in DOC_ENVELOPES.items():
        shapes[kind] = {
            "types": ["object"],
            "keys": {k: _scalar_shape(v) for k, v in fields.items()},
            "required": sorted(fields),
            "source": "zendesk-docs",
            "docs": url,
        }
    return shapes


def main(argv: list[str] | None = None) -> int:
    """Write the shape summary of a zenpy checkout's cassettes and doc examples."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a checkout of github.com/facetoe/zenpy")
    parser.add_argument("-o", "--output", type=Path, default=Path("tests/data/zendesk_shapes.json"))
    args = parser.parse_args(argv)
    shapes = {**from_docs(args.checkout), **from_cassettes(args.checkout)}
    document = {
        "about": (
            "Key names and JSON types of Zendesk API responses (no values), summarised by "
            "scripts/extract_zendesk_shapes.py from zenpy's recorded responses (source: cassette) "
            "and Zendesk's documentation (source: zendesk-docs). 'required' lists keys present "
            "in every recorded sample."
        ),
        "shapes": dict(sorted(shapes.items())),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n")
    for kind, shape in document["shapes"].items():
        print(f"{kind:34} {shape['source']:13} keys={len(shape.get('keys', {}))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
