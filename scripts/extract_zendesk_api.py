"""Summarise Zendesk's published API description for the calls the product makes.

Usage:
    python scripts/extract_zendesk_api.py PATH_TO_OAS_YAML [-o tests/data/zendesk_api_summary.json]

PATH is Zendesk's published OpenAPI description of the Support (ticketing) API, the file
developer.zendesk.com serves as ``/zendesk/oas.yaml`` ("Support API", version 2.0.0). This
script reads it where it is and writes only a summary: for each operation the product calls,
its path, method, parameters (name, where, required, type), the top-level keys of its request
body and, for its success response, each key's JSON types and, one level down, the keys and
types of the objects it holds. Nothing else of the description is copied.

Facts the description leaves to prose pages are added from those pages, each marked with its
source (``"source"``): the ``include`` side-loads and ``per_page`` of the incremental exports,
and the Webhooks API, which Zendesk describes in a separate document.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

# (method, path) of every call the adapter (handoff/ticketing/zendesk.py) makes.
OPERATIONS = [
    ("get", "/api/v2/tickets/{ticket_id}"),
    ("put", "/api/v2/tickets/{ticket_id}"),
    ("get", "/api/v2/tickets"),
    ("post", "/api/v2/tickets"),
    ("put", "/api/v2/tickets/{ticket_id}/tags"),
    ("post", "/api/v2/tickets/{ticket_id}/tags"),
    ("delete", "/api/v2/tickets/{ticket_id}/tags"),
    ("get", "/api/v2/tickets/{ticket_id}/comments"),
    ("get", "/api/v2/users/me"),
    ("get", "/api/v2/users/show_many"),
    ("get", "/api/v2/ticket_fields"),
    ("post", "/api/v2/ticket_fields"),
    ("get", "/api/v2/satisfaction_ratings"),
    ("get", "/api/v2/tickets/{ticket_id}/metrics"),
    ("get", "/api/v2/ticket_metrics"),
    ("get", "/api/v2/incremental/tickets/cursor"),
    ("get", "/api/v2/incremental/ticket_events"),
    ("post", "/api/v2/imports/tickets"),
    ("post", "/api/v2/imports/tickets/create_many"),
    ("get", "/api/v2/job_statuses/{job_status_id}"),
    ("get", "/api/v2/triggers"),
    ("post", "/api/v2/triggers"),
]

DOCS = "https://developer.zendesk.com"
INCREMENTAL = f"{DOCS}/api-reference/ticketing/ticket-management/incremental_exports/"
SIDELOADING = f"{DOCS}/documentation/ticketing/using-the-zendesk-api/side_loading/"
WEBHOOKS = f"{DOCS}/api-reference/webhooks/webhooks-api/webhooks/"
CURSOR_PAGING = f"{DOCS}/api-reference/introduction/pagination/"

# Parameters the prose documents and the description does not list.
EXTRA_PARAMETERS: dict[tuple[str, str], list[dict[str, Any]]] = {
    ("get", "/api/v2/incremental/tickets/cursor"): [
        {"name": "per_page", "in": "query", "required": False, "type": "integer",
         "source": INCREMENTAL},
        {"name": "include", "in": "query", "required": False, "type": "string",
         "source": SIDELOADING},
    ],
    ("get", "/api/v2/incremental/ticket_events"): [
        {"name": "per_page", "in": "query", "required": False, "type": "integer",
         "source": INCREMENTAL},
        {"name": "include", "in": "query", "required": False, "type": "string",
         "source": INCREMENTAL},
    ],
}  # fmt: skip
SATISFACTION = f"{DOCS}/api-reference/ticketing/ticket-management/satisfaction_ratings/"
EXTRA_PARAMETERS[("get", "/api/v2/satisfaction_ratings")] = [
    {"name": name, "in": "query", "required": False, "type": kind,
     "source": SATISFACTION + "#list-satisfaction-ratings (Filters table)"}
    for name, kind in (("score", "string"), ("start_time", "integer"), ("end_time", "integer"))
]  # fmt: skip
TAGS = f"{DOCS}/api-reference/ticketing/ticket-management/tags/"
# Request keys the description shows only in its prose examples.
EXTRA_REQUEST: dict[tuple[str, str], dict[str, Any]] = {
    (method, "/api/v2/tickets/{ticket_id}/tags"): {
        "keys": ["safe_update", "tags", "updated_stamp"], "source": TAGS + "#add-tags",
    }
    for method in ("put", "post")
}  # fmt: skip
EXTRA_REQUEST[("post", "/api/v2/ticket_fields")] = {
    "keys": ["ticket_field"],
    "source": f"{DOCS}/api-reference/ticketing/tickets/ticket_fields/#create-ticket-field",
}
# Side-loaded response keys, by the same pages.
EXTRA_RESPONSE_KEYS: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "/api/v2/incremental/tickets/cursor"): {
        "metric_sets": {"types": ["array"], "source": SIDELOADING},
        "users": {"types": ["array"], "source": SIDELOADING},
    },
}
# Keys a side-load adds to each listed object, by the same pages.
EXTRA_ITEM_KEYS: dict[tuple[str, str], dict[str, dict[str, Any]]] = {
    ("get", "/api/v2/incremental/tickets/cursor"): {
        "tickets": {"comment_count": {"types": ["integer"], "source": SIDELOADING}},
    },
}
# The Webhooks API is described apart from the Support API: summarised from its reference page.
WEBHOOK_OPERATIONS: dict[str, Any] = {
    "get /api/v2/webhooks": {
        "source": WEBHOOKS + "#list-webhooks",
        "parameters": [
            {"name": "filter[name_contains]", "in": "query", "required": False, "type": "string"},
            {"name": "page[size]", "in": "query", "required": False, "type": "integer"},
            {"name": "page[after]", "in": "query", "required": False, "type": "string"},
        ],
        "request": [],
        "response": {"status": "200", "keys": {
            "webhooks": {"types": ["array"], "items": {"types": ["object"], "keys": {
                "id": {"types": ["string"]}, "name": {"types": ["string"]},
                "description": {"types": ["string"]}, "created_at": {"types": ["string"]},
                "created_by": {"types": ["string"]}, "updated_at": {"types": ["string"]},
                "updated_by": {"types": ["string"]}, "authentication": {"types": ["object"]},
                "endpoint": {"types": ["string"]}, "status": {"types": ["string"]},
                "http_method": {"types": ["string"]}, "request_format": {"types": ["string"]},
                "subscriptions": {"types": ["array"]}}}},
            "meta": {"types": ["object"]}, "links": {"types": ["object"]}}},
    },
    "post /api/v2/webhooks": {
        "source": WEBHOOKS + "#create-or-clone-webhook",
        "parameters": [],
        "request": ["webhook"],
        "response": {"status": "201", "keys": {"webhook": {"types": ["object"], "keys": {
            key: {"types": [kind]} for key, kind in (
                ("id", "string"), ("name", "string"), ("description", "string"),
                ("endpoint", "string"), ("status", "string"), ("http_method", "string"),
                ("request_format", "string"), ("subscriptions", "array"),
                ("created_at", "string"), ("created_by", "string"),
                ("authentication", "object"))}}}},
    },
    "get /api/v2/webhooks/{webhook_id}/signing_secret": {
        "source": WEBHOOKS + "#show-webhook-signing-secret",
        "parameters": [{"name": "webhook_id", "in": "path", "required": True, "type": "string"}],
        "request": [],
        "response": {"status": "200", "keys": {"signing_secret": {"types": ["object"], "keys": {
            "algorithm": {"types": ["string"]}, "secret": {"types": ["string"]}}}}},
    },
}  # fmt: skip


class Resolver:
    """Follow ``$ref`` and merge ``allOf`` in one OpenAPI document."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc

    def ref(self, node: Any) -> Any:
        """Return ``node`` with its ``$ref`` (repeatedly) followed."""
        while isinstance(node, dict) and "$ref" in node:
            target: Any = self.doc
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part]
            node = target
        return node

    def schema(self, node: Any) -> dict[str, Any]:
        """Return a schema with refs followed and allOf parts merged."""
        node = self.ref(node) or {}
        if "allOf" in node:
            merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
            for part in node["allOf"]:
                sub = self.schema(part)
                merged["properties"].update(sub.get("properties") or {})
                merged["required"] += list(sub.get("required") or [])
                for key in ("nullable", "type"):
                    if key in sub:
                        merged[key] = sub[key]
            return merged
        if "oneOf" in node or "anyOf" in node:
            merged = {"type": "object", "properties": {}}
            for part in node.get("oneOf") or node.get("anyOf"):
                sub = self.schema(part)
                merged["properties"].update(sub.get("properties") or {})
            return merged
        return node


