"""zenpy's and requests' failures become the project's helpdesk errors, in the adapter only."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest

from handoff.errors import HelpdeskError
from handoff.ticketing.base import NewComment, NewTicketField
from handoff.ticketing.errors import (
    HelpdeskAuthError,
    HelpdeskNotFound,
    HelpdeskRejected,
    HelpdeskTimeout,
    HelpdeskUnavailable,
    RateLimited,
)
from handoff.ticketing.zendesk import ZendeskHelpdesk
from sandbox import SandboxState
from tests.handoff.ticketing.conftest import TIMEOUT_STALL

ROOT = Path(__file__).resolve().parents[3]


def _ticket(state: SandboxState) -> int:
    t, _ = state.create_ticket({"subject": "s", "comment": {"body": "x"}})
    return int(t["id"])


def test_not_found(helpdesk: ZendeskHelpdesk) -> None:
    """Is a missing ticket HelpdeskNotFound, and not worth retrying?"""
    with pytest.raises(HelpdeskNotFound) as info:
        helpdesk.get_ticket(424242)
    assert info.value.retryable is False and isinstance(info.value, HelpdeskError)


def test_not_found_on_write(helpdesk: ZendeskHelpdesk) -> None:
    """Is updating a missing ticket HelpdeskNotFound too?"""
    with pytest.raises(HelpdeskNotFound):
        helpdesk.update_ticket(424242, comment=NewComment("x"))


def test_unprocessable_is_rejected_with_details(
    helpdesk: ZendeskHelpdesk, state: SandboxState
) -> None:
    """Is a 422 HelpdeskRejected carrying Zendesk's field errors, and not retryable?"""
    tid = _ticket(state)
    with pytest.raises(HelpdeskRejected) as info:
        helpdesk.update_ticket(tid, status="nonsense")
    err = info.value
    assert err.http_status == 422 and err.error == "RecordInvalid" and not err.retryable
    assert err.details == [{"path": "status", "message": "Status: nonsense is not valid"}]
    with pytest.raises(HelpdeskRejected):
        helpdesk.create_ticket_field(NewTicketField(type="tagger", title="No options"))


