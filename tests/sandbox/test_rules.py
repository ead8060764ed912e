"""The documented Zendesk rules the sandbox enforces by default, each seen through plain HTTP."""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox import SandboxState
from tests.sandbox.conftest import Raw

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _ticket(state: SandboxState, **extra: object) -> int:
    t, _ = state.create_ticket({"subject": "s", "comment": {"body": "b"}, **extra})
    return int(t["id"])


def test_a_single_update_ignores_additional_tags(raw: Raw, state: SandboxState) -> None:
    """Does a single-ticket PUT ignore additional_tags, while the tags endpoint adds and keeps?"""
    tid = _ticket(state, tags=["vip"])
    raw("PUT", f"/api/v2/tickets/{tid}.json", json={"ticket": {"additional_tags": ["ours"]}})
    assert state.tickets[tid]["tags"] == ["vip"]
    added = raw("PUT", f"/api/v2/tickets/{tid}/tags.json", json={"tags": ["ours"]})
    assert added.json()["tags"] == ["ours", "vip"]
    raw("PUT", f"/api/v2/tickets/{tid}.json", json={"ticket": {"tags": ["only"]}})
    assert state.tickets[tid]["tags"] == ["only"]


def test_wrong_credentials_get_401(raw: Raw, state: SandboxState) -> None:
    """Are a wrong token, an end-user's email and a missing header all answered 401?"""
    end_user = state.add_user("Casey", "casey@example.com")
    raw.session.auth = ("admin@sandbox.test/token", "nope")
    assert raw("GET", "/api/v2/users/me.json").status_code == 401
    raw.session.auth = (f"{end_user['email']}/token", "test-token")
    assert raw("GET", "/api/v2/users/me.json").status_code == 401
    raw.session.auth = None
    assert raw("GET", "/api/v2/users/me.json").status_code == 401
    raw.session.auth = ("admin@sandbox.test/token", "test-token")
    assert raw("GET", "/api/v2/users/me.json").status_code == 200


def test_ticket_updates_share_100_a_minute_with_agents(raw: Raw, state: SandboxState) -> None:
    """Do API updates and agents' own edits share the account's 100 updates a minute, while
    reads keep going under the account-wide limit?"""
    state.set_time(START)
    agent = state.add_user("Agent", "agent@sandbox.test", "agent")
    tickets = [_ticket(state) for _ in range(4)]
    for n in range(90):
        put = raw("PUT", f"/api/v2/tickets/{tickets[n % 4]}/tags.json", json={"tags": [f"t{n}"]})
        assert put.status_code == 200, n
    assert all(state.agent_edit(tickets[n % 4], agent["id"]) for n in range(10))
    assert not state.agent_edit(tickets[0], agent["id"])
    refused = raw("PUT", f"/api/v2/tickets/{tickets[1]}.json", json={"ticket": {"status": "open"}})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert raw("GET", f"/api/v2/tickets/{tickets[1]}.json").status_code == 200
    assert state.agent_edits_refused == 1
    state.advance(minutes=1)
    assert state.agent_edit(tickets[0], agent["id"])


def test_30_updates_per_ticket_per_user_in_10_minutes(raw: Raw, state: SandboxState) -> None:
    """Is the 31st update of one ticket by one user within 10 minutes refused until they pass?"""
    state.set_time(START)
    tid = _ticket(state)
    for n in range(30):
        state.advance(seconds=15)
        assert raw("PUT", f"/api/v2/tickets/{tid}/tags.json", json={"tags": [f"x{n}"]}).ok
    assert raw("PUT", f"/api/v2/tickets/{tid}/tags.json", json={"tags": ["y"]}).status_code == 429
    state.advance(minutes=3)
    assert raw("PUT", f"/api/v2/tickets/{tid}/tags.json", json={"tags": ["y"]}).ok


def test_incremental_exports_allow_10_a_minute(raw: Raw, state: SandboxState) -> None:
    """Is the 11th incremental export in a minute refused with Retry-After (30 on High Volume)?"""
    state.set_time(START)
    for _ in range(10):
        assert raw("GET", "/api/v2/incremental/tickets/cursor.json?start_time=0").ok
    refused = raw("GET", "/api/v2/incremental/ticket_events.json?start_time=0")
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    state.configure_plan("high_volume")
    assert all(
        raw("GET", "/api/v2/incremental/tickets/cursor.json?start_time=0").ok for _ in range(30)
    )


def test_incremental_exports_are_for_admins_only(raw: Raw, state: SandboxState) -> None:
    """Is an agent's token refused 403 on both exports (and on nothing else), an admin's not?"""
    state.add_user("Agent", "agent@sandbox.test", "agent")
    raw.session.auth = ("agent@sandbox.test/token", "test-token")
    for path in (
        "/api/v2/incremental/tickets/cursor.json?start_time=0",
        "/api/v2/incremental/ticket_events.json?start_time=0&include=comment_events",
    ):
        refused = raw("GET", path)
        assert refused.status_code == 403, path
        assert refused.json()["error"]["title"] == "Forbidden"
    assert raw("GET", "/api/v2/users/me.json").json()["user"]["role"] == "agent"
    assert raw("GET", "/api/v2/tickets.json").status_code == 200
    raw.session.auth = ("admin@sandbox.test/token", "test-token")
    assert raw("GET", "/api/v2/incremental/tickets/cursor.json?start_time=0").status_code == 200
