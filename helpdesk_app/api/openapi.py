"""The OpenAPI 3.1 description of the API, built from the JSON Schemas the server validates with."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Response, jsonify

from handoff import schemas
from helpdesk_app.api import bp

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
        413: "Body over the configured limit",
        422: "Schema errors, each with its JSON path",
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


@cache
def document() -> dict[str, Any]:
    """Return the OpenAPI document (built once)."""
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
                        "200": json_content({"$ref": "#/components/schemas/ValidationResult"}, "Valid"),
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
                    "responses": {"200": json_content(stored, "The packet"), **error_responses(401, 403, 404)},
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
                    "requestBody": {"required": True, **json_content(conversation, "The conversation")},
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
                "HandoffPacket": schemas.schema(schemas.PACKET),
                "BotConversation": schemas.schema(schemas.CONVERSATION),
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
    return jsonify(document())
