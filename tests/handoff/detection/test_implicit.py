"""Implicit repetition: the customer re-sends what the packet holds."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.detection import IMPLICIT, detect_ticket
from tests.handoff.detection.conftest import customer


def _implicit(packet: dict[str, Any], body: str) -> list[tuple[str, str | None]]:
    findings = detect_ticket(packet, [customer(1, body, 5)])
    return [(f.cue, f.matched_value) for f in findings if f.kind == IMPLICIT]


@pytest.mark.parametrize(
    "body",
    ["A-10442", "order a10442 please", "it's #A-10442", "10442 was the order"],
)
def test_order_number_resent_in_any_spelling(packet: dict[str, Any], body: str) -> None:
    """Is the packet's order number found however the customer writes it?"""
    assert _implicit(packet, body) == [("value:order_id", "A-10442")]


def test_email_resent_in_other_case(packet: dict[str, Any]) -> None:
    """Is the packet's email found regardless of case?"""
    assert _implicit(packet, "Dana@Example.com") == [("value:email", "dana@example.com")]


def test_phone_resent_with_other_punctuation(packet: dict[str, Any]) -> None:
    """Is a phone number found with other spaces, brackets and country code?"""
    packet["identifiers"].append({"kind": "phone", "value": "+1 415 555 0134"})
    assert _implicit(packet, "call (415) 555-0134") == [("value:phone", "+1 415 555 0134")]


@pytest.mark.parametrize(
    "body",
    ["my other order A-10443 is fine", "I paid 104.42 in 2026", "dana2@example.com", "ok thanks"],
)
def test_other_values_are_not_repetition(packet: dict[str, Any], body: str) -> None:
    """Are a different order, amounts, years and another email left alone?"""
    assert _implicit(packet, body) == []


def test_near_copy_of_the_problem_description(packet: dict[str, Any]) -> None:
    """Is a near-copy of what the customer told the bot found, with its score?"""
    packet["transcript"][0]["text"] = "The parcel shows delivered but nothing is at my front door."
    findings = detect_ticket(
        packet,
        [customer(1, "Hi. the parcel shows as delivered but nothing is at my front door", 5)],
    )
    (finding,) = [f for f in findings if f.kind == IMPLICIT]
    assert finding.cue == "description"
    assert finding.score is not None and finding.score >= 78


def test_short_or_different_text_is_not_a_description(packet: dict[str, Any]) -> None:
    """Are short replies and a new problem not taken as copies?"""
    packet["transcript"][0]["text"] = "The parcel shows delivered but nothing is at my front door."
    assert _implicit(packet, "delivered?") == []
    assert _implicit(packet, "Also the invoice for last month lists the wrong VAT number.") == []


def test_value_typed_in_the_transcript_counts(packet: dict[str, Any]) -> None:
    """Is an id-like value the customer typed to the bot, but not in identifiers, found?"""
    packet["transcript"][0]["text"] = "My code SAVE10 did not work"
    assert _implicit(packet, "the code was SAVE10") == [("value:transcript_value", "SAVE10")]


@pytest.mark.parametrize(
    "body",
    [
        "my other order A-20991 arrived fine",
        "A-20991 is the one that came, thanks",
        "order a20991 was fine, it is the late one I care about",
        "you can also see 20991 on my account",
        "it's c-77 btw",
    ],
)
def test_values_the_bot_looked_up_are_not_repetition(packet: dict[str, Any], body: str) -> None:
    """Are account orders and the customer record, which the customer never gave, left alone?"""
    packet["account_state"]["orders"].append({"id": "A-20991", "status": "delivered"})
    assert _implicit(packet, body) == []


def test_requester_email_the_customer_never_typed_is_not_repetition(
    packet: dict[str, Any],
) -> None:
    """Is the helpdesk's email on file, never given in the chat, left alone?"""
    packet["identifiers"] = [{"kind": "order_id", "value": "A-10442"}]
    assert _implicit(packet, "reach me at dana@example.com") == []


