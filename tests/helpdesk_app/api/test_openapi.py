"""The OpenAPI document says what the server really does."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from handoff import schemas
from tests import factories


@pytest.fixture
def spec(client):
    """Return the served OpenAPI document."""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def check(spec, path, method, response):
    """Assert the status is documented for the operation and the body matches its schema."""
    operation = spec["paths"][path][method]
    documented = operation["responses"]
    assert str(response.status_code) in documented, (
        f"{method} {path} answered undocumented {response.status_code}"
    )
    schema = documented[str(response.status_code)]["content"]["application/json"]["schema"]
    served = (schemas.schema(schemas.PACKET), schemas.schema(schemas.CONVERSATION))

    def resolvable(document: object) -> object:
        # A component that is one of our JSON Schemas points at it by its $id (its own "#/$defs"
        # refs resolve there); every other local ref points into the spec, registered as a URN.
        text = json.dumps(document)
        for name, served_schema in zip(("HandoffPacket", "BotConversation"), served, strict=True):
            text = text.replace(f'"#/components/schemas/{name}"', json.dumps(served_schema["$id"]))
        return json.loads(text.replace('"#/components', '"urn:openapi#/components'))

    schema = resolvable(schema)
    registry = (
        Registry()
        .with_resources([(d["$id"], DRAFT202012.create_resource(d)) for d in served])
        .with_resource("urn:openapi", DRAFT202012.create_resource(resolvable(spec)))
    )
    errors = list(Draft202012Validator(schema, registry=registry).iter_errors(response.json))
    assert errors == [], [e.message for e in errors]


def test_every_api_route_is_documented(app, spec):
    """Is every route under /api/v1 (but the document itself) described in the OpenAPI document?"""
    documented = {(p, m) for p, ops in spec["paths"].items() for m in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule == "/api/v1/openapi.json":
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (
                f"{method} {path} is not in the OpenAPI document"
            )


def test_answers_match_the_documented_responses(client, spec, auth):
    """Do the packet and conversation endpoints answer with documented statuses and bodies?"""
    packet = factories.packet()
    pid, ticket = packet["packet_id"], packet["ticket_id"]
    bad = {**packet, "packet_id": 7}
    exchanges = [
        ("/api/v1/packets", "post", client.post("/api/v1/packets", json=packet, headers=auth)),
        ("/api/v1/packets", "post", client.post("/api/v1/packets", json=packet, headers=auth)),
        ("/api/v1/packets", "post", client.post("/api/v1/packets", json=bad, headers=auth)),
        ("/api/v1/packets", "post", client.post("/api/v1/packets", json=packet)),
        (
            "/api/v1/packets",
            "post",
            client.post("/api/v1/packets", data="{", content_type="application/json", headers=auth),
        ),
        (
            "/api/v1/packets/validate",
            "post",
            client.post("/api/v1/packets/validate", json=packet, headers=auth),
        ),
        (
            "/api/v1/packets/validate",
            "post",
            client.post("/api/v1/packets/validate", json=bad, headers=auth),
        ),
        ("/api/v1/packets/{packet_id}", "get", client.get(f"/api/v1/packets/{pid}", headers=auth)),
        ("/api/v1/packets/{packet_id}", "get", client.get("/api/v1/packets/nope", headers=auth)),
        (
            "/api/v1/tickets/{ticket_id}/packet",
            "get",
            client.get(f"/api/v1/tickets/{ticket}/packet", headers=auth),
        ),
        (
            "/api/v1/conversations",
            "post",
            client.post("/api/v1/conversations", json=factories.conversation(), headers=auth),
        ),
    ]
    statuses = [response.status_code for _, _, response in exchanges]
    assert statuses == [201, 200, 422, 401, 400, 200, 422, 200, 404, 200, 201]
    for path, method, response in exchanges:
        check(spec, path, method, response)
