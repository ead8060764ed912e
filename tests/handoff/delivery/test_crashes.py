"""Workers killed with SIGKILL mid-drain, under faults, with leases shorter than the stalls: each note lands once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from handoff import packets
from handoff.delivery.note import packet_marker
from handoff.delivery.worker import WorkerConfig, claim, deliver_item
from handoff.models import OutboxItem, Packet
from handoff.ticketing.base import NewComment
from tests import factories
from tests.conftest import ROOT
from tests.handoff.delivery.conftest import CLIENT_TIMEOUT, TIMEOUT_STALL, ticket_for

PACKETS = 48
FAULT_EVERY = 0.3
LEASE = 5.0  # shorter than the stalls below add up to in one batch, and than the Retry-After
RETRY_AFTER = 7
DEADLINE = 150.0


def marked(zendesk, ticket_id: int, marker: str) -> list[dict]:
    """Return our API user's comments on the ticket whose last line is ``marker`` (the notes written)."""
    return [
        c
        for c in zendesk.comments.get(ticket_id, [])
        if c["author_id"] == zendesk.api_user_id and c["body"].rstrip().splitlines()[-1] == marker
    ]


def spawn(database_url: str, name: str, log: Path) -> subprocess.Popen:
    """Start one worker process."""
    argv = [
        sys.executable,
        "-m",
        "tests.handoff.delivery.crash_worker",
        database_url,
        name,
        str(LEASE),
    ]
    with log.open("ab") as out:
        return subprocess.Popen(argv, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},  # noqa: S603
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip


def counts(sessions) -> dict[str, int]:
    """Count outbox items by status."""
    with sessions() as s:
        return dict(
            s.execute(
                sa.select(OutboxItem.status, sa.func.count()).group_by(OutboxItem.status)
            ).all()
        )


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_killed_workers_under_faults_lose_nothing_and_write_nothing_twice(
    seed, database_url, session, sessions, zendesk, fields, clock, tmp_path
):
    """With two workers SIGKILLed mid-drain, 5 s leases, 3 s stalls, 5xx and a 7 s Retry-After: is every note written once?"""
    rng = random.Random(seed)
    tickets = [ticket_for(zendesk, f"Order {n}") for n in range(PACKETS)]
    sent = []
    for ticket_id in tickets:
        sent.append(
            packets.accept_packet(
                session, factories.packet(ticket_id=ticket_id), now=clock()
            ).packet
        )
    session.commit()
    faults = ["stall"] * 6 + ["500", "502", "503", "500", "502"] + ["429"] * 3
    rng.shuffle(faults)

    def inject(fault: str) -> None:
        if fault == "stall":
            zendesk.inject_timeout(TIMEOUT_STALL, after_write=rng.random() < 0.7, method="PUT")
        elif fault == "429":
            zendesk.inject_fault(429, retry_after=RETRY_AFTER, method="PUT")
        else:
            zendesk.inject_fault(int(fault), method="PUT")

    assert TIMEOUT_STALL > CLIENT_TIMEOUT and LEASE < RETRY_AFTER
    log = tmp_path / "workers.log"
    workers = [spawn(database_url, f"w{i}", log) for i in range(2)]
    started = time.monotonic()
    kills = sorted(rng.sample(range(4, PACKETS - 8), 2))
    # Faults arrive through the drain, one every FAULT_EVERY seconds once delivery has begun.
    while counts(sessions).get("delivered", 0) == 0:
        assert time.monotonic() - started < DEADLINE, log.read_text()[-3000:]
        time.sleep(0.05)
    next_fault = time.monotonic()
    try:
        while True:
            done = counts(sessions)
            if done.get("delivered", 0) + done.get("failed", 0) >= PACKETS:
                break
            assert time.monotonic() - started < DEADLINE, (done, log.read_text()[-3000:])
            if faults and time.monotonic() >= next_fault:
                inject(faults.pop())
                next_fault += FAULT_EVERY
            if kills and done.get("delivered", 0) >= kills[0]:
                kills.pop(0)
                victim = workers.pop(rng.randrange(len(workers)))
                victim.send_signal(signal.SIGKILL)
                victim.wait()
                workers.append(spawn(database_url, f"w{PACKETS - len(kills)}", log))
            time.sleep(0.05)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
            worker.wait()
    assert counts(sessions) == {"delivered": PACKETS}
    written = {
        p.packet_id: len(marked(zendesk, p.ticket_id, packet_marker(p.packet_id))) for p in sent
    }
    assert written == {p.packet_id: 1 for p in sent}


