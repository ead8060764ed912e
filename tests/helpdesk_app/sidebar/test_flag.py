"""The "had to re-ask" flag and "I read the packet" through the sidebar, CSRF-protected."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from handoff.models import OutboxItem
from handoff.models.flags import PacketAcknowledgement, ReaskFlag
from helpdesk_app.runtime import runtime as runtime_of
from tests.helpdesk_app.sidebar.conftest import csrf_of, open_dev, store_packet


def _rows(app, model):
    with runtime_of(app).sessions() as session:
        return session.scalars(sa.select(model).order_by(model.id)).all()


def test_one_click_flags_then_details_are_saved(dev_app):
    """Does one click set the flag, and a second form save which sections were missing and a note?"""
    packet_id = store_packet(dev_app, ticket_id=1001)
    client = dev_app.test_client()
    csrf = csrf_of(open_dev(client, 1001))
    clicked = client.post("/sidebar/ticket/1001/flag", data={"csrf_token": csrf})
    assert clicked.status_code == 303 and clicked.headers["Location"].endswith(
        "/sidebar/ticket/1001#flag"
    )
    page = client.get("/sidebar/ticket/1001").get_data(as_text=True)
    assert "Flagged" in page and 'id="unflag"' in page
    client.post(
        "/sidebar/ticket/1001/flag",
        data={
            "csrf_token": csrf,
            "details": "1",
            "missing_fields": ["identifiers", "account_state"],
            "note": "asked for the order number again",
        },
    )
    [flag] = _rows(dev_app, ReaskFlag)
    assert (flag.agent_id, flag.packet_id, flag.active) == (7001, packet_id, True)
    assert flag.missing_fields == ["identifiers", "account_state"]
    assert flag.note == "asked for the order number again"
    [item] = _rows(dev_app, OutboxItem)[-1:]
    assert (item.kind, item.key, item.payload) == (
        "reask_flag",
        f"reask_flag:1001:{flag.id}:set",
        {"ticket_id": 1001, "value": True},
    )
    page = client.get("/sidebar/ticket/1001").get_data(as_text=True)
    assert 'value="identifiers" checked' in page and 'value="account_state" checked' in page


def test_undo_clears_the_flag_and_queues_the_clear(dev_app):
    """Does Undo clear the flag, keep who did it, and queue value=False?"""
    client = dev_app.test_client()
    csrf = csrf_of(open_dev(client, 1001))
    client.post("/sidebar/ticket/1001/flag", data={"csrf_token": csrf})
    client.post("/sidebar/ticket/1001/unflag", data={"csrf_token": csrf})
    [flag] = _rows(dev_app, ReaskFlag)
    assert (flag.active, flag.cleared_by) == (False, 7001)
    assert [i.payload["value"] for i in _rows(dev_app, OutboxItem) if i.kind == "reask_flag"] == [
        True,
        False,
    ]
    assert 'id="set-flag"' in client.get("/sidebar/ticket/1001").get_data(as_text=True)


def test_reading_the_packet_is_recorded_once(dev_app):
    """Does "I read the packet" store one acknowledgement and show it?"""
    store_packet(dev_app, ticket_id=1001)
    client = dev_app.test_client()
    csrf = csrf_of(open_dev(client, 1001))
    client.post("/sidebar/ticket/1001/ack", data={"csrf_token": csrf})
    client.post("/sidebar/ticket/1001/ack", data={"csrf_token": csrf})
    assert [(a.ticket_id, a.agent_id) for a in _rows(dev_app, PacketAcknowledgement)] == [
        (1001, 7001)
    ]
    assert "You read this packet" in client.get("/sidebar/ticket/1001").get_data(as_text=True)


def test_writes_without_the_right_csrf_token_are_refused(dev_app):
    """Are a missing token, a wrong one, and another ticket's token all refused, changing nothing?"""
    client = dev_app.test_client()
    other_ticket_token = csrf_of(open_dev(client, 2002))
    open_dev(client, 1001)
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": other_ticket_token}):
        for action in ("flag", "unflag", "ack"):
            response = client.post(f"/sidebar/ticket/1001/{action}", data=data)
            assert response.status_code == 403
            assert response.mimetype == "text/html"
    assert _rows(dev_app, ReaskFlag) == [] and _rows(dev_app, PacketAcknowledgement) == []


def test_a_token_from_another_session_is_refused(dev_app):
    """Is a CSRF token taken from another agent's session useless in this one?"""
    first = dev_app.test_client()
    stolen = csrf_of(open_dev(first, 1001, agent_id=1))
    second = dev_app.test_client()
    open_dev(second, 1001, agent_id=2)
    assert second.post("/sidebar/ticket/1001/flag", data={"csrf_token": stolen}).status_code == 403


def test_writes_without_a_session_are_refused(dev_app):
    """Is a flag posted with no sidebar session refused?"""
    assert (
        dev_app.test_client()
        .post("/sidebar/ticket/1001/flag", data={"csrf_token": "x"})
        .status_code
        == 401
    )


def test_json_posts_use_the_header_token_and_answer_json(dev_app):
    """Can a script flag with JSON and X-CSRF-Token, and get JSON errors back?"""
    client = dev_app.test_client()
    csrf = csrf_of(open_dev(client, 1001))
    ok = client.post(
        "/sidebar/ticket/1001/flag",
        json={"missing_fields": ["summary"], "note": "n"},
        headers={"X-CSRF-Token": csrf},
    )
    assert ok.status_code == 200
    assert ok.get_json()["flag"]["missing_fields"] == ["summary"]
    bad = client.post(
        "/sidebar/ticket/1001/flag",
        json={"missing_fields": ["nope"]},
        headers={"X-CSRF-Token": csrf},
    )
    assert bad.status_code == 422
    assert bad.get_json()["error"]["code"] == "validation_failed"
    forged = client.post("/sidebar/ticket/1001/flag", json={}, headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403 and forged.get_json()["error"]["code"] == "csrf_failed"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"[" * 5000 + b"]" * 5000, 413, "json_too_deep"),
        (b'{"note": NaN}', 400, "malformed_json"),
        (b'{"note": "\\ud800"}', 400, "invalid_unicode"),
        (b'{"note": "a", "note": "b"}', 400, "malformed_json"),
        (b"\xff\xfe{}", 400, "malformed_json"),
    ],
)
def test_hostile_json_is_refused_like_the_api(dev_app, body, status, code):
    """Is a flag body that is too deep, not strict JSON or not UTF-8 refused in the API's error
    shape, through the same guard as the API, with nothing stored?"""
    client = dev_app.test_client()
    csrf = csrf_of(open_dev(client, 1001))
    answer = client.post(
        "/sidebar/ticket/1001/flag",
        data=body,
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (status, code)
    assert answer.get_json()["error"]["message"]
    assert _rows(dev_app, ReaskFlag) == []


def test_an_out_of_range_ticket_id_is_a_404_page(dev_app):
    """Is a ticket id beyond 64 bits a 404, not a database error?"""
    client = dev_app.test_client()
    open_dev(client, 1)
    assert client.get(f"/sidebar/ticket/{2**64}").status_code == 404
