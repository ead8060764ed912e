"""Every request the adapter sends and every answer the sandbox gives, against Zendesk's API description.

``tests/data/zendesk_api_summary.json`` (made by scripts/extract_zendesk_api.py from Zendesk's
published OpenAPI description, plus a few documented prose facts, each with its source) lists,
for each call the product makes, its parameters, request keys and response keys with JSON
types. Here the real adapter drives every one of those calls through the sandbox, and each
exchange is checked: a path and method Zendesk describes, only described query parameters and
body keys, and answers whose keys (two levels down) and JSON types the description allows.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from handoff.ticketing.base import (
    ImportComment,
    ImportTicket,
    NewComment,
    NewTicketField,
    Requester,
)
from handoff.ticketing.zendesk import ZendeskHelpdesk
from sandbox import SandboxState
from sandbox.faults import Exchange
from tests.sandbox.shapes import RECORDED_SHAPES, json_type

SUMMARY = json.loads(
    (Path(__file__).resolve().parents[1] / "data" / "zendesk_api_summary.json").read_text()
)
OPERATIONS: dict[str, dict[str, Any]] = SUMMARY["operations"]
# Cursor pagination (Zendesk API reference, "Pagination") adds meta and links to any list read
# with page[size]; the description lists them only on some operations.
CURSOR_KEYS = {"meta", "links"}
# Keys where Zendesk's description is wrong or silent and its recorded answers are not: tags is
# an array, via.channel a string, job results an array, a single metric an object; created
# tickets come with their audit; ticket events, fields' keys and audits' metadata are
# undocumented there.
DESCRIPTION_SLIPS = {
    "tags", "channel", "results", "ticket_metric", "audit", "metric_sets", "users",
    "child_events", "created_at", "event_type", "merged_ticket_ids", "system", "timestamp",
    "updater_id", "via", "key", "custom",
}  # fmt: skip
# Offset pagination ("Pagination", same page) answers with next_page, previous_page and count.
OFFSET_KEYS = {"next_page", "previous_page", "count"}
RECORDED = RECORDED_SHAPES
RECORDED_NAMES = {
    "ticket": "ticket", "tickets": "ticket", "audit": "audit", "user": "user", "users": "user",
    "comments": "comment", "ticket_field": "ticket_field", "ticket_fields": "ticket_field",
    "ticket_metric": "ticket_metric", "ticket_metrics": "ticket_metric",
    "metric_sets": "ticket_metric", "satisfaction_ratings": "satisfaction_rating",
    "job_status": "job_status", "ticket_events": "ticket_event", "webhook": "webhook",
    "webhooks": "webhook", "trigger": "trigger", "triggers": "trigger",
    "signing_secret": "webhook_signing_secret",
}  # fmt: skip


def _template(path: str) -> re.Pattern[str]:
    return re.compile(
        "^"
        + re.sub(r"\{[^}]+\}", r"[^/]+", re.escape(path).replace(r"\{", "{").replace(r"\}", "}"))
        + "$"
    )


TEMPLATES = [(key.split(" ", 1)[0], _template(key.split(" ", 1)[1]), key) for key in OPERATIONS]


def operation_of(exchange: Exchange) -> str | None:
    """Return the summary's key for an exchange's method and path (``.json`` stripped)."""
    path = exchange.path.removesuffix(".json")
    matches = [
        key for method, pattern, key in TEMPLATES
        if method == exchange.method.lower() and pattern.match(path)
    ]  # fmt: skip
    # The most specific template wins (fewest placeholders).
    return min(matches, key=lambda k: k.count("{")) if matches else None


def type_allowed(value: Any, shape: dict[str, Any]) -> bool:
    """Return whether the description's shape allows the value's JSON type."""
    allowed = set(shape.get("types") or ["any"])
    kind = json_type(value)
    if "any" in allowed:
        return True
    if kind == "integer" and "number" in allowed:
        return True
    return kind in allowed


def _allows(value: Any, shape: dict[str, Any] | None) -> bool:
    return shape is not None and type_allowed(value, shape)


def _child(shape: dict[str, Any] | None, key: str) -> dict[str, Any] | None:
    if shape is None:
        return None
    if "keys" in shape:
        return shape["keys"].get(key)
    return None


def shape_problems(
    value: Any,
    shape: dict[str, Any] | None,
    recorded: dict[str, Any] | None,
    where: str,
    depth: int,
    departures: list[str],
) -> list[str]:
    """Return where a value leaves both the described shape and Zendesk's recorded one.

    The description has gaps and slips that Zendesk's real answers contradict (``tags`` typed
    as an object, a single ticket metric as an array, event keys missing): a key or type the
    description lacks is accepted when the recorded responses (``zendesk_shapes.json``, from
    zenpy's recordings of the real API) show it, and listed in ``departures``.
    """
    if value is None:
        return []  # the description rarely marks fields nullable; a null is not a new shape
    if not _allows(value, shape):
        if not _allows(value, recorded):
            expected = (shape or recorded or {}).get("types")
            return [f"{where}: {json_type(value)} where Zendesk has {expected}"]
        if shape is not None:
            departures.append(f"{where}: {json_type(value)} (recorded; described as "
                              f"{shape.get('types')})")  # fmt: skip
        shape = recorded
    if depth == 0:
        return []
    problems: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            described, seen = _child(shape, key), _child(recorded, key)
            if described is None and seen is None:
                if shape is not None and "keys" in shape:
                    problems.append(f"{where}.{key}: neither described nor recorded")
                continue
            if described is None:
                departures.append(f"{where}.{key}: recorded, not described")
            problems += shape_problems(item, described, seen, f"{where}.{key}", depth - 1,
                                       departures)  # fmt: skip
    if isinstance(value, list):
        items = (shape or {}).get("items")
        seen_items = (recorded or {}).get("items") or recorded_items(recorded)
        for index, item in enumerate(value[:3]):
            problems += shape_problems(item, items, seen_items, f"{where}[{index}]", depth - 1,
                                       departures)  # fmt: skip
    return problems


def recorded_items(recorded: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return the item shape of a recorded list given as the shape of one of its items."""
    return recorded if recorded is not None and "array" not in recorded.get("types", []) else None


def recorded_for(key: str) -> dict[str, Any] | None:
    """Return the recorded shape of a top-level answer key (``tickets`` -> ``ticket``...)."""
    name = RECORDED_NAMES.get(key)
    return RECORDED.get(name) if name else None


def problems_of(exchange: Exchange, departures: list[str] | None = None) -> list[str]:
    """Return every way an exchange departs from the summary of Zendesk's description."""
    departures = departures if departures is not None else []
    key = operation_of(exchange)
    if key is None:
        return [f"{exchange.method} {exchange.path}: no such operation in the description"]
    op = OPERATIONS[key]
    names = {p["name"] for p in op["parameters"] if p["in"] == "query"}
    problems = []
    cursor_paged = False
    for name, _ in exchange.query:
        base = name.split("[", 1)[0]
        if name in names or (name.startswith("page[") and "page" in names):
            cursor_paged = cursor_paged or name.startswith("page[")
            continue
        problems.append(f"{key}: query parameter {name!r} ({base}) is not described")
    required = {p["name"] for p in op["parameters"] if p["in"] == "query" and p["required"]}
    sent = {name for name, _ in exchange.query}
    problems += [f"{key}: required parameter {n!r} missing" for n in sorted(required - sent)]
    if isinstance(exchange.request, dict):
        extra = set(exchange.request) - set(op["request"])
        problems += [f"{key}: request key {k!r} is not described" for k in sorted(extra)]
    if 200 <= exchange.status < 300 and isinstance(exchange.response, dict):
        described = dict(op["response"]["keys"])
        if cursor_paged:
            described.update({k: {"types": ["object"]} for k in CURSOR_KEYS})
        for name, value in exchange.response.items():
            if name in OFFSET_KEYS and name not in described:
                continue  # offset pagination's next_page, previous_page and count
            if name not in described and recorded_for(name) is None:
                problems.append(f"{key}.{name}: neither described nor recorded")
                continue
            problems += shape_problems(value, described.get(name), recorded_for(name),
                                       f"{key}.{name}", 2, departures)  # fmt: skip
    return problems


@pytest.fixture
def exchanges(sandbox: tuple[str, SandboxState]) -> list[Exchange]:
    """Drive every call the product makes through the real adapter; return the exchanges."""
    state = sandbox[1]
    state.reset()
    state.exchanges = []
    zendesk = ZendeskHelpdesk.connect(
        subdomain="sandbox", email="admin@sandbox.test", token="test-token"
    )
    agent = state.add_user("Sam Agent", "sam@sandbox.test", "agent")
    box = zendesk.create_ticket_field(NewTicketField(type="checkbox", title="Re-ask", tag="reask"))
    zendesk.list_ticket_fields()
    zendesk.me()
    write = zendesk.create_ticket(
        Requester(email="casey@example.com", name="Casey"), subject="Order late",
        comment=NewComment("Where is my order?", public=True), tags=["bot"],
        custom_fields={box.id: False}, external_id="ext-1",
    )  # fmt: skip
    tid = write.ticket.id
    zendesk.get_ticket(tid)
    zendesk.find_tickets_by_external_id("ext-1")
    zendesk.update_ticket(
        tid, comment=NewComment("Packet [hf:1]", author_id=agent["id"]),
        add_tags=["handoff"], remove_tags=["bot"], custom_fields={box.id: True}, status="open",
    )  # fmt: skip
    zendesk.set_tags(tid, ["handoff", "vip"])
    zendesk.list_comments(tid)
    zendesk.get_users([agent["id"], write.ticket.requester_id or 0])
    zendesk.update_ticket(tid, status="solved")
    state.rate_ticket(tid, "good", "Thanks")
    zendesk.satisfaction_ratings(datetime(2020, 1, 1, tzinfo=UTC))
    zendesk.ticket_metric(tid)
    zendesk.ticket_metrics()
    history = datetime.now(UTC) - timedelta(days=30)
    job = zendesk.import_tickets([
        ImportTicket(requester_id=agent["id"], subject="Old", created_at=history,
                     comments=(ImportComment(agent["id"], "old mail", history),))
    ])  # fmt: skip
    zendesk.job_status(job.id)
    zendesk.import_ticket(
        ImportTicket(requester_id=agent["id"], subject="Older", created_at=history,
                     comments=(ImportComment(agent["id"], "older mail", history),))
    )  # fmt: skip
    page = zendesk.export_tickets(
        start_time=history, sideload=("metric_sets", "users", "comment_count")
    )
    zendesk.export_tickets(cursor=page.cursor, page_size=100)
    zendesk.export_ticket_events(history)
    events = zendesk.create_webhook(
        name="Events",
        endpoint="https://h.example/w",
        subscriptions=["zen:event-type:ticket.created"],
    )
    hook = zendesk.create_webhook(name="Trigger", endpoint="https://h.example/w")
    zendesk.list_webhooks("Trig")
    zendesk.webhook_signing_secret(events.id)
    zendesk.create_trigger(
        title="t", conditions={"all": [{"field": "update_type", "operator": "is", "value": "Change"}]},
        actions=[{"field": "notification_webhook", "value": [hook.id, "{}"]}],
    )  # fmt: skip
    zendesk.list_triggers()
    taken, state.exchanges = state.exchanges, None
    return taken


def test_every_call_the_product_makes_was_exercised(exchanges: list[Exchange]) -> None:
    """Did the scenario reach every operation of the summary, each answered 2xx?"""
    reached = {operation_of(e) for e in exchanges if 200 <= e.status < 300}
    assert set(OPERATIONS) - reached == set()


def test_requests_and_answers_match_the_description(exchanges: list[Exchange]) -> None:
    """Does every request use a described path, method, parameter and body key, and every
    answer carry only described keys of described JSON types?"""
    departures: list[str] = []
    problems = [p for e in exchanges for p in problems_of(e, departures)]
    assert problems == [], "\n".join(sorted(set(problems)))
    # Where the description and Zendesk's recorded answers disagree the recording wins, and only
    # on these known slips of the description (each is a real answer's shape in the recordings).
    kinds = {re.sub(r"^.*?\.(\w+)(\[\])?(: | \()", r"\1\3", re.sub(r"\[\d+\]", "[]", d))
             for d in departures}  # fmt: skip
    assert kinds and {k.split(":")[0].split(" ")[0] for k in kinds} <= DESCRIPTION_SLIPS, sorted(
        kinds
    )


def test_the_check_sees_a_departure() -> None:
    """Would an undocumented body key (additional_tags on one ticket), an undescribed query
    parameter or a wrongly typed answer be reported?"""
    put = Exchange("PUT", "/api/v2/tickets/1.json", [], {"ticket": {}, "additional_tags": []},
                   200, {"ticket": {"id": 1}, "audit": {}})  # fmt: skip
    assert problems_of(put) == [
        "put /api/v2/tickets/{ticket_id}: request key 'additional_tags' is not described"
    ]
    listing = Exchange("GET", "/api/v2/ticket_metrics.json", [("start_time", "0")], None, 200,
                       {"ticket_metrics": [{"id": "x", "ticket_id": 1}]})  # fmt: skip
    found = problems_of(listing)
    assert any("start_time" in p for p in found) and any(".id: string" in p for p in found)


def test_the_summary_names_its_source() -> None:
    """Does the committed summary say what it was drawn from, and when?"""
    source = SUMMARY["source"]
    assert "oas.yaml" in source["document"] and source["extracted_at"]
    assert len(source["sha256"]) == 64