def types_of(schema: dict[str, Any]) -> list[str]:
    """Return the JSON types a schema allows (``null`` when nullable)."""
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    kinds = [kind] if isinstance(kind, str) else list(kind or [])
    if schema.get("nullable"):
        kinds.append("null")
    return sorted(set(kinds)) or ["any"]


def shape(r: Resolver, node: Any, depth: int) -> dict[str, Any]:
    """Return a schema's types and, ``depth`` levels down, its keys and item shapes."""
    schema = r.schema(node)
    out: dict[str, Any] = {"types": types_of(schema)}
    if depth <= 0:
        return out
    if schema.get("properties"):
        out["keys"] = {k: shape(r, v, depth - 1) for k, v in sorted(schema["properties"].items())}
    if schema.get("items"):
        out["items"] = shape(r, schema["items"], depth - 1)
    return out


def parameter(r: Resolver, raw: Any) -> dict[str, Any]:
    """Summarise one parameter."""
    p = r.ref(raw)
    schema = r.schema(p.get("schema") or {})
    return {"name": p["name"], "in": p["in"], "required": bool(p.get("required")),
            "type": (types_of(schema) or ["any"])[0]}  # fmt: skip


def operation(r: Resolver, method: str, path: str) -> dict[str, Any]:
    """Summarise one operation of the description."""
    item = r.doc["paths"][path]
    op = item[method]
    params = [
        parameter(r, p) for p in [*(item.get("parameters") or []), *(op.get("parameters") or [])]
    ]
    params += EXTRA_PARAMETERS.get((method, path), [])
    body = r.schema(
        ((op.get("requestBody") or {}).get("content") or {})
        .get("application/json", {})
        .get("schema")
    )
    status, response = next(
        (code, resp) for code, resp in sorted(op["responses"].items()) if str(code).startswith("2")
    )
    content = (r.ref(response).get("content") or {}).get("application/json") or {}
    keys = shape(r, content.get("schema") or {}, 3).get("keys", {}) if content else {}
    keys.update(EXTRA_RESPONSE_KEYS.get((method, path), {}))
    for key, extra_items in EXTRA_ITEM_KEYS.get((method, path), {}).items():
        keys[key].setdefault("items", {"types": ["object"]}).setdefault("keys", {})
        keys[key]["items"]["keys"] = dict(
            sorted({**keys[key]["items"]["keys"], **extra_items}.items())
        )
    request = sorted((body.get("properties") or {}).keys())
    extra = EXTRA_REQUEST.get((method, path))
    return {
        "operation_id": op.get("operationId"),
        "parameters": sorted(params, key=lambda p: (p["in"], p["name"])),
        "request": sorted({*request, *(extra["keys"] if extra else [])}),
        **({"request_source": extra["source"]} if extra else {}),
        "request_shapes": {k: shape(r, v, 2) for k, v in sorted((body.get("properties") or {}).items())},
        "response": {"status": str(status), "keys": keys},
    }  # fmt: skip


