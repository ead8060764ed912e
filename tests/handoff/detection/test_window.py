"""The repetition window: after the handoff, before the agent's 4th public reply."""

from __future__ import annotations

from typing import Any

from handoff.detection import EXPLICIT, IMPLICIT, REASK, detect_ticket
from handoff.detection.engine import READ_CHARS
from tests.handoff.detection.conftest import agent, customer


def _explicit_ids(packet: dict[str, Any], comments: list[dict[str, Any]]) -> list[int]:
    return [f.comment_id for f in detect_ticket(packet, comments) if f.kind == EXPLICIT]


def test_repetition_after_the_fourth_agent_reply_does_not_count(packet: dict[str, Any]) -> None:
    """Is a repetition after the agent's 4th public reply left out?"""
    comments = [
        agent(1, "Hi, looking now.", 1),
        agent(2, "Still checking.", 2),
        agent(3, "Asked the carrier.", 3),
        customer(4, "Like I said, it's late.", 4),
        agent(5, "Carrier replied.", 5),
        customer(6, "For the third time, where is it?", 6),
    ]
    assert _explicit_ids(packet, comments) == [4]


def test_repetition_before_the_first_agent_reply_counts(packet: dict[str, Any]) -> None:
    """Does a repetition after the handoff but before any agent reply count, at turn 0?"""
    (finding,) = detect_ticket(packet, [customer(1, "I already explained this to the bot.", 1)])
    assert (finding.comment_id, finding.agent_turn) == (1, 0)


def test_messages_before_the_handoff_do_not_count(packet: dict[str, Any]) -> None:
    """Is a message written before the packet's created_at ignored?"""
    assert _explicit_ids(packet, [customer(1, "As I told the bot, it's late.", -5)]) == []


def test_private_notes_are_not_agent_turns(packet: dict[str, Any]) -> None:
    """Do internal notes neither close the window nor count as re-asks?"""
    comments = [agent(i, "Internal: what's the order number?", i, public=False) for i in range(4)]
    comments.append(customer(9, "Like I said, it's late.", 10))
    findings = detect_ticket(packet, comments)
    assert [(f.kind, f.comment_id) for f in findings] == [(EXPLICIT, 9)]


def test_agent_reask_only_in_the_first_three_turns(packet: dict[str, Any]) -> None:
    """Is an agent's 4th reply asking for the order number not a re-ask?"""
    comments = [agent(i, "What is your order number?", i) for i in range(1, 5)]
    assert [f.agent_turn for f in detect_ticket(packet, comments) if f.kind == REASK] == [1, 2, 3]


def test_comments_are_ordered_by_time_not_input(packet: dict[str, Any]) -> None:
    """Does the window follow created_at even when comments arrive out of order?"""
    comments = [
        customer(9, "Like I said, it's late.", 50),
        agent(1, "a", 1),
        agent(2, "b", 2),
        agent(3, "c", 3),
        agent(4, "d", 4),
    ]
    assert _explicit_ids(packet, comments) == []


def test_handoff_time_falls_back_when_packet_has_none(packet: dict[str, Any]) -> None:
    """Without a packet created_at, is the handoff_at argument used?"""
    from datetime import UTC, datetime

    del packet["created_at"]
    comments = [customer(1, "Like I said, it's late.", -5)]
    assert _explicit_ids(packet, comments) == [1]
    late = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert [f for f in detect_ticket(packet, comments, handoff_at=late)] == []


def test_a_comment_longer_than_spacy_reads_is_read_up_to_the_cap(packet: dict[str, Any]) -> None:
    """Is a 1.2-million-character comment read up to READ_CHARS instead of raising spaCy's E088?"""
    filler = "the router blinks. " * 63_000
    comments = [
        agent(1, "Could you confirm the order number? " + filler, 1),
        customer(2, "As I told the bot, it's A-10442. " + filler, 2),
        customer(3, filler + "As I told the bot, it's late.", 3),
    ]
    assert len(comments[1]["body"]) > 1_000_000
    found = {(f.comment_id, f.kind) for f in detect_ticket(packet, comments)}
    assert found == {(1, REASK), (2, EXPLICIT), (2, IMPLICIT)}
    assert READ_CHARS < len(filler)
