"""Earlier e-mails quoted below a reply: the customer's own words end where the history begins."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.detection import EXPLICIT, IMPLICIT, REASK, detect_message, detect_ticket
from handoff.detection.quoted import above_history, history_start
from tests.handoff.detection.conftest import agent, customer

# Earlier e-mails as three common mail clients put them below a reply, none with "> " marks.
# Each holds words of the support team that read like a repetition claim.
OUTLOOK = (
    "\n\n-----Original Message-----\nFrom: Support <help@vendor.example>\n"
    "Sent: Monday, 3 March 2025 10:00\nSubject: RE: [#4471] Export fails\n\n"
    "As I said before, exports run overnight. Like I mentioned, please send the log again."
)
OUTLOOK_HEADER = (
    "\n\n________________________________\nFrom: Vendor Support <help@vendor.example>\n"
    "Sent: 03 March 2025 10:00\nTo: Sam Ortiz\nSubject: RE: case 4471\n\n"
    "As I mentioned in my last email, the export is queued."
)
GMAIL = (
    "\n\nOn Mon, 3 Mar 2025 at 10:04, Vendor Support <help@vendor.example>\nwrote:\n"
    "As I told you yesterday, we are looking into it. I already asked the team twice."
)
HELPDESK = (
    "\n\n##- Please type your reply above this line -##\n\nVendor Support (Priya)\n\n"
    "As I explained in my previous reply, the export is queued."
)


@pytest.mark.parametrize("history", [OUTLOOK, OUTLOOK_HEADER, GMAIL, HELPDESK])
def test_words_in_the_quoted_history_are_not_the_customers(history: str) -> None:
    """Is a reply with no claim of its own left alone whatever its quoted history says?"""
    assert detect_message("Still failing this morning, same error." + history) == []


@pytest.mark.parametrize("history", [OUTLOOK, GMAIL])
def test_a_claim_above_the_history_is_still_found(history: str) -> None:
    """Does a claim the customer writes above the quoted history still count, once?"""
    found = detect_message("As I said in my first email, it is the EU tenant." + history)
    assert [f.kind for f in found] == [EXPLICIT]
    assert found[0].start < 20


@pytest.mark.parametrize(
    "text",
    [
        "On Friday I wrote: the tenant is EU. As I said, nothing has changed.",
        "On the call, my colleague wrote down the ticket number 4471.",
    ],
)
def test_the_customers_own_on_lines_are_not_history(text: str) -> None:
    """Is a sentence opening with "On ..." read as the customer's own words?"""
    assert history_start(text) is None


def test_a_reply_that_quotes_first_and_answers_below_keeps_its_answer() -> None:
    """Is the answer below a "> "-quoted question (bottom-posting) still read?"""
    text = (
        "On Mon, 10 Mar 2025 at 14:02, Support wrote:\n> Which domain is affected?\n\n"
        "I said in my first message that it is all three domains."
    )
    assert history_start(text) is None
    assert [f.kind for f in detect_message(text)] == [EXPLICIT]


def test_above_history_cuts_at_the_header() -> None:
    """Does the text above the history end before the Outlook separator?"""
    assert above_history("Thanks." + OUTLOOK).rstrip() == "Thanks."


def test_a_value_only_in_the_quoted_history_is_not_given_again(packet: dict[str, Any]) -> None:
    """Is the order number in a quoted earlier e-mail no implicit repetition, but in the reply one?"""
    history = (
        "\n\n-----Original Message-----\nFrom: Support <help@vendor.example>\n"
        "Sent: Monday, 2 March 2026 10:00\n\nWe are checking order A-10442 with the carrier."
    )
    quiet = detect_ticket(packet, [customer(1, "Any news? It has been two days." + history, 5)])
    assert [f for f in quiet if f.kind == IMPLICIT] == []
    given = detect_ticket(packet, [customer(1, "Any news on A-10442?" + history, 5)])
    assert [f.kind for f in given if f.kind == IMPLICIT] == [IMPLICIT]


def test_a_question_in_an_agents_quoted_history_is_no_reask(packet: dict[str, Any]) -> None:
    """Is an ask quoted below an agent's e-mail reply left alone while a new one is found?"""
    history = (
        "\n\nOn Mon, 2 Mar 2026 at 09:30, Dana Reyes <dana@example.com> wrote:\n"
        "Hi, could you give me your order number? (bot)"
    )
    body = "Thanks Dana, the carrier has been chased." + history
    assert [f for f in detect_ticket(packet, [agent(1, body, 5)]) if f.kind == REASK] == []
    asked = detect_ticket(packet, [agent(1, "What is your order number?" + history, 5)])
    assert [f.kind for f in asked if f.kind == REASK] == [REASK]
