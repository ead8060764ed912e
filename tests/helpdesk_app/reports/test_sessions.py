"""Reports and review sessions live in the database: sign-out and revoke close them at once."""

from __future__ import annotations

import re
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask

from handoff.db import transaction
from handoff.models.metrics import BrowserSession
from helpdesk_app.cli import main
from helpdesk_app.runtime import runtime as runtime_of


def _csrf(client: object) -> str:
    page = client.get("/reports/overview").get_data(as_text=True)  # type: ignore[attr-defined]
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the overview offers no form with a CSRF token"
    return match.group(1)


def test_revoke_by_name_closes_that_persons_sessions_only(
    reports_app: Flask, open_link: Callable[[], str]
) -> None:
    """Does `handoff reports revoke --who` close a live session at once, and no one else's?"""
    lead, other = reports_app.test_client(), reports_app.test_client()
    lead.get(open_link())
    runner = reports_app.test_cli_runner()
    other_link = runner.invoke(main, ["reports", "open-link", "head@example.com"]).output
    other.get(re.search(r"(/reports/open/\S+)", other_link).group(1))  # type: ignore[union-attr]
    assert lead.get("/reports/overview").status_code == 200
    assert lead.get("/review/").status_code == 200

    result = runner.invoke(main, ["reports", "revoke", "--who", "lead@example.com"])
    assert result.exit_code == 0, result.output
    assert "revoked 1 session" in result.output
    assert lead.get("/reports/overview").status_code == 401
    assert lead.get("/review/").status_code == 401
    assert other.get("/reports/overview").status_code == 200


def test_revoke_needs_a_target(reports_app: Flask) -> None:
    """Is a bare `handoff reports revoke` refused rather than closing everything?"""
    result = reports_app.test_cli_runner().invoke(main, ["reports", "revoke"])
    assert result.exit_code != 0
    assert "--who" in result.output


def test_sign_out_closes_this_browser(reports_app: Flask, open_link: Callable[[], str]) -> None:
    """Does signing out end this browser's session, and only with the form's CSRF token?"""
    first, second = reports_app.test_client(), reports_app.test_client()
    first.get(open_link())
    second.get(open_link())
    assert first.post("/reports/sign-out", data={"csrf_token": "forged"}).status_code == 403
    page = first.get("/reports/overview").get_data(as_text=True)
    assert 'action="/reports/sign-out"' in page
    assert first.post("/reports/sign-out", data={"csrf_token": _csrf(first)}).status_code == 200
    assert first.get("/reports/overview").status_code == 401
    assert second.get("/reports/overview").status_code == 200


def test_the_table_holds_no_usable_token(reports_app: Flask, open_link: Callable[[], str]) -> None:
    """Is the cookie's token stored only as its digest, with who and when it expires?"""
    client = reports_app.test_client()
    client.get(open_link())
    with client.session_transaction() as cookie:
        token = cookie["reports_sid"]
    runtime = runtime_of(reports_app)
    with transaction(runtime.sessions) as session:
        rows = session.execute(sa.select(BrowserSession)).scalars().all()
    assert [(r.who, r.kind, r.revoked_at) for r in rows] == [("lead@example.com", "reports", None)]
    assert rows[0].digest != token and token not in rows[0].digest
    assert rows[0].expires_at > rows[0].created_at