def test_looked_up_values_still_count_for_reasks(packet: dict[str, Any]) -> None:
    """Does asking for the email on file stay a re-ask though the customer never typed it?"""
    from handoff.detection import REASK
    from tests.handoff.detection.conftest import agent

    packet["identifiers"] = [{"kind": "order_id", "value": "A-10442"}]
    findings = detect_ticket(packet, [agent(1, "Could you send me your email address?", 5)])
    assert [(f.kind, f.matched_value) for f in findings] == [(REASK, "dana@example.com")]


def test_an_identifier_without_digits_is_found_exactly(packet: dict[str, Any]) -> None:
    """Is a workspace slug the packet's identifiers hold found when re-sent on its own?"""
    packet["identifiers"].append({"kind": "other", "value": "acme-design"})
    assert _implicit(packet, "acme-design") == [("value:other", "acme-design")]
    assert _implicit(packet, "we design acme products") == []


def test_a_short_number_the_customer_named_counts(packet: dict[str, Any]) -> None:
    """Is "card ending 4417", typed to the bot, found again; is an unnamed 4417 not taken?"""
    packet["transcript"][0]["text"] = "There's a payment on my card ending 4417 I didn't make"
    assert _implicit(packet, "card ending 4417, not me") == [("value:transcript_value", "4417")]
    packet["transcript"][0]["text"] = "I was charged 4417 yen twice"
    assert _implicit(packet, "it was 4417") == []


def test_a_long_value_typed_with_spaces_counts(packet: dict[str, Any]) -> None:
    """Is an IBAN the customer gave found when re-sent in groups of four?"""
    packet["identifiers"].append({"kind": "account_id", "value": "NL44BANK0123456789"})
    assert _implicit(packet, "NL44 BANK 0123 4567 89") == [
        ("value:account_id", "NL44BANK0123456789")
    ]


@pytest.mark.parametrize(
    ("typed", "body", "found"),
    [
        ("my postcode is BS3 4QL", "BS3 4QL. already did the security questions", "BS3 4QL"),
        ("dob 21/06/1984", "21 June 1984", "21 June 1984"),
        ("speed test: 78 down 40 up", "78 down 40 up, same as before", "78 down 40 up"),
    ],
)
def test_a_value_typed_again_in_several_words_counts(
    packet: dict[str, Any], typed: str, body: str, found: str
) -> None:
    """Are a postcode, a date of birth in another writing and a reading typed again found?"""
    packet["transcript"][0]["text"] = typed
    (finding,) = [f for f in detect_ticket(packet, [customer(1, body, 5)]) if f.kind == IMPLICIT]
    assert (finding.cue, finding.snippet) == ("value:transcript_value", found)


@pytest.mark.parametrize(
    "body", ["On 1 November.", "it took 3 days", "my other order 88-11870 was fine"]
)
def test_dates_counts_and_other_values_in_words_are_not_repetition(
    packet: dict[str, Any], body: str
) -> None:
    """Are a day without a year, a count of days and another order in words left alone?"""
    packet["transcript"][0]["text"] = "I cancelled on 1 November, 3 days later order 88-22222 came"
    packet["account_state"]["address"] = "5 Mill Lane, Bath BA1 2QT"
    assert _implicit(packet, body) == []
    assert _implicit(packet, "5 Mill Lane, Bath BA1 2QT") == []


@pytest.mark.parametrize(
    ("typed", "body", "found"),
    [
        ("parcel not here, postcode BS3 4QT", "BS34QT", ("value:transcript_value", "BS3 4QT")),
        (
            "moving out of G12 8QQ",
            "g128qq. new one is G3 7RS",
            ("value:transcript_value", "G12 8QQ"),
        ),
        (
            "deliver to work, postcode N1 9GU",
            "N19GU as I said",
            ("value:transcript_value", "N1 9GU"),
        ),
        (
            "order 3390118 not dispatched",
            "ok. 339 0118 is a gift",
            ("value:transcript_value", "3390118"),
        ),
    ],
)
def test_a_value_typed_again_with_other_spacing_counts(
    packet: dict[str, Any], typed: str, body: str, found: tuple[str, str]
) -> None:
    """Is a postcode or number the customer typed to the bot found with its spaces moved?"""
    packet["transcript"][0]["text"] = typed
    assert _implicit(packet, body) == [found]


