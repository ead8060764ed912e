"""The public delayed-CSAT page and the admin API for outside survey tools."""

from __future__ import annotations

from flask import Flask

from handoff import csat, tokens
from handoff.db import transaction
from handoff.models import HelpdeskTicket
from handoff.models.metrics import DelayedSurvey
from helpdesk_app.runtime import runtime as runtime_of
from tests.handoff.metrics.conftest import at


def _solved_ticket(app: Flask, ticket_id: int = 501) -> None:
    with transaction(runtime_of(app).sessions) as s:
        s.add(HelpdeskTicket(id=ticket_id, status="solved", tags=[], custom_fields=[], created_at=at("2026-02-01 09:00"),
                             updated_at=at("2026-02-01 12:00"), solved_at=at("2026-02-01 12:00")))  # fmt: skip


def test_link_confirms_then_records_once(app: Flask) -> None:
    """Does GET only show a button, POST record, and a second POST keep the first answer?"""
    _solved_ticket(app)
    client = app.test_client()
    token = csat.link_token(app.config["SECRET_KEY"], 501, "good")
    page = client.get(f"/csat/{token}")
    assert page.status_code == 200 and b"Confirm" in page.data
    with runtime_of(app).sessions() as s:
        assert s.get(DelayedSurvey, 501) is None  # a GET (or a mail scanner) records nothing
    assert b"We recorded your answer" in client.post(f"/csat/{token}").data
    bad = csat.link_token(app.config["SECRET_KEY"], 501, "bad")
    assert b"We already had your answer" in client.post(f"/csat/{bad}").data
    with runtime_of(app).sessions() as s:
        survey = s.get(DelayedSurvey, 501)
        assert survey is not None and survey.score == "good"
    assert client.get(f"/csat/{token[:-4]}abcd").status_code == 403
    assert client.post("/csat/forged").status_code == 403


def test_api_takes_answers_from_admins_only(app: Flask, make_token) -> None:  # type: ignore[no-untyped-def]
    """Does POST /api/v1/csat/delayed record for an admin token and refuse others?"""
    _solved_ticket(app)
    client = app.test_client()
    admin = {"Authorization": f"Bearer {make_token('admin')}"}
    bot = {"Authorization": f"Bearer {make_token(*tokens.DEFAULT_SCOPES, name='bot')}"}
    body = {"ticket_id": 501, "score": "bad", "source": "surveytool"}
    assert client.post("/api/v1/csat/delayed", json=body, headers=bot).status_code == 403
    created = client.post("/api/v1/csat/delayed", json=body, headers=admin)
    assert created.status_code == 201 and created.get_json()["recorded"] is True
    again = client.post("/api/v1/csat/delayed", json={**body, "score": "good"}, headers=admin)
    assert again.status_code == 200 and again.get_json()["score"] == "bad"
    missing = client.post(
        "/api/v1/csat/delayed", json={"ticket_id": 999, "score": "bad"}, headers=admin
    )
    assert missing.status_code == 404
    wrong = client.post(
        "/api/v1/csat/delayed", json={"ticket_id": "x", "score": "meh"}, headers=admin
    )
    assert wrong.status_code == 422
    assert [d["path"] for d in wrong.get_json()["error"]["details"]] == ["$.score", "$.ticket_id"]


def test_cli_send_delayed(app: Flask, clock) -> None:  # type: ignore[no-untyped-def]
    """Does ``handoff csat send-delayed`` queue the survey for a ticket solved two days ago?"""
    _solved_ticket(app)
    clock.now = at("2026-02-03 14:00")  # 50 h after the solve
    from helpdesk_app.cli import main

    result = app.test_cli_runner().invoke(
        main, ["csat", "send-delayed", "--base-url", "https://help.example.com"]
    )
    assert result.exit_code == 0, result.output
    assert "queued delayed CSAT survey ticket=501" in result.output


def test_api_records_surveys_sent_and_not_answered(app: Flask, make_token) -> None:  # type: ignore[no-untyped-def]
    """Does POST /api/v1/csat/delayed/sent record an unanswered survey once, and refuse bad input with paths?"""
    _solved_ticket(app)
    client = app.test_client()
    admin = {"Authorization": f"Bearer {make_token('admin')}"}
    body = {"ticket_id": 501, "sent_at": "2026-02-03T12:00:00Z", "source": "surveytool"}
    created = client.post("/api/v1/csat/delayed/sent", json=body, headers=admin)
    assert created.status_code == 201 and created.get_json()["recorded"] is True
    assert client.post("/api/v1/csat/delayed/sent", json=body, headers=admin).status_code == 200
    with runtime_of(app).sessions() as s:
        survey = s.get(DelayedSurvey, 501)
        assert (
            survey is not None and survey.score is None and survey.sent_at == at("2026-02-03 12:00")
        )
    wrong = client.post("/api/v1/csat/delayed/sent", json={"ticket_id": 0, "x": 1}, headers=admin)
    assert wrong.status_code == 422
    assert [d["path"] for d in wrong.get_json()["error"]["details"]] == ["$", "$.ticket_id"]
    assert (
        client.post("/api/v1/csat/delayed/sent", json={"ticket_id": 999}, headers=admin).status_code
        == 404
    )
