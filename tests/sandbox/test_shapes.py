"""The sandbox answers with Zendesk's real shapes: every recorded key, with the same JSON type.

The reference is tests/data/zendesk_shapes.json, summarised (keys and types only) from zenpy's
recorded real responses and, where no recording exists, from Zendesk's API docs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from zenpy import Zenpy

from sandbox import SandboxState
from tests.sandbox.conftest import Raw
from tests.sandbox.shapes import RECORDED_SHAPES, json_type

SHAPES = RECORDED_SHAPES


def mismatches(ref: dict[str, Any], value: Any, path: str = "$", depth: int = 99) -> list[str]:
    """List where ``value`` lacks a key Zendesk always sends, or has another type (null allowed)."""
    kind = json_type(value)
    types = set(ref["types"])
    problems = []
    compatible = (
        kind == "null"
        or kind in types
        or types == {"null"}  # Zendesk only ever sent null here: any type is plausible
        or (kind == "integer" and "number" in types)
    )
    if not compatible:
        problems.append(f"{path}: {kind}, Zendesk sends {sorted(types)}")
    if depth <= 0:
        return problems
    if kind == "object" and "keys" in ref:
        problems += [f"{path}.{k}: missing" for k in ref.get("required", []) if k not in value]
        for key, sub in ref["keys"].items():
            if key in value:
                problems += mismatches(sub, value[key], f"{path}.{key}", depth - 1)
    if kind == "array" and "items" in ref:
        for index, item in enumerate(value):
            problems += mismatches(ref["items"], item, f"{path}[{index}]", depth - 1)
    return problems


def check(kind: str, value: Any) -> None:
    """Fail with every mismatch between ``value`` and the recorded shape of ``kind``."""
    ref = SHAPES[kind]
    # Doc-derived shapes come from examples, whose nested parts vary: check their keys only.
    depth = 99 if ref["source"] == "cassette" else 1
    assert mismatches(ref, value, kind, depth) == []


@pytest.fixture
def world(state: SandboxState) -> dict[str, Any]:
    """Seed a ticket with comments, a rating, fields and users; return their ids."""
    customer = state.add_user("Casey", "casey@example.com", external_id="c-1")
    agent = state.add_user("Ana", "ana@example.com", "agent")
    box = state.create_ticket_field({"type": "checkbox", "title": "Re-ask", "tag": "reask"})
    t, _ = state.create_ticket(
        {"subject": "Refund", "requester_id": customer["id"], "comment": {"body": "Hi"},
         "tags": ["bot"], "custom_fields": [{"id": box["id"], "value": True}]}
    )  # fmt: skip
    state.update_ticket(t["id"], {"comment": {"body": "Looking", "author_id": agent["id"]}})
    state.update_ticket(t["id"], {"status": "solved"})
    state.rate_ticket(t["id"], "good", "Quick")
    return {"ticket": t["id"], "customer": customer["id"], "agent": agent["id"], "box": box["id"]}


def test_every_recorded_kind_is_checked() -> None:
    """Does this module check every kind of response the shape file holds?"""
    assert set(SHAPES) == set(KINDS)


def test_ticket_shapes(raw: Raw, world: dict[str, Any]) -> None:
    """Do show, show_many, create, update and export tickets have Zendesk's ticket shape?"""
    tid = world["ticket"]
    check("ticket", raw("GET", f"/api/v2/tickets/{tid}.json").json()["ticket"])
    for t in raw("GET", f"/api/v2/tickets/show_many.json?ids={tid}").json()["tickets"]:
        check("ticket", t)
    created = raw("POST", "/api/v2/tickets.json",
                  json={"ticket": {"subject": "s", "comment": {"body": "b"}}})  # fmt: skip
    assert created.status_code == 201
    check("ticket_write_response", created.json())
    check("ticket", created.json()["ticket"])
    check("audit", created.json()["audit"])
    for event in created.json()["audit"]["events"]:
        if event["type"] == "Comment":
            check("audit_comment_event", event)
    new_id = created.json()["ticket"]["id"]
    updated = raw("PUT", f"/api/v2/tickets/{new_id}.json",
                  json={"ticket": {"comment": {"body": "c", "public": False}}})  # fmt: skip
    check("ticket_write_response", updated.json())
    check("audit", updated.json()["audit"])
    page = raw("GET", "/api/v2/incremental/tickets/cursor.json?start_time=0").json()
    check("incremental_tickets_cursor_page", page)
    for t in page["tickets"]:
        check("ticket", t)


