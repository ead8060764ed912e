"""Pruning delivered outbox items past their retention, and workers limited to some kinds."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from handoff.delivery.worker import claim, prune_delivered
from handoff.models import OutboxItem
from handoff.models.delivery import DELIVERED, FAILED, PENDING
from handoff.outbox import Queued


def _item(session, key, *, status, delivered_days_ago, now, kind="packet_note"):
    """Add an item in ``status``, delivered ``delivered_days_ago`` days before ``now`` (or never)."""
    item = OutboxItem(**Queued(kind, key, {"packet_id": key}).row(now - timedelta(days=90)))
    item.status = status
    if delivered_days_ago is not None:
        item.delivered_at = now - timedelta(days=delivered_days_ago)
    session.add(item)
    return item


def _keys(session):
    return sorted(session.scalars(sa.select(OutboxItem.key)))


def test_prune_deletes_only_delivered_items_past_the_retention(session, clock):
    """Are delivered items older than the cutoff deleted, and recent, pending and failed ones kept?"""
    now = clock()
    _item(session, "old-delivered", status=DELIVERED, delivered_days_ago=40, now=now)
    _item(session, "older-delivered", status=DELIVERED, delivered_days_ago=400, now=now)
    _item(session, "recent-delivered", status=DELIVERED, delivered_days_ago=2, now=now)
    _item(session, "old-failed", status=FAILED, delivered_days_ago=None, now=now)
    _item(session, "old-pending", status=PENDING, delivered_days_ago=None, now=now)
    session.commit()
    assert prune_delivered(session, now=now, older_than=timedelta(days=30)) == 2
    session.commit()
    assert _keys(session) == ["old-failed", "old-pending", "recent-delivered"]
    assert prune_delivered(session, now=now, older_than=timedelta(days=30)) == 0


def test_prune_goes_in_batches(session, clock):
    """Does one call delete at most ``batch`` items, the next call the rest?"""
    now = clock()
    for n in range(5):
        _item(session, f"d{n}", status=DELIVERED, delivered_days_ago=31, now=now)
    session.commit()
    assert prune_delivered(session, now=now, older_than=timedelta(days=30), batch=3) == 3
    assert prune_delivered(session, now=now, older_than=timedelta(days=30), batch=3) == 2
    session.commit()
    assert _keys(session) == []


def test_a_worker_limited_to_policy_checks_claims_no_notes(session, clock):
    """With ``kinds``, does a claim take only those kinds, oldest first, and leave the rest due?"""
    now = clock()
    session.add(OutboxItem(**Queued("packet_note", "note-1", {"packet_id": "1"}).row(now)))
    session.add(OutboxItem(**Queued("policy_check", "check-1", {"id": "1"}).row(now)))
    session.commit()
    claimed = claim(session, worker_id="w", now=now, batch=10, lease=timedelta(minutes=2),
                    kinds=["policy_check"])  # fmt: skip
    assert [i.key for i in claimed] == ["check-1"]
    rest = claim(session, worker_id="w2", now=now, batch=10, lease=timedelta(minutes=2))
    assert [i.key for i in rest] == ["note-1"]