def deliver_claimed(
    sessions, helpdesk, clock, fields, *, uncertain: set[str] = frozenset()
) -> dict[str, str]:
    """Claim every due item and deliver it; items of packets in ``uncertain`` act as retries."""
    outcomes = {}
    with sessions() as s:
        for item in claim(s, worker_id="w", now=clock(), batch=50, lease=WorkerConfig().lease):
            if item.payload["packet_id"] in uncertain:
                item.attempts = 2  # an earlier attempt timed out, or its worker died
            outcomes[item.payload["packet_id"]] = deliver_item(
                s, item, helpdesk, now=clock(), config=WorkerConfig(), fields=fields,
                author_id=lambda: helpdesk.me().id,
            )  # fmt: skip
    return outcomes


def test_a_quoted_marker_does_not_make_a_note_look_written(
    session, sessions, helpdesk, zendesk, fields, clock
):
    """If packet B's summary and a customer's comment quote A's marker, is A's uncertain retry still written?"""
    ticket_id = ticket_for(zendesk)
    a = packets.accept_packet(session, factories.packet(ticket_id=ticket_id), now=clock()).packet
    marker_a = packet_marker(a.packet_id)
    summary = f"Customer pasted this from an old mail:\n{marker_a}"
    b = packets.accept_packet(
        session, factories.packet(ticket_id=ticket_id, summary=summary), now=clock()
    ).packet
    session.commit()
    customer = zendesk.customer["id"]  # type: ignore[attr-defined]
    helpdesk.update_ticket(
        ticket_id,
        comment=NewComment(body=f"As the bot said:\n{marker_a}", public=True, author_id=customer),
    )
    assert deliver_claimed(sessions, helpdesk, clock, fields, uncertain={a.packet_id}) == {
        a.packet_id: "delivered",
        b.packet_id: "delivered",
    }
    assert len(marked(zendesk, ticket_id, marker_a)) == 1
    b_note = marked(zendesk, ticket_id, packet_marker(b.packet_id))[0]["body"]
    assert marker_a not in b_note
    # The summary's own lines stay inside the summary: indented, never a line of the note's frame.
    assert all(
        not line.startswith(("=== END", "Escalation reason: fake"))
        for line in b_note.splitlines()[1:-2]
    )


def test_free_text_cannot_forge_the_notes_frame(
    session, sessions, helpdesk, zendesk, fields, clock
):
    """Can a summary add its own footer or escalation line to the note? (It must not.)"""
    ticket_id = ticket_for(zendesk)
    summary = "Refund asked.\n=== END OF HANDOFF ===\nEscalation reason: legal_threat"
    packet = packets.accept_packet(
        session, factories.packet(ticket_id=ticket_id, summary=summary), now=clock()
    ).packet
    session.commit()
    deliver_claimed(sessions, helpdesk, clock, fields)
    (note,) = marked(zendesk, ticket_id, packet_marker(packet.packet_id))
    lines = note["body"].splitlines()
    assert [line for line in lines if line == "=== END OF HANDOFF ==="] == [lines[-2]]
    assert len([line for line in lines if line.startswith("Escalation reason:")]) == 1


def test_a_ticket_created_before_a_timeout_is_found_not_created_again(
    session, sessions, helpdesk, zendesk, fields, clock
):
    """When creating a ticket timed out after Zendesk wrote it, does the retry find it by external id?"""
    body = factories.packet(requester={"email": "new@example.com", "name": "New Person"})
    del body["ticket_id"]
    packet = packets.accept_packet(session, body, now=clock()).packet
    session.commit()
    before = set(zendesk.tickets)
    zendesk.inject_timeout(TIMEOUT_STALL, after_write=True, method="POST")
    assert deliver_claimed(sessions, helpdesk, clock, fields) == {packet.packet_id: "pending"}
    clock.advance(minutes=30)
    assert deliver_claimed(sessions, helpdesk, clock, fields) == {packet.packet_id: "delivered"}
    created = set(zendesk.tickets) - before
    assert len(created) == 1
    with sessions() as s:
        stored = s.scalar(sa.select(Packet.ticket_id).where(Packet.packet_id == packet.packet_id))
    assert stored == created.pop()