def test_comment_shapes(raw: Raw, world: dict[str, Any]) -> None:
    """Do comment pages and comments have Zendesk's shapes, with absolute next links?"""
    page = raw("GET", f"/api/v2/tickets/{world['ticket']}/comments.json?page[size]=1").json()
    check("comments_page", page)
    check("cursor_page", page)
    for comment in page["comments"]:
        check("comment", comment)
    assert page["meta"]["has_more"] is True
    assert page["links"]["next"].startswith(raw.base_url + "/api/v2/tickets/")


def test_user_shapes(raw: Raw, world: dict[str, Any]) -> None:
    """Do me, show, show_many and create return Zendesk's user shape for every role?"""
    check("user", raw("GET", "/api/v2/users/me.json").json()["user"])
    check("user", raw("GET", f"/api/v2/users/{world['customer']}.json").json()["user"])
    ids = f"{world['customer']},{world['agent']}"
    for u in raw("GET", f"/api/v2/users/show_many.json?ids={ids}").json()["users"]:
        check("user", u)
    created = raw("POST", "/api/v2/users.json", json={"user": {"name": "N", "role": "agent"}})
    assert created.status_code == 201
    check("user", created.json()["user"])


def test_field_job_webhook_trigger_shapes(raw: Raw, world: dict[str, Any]) -> None:
    """Do ticket fields, import jobs, webhooks, secrets and triggers have Zendesk's shapes?"""
    field = raw("POST", "/api/v2/ticket_fields.json",
                json={"ticket_field": {"type": "text", "title": "T"}})  # fmt: skip
    check("ticket_field", field.json()["ticket_field"])
    one = {"requester_id": world["customer"], "subject": "old",
           "comments": [{"author_id": world["customer"], "value": "q",
                         "created_at": "2021-01-01T00:00:00Z"}]}  # fmt: skip
    imported = raw("POST", "/api/v2/imports/tickets.json", json={"ticket": one})
    check("ticket_import_response", imported.json())
    check("ticket", imported.json()["ticket"])
    job = raw("POST", "/api/v2/imports/tickets/create_many.json", json={"tickets": [one]}).json()
    check("job_status", job["job_status"])
    check(
        "job_status",
        raw("GET", f"/api/v2/job_statuses/{job['job_status']['id']}.json").json()["job_status"],
    )
    hook = raw("POST", "/api/v2/webhooks", json={"webhook": {
        "name": "w", "endpoint": "https://example.com/h", "http_method": "POST",
        "request_format": "json", "status": "active", "subscriptions": ["conditional_ticket_events"]}})  # fmt: skip
    assert hook.status_code == 201
    check("webhook", hook.json()["webhook"])
    wid = hook.json()["webhook"]["id"]
    check("webhook", raw("GET", f"/api/v2/webhooks/{wid}").json()["webhook"])
    check(
        "webhook_signing_secret",
        raw("GET", f"/api/v2/webhooks/{wid}/signing_secret").json()["signing_secret"],
    )
    trigger = raw("POST", "/api/v2/triggers.json", json={"trigger": {
        "title": "t", "conditions": {"all": [{"field": "status", "operator": "is", "value": "open"}]},
        "actions": [{"field": "notification_webhook", "value": [wid, "{}"]}]}})  # fmt: skip
    check("trigger", trigger.json()["trigger"])
    for t in raw("GET", "/api/v2/triggers.json").json()["triggers"]:
        check("trigger", t)


