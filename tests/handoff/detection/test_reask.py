"""Suggested agent re-asks: early agent replies asking for what the packet holds."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.detection import REASK, detect_ticket
from tests.handoff.detection.conftest import agent


def _reasks(packet: dict[str, Any], body: str) -> list[str]:
    return [f.cue for f in detect_ticket(packet, [agent(1, body, 5)]) if f.kind == REASK]


@pytest.mark.parametrize(
    ("body", "cues"),
    [
        ("Could you send me your order number?", ["ask:order_id"]),
        ("What's the email on the account?", ["ask:email"]),
        (
            "May I have the order number and the email address, please?",
            ["ask:order_id", "ask:email"],
        ),
        ("Hi! How can I help you today?", ["ask:problem"]),
        ("Can you describe the issue you're having?", ["ask:problem"]),
        ("which order is this about?", ["ask:order_id"]),
    ],
)
def test_agent_asking_for_held_information_is_a_reask(
    packet: dict[str, Any], body: str, cues: list[str]
) -> None:
    """Is an early agent question for a value the packet holds a suggested re-ask?"""
    assert _reasks(packet, body) == cues


@pytest.mark.parametrize(
    "body",
    [
        "I see order A-10442 is stuck at the depot.",
        "Could you send a photo of the damage?",
        "I've resent the reset email to you.",
        "Is there anything else I can help you with?",
        "Could you confirm the order number A-10442 is right?",
        "Which app version are you on?",
    ],
)
def test_statements_and_new_questions_are_not_reasks(packet: dict[str, Any], body: str) -> None:
    """Are statements, confirmations with the value and questions about new facts left alone?"""
    assert _reasks(packet, body) == []


def test_asking_for_what_the_packet_lacks_is_not_a_reask(packet: dict[str, Any]) -> None:
    """Is asking for an account id the packet never had not a re-ask?"""
    del packet["customer"]
    assert _reasks(packet, "What is your account number?") == []


def test_reask_carries_the_held_value_and_turn(packet: dict[str, Any]) -> None:
    """Does a re-ask say what the packet held and which agent turn asked?"""
    (finding,) = detect_ticket(packet, [agent(7, "What's your order number?", 5)])
    assert (finding.matched_value, finding.comment_id, finding.agent_turn) == ("A-10442", 7, 1)
