"""Zendesk's safe update (``safe_update`` with ``updated_stamp``) as the sandbox enforces it."""

from __future__ import annotations

from datetime import timedelta

from sandbox import SandboxState
from tests.sandbox.conftest import Raw


def _ticket(state: SandboxState) -> int:
    t, _ = state.create_ticket({"subject": "s", "comment": {"body": "b"}})
    # Last changed a minute ago, so any update now moves updated_at to a later second.
    t["updated_at"] -= timedelta(minutes=1)
    return int(t["id"])


def _put(raw: Raw, tid: int, stamp: str, body: str = "note") -> object:
    return raw(
        "PUT",
        f"/api/v2/tickets/{tid}.json",
        json={"ticket": {"comment": {"body": body}, "safe_update": True, "updated_stamp": stamp}},
    )


def test_a_safe_update_with_the_current_stamp_is_applied(raw: Raw, state: SandboxState) -> None:
    """Is a safe update stamped with the ticket's updated_at as read applied (200)?"""
    tid = _ticket(state)
    stamp = raw("GET", f"/api/v2/tickets/{tid}.json").json()["ticket"]["updated_at"]
    answer = _put(raw, tid, stamp)
    assert answer.status_code == 200  # type: ignore[attr-defined]
    assert [c["body"] for c in state.comments[tid]] == ["b", "note"]


def test_a_safe_update_with_an_old_stamp_gets_409_and_writes_nothing(
    raw: Raw, state: SandboxState
) -> None:
    """After the ticket changed, is a safe update with the older stamp refused 409 UpdateConflict?"""
    tid = _ticket(state)
    stamp = raw("GET", f"/api/v2/tickets/{tid}.json").json()["ticket"]["updated_at"]
    assert _put(raw, tid, stamp, "first").status_code == 200  # type: ignore[attr-defined]
    late = _put(raw, tid, stamp, "second")
    assert late.status_code == 409  # type: ignore[attr-defined]
    assert late.json()["error"] == "UpdateConflict"  # type: ignore[attr-defined]
    assert [c["body"] for c in state.comments[tid]] == ["b", "first"]


def test_without_safe_update_the_stamp_is_not_checked(raw: Raw, state: SandboxState) -> None:
    """Does an update without safe_update true apply whatever updated_stamp says?"""
    tid = _ticket(state)
    answer = raw(
        "PUT",
        f"/api/v2/tickets/{tid}.json",
        json={"ticket": {"comment": {"body": "x"}, "updated_stamp": "2001-01-01T00:00:00Z"}},
    )
    assert answer.status_code == 200