def test_rating_metric_and_event_shapes(raw: Raw, world: dict[str, Any]) -> None:
    """Do ratings, metrics and ticket events have the shapes Zendesk's docs give?"""
    ratings = raw("GET", "/api/v2/satisfaction_ratings?page[size]=100").json()
    check("cursor_page", ratings)
    assert ratings["satisfaction_ratings"]
    for r in ratings["satisfaction_ratings"]:
        check("satisfaction_rating", r)
    check(
        "ticket_metric",
        raw("GET", f"/api/v2/tickets/{world['ticket']}/metrics.json").json()["ticket_metric"],
    )
    for m in raw("GET", "/api/v2/ticket_metrics.json").json()["ticket_metrics"]:
        check("ticket_metric", m)
    events = raw(
        "GET", "/api/v2/incremental/ticket_events.json?start_time=0&include=comment_events"
    ).json()
    check("incremental_ticket_events_page", events)
    for e in events["ticket_events"]:
        check("ticket_event", e)


def test_error_shapes(raw: Raw, world: dict[str, Any]) -> None:
    """Are 404, 422 and 400 TooManyValues bodies shaped like Zendesk's?"""
    missing = raw("GET", "/api/v2/tickets/999999.json")
    assert missing.status_code == 404
    assert missing.json() == {"error": "RecordNotFound", "description": "Not found"}
    check("error_record_not_found", missing.json())
    bad = raw("PUT", f"/api/v2/tickets/{world['ticket']}.json", json={"ticket": {"priority": "x"}})
    assert bad.status_code == 422
    check("error_record_invalid", bad.json())
    many = raw("POST", "/api/v2/imports/tickets/create_many.json",
               json={"tickets": [{"subject": "s"}] * 101})  # fmt: skip
    assert many.status_code == 400
    check("error_too_many_values", many.json())


def test_zenpy_parses_sandbox_objects(
    sandbox: tuple[str, SandboxState], world: dict[str, Any]
) -> None:
    """Does real zenpy read the sandbox's ticket, user and comments back with every recorded key?"""
    client = Zenpy(
        subdomain="sandbox", email="admin@sandbox.test", token="test-token", disable_cache=True
    )
    ticket = client.tickets(id=world["ticket"]).to_dict()
    assert set(SHAPES["ticket"]["required"]) <= set(ticket)
    user = client.users(id=world["agent"]).to_dict()
    assert set(SHAPES["user"]["required"]) <= set(user) and user["role"] == "agent"
    comments = [c.to_dict() for c in client.tickets.comments(world["ticket"])]
    assert all(set(SHAPES["comment"]["required"]) <= set(c) for c in comments)


KINDS: dict[str, Callable[..., None]] = {
    "ticket": test_ticket_shapes,
    "ticket_write_response": test_ticket_shapes,
    "audit": test_ticket_shapes,
    "audit_comment_event": test_ticket_shapes,
    "incremental_tickets_cursor_page": test_ticket_shapes,
    "comment": test_comment_shapes,
    "comments_page": test_comment_shapes,
    "cursor_page": test_comment_shapes,
    "user": test_user_shapes,
    "ticket_field": test_field_job_webhook_trigger_shapes,
    "ticket_import_response": test_field_job_webhook_trigger_shapes,
    "job_status": test_field_job_webhook_trigger_shapes,
    "webhook": test_field_job_webhook_trigger_shapes,
    "webhook_signing_secret": test_field_job_webhook_trigger_shapes,
    "trigger": test_field_job_webhook_trigger_shapes,
    "satisfaction_rating": test_rating_metric_and_event_shapes,
    "ticket_metric": test_rating_metric_and_event_shapes,
    "ticket_event": test_rating_metric_and_event_shapes,
    "incremental_ticket_events_page": test_rating_metric_and_event_shapes,
    "error_record_not_found": test_error_shapes,
    "error_record_invalid": test_error_shapes,
    "error_too_many_values": test_error_shapes,
}