def test_an_identifier_typed_with_a_space_counts(packet: dict[str, Any]) -> None:
    """Is a packet identifier ("CX-4410") found when re-sent as "CX 4410"?"""
    packet["identifiers"].append({"kind": "other", "value": "CX-4410"})
    assert _implicit(packet, "CX 4410") == [("value:other", "CX-4410")]


@pytest.mark.parametrize("body", ["BA12QT", "BS34QX", "cx 4411", "ref 10 442"])
def test_respaced_values_the_customer_never_gave_are_not_repetition(
    packet: dict[str, Any], body: str
) -> None:
    """Are respaced values held only in account_state or typed only by the bot, and near
    misses, left alone?"""
    packet["transcript"][0]["text"] = "parcel not here"
    packet["transcript"].append({"role": "bot", "text": "Checking the route for BS3 4QT."})
    packet["account_state"]["address"] = "5 Mill Lane, Bath BA1 2QT"
    packet["identifiers"].append({"kind": "other", "value": "CX-4410"})
    assert _implicit(packet, body) == []


@pytest.mark.parametrize(
    ("typed", "body", "found"),
    [
        (
            "my member number is P M four four eight one nine oh",
            "Oh. It's P M four four eight one nine oh. I did say that.",
            "P M four four eight one nine oh",
        ),
        (
            "twenty two Orchard Lane Leeds L S six two Q T",
            "22 Orchard Lane, Leeds, LS6 2QT.",
            "L S six two Q T",
        ),
    ],
)
def test_a_value_spelled_out_on_a_voice_line_counts(
    packet: dict[str, Any], typed: str, body: str, found: str
) -> None:
    """Is a value spelled out word by word to the bot found when given again, spelled or not?"""
    packet["transcript"][0]["text"] = typed
    assert ("value:transcript_value", found) in _implicit(packet, body)


def test_an_identifier_read_in_the_alphabet_counts(packet: dict[str, Any]) -> None:
    """Is a registration "WR19 KPE" found as "W R 1 9 K P E" or in the phonetic alphabet?"""
    packet["identifiers"].append({"kind": "other", "value": "WR19 KPE"})
    assert _implicit(packet, "W R 1 9 K P E. can you book it") == [("value:other", "WR19 KPE")]
    assert _implicit(packet, "whiskey romeo one nine kilo papa echo") == [
        ("value:other", "WR19 KPE")
    ]


@pytest.mark.parametrize(
    "body",
    ["W R 1 9 K P F", "P M four four eight one nine", "it's two for one, five pounds off"],
)
def test_other_spelled_values_are_not_repetition(packet: dict[str, Any], body: str) -> None:
    """Are spelled values that differ, or number words in a sentence, left alone?"""
    packet["transcript"][0]["text"] = "member number P M four four eight one nine oh"
    packet["identifiers"].append({"kind": "other", "value": "WR19 KPE"})
    assert _implicit(packet, body) == []


def test_one_part_of_a_mixed_turn_copied_counts(packet: dict[str, Any]) -> None:
    """Is one clause of a long turn that mixed two things found when re-sent on its own?"""
    packet["transcript"][0]["text"] = (
        "el control remoto no funciona y no sé qué hacer, remote not working even with new batteries"
    )
    findings = _implicit(packet, "Model X55. remote not working even with new batteries")
    assert [cue for cue, _ in findings] == ["description"]
    assert _implicit(packet, "the remote works fine now, thanks") == []