def test_rate_limited_raises_at_once(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Does a 429 raise RateLimited with Retry-After at once, without zenpy retrying?"""
    state.configure_rate_limit(2)
    helpdesk.me()
    helpdesk.me()
    with pytest.raises(RateLimited) as info:
        helpdesk.me()
    assert info.value.retry_after is not None and info.value.retry_after >= 1
    assert info.value.retryable
    assert [e.status for e in state.requests()] == [200, 200, 429]


def test_rate_limited_while_paging(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Does a 429 in the middle of following comment pages surface as RateLimited?"""
    tid = _ticket(state)
    for n in range(150):
        state.update_ticket(tid, {"comment": {"body": f"c{n}"}})
    state.inject_fault(429, retry_after=7, path_prefix=f"/api/v2/tickets/{tid}/comments")
    with pytest.raises(RateLimited) as info:
        helpdesk.list_comments(tid)
    assert info.value.retry_after == 7


def test_rate_limited_without_retry_after(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Is a 429 without Retry-After still RateLimited, with retry_after None?"""
    state.inject_fault(429)
    with pytest.raises(RateLimited) as info:
        helpdesk.me()
    assert info.value.retry_after is None


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_unavailable(
    helpdesk: ZendeskHelpdesk, state: SandboxState, status: int
) -> None:
    """Are 5xx answers (HTML or JSON bodies) HelpdeskUnavailable and retryable?"""
    state.inject_fault(status)
    with pytest.raises(HelpdeskUnavailable) as info:
        helpdesk.me()
    assert info.value.retryable
    assert helpdesk.me().role == "admin"  # the fault was for one request only


def test_auth_errors(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Are 401 and 403 HelpdeskAuthError, not retryable?"""
    for status in (401, 403):
        state.inject_fault(status)
        with pytest.raises(HelpdeskAuthError) as info:
            helpdesk.get_users([state.api_user_id])
        assert info.value.http_status == status and not info.value.retryable


def test_a_forbidden_export_reads_zendesks_nested_error(state: SandboxState) -> None:
    """Is an agent's 403 on an export, whose body nests title and message under ``error``,
    a HelpdeskAuthError carrying Zendesk's title and message?"""
    state.add_user("Agent", "agent@sandbox.test", "agent")
    agent = ZendeskHelpdesk.connect(
        subdomain="sandbox", email="agent@sandbox.test", token="test-token", timeout=5
    )
    with pytest.raises(HelpdeskAuthError) as info:
        agent.export_ticket_events(datetime(2026, 1, 1, tzinfo=UTC))
    assert info.value.http_status == 403 and info.value.error == "Forbidden"
    assert "You do not have access to this page" in info.value.message


def test_timeout_before_write(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Is a stalled request HelpdeskTimeout, and is the comment absent when it never applied?"""
    tid = _ticket(state)
    state.inject_timeout(TIMEOUT_STALL, method="PUT")
    with pytest.raises(HelpdeskTimeout) as info:
        helpdesk.update_ticket(tid, comment=NewComment("packet [hf:t1]"))
    assert info.value.retryable and isinstance(info.value, HelpdeskUnavailable)
    assert helpdesk.find_comment(tid, "[hf:t1]") is None


def test_timeout_after_write_is_found_by_marker(
    helpdesk: ZendeskHelpdesk, state: SandboxState
) -> None:
    """After a timeout that reached Zendesk, does find_comment show the write was applied?"""
    tid = _ticket(state)
    state.inject_timeout(TIMEOUT_STALL, method="PUT", after_write=True)
    with pytest.raises(HelpdeskTimeout):
        helpdesk.update_ticket(tid, comment=NewComment("packet [hf:t2]"), add_tags=["handoff"])
    found = helpdesk.find_comment(tid, "[hf:t2]")
    assert found is not None and found.public is False
    # The tags call never ran: the handler adds them when it finds its note.
    assert "handoff" not in helpdesk.get_ticket(tid).tags


def test_connection_refused_is_unavailable(
    helpdesk: ZendeskHelpdesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Is an unreachable helpdesk HelpdeskUnavailable?"""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("ZENPY_FORCE_NETLOC", f"127.0.0.1:{port}")
    with pytest.raises(HelpdeskUnavailable):
        helpdesk.me()


def test_only_the_adapter_imports_zenpy() -> None:
    """Is zenpy imported by handoff/ticketing/zendesk.py and no other module of the product?"""
    pattern = re.compile(r"^\s*(from|import)\s+zenpy\b", re.MULTILINE)
    offenders = [
        str(path.relative_to(ROOT))
        for package in ("handoff", "helpdesk_app")
        for path in (ROOT / package).rglob("*.py")
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == ["handoff/ticketing/zendesk.py"]


def test_zenpy_budget_guard_never_sleeps(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Without our 429 hook, does zenpy's ratelimit_budget still raise before its first sleep?"""
    # The hook is the adapter's first line; this checks the second one, zenpy's own budget.
    helpdesk._z.users.session.hooks["response"].clear()
    state.inject_fault(429, retry_after=30)
    with pytest.raises(RateLimited) as info:
        helpdesk.me()
    assert info.value.retry_after is None  # zenpy's exception carries no response
    assert [e.status for e in state.requests()] == [429]


def test_a_429_on_the_tags_after_the_note_is_not_a_clean_refusal(
    helpdesk: ZendeskHelpdesk, state: SandboxState
) -> None:
    """When the note's PUT went through and the tags call then meets a 429, is it reported as
    a write that may have happened (so the retry looks for the note) rather than a clean 429?"""
    tid = _ticket(state)
    state.inject_fault(429, retry_after=5, method="PUT", path_prefix=f"/api/v2/tickets/{tid}/tags")
    with pytest.raises(HelpdeskUnavailable) as raised:
        helpdesk.update_ticket(tid, comment=NewComment("packet [hf:t9]"), add_tags=["handoff"])
    assert not isinstance(raised.value, RateLimited)
    assert helpdesk.find_comment(tid, "[hf:t9]") is not None
    state.inject_fault(429, retry_after=5, method="PUT", path_prefix=f"/api/v2/tickets/{tid}/tags")
    with pytest.raises(RateLimited):
        helpdesk.update_ticket(tid, add_tags=["handoff"])
