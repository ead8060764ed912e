"""The overview page: cards with plain names and statuses, and actions decided by their owner."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from handoff.models.metrics import Action, ActionDecision
from helpdesk_app.cli import main
from helpdesk_app.runtime import runtime as runtime_of


def _signed_in(app: Flask, open_link: Callable[[], str]) -> FlaskClient:
    client = app.test_client()
    assert client.get(open_link()).headers["Location"].endswith("/reports/overview")
    return client


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def _action(app: Flask, kind: str) -> Action:
    with runtime_of(app).sessions() as session:
        return session.scalars(
            sa.select(Action).where(Action.kind == kind).order_by(Action.id)
        ).first()


def test_overview_shows_headline_and_kpi_cards(
    reports_app: Flask, open_link: Callable[[], str]
) -> None:
    """Does the overview show the headline and the four handoff KPIs with names, definitions and a status?"""
    client = _signed_in(reports_app, open_link)
    response = client.get("/reports/overview")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "CSAT-protected deflection" in page
    assert (
        "archetypes: <strong>0 protected</strong>, 1 not protected, 2 not judged (too few ratings"
        in page
    )
    for name, definition in (
        ("Context loss", "Share of escalations where the agent flagged that they had to re-ask"),
        ("Customer repetition", "Share of escalations where the customer repeated themselves"),
        ("Escalated CSAT vs baseline", "CSAT of escalated tickets minus the baseline CSAT"),
        ("Escalated handle time", "Median time from handoff to solve"),
    ):
        assert f">{name}</h3>" in page and definition in page
    # Each status is a word; the reason and the configured threshold stand beside it.
    cards = re.findall(r'<article class="card kpi (\w+)".*?</article>', page, flags=re.S)
    # Every figure is past its threshold overall, but no archetype crosses one on enough data, so
    # no action exists to act on: the cards say "Watch" and why, never "Act" with nothing to do.
    assert cards == ["watch"] * 4
    assert page.count('<div class="foot"><span class="status watch">Watch</span>') == 4
    assert "above the 5% limit overall; no archetype crosses it with enough contacts" in page
    assert "review at -2 pts" in page
    assert "the cadence opens no action on this figure" in page
    assert "-16.7 pts" in page and "(95%: -65.5 to +44.6)" in page
    assert re.search(
        r"Action #\d+ opened: investigate intent for order status, owner lead@example.com", page
    )
    assert page.count('<svg class="spark"') == 4
    assert "<script" not in page
    assert "script-src" not in response.headers["Content-Security-Policy"]
    assert (
        "frame-ancestors 'self' https://*.zendesk.com"
        in response.headers["Content-Security-Policy"]
    )


def test_owner_decides_an_action_in_the_page(
    reports_app: Flask, open_link: Callable[[], str]
) -> None:
    """Does the owner's decision (note, new due date) land in the audit log the CLI reads?"""
    client = _signed_in(reports_app, open_link)
    page = client.get("/reports/overview").get_data(as_text=True)
    mine = _action(reports_app, "investigate_intent")  # owner: lead@example.com, who signed in
    assert f'action="/reports/actions/{mine.id}/decide"' in page
    form = {"csrf_token": _csrf(page), "decision": "tuning the returns flow",
            "note": "owner agreed with the bot team", "due_on": "2026-02-20"}  # fmt: skip
    done = client.post(f"/reports/actions/{mine.id}/decide", data=form)
    assert done.status_code == 303 and done.headers["Location"].endswith(
        f"decided={mine.id}#actions"
    )
    assert f"Decision on action #{mine.id} recorded." in client.get(
        done.headers["Location"]
    ).get_data(as_text=True)
    listed = json.loads(
        reports_app.test_cli_runner().invoke(main, ["actions", "list", "--json"]).output
    )
    entry = next(a for a in listed if a["id"] == mine.id)
    assert entry["status"] == "open" and entry["due_at"].startswith("2026-02-20")
    assert entry["decisions"][0]["by"] == "lead@example.com"
    assert entry["decisions"][0]["decision"] == (
        "tuning the returns flow\nNote: owner agreed with the bot team\n"
        "Due date moved from 2026-02-11 to 2026-02-20"
    )
    page = client.get("/reports/overview").get_data(as_text=True)
    assert "Last decision (2026-02-04, lead@example.com): tuning the returns flow" in page
    closing = {"csrf_token": form["csrf_token"], "decision": "fixed", "close": "on"}
    assert client.post(f"/reports/actions/{mine.id}/decide", data=closing).status_code == 303
    assert _action(reports_app, "investigate_intent").status == "closed"


def test_decisions_need_the_owner_the_csrf_token_and_a_sane_date(
    reports_app: Flask, open_link: Callable[[], str]
) -> None:
    """Are forged, foreign and malformed decisions refused, with nothing recorded?"""
    client = _signed_in(reports_app, open_link)
    page = client.get("/reports/overview").get_data(as_text=True)
    token = _csrf(page)
    mine = _action(reports_app, "investigate_intent")
    theirs = _action(reports_app, "rollback")  # owner: head@example.com
    assert f'action="/reports/actions/{theirs.id}/decide"' not in page
    assert (
        client.post(f"/reports/actions/{mine.id}/decide", data={"decision": "x"}).status_code == 403
    )
    refused = client.post(
        f"/reports/actions/{theirs.id}/decide", data={"csrf_token": token, "decision": "x"}
    )
    assert refused.status_code == 403 and b"head@example.com" in refused.data
    past = client.post(f"/reports/actions/{mine.id}/decide",
                       data={"csrf_token": token, "decision": "later", "due_on": "2026-01-01"})  # fmt: skip
    assert past.status_code == 422 and b"is in the past" in past.data
    assert b'value="later"' in past.data and b"<details open>" in past.data  # nothing typed is lost
    bad = client.post(f"/reports/actions/{mine.id}/decide",
                      data={"csrf_token": token, "decision": "later", "due_on": "next week"})  # fmt: skip
    assert bad.status_code == 422 and b"a date like" in bad.data
    empty = client.post(
        f"/reports/actions/{mine.id}/decide", data={"csrf_token": token, "decision": " "}
    )
    assert empty.status_code == 422
    with runtime_of(reports_app).sessions() as session:
        assert session.scalar(sa.select(sa.func.count(ActionDecision.id))) == 0


def test_the_review_session_comes_with_the_reports_session(
    reports_app: Flask, open_link: Callable[[], str]
) -> None:
    """Can a lead signed in to the reports open the QA review without a second link?"""
    client = _signed_in(reports_app, open_link)
    page = client.get("/review/").get_data(as_text=True)
    assert "Reviewing as lead@example.com" in page
