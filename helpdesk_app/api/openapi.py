"""The OpenAPI 3.1 description of the API, built from the JSON Schemas the server validates with."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from flask import Response, jsonify

from handoff import schemas
from handoff.jsonguard import DEFAULT_LIMITS, Limits
from helpdesk_app.api import bp
from helpdesk_app.runtime import runtime

ERROR = {"$ref": "#/components/schemas/Error"}


def json_content(schema: dict[str, Any], description: str) -> dict[str, Any]:
    """Describe a JSON response or body with ``schema``."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error_responses(*statuses: int) -> dict[str, Any]:
    """Describe the error responses an operation can give, all in the one error shape."""
    text = {
        400: "Malformed JSON",
        401: "Missing, invalid or revoked token",
        403: "Token lacks the scope",
        404: "Not found",
        409: "packet_id reused with another body",
        413: "Body over the configured size or nesting limit",
        422: "Schema errors, each with its JSON path; NUL in a string; a number out of range",
    }
    return {str(s): json_content(ERROR, text[s]) for s in statuses}


def _module_paths() -> dict[str, Any]:
    """Collect ``OPENAPI_PATHS`` from the API modules that document their own operations."""
    from helpdesk_app.api import csat, deliveries, escalation, policy, reports

    paths: dict[str, Any] = {}
    for module in (csat, deliveries, escalation, policy, reports):
        for path, operations in module.OPENAPI_PATHS.items():
            paths.setdefault(path, {}).update(operations)
    return paths


# Components built from the schema files, and the file ``$id`` each one stands for.
SCHEMA_COMPONENTS = {
    "HandoffPacket": schemas.PACKET,
    "BotConversation": schemas.CONVERSATION,
    "PolicyGoldenSet": "policy-golden-set",
}
# What the input guard refuses in any string and in any key; generators must not send it.
NO_NUL = "^[^\\u0000]*$"
# Statuses every operation can give besides its own: a long URI, the database unavailable.
ALWAYS = {
    "414": "URI over the configured length",
    "503": "Database unavailable; retry after the Retry-After header's seconds",
}


def _component(name: str) -> dict[str, Any]:
    """Embed a schema file as a component: no ``$id``, every ``$ref`` pointing inside this document.

    A ``$ref`` inside a file (``#/$defs/money``) or across files (``<packet $id>#/properties/bot``)
    resolves against the file's ``$id``, which an OpenAPI reader does not load: rewritten to
    ``#/components/schemas/<name>/...`` every reference resolves in the served document alone.
    """
    by_id = {schemas.schema(f)["$id"]: c for c, f in SCHEMA_COMPONENTS.items()}

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: rewrite(v) for k, v in node.items() if k not in ("$id", "$schema")}
            ref = node.get("$ref")
            if isinstance(ref, str):
                base, _, pointer = ref.partition("#")
                target = by_id[base] if base else name
                out["$ref"] = f"#/components/schemas/{target}{pointer}"
            return out
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    embedded: dict[str, Any] = rewrite(copy.deepcopy(schemas.schema(SCHEMA_COMPONENTS[name])))
    return embedded


def _guarded(node: Any, max_integer: int) -> Any:
    """State in a schema what the input guard refuses: NUL in strings and keys, long integers."""
    if isinstance(node, list):
        return [_guarded(v, max_integer) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _guarded(v, max_integer) for k, v in node.items()}
    types = node.get("type")
    types = types if isinstance(types, list) else [types]
    free = not any(k in node for k in ("enum", "const", "$ref", "format", "pattern"))
    if "string" in types and free:
        out["pattern"] = NO_NUL
    if "integer" in types:
        out.setdefault("minimum", -max_integer)
        out.setdefault("maximum", max_integer)
    if "object" in types and node.get("additionalProperties") is not False:
        out.setdefault("propertyNames", {"pattern": NO_NUL})
    return out


