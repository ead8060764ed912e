"""Packets, flags and comments reach the (sandbox) ticket through the real zenpy client, once each."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from handoff import outbox, packets
from handoff.delivery import objects
from handoff.delivery.note import packet_marker
from handoff.delivery.worker import claim, deliver_item, delivery_status, requeue
from handoff.models import OutboxItem, Packet
from tests import factories
from tests.handoff.delivery.conftest import TIMEOUT_STALL, comments_with, ticket_for


def accept(session, clock, **overrides) -> Packet:
    """Accept a packet and commit, as the API does."""
    accepted = packets.accept_packet(session, factories.packet(**overrides), now=clock())
    session.commit()
    return accepted.packet


def items(sessions) -> list[OutboxItem]:
    """Return every outbox item, read fresh."""
    with sessions() as s:
        return list(s.scalars(sa.select(OutboxItem).order_by(OutboxItem.id)))


def test_a_packet_becomes_one_internal_note_with_tags_and_fields(
    session, sessions, zendesk, fields, clock, drain
):
    """Is an accepted packet written as one private, marked note with our tags and custom fields?"""
    ticket_id = ticket_for(zendesk)
    packet = accept(session, clock, ticket_id=ticket_id)
    drain(archetype_of=lambda intent: "where_is_my_stuff" if intent == "order_status" else None)
    (note,) = comments_with(zendesk, ticket_id, packet_marker(packet.packet_id))
    assert note["public"] is False
    assert "HANDOFF FROM THE BOT" in note["body"]
    assert "Order A-10442 shows in transit" in note["body"]
    assert "Escalation reason: low_confidence - carrier data stale" in note["body"]
    assert "order_id: A-10442" in note["body"]
    ticket = zendesk.tickets[ticket_id]
    assert {"handoff_packet", "intent_order_status", "escalation_low_confidence"} <= set(
        ticket["tags"]
    )
    values = ticket["custom_fields"]
    assert values[fields["intent"]] == "order_status"
    assert values[fields["archetype"]] == "where_is_my_stuff"
    assert values[fields["escalation_reason"]] == "low_confidence"
    assert values[fields["completeness"]] == 100
    (item,) = items(sessions)
    assert item.status == "delivered" and item.result["ticket_id"] == ticket_id


def test_a_packet_without_a_ticket_opens_one_for_the_requester(
    session, sessions, zendesk, fields, clock, drain
):
    """Without ticket_id, is a ticket created for the requester with the note first, and its id stored?"""
    body = factories.packet(requester={"email": "new.customer@example.com", "name": "New Customer"})
    del body["ticket_id"]
    packet = packets.accept_packet(session, body, now=clock()).packet
    session.commit()
    drain()
    with sessions() as s:
        stored = packets.get_packet(s, packet.packet_id)
    assert stored.ticket_id is not None
    ticket = zendesk.tickets[stored.ticket_id]
    requester = zendesk.users[ticket["requester_id"]]
    assert requester["email"] == "new.customer@example.com"
    first = zendesk.comments[stored.ticket_id][0]
    assert packet_marker(packet.packet_id) in first["body"] and first["public"] is False
    assert "handoff_packet" in ticket["tags"]
    assert items(sessions)[0].ticket_id == stored.ticket_id


def test_every_packet_arrives_exactly_once_through_429s_500s_and_a_timeout_after_write(
    session, sessions, zendesk, fields, clock, drain
):
    """With the sandbox failing for a while (429, 500, 503, a stall after the write), does each note land once?"""
    tickets = [ticket_for(zendesk, f"Order {n}") for n in range(6)]
    sent = [accept(session, clock, ticket_id=t) for t in tickets]
    zendesk.inject_fault(429, count=2, retry_after=1)
    zendesk.inject_fault(500, count=2, method="PUT")
    zendesk.inject_timeout(TIMEOUT_STALL, count=1, after_write=True, method="PUT")
    zendesk.inject_fault(503, count=1)
    summary = drain()
    assert summary.rate_limited >= 1 and summary.retried >= 2
    for ticket_id, packet in zip(tickets, sent, strict=True):
        assert len(comments_with(zendesk, ticket_id, packet_marker(packet.packet_id))) == 1
    assert {i.status for i in items(sessions)} == {"delivered"}
    assert any(i.result.get("already_there") for i in items(sessions))


def test_a_timeout_after_the_write_is_not_written_twice(
    session, sessions, zendesk, fields, clock, drain
):
    """When the PUT reached Zendesk but the answer timed out, does the retry find the note instead of adding one?"""
    ticket_id = ticket_for(zendesk)
    packet = accept(session, clock, ticket_id=ticket_id)
    zendesk.inject_timeout(TIMEOUT_STALL, after_write=True, method="PUT")
    drain()
    assert len(comments_with(zendesk, ticket_id, packet_marker(packet.packet_id))) == 1
    (item,) = items(sessions)
    assert item.status == "delivered" and item.result["already_there"] is True
    assert item.attempts == 2


def test_a_429_on_the_tags_after_the_note_adds_the_tags_not_a_second_note(
    session, sessions, zendesk, fields, clock, drain
):
    """When the note is written and the tags call then meets a 429, does the retry find the note,
    add the tags, and leave one note, keeping a tag an agent set meanwhile?"""
    ticket_id = ticket_for(zendesk)
    packet = accept(session, clock, ticket_id=ticket_id)
    zendesk.inject_fault(
        429, retry_after=1, method="PUT", path_prefix=f"/api/v2/tickets/{ticket_id}/tags"
    )
    zendesk.change_tags(ticket_id, ["vip"], "add")
    drain()
    assert len(comments_with(zendesk, ticket_id, packet_marker(packet.packet_id))) == 1
    assert {"vip", "handoff_packet"} <= set(zendesk.tickets[ticket_id]["tags"])
    (item,) = items(sessions)
    assert item.status == "delivered" and item.result["already_there"] is True


def test_a_worker_killed_mid_delivery_is_resumed_without_a_duplicate(
    session, sessions, helpdesk, zendesk, fields, clock, config, drain
):
    """If a worker wrote the note and died before recording it, does the next worker, after the lease, not write it again?"""
    ticket_id = ticket_for(zendesk)
    packet = accept(session, clock, ticket_id=ticket_id)
    with sessions() as s:
        (claimed,) = claim(s, worker_id="doomed", now=clock(), batch=10, lease=timedelta(minutes=2))
        # The doomed worker's write reaches Zendesk; then the process dies.
        from handoff.delivery.handlers import DeliveryContext, handler_for

        ctx = DeliveryContext(session=s, helpdesk=helpdesk, now=clock(), fields=fields)
        handler_for(claimed.kind)(ctx, claimed)
        s.rollback()
    with sessions() as s:
        assert claim(s, worker_id="other", now=clock(), batch=10, lease=config.lease) == []
    clock.advance(minutes=3)
    drain(worker_id="other")
    assert len(comments_with(zendesk, ticket_id, packet_marker(packet.packet_id))) == 1
    (item,) = items(sessions)
    assert item.status == "delivered" and item.result["already_there"] is True


def test_a_ticket_zendesk_does_not_have_fails_with_the_reason_and_can_be_requeued(
    session, sessions, zendesk, fields, clock, drain
):
    """Is a 404 a permanent failure with its reason kept, and does requeueing deliver it once the ticket exists?"""
    packet = accept(session, clock, ticket_id=424242)
    drain()
    (item,) = items(sessions)
    assert item.status == "failed" and "HelpdeskNotFound" in item.last_error
    with sessions() as s:
        p = packets.get_packet(s, packet.packet_id)
        p.ticket_id = ticket_for(zendesk)
        assert requeue(s, now=clock(), ids=[item.id]) == 1
        s.commit()
    drain()
    (item,) = items(sessions)
    assert item.status == "delivered"


def test_after_the_last_attempt_an_item_fails_and_is_kept(
    session, sessions, zendesk, fields, clock, drain
):
    """When Zendesk keeps answering 500, does the item end failed with the reason rather than vanish?"""
    accept(session, clock, ticket_id=ticket_for(zendesk))
    zendesk.inject_fault(500, count=100, method="PUT")
    drain(step=3600)
    (item,) = items(sessions)
    assert item.status == "failed"
    assert item.last_error.startswith("gave up after 6 attempts")
    zendesk.faults.clear()


def test_the_reask_flag_sets_and_clears_the_checkbox_and_tag(
    session, sessions, zendesk, fields, clock, drain
):
    """Does a reask_flag item tick the checkbox and add handoff_reask, and the clear untick and remove it?"""
    ticket_id = ticket_for(zendesk)
    outbox.enqueue(session, kind="reask_flag", key="reask_flag:1:set", payload={"ticket_id": ticket_id, "value": True}, now=clock(), ticket_id=ticket_id)  # fmt: skip
    session.commit()
    drain()
    ticket = zendesk.tickets[ticket_id]
    assert ticket["custom_fields"][fields["reask"]] is True and "handoff_reask" in ticket["tags"]
    outbox.enqueue(session, kind="reask_flag", key="reask_flag:1:clear", payload={"ticket_id": ticket_id, "value": False}, now=clock(), ticket_id=ticket_id)  # fmt: skip
    session.commit()
    drain()
    ticket = zendesk.tickets[ticket_id]
    assert ticket["custom_fields"][fields["reask"]] is False
    assert "handoff_reask" not in ticket["tags"]


def test_a_public_comment_is_added_once_even_after_a_timeout(
    session, sessions, zendesk, fields, clock, drain
):
    """Is a public_comment written once, publicly, with its marker, even when the first answer was lost?"""
    ticket_id = ticket_for(zendesk)
    marker = "[handoff:csat:77]"
    outbox.enqueue(session, kind="public_comment", key="public_comment:csat:77", payload={"ticket_id": ticket_id, "body": "How did we do? https://survey.example/77", "marker": marker}, now=clock(), ticket_id=ticket_id)  # fmt: skip
    session.commit()
    zendesk.inject_timeout(TIMEOUT_STALL, after_write=True, method="PUT")
    drain()
    (comment,) = comments_with(zendesk, ticket_id, marker)
    assert comment["public"] is True and "https://survey.example/77" in comment["body"]


def test_an_unknown_kind_fails_permanently(session, sessions, zendesk, fields, clock, drain):
    """Is an item of a kind nobody handles failed with the reason instead of retried forever?"""
    outbox.enqueue(session, kind="mystery", key="mystery:1", payload={}, now=clock())
    session.commit()
    drain()
    (item,) = items(sessions)
    assert item.status == "failed" and "no handler" in item.last_error


def test_a_stop_request_finishes_the_item_in_hand_and_releases_the_rest(
    session, sessions, helpdesk, zendesk, fields, clock, config
):
    """When asked to stop mid-batch, does the worker deliver the current item and hand the others back untouched?"""
    from handoff.delivery.worker import run_pass

    for n in range(3):
        accept(session, clock, ticket_id=ticket_for(zendesk, f"Order {n}"))
    calls = iter([False, True, True])
    summary = run_pass(
        sessions,
        helpdesk,
        worker_id="w",
        clock=clock,
        config=config,
        batch=10,
        should_stop=lambda: next(calls),
    )
    assert (summary.delivered, summary.released) == (1, 2)
    states = [(i.status, i.attempts, i.locked_by) for i in items(sessions)]
    assert states == [("delivered", 1, None), ("pending", 0, None), ("pending", 0, None)]


def test_status_counts_items_and_shows_the_last_error(
    session, sessions, zendesk, fields, clock, drain
):
    """Does the status report counts by status, the oldest pending age and the latest error?"""
    accept(session, clock, ticket_id=999999)
    accept(session, clock, ticket_id=ticket_for(zendesk))
    drain()
    accept(session, clock, ticket_id=ticket_for(zendesk))
    clock.advance(minutes=10)
    with sessions() as s:
        state = delivery_status(s, clock())
    assert state.counts == {"pending": 1, "in_progress": 0, "delivered": 1, "failed": 1}
    assert state.oldest_pending_seconds == 600
    assert "HelpdeskNotFound" in state.last_errors[0]["error"]


def test_deliver_item_records_a_429s_retry_after_without_using_an_attempt(
    session, sessions, helpdesk, zendesk, fields, clock, config
):
    """Is a 429 rescheduled at its Retry-After, and left out of the attempt count?"""
    accept(session, clock, ticket_id=ticket_for(zendesk))
    zendesk.inject_fault(429, retry_after=7)
    with sessions() as s:
        (item,) = claim(s, worker_id="w", now=clock(), batch=1, lease=config.lease)
        assert deliver_item(s, item, helpdesk, now=clock(), config=config) == "rate_limited"
    (item,) = items(sessions)
    assert item.status == "pending" and item.attempts == 0
    assert item.next_attempt_at == clock() + timedelta(seconds=7)


def test_setup_is_idempotent_and_stores_the_secret(session, helpdesk, zendesk, clock):
    """Does a second setup create nothing, and is the webhook's signing secret stored for verification?"""
    first = objects.setup(
        session,
        helpdesk,
        endpoint="https://h.example/webhooks/zendesk",
        now=clock(),
        sealing_key="k",
    )
    session.commit()
    second = objects.setup(
        session,
        helpdesk,
        endpoint="https://h.example/webhooks/zendesk",
        now=clock(),
        sealing_key="k",
    )
    session.commit()
    assert len(first.created) == 6 and second.created == ()
    assert objects.webhook_secret(session, "k") == zendesk.webhook_secrets[first.webhook_id]
    custom = [f for f in zendesk.ticket_fields.values() if not f["system"]]
    assert len(custom) == 5
    (hook,) = zendesk.webhooks.values()
    assert hook["endpoint"] == "https://h.example/webhooks/zendesk"
    assert "zen:event-type:ticket.comment_added" in hook["subscriptions"]


def test_setup_records_the_bot_and_the_product_as_never_agents(session, helpdesk, zendesk, clock):
    """Does setup record the configured bot user and the product's own user, and forget a bot no longer configured?"""
    bot = zendesk.add_user("Ava (bot)", "ava.bot@example.com", "agent")
    objects.setup(session, helpdesk, endpoint="https://h.example/webhooks/zendesk", now=clock(),
                  sealing_key="k", bot_user_ids=[bot["id"]])  # fmt: skip
    session.commit()
    me = helpdesk.me()
    assert objects.nonagent_user_ids(session) == {bot["id"], me.id}
    objects.setup(
        session,
        helpdesk,
        endpoint="https://h.example/webhooks/zendesk",
        now=clock(),
        sealing_key="k",
    )
    session.commit()
    assert objects.nonagent_user_ids(session) == {me.id}
