"""The OpenAPI document says what the server really does."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from handoff import schemas


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
    # Point the document's local refs at the served spec, registered under a URN.
    schema = json.loads(json.dumps(schema).replace('"#/components', '"urn:openapi#/components'))
    registry = (
        Registry()
        .with_resources(
            [
                (d["$id"], DRAFT202012.create_resource(d))
                for d in (schemas.schema(schemas.PACKET), schemas.schema(schemas.CONVERSATION))
            ]
        )
        .with_resource("urn:openapi", DRAFT202012.create_resource(spec))
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
