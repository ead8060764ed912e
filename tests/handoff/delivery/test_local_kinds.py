"""Policy checks in the delivery worker: they write only to our database, so Zendesk's pacing never holds them."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from handoff import packets
from handoff.delivery.worker import WorkerConfig, claim, deliver_item, run_pass
from handoff.models import OutboxItem
from handoff.policy import hooks
from tests import factories


class PausedZendesk:
    """A pacer under a long 429 pause: waiting on it is a failure of the test."""

    def __init__(self) -> None:
        self.waits = 0

    def wait_unpaused(self) -> float:
        self.waits += 1
        raise AssertionError("a policy check waited for Zendesk's pause")

    def pause(self, seconds: float) -> None:
        """Accept a pause."""


def _accept(session, clock, **overrides):
    """Accept a packet as the API does: its note and its policy check queued with it."""
    body = factories.packet(**overrides)
    packets.accept_packet(session, body, now=clock(), follow_ups=hooks.packet_follow_ups)
    session.commit()
    return body["packet_id"]


def _status(sessions, key):
    with sessions() as s:
        return s.scalar(sa.select(OutboxItem.status).where(OutboxItem.key == key))


def test_a_policy_check_does_not_wait_out_a_zendesk_pause(session, clock):
    """With the helpdesk paused by a 429, is a policy check still delivered at once?"""
    packet_id = _accept(session, clock)
    (item,) = claim(session, worker_id="w", now=clock(), batch=5, lease=timedelta(minutes=2),
                    kinds=["policy_check"])  # fmt: skip
    bucket = PausedZendesk()
    outcome = deliver_item(session, item, None, now=clock(), config=WorkerConfig(),
                           bucket=bucket, fields={})  # fmt: skip
    assert (outcome, bucket.waits) == ("delivered", 0)
    assert item.key == f"policy_check:packet:{packet_id}"


class RecordingHelpdesk:
    """A helpdesk that notes, at its first call, whether the batch's policy check was already done."""

    def __init__(self, sessions, check_key):
        self.sessions, self.check_key, self.check_status_at_first_call = sessions, check_key, None

    def __getattr__(self, name):
        if self.check_status_at_first_call is None:
            self.check_status_at_first_call = _status(self.sessions, self.check_key)
        raise RuntimeError("helpdesk down")


def test_a_pass_runs_policy_checks_before_the_notes_claimed_with_them(session, sessions, clock):
    """When a batch holds older notes and a newer check, is the check done before any Zendesk call?"""
    _accept(session, clock)  # an older packet: its note is the oldest item
    clock.advance(seconds=5)
    newer = _accept(session, clock)
    helpdesk = RecordingHelpdesk(sessions, f"policy_check:packet:{newer}")
    summary = run_pass(sessions, helpdesk, worker_id="w", clock=clock, config=WorkerConfig(),
                       batch=10)  # fmt: skip
    assert summary.claimed == 4 and summary.delivered == 2
    assert helpdesk.check_status_at_first_call == "delivered"
