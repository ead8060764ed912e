"""Hostile input against every JSON route and the webhook: the documented refusal, nothing stored, no traceback."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa

from handoff import webhooks
from handoff.jsonguard import DEFAULT_MAX_DEPTH, depth
from handoff.models import Base
from helpdesk_app.runtime import runtime as runtime_of
from tests import factories, hostile

SECRET = "hostile-webhook-secret"
JSON_ROUTES = [
    ("POST", "/api/v1/packets"),
    ("POST", "/api/v1/packets/validate"),
    ("POST", "/api/v1/conversations"),
    ("POST", "/api/v1/escalation-check"),
    ("POST", "/api/v1/csat/delayed"),
    ("PUT", "/api/v1/policy/golden-set"),
]
WEBHOOK = "/webhooks/zendesk"
CASES = hostile.cases()


@pytest.fixture
def app(make_app):
    """Return the app with a webhook signing secret."""
    return make_app(zendesk_webhook_secret=SECRET)


@pytest.fixture
def admin(make_token):
    """Return headers of a token that may call every route."""
    token = make_token("admin", "packets:write", "conversations:write", "packets:read")
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def counts(app) -> dict[str, int]:
    """Count the rows of every table."""
    with runtime_of(app).engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in Base.metadata.sorted_tables
        }


def webhook_headers(clock, body: bytes) -> dict[str, str]:
    """Sign a body as Zendesk would, at the test clock's instant."""
    timestamp = clock().isoformat().replace("+00:00", "Z")
    return {
        webhooks.TIMESTAMP_HEADER: timestamp,
        webhooks.SIGNATURE_HEADER: webhooks.sign(SECRET, timestamp, body),
        "Content-Type": "application/json",
    }


def assert_refused(response, case: hostile.Case, where: str) -> None:
    """Check the status, the one error shape and the code of a refusal."""
    assert response.status_code == case.status, (where, case.name, response.get_data()[:300])
    error = response.get_json()["error"]
    assert set(error) == {"code", "message", "details"}, (where, case.name)
    assert error["code"] == case.code, (where, case.name, error)
    assert error["message"], (where, case.name)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_json_route_refuses_the_case_and_stores_nothing(
    app, client, admin, clock, case, caplog
):
    """Does every JSON route and the signed webhook answer the case as documented, storing nothing?"""
    caplog.set_level(logging.INFO)
    before = counts(app)
    for method, path in JSON_ROUTES:
        response = client.open(path, method=method, data=case.body, headers=admin)
        assert_refused(response, case, path)
    response = client.post(WEBHOOK, data=case.body, headers=webhook_headers(clock, case.body))
    response.close()
    assert_refused(response, case, WEBHOOK)
    assert counts(app) == before
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


@pytest.mark.parametrize("name,extra", hostile.ACCEPTED, ids=[n for n, _ in hostile.ACCEPTED])
def test_the_guard_lets_real_text_through(client, admin, name, extra):
    """Are an emoji, brackets in strings and a 19-digit integer stored and served back unchanged?"""
    packet = factories.packet(**extra())
    if "account_state" in extra():
        packet["account_state"] = {
            **factories.packet()["account_state"],
            **extra()["account_state"],
        }
    created = client.post("/api/v1/packets", json=packet, headers=admin)
    assert created.status_code == 201, created.get_json()
    served = client.get(f"/api/v1/packets/{packet['packet_id']}", headers=admin).get_json()
    assert {k: served[k] for k in packet} == packet


def test_webhook_refuses_an_out_of_range_ticket_id_and_timestamp(app, client, clock):
    """Are a 25-digit ticket id (as a string) and a 30-digit timestamp refused, not a 500?"""
    body = b'{"type": "trigger:ticket.updated", "ticket_id": "1234567890123456789012345"}'
    response = client.post(WEBHOOK, data=body, headers=webhook_headers(clock, body))
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "webhook_malformed"
    stamp = "9" * 30
    headers = {
        webhooks.TIMESTAMP_HEADER: stamp,
        webhooks.SIGNATURE_HEADER: webhooks.sign(SECRET, stamp, body),
        "Content-Type": "application/json",
    }
    response = client.post(WEBHOOK, data=body, headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "webhook_signature_invalid"


def test_nul_in_a_path_id_is_not_found(client, admin):
    """Is %00 in a packet or conversation id a 404 in the error shape (PostgreSQL cannot hold it)?"""
    for path in ("/api/v1/packets/a%00b", "/api/v1/conversations/a%00b"):
        response = client.get(path, headers=admin)
        assert response.status_code == 404
        assert response.get_json()["error"]["code"] == "not_found"


def test_a_long_uri_is_a_414_in_the_error_shape(client, admin):
    """Is a 10,000-character path answered 414 in the JSON error shape?"""
    response = client.get("/api/v1/packets/" + "a" * 10_000, headers=admin)
    assert response.status_code == 414
    assert response.get_json()["error"]["code"] == "request_uri_too_long"


def test_405_keeps_the_allow_header(client):
    """Does a wrong method get 405 with Allow naming the methods that work?"""
    response = client.delete("/api/v1/packets")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"POST"}
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_depth_ignores_brackets_inside_strings():
    """Does the depth scan count only structure, not brackets quoted in strings or escaped quotes?"""
    assert depth(b'{"a": "[[[[[[", "b": [1, {"c": "\\"]]]]"}]}') == 3
    assert depth(b"[]") == 1
    assert depth(b"1") == 0
    assert depth(("[" * (DEFAULT_MAX_DEPTH + 1)).encode()) == DEFAULT_MAX_DEPTH + 1


def test_the_exact_depth_scan_runs_only_for_a_body_with_more_openers_than_the_limit(monkeypatch):
    """Is a body with few brackets parsed without the scan, and one with many still judged by it?"""
    from handoff import jsonguard

    scanned: list[bytes] = []
    monkeypatch.setattr(jsonguard, "depth", lambda raw: scanned.append(raw) or depth(raw))
    shallow = ("[" * DEFAULT_MAX_DEPTH + "]" * DEFAULT_MAX_DEPTH).encode()
    assert jsonguard.parse(shallow) is not None and scanned == []
    quoted = ('{"a": "' + "[" * DEFAULT_MAX_DEPTH + '"}').encode()  # one level, many brackets
    assert jsonguard.parse(quoted) == {"a": "[" * DEFAULT_MAX_DEPTH} and scanned == [quoted]
    deep = ("[" * (DEFAULT_MAX_DEPTH + 1) + "]" * (DEFAULT_MAX_DEPTH + 1)).encode()
    with pytest.raises(jsonguard.TooDeep, match=f"{DEFAULT_MAX_DEPTH + 1} levels"):
        jsonguard.parse(deep)