def main() -> None:
    """Read the description, write the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("oas", type=Path)
    parser.add_argument(
        "-o", "--out", type=Path, default=Path("tests/data/zendesk_api_summary.json")
    )
    parser.add_argument("--origin", default=f"{DOCS}/zendesk/oas.yaml")
    args = parser.parse_args()
    raw = args.oas.read_bytes()

    class Loader(yaml.SafeLoader):
        """The description uses YAML's ``=`` (value) tag in an example: read it as text."""

    Loader.add_constructor(
        "tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node)
    )
    doc = yaml.load(raw, Loader=Loader)  # noqa: S506 - SafeLoader plus one scalar tag
    r = Resolver(doc)
    operations = {f"{m} {p}": operation(r, m, p) for m, p in OPERATIONS}
    operations.update(WEBHOOK_OPERATIONS)
    summary = {
        "about": (
            "Paths, methods, parameters, request keys and response keys with JSON types of the "
            "Zendesk API calls the product makes, summarised by scripts/extract_zendesk_api.py "
            "from Zendesk's published OpenAPI description of the Support API; entries with a "
            "'source' come from the documentation page named there instead."
        ),
        "source": {
            "document": args.origin,
            "title": doc["info"]["title"],
            "version": doc["info"]["version"],
            "sha256": hashlib.sha256(raw).hexdigest(),
            "extracted_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        "operations": operations,
    }
    args.out.write_text(json.dumps(summary, indent=1, sort_keys=False) + "\n")
    print(f"wrote {args.out}: {len(operations)} operations")


if __name__ == "__main__":
    main()
