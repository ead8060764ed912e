"""What every response carries and how the app answers when its database is gone."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from handoff import csat, webhooks
from tests import factories

FRAMED = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")


def assert_locked(response, where: str) -> None:
    """Check the headers that keep a page from being framed or sniffed."""
    for name in FRAMED:
        assert name in response.headers, (where, name)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], where
    assert response.headers["X-Content-Type-Options"] == "nosniff", where
    assert response.headers["X-Frame-Options"] == "DENY", where


def test_the_survey_page_cannot_be_framed(app: Flask) -> None:
    """Do the survey page, its answer and a refused link all refuse framing and sniffing?"""
    client = app.test_client()
    token = csat.link_token(app.config["SECRET_KEY"], 501, "good")
    assert_locked(client.get(f"/csat/{token}"), "survey page")
    assert_locked(client.post("/csat/forged"), "refused link")
    assert "script-src" not in client.get(f"/csat/{token}").headers["Content-Security-Policy"]


def test_api_answers_and_errors_are_not_sniffed(client, auth) -> None:
    """Do JSON answers and JSON errors carry nosniff?"""
    assert client.get("/api/v1/openapi.json").headers["X-Content-Type-Options"] == "nosniff"
    assert (
        client.get("/api/v1/packets/none", headers=auth).headers["X-Content-Type-Options"]
        == "nosniff"
    )


def test_the_sidebar_keeps_its_own_frame_policy(client) -> None:
    """Is the sidebar (framed by Zendesk) left with its own policy and no X-Frame-Options?"""
    response = client.get("/sidebar/")
    assert "https://*.zendesk.com" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers


@pytest.mark.parametrize(
    "dead_url",
    [
        "postgresql+psycopg://postgres@127.0.0.1:1/gone",
        "sqlite:////nonexistent-dir/deeper/handoff.db",
    ],
    ids=["postgresql", "sqlite"],
)
def test_a_database_that_is_gone_is_a_503_with_retry_after(make_app, dead_url, caplog) -> None:
    """With the database unreachable, do the API and the webhook answer 503 with Retry-After, one log line each?"""
    app = make_app(database_url=dead_url, zendesk_webhook_secret="s")
    client = app.test_client()
    caplog.set_level(logging.INFO)
    body = b'{"type": "trigger:ticket.updated", "ticket_id": 5}'
    stamp = "2026-03-02T09:30:00Z"
    answers = [
        client.post(
            "/api/v1/packets", json=factories.packet(), headers={"Authorization": "Bearer x"}
        ),
        client.get("/api/v1/packets/abc", headers={"Authorization": "Bearer x"}),
        client.post(
            "/webhooks/zendesk",
            data=body,
            headers={
                webhooks.TIMESTAMP_HEADER: stamp,
                webhooks.SIGNATURE_HEADER: webhooks.sign("s", stamp, body),
                "Content-Type": "application/json",
            },
        ),  # fmt: skip
    ]
    for response in answers:
        assert response.status_code == 503, response.get_data()
        assert response.headers["Retry-After"].isdigit()
        assert response.get_json()["error"]["code"] == "database_unavailable"
    assert not [r for r in caplog.records if r.exc_info]
    assert len([r for r in caplog.records if "database unavailable" in r.getMessage()]) == len(
        answers
    )