@cache
def document(limits: Limits = DEFAULT_LIMITS, max_body_bytes: int = 1_048_576) -> dict[str, Any]:
    """Return the OpenAPI document for the given input limits (built once per limits)."""
    spec = _document()
    max_integer = 10**limits.max_integer_digits - 1
    spec["info"]["description"] = (
        "Every JSON body is read strictly before validation: UTF-8 only; no NaN or Infinity; "
        f"nesting at most {limits.max_depth} deep (deeper: 413); integers of at most "
        f"{limits.max_integer_digits} digits and finite numbers (else 422); no NUL (\\u0000) in "
        f"any string or key (422) and no lone surrogate (400); at most {max_body_bytes} bytes (413)."
    )
    spec["info"]["x-input-limits"] = {
        "maxBodyBytes": max_body_bytes,
        "maxDepth": limits.max_depth,
        "maxIntegerDigits": limits.max_integer_digits,
    }
    components = spec["components"]["schemas"]
    for name in SCHEMA_COMPONENTS:  # what clients send; the server's own answers need no guard
        components[name] = _guarded(components[name], max_integer)
    for operations in spec["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                parameter["schema"] = _guarded(parameter["schema"], max_integer)
            if "requestBody" in operation:
                operation["requestBody"] = _guarded(operation["requestBody"], max_integer)
            for status, text in ALWAYS.items():
                operation["responses"].setdefault(status, json_content(ERROR, text))
    return spec


def _document() -> dict[str, Any]:
    """Build the OpenAPI document from the routes' descriptions and the schema files."""
    packet = {"$ref": "#/components/schemas/HandoffPacket"}
    stored = {"$ref": "#/components/schemas/StoredPacket"}
    conversation = {"$ref": "#/components/schemas/BotConversation"}
    recorded = {
        "type": "object",
        "required": ["change", "conversation"],
        "properties": {
            "change": {"enum": ["created", "updated", "unchanged"]},
            "conversation": conversation,
        },
    }
    write = error_responses(400, 401, 403, 413, 422)
    secured: list[dict[str, list[str]]] = [{"bearer": []}]
    spec: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Handoff fidelity API", "version": "1.0.0"},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": {
            "/api/v1/packets": {
                "post": {
                    "operationId": "postPacket",
                    "summary": "Store a handoff packet and queue it for the ticket",
                    "security": secured,
                    "requestBody": {"required": True, **json_content(packet, "The packet")},
                    "responses": {
                        "201": json_content(stored, "Stored"),
                        "200": json_content(stored, "Already stored with the same body"),
                        **write,
                        **error_responses(409),
                    },
                }
            },
            "/api/v1/packets/validate": {
                "post": {
                    "operationId": "validatePacket",
                    "summary": "Validate a packet without storing it",
                    "security": secured,
                    "requestBody": {"required": True, **json_content(packet, "The packet")},
                    "responses": {
                        "200": json_content(
                            {"$ref": "#/components/schemas/ValidationResult"}, "Valid"
                        ),
                        **write,
                    },
                }
            },
            "/api/v1/packets/{packet_id}": {
                "get": {
                    "operationId": "getPacket",
                    "security": secured,
                    "parameters": [
                        {
                            "name": "packet_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": json_content(stored, "The packet"),
                        **error_responses(401, 403, 404),
                    },
                }
            },
            "/api/v1/tickets/{ticket_id}/packet": {
                "get": {
                    "operationId": "getTicketPacket",
                    "security": secured,
                    "parameters": [
                        {
                            "name": "ticket_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {
                        "200": json_content(stored, "The latest packet"),
                        **error_responses(401, 403, 404),
                    },
                }
            },
            "/api/v1/conversations/{conversation_id}": {
                "get": {
                    "operationId": "getConversation",
                    "security": secured,
                    "parameters": [
                        {
                            "name": "conversation_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": json_content(conversation, "The conversation"),
                        **error_responses(401, 403, 404),
                    },
                }
            },
            "/api/v1/conversations": {
                "post": {
                    "operationId": "postConversation",
                    "summary": "Create or update a bot conversation",
                    "security": secured,
                    "requestBody": {
                        "required": True,
                        **json_content(conversation, "The conversation"),
                    },
                    "responses": {
                        "201": json_content(recorded, "Created"),
                        "200": json_content(recorded, "Updated or unchanged"),
                        **write,
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                **{name: _component(name) for name in SCHEMA_COMPONENTS},
                "StoredPacket": {
                    "allOf": [{"$ref": "#/components/schemas/HandoffPacket"}],
                    "required": ["completeness", "received_at"],
                },
                "ValidationResult": {
                    "type": "object",
                    "required": ["valid", "completeness"],
                    "properties": {"valid": {"const": True}, "completeness": {"type": "object"}},
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message", "details"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "details": {"type": "array", "items": {"type": "object"}},
                            },
                        }
                    },
                },
            },
        },
    }
    spec["paths"].update(_module_paths())
    return spec


@bp.get("/openapi.json")
def openapi() -> Response:
    """Serve the OpenAPI document (public: it describes, it reveals nothing)."""
    settings = runtime().settings
    return jsonify(document(settings.json_limits, settings.max_body_bytes))
