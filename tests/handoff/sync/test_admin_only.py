"""Incremental exports are for admins only: a sync with an agent's token says what to change."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from handoff import sync
from handoff.models import HelpdeskTicket
from handoff.ticketing.errors import ExportForbidden
from handoff.ticketing.zendesk import ZendeskHelpdesk
from sandbox import SandboxState


@pytest.fixture
def as_agent(zendesk: SandboxState) -> ZendeskHelpdesk:
    """Return the real adapter with the API token of an agent (not an admin)."""
    zendesk.add_user("Ada Agent", "ada@sandbox.test", "agent")
    return ZendeskHelpdesk.connect(
        subdomain="sandbox", email="ada@sandbox.test", token="test-token", timeout=5
    )


def test_an_agents_token_gets_an_error_naming_the_user_and_the_fix(
    sessions, as_agent, zendesk, history, clock
):
    """Does a sync with an agent's token stop with ExportForbidden naming the user, its role
    and the admin requirement, store nothing, and leave no cursor behind?"""
    with pytest.raises(ExportForbidden) as raised:
        sync.sync(sessions, as_agent, now=clock)
    message = str(raised.value)
    assert "ada@sandbox.test" in message and "'agent'" in message
    assert "admins only" in message and "ZENDESK_EMAIL" in message
    assert raised.value.http_status == 403 and not raised.value.retryable
    # One refused export, one look at who the token is; nothing retried, nothing stored.
    assert [(e.path, e.status) for e in zendesk.requests()] == [
        ("/api/v2/incremental/tickets/cursor.json", 403),
        ("/api/v2/users/me.json", 200),
    ]
    with sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(HelpdeskTicket)) == 0
        assert sync.cursors(s) == []


def test_the_sync_command_prints_the_error_without_a_traceback(
    make_app, as_agent, zendesk, history
):
    """Does ``handoff sync`` with an agent's token exit 1 with the actionable message only?"""
    from helpdesk_app.cli import main

    result = make_app(helpdesk=as_agent).test_cli_runner().invoke(main, ["sync"])
    assert result.exit_code == 1
    assert "helpdesk_export_forbidden" in result.output and "admin" in result.output
    assert "Traceback" not in result.output and not isinstance(result.exception, ExportForbidden)


def test_an_admins_token_syncs(sessions, helpdesk, zendesk, history, clock):
    """With the admin's token, does the same sync go through?"""
    assert sync.sync(sessions, helpdesk, now=clock).tickets == len(history)
