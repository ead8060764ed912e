"""Answers read with the agent's previous turn: done or sent before the ask, or complying now."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.detection import EXPLICIT, REASK, detect_message, detect_messages, detect_ticket
from handoff.detection.engine import DONE_CUE, has_repetition
from handoff.detection.thread import asks_if_done, asks_to_act, done_before
from tests.handoff.detection.conftest import agent, customer

STEP_QUESTION = "Have you tried restarting the router?"
CONTACT_QUESTION = "Have you contacted our support team about this before?"
SEND_REQUEST = "Sorry about that. Please DM us your order number and we'll check."
STEP_REQUEST = "Could you try clearing the app cache?"


@pytest.mark.parametrize(
    ("context", "text"),
    [
        (STEP_QUESTION, "did that already with your colleague"),
        (STEP_QUESTION, "Yes I have, three times, like your engineer said"),
        (CONTACT_QUESTION, "Yes I have, three times, still nothing"),
        (SEND_REQUEST, "sent it yesterday"),
        (SEND_REQUEST, "I DMed you that last week and heard nothing"),
        (STEP_REQUEST, "Cleared it twice already, as you asked yesterday"),
        ("Did you fill out a claim form at the desk?", "Yes we did."),
        # a call that got through and told something is still a dealing with support
        (STEP_QUESTION, "yes did all that, rang your helpline twice and explained it"),
    ],
)
def test_done_before_the_ask_is_a_repetition(context: str, text: str) -> None:
    """Does an answer saying the step or value asked for was done before count, with its turn?"""
    found = detect_message(text, context=context)
    assert [f.kind for f in found] == [EXPLICIT]
    # Read alone, without the agent's turn, the short answers are not claims.
    if len(text.split()) <= 4:
        assert detect_message(text) == [] or found[0].cue != DONE_CUE


@pytest.mark.parametrize(
    ("context", "text"),
    [
        (SEND_REQUEST, "just sent it"),
        (SEND_REQUEST, "DM sent"),
        (SEND_REQUEST, "ok sending it now"),
        (STEP_QUESTION, "trying now"),
        (STEP_QUESTION, "no I haven't, how do I do that?"),
        (STEP_QUESTION, "yes"),
        (STEP_QUESTION, "Yes, attached."),
        (STEP_REQUEST, "ok done, still not working"),
        ("Did you book through our website?", "Yes I did, last week"),
        ("Were you told about the delay?", "Yes, 40 minutes ago"),
    ],
)
def test_complying_now_or_answering_a_fact_is_not(context: str, text: str) -> None:
    """Do compliance now, a bare yes, a fact question and a statement stay clean?"""
    assert [f.cue for f in detect_message(text, context=context)] == []


@pytest.mark.parametrize(
    ("context", "text"),
    [
        (STEP_QUESTION, "did that already"),
        (STEP_QUESTION, "Yes I have, three times, still nothing"),
        (STEP_QUESTION, "yes I tried that before I tweeted"),
        (STEP_QUESTION, "No, it has been restarted several times since it started"),
        (STEP_REQUEST, "Cleared it twice already"),
        ("Have you tried logging out and back in?", "Yes did that twice already"),
        ("Please clear your cache, then DM us if it persists.", "I've already cleared my cache"),
        # "again" about the fault, not a saying again (2.7.0)
        (
            "Have you reset the modem?",
            "yes did that, but the connection dropped again overnight",
        ),
        ("Have you tried reseating the cable?", "yes did that, it dropped out again after a day"),
        # the only dealing with support a call that never got through (2.7.1)
        (
            "Have you tried clearing the app cache?",
            "did that yesterday, then phoned your support line and it went straight to voicemail",
        ),
        (STEP_QUESTION, "yes did all that, rang your helpline twice but nobody picked up"),
    ],
)
def test_a_step_of_ones_own_done_before_is_a_first_answer(context: str, text: str) -> None:
    """Is a troubleshooting step done before the ask, not for support, no repetition (the
    definition of 2026-12-06: "already" about doing, not telling)?"""
    assert [f.cue for f in detect_message(text, context=context)] == []


@pytest.mark.parametrize(
    "text",
    [
        "the fault was logged online with ref FLT-22019",
        "the staff at the service desk logged it all last saturday",
        "same answer as last time: no, I haven't changed my password",
    ],
)
def test_logging_a_fault_or_answering_again_is_not_an_own_step(text: str) -> None:
    """Are a fault logged with support and an answer given again still repetitions, though
    their verbs ("logged", "changed") can name steps of one's own?"""
    assert [f.kind for f in detect_message(text)] == [EXPLICIT]


def test_what_an_agent_turn_asks() -> None:
    """Are step questions told from fact questions, and requests to act from statements?"""
    assert asks_if_done("Hi! Has the device been restarted since the update?")
    assert not asks_if_done("Did you want a window seat?")
    assert not asks_if_done("Did you receive our email?")
    assert asks_to_act("Please send us a screenshot.")
    assert not asks_to_act("We have passed this on to the team.")
    assert done_before(None, "did that already") is None
    # After a statement, "did that already" is not read as an answer.
    assert done_before("Our engineers fixed the outage yesterday.", "did that already") is None


def test_the_answer_points_at_its_opening() -> None:
    """Does the finding's snippet and offsets cover the answer's first sentence?"""
    text = "Yes I have. It still drops every evening."
    found = detect_message(text, context=CONTACT_QUESTION)
    assert found[0].cue == DONE_CUE
    assert text[found[0].start : found[0].end] == found[0].snippet == "Yes I have."


def test_detect_messages_takes_one_context_per_text() -> None:
    """Does the batch call read each text with its own context, and refuse a length mismatch?"""
    found = detect_messages(["Yes I have.", "Yes I have."], contexts=[CONTACT_QUESTION, None])
    assert [bool(f) for f in found] == [True, False]
    with pytest.raises(ValueError, match="2 texts but 1 contexts"):
        detect_messages(["a", "b"], contexts=[None])


def test_tickets_read_each_customer_message_with_the_agent_turn_before_it(
    packet: dict[str, Any],
) -> None:
    """Does detect_ticket pass the previous public agent turn, and not count it as a re-ask?"""
    comments = [
        agent(1, CONTACT_QUESTION, 5),
        customer(2, "Yes I have, still nothing", 6),
        agent(3, "Please note this is a shared line.", 7, public=False),
        customer(4, "Yes we have.", 8),
    ]
    found = detect_ticket(packet, comments)
    explicit = [(f.comment_id, f.cue) for f in found if f.kind == EXPLICIT]
    assert explicit == [(2, DONE_CUE), (4, DONE_CUE)]
    # Done, but not said to the bot: the packet holds nothing of it, so it is not a re-ask.
    assert [f for f in found if f.kind == REASK] == []


def test_handing_it_over_now_opens_no_claim() -> None:
    """Is "Attached." before a date of purchase compliance, not a claim of sending before?"""
    text = "Attached. Purchase was 23 months ago so it should be within warranty."
    assert done_before("Could you send a photo of the receipt?", text) is None


@pytest.mark.parametrize(
    ("context", "text"),
    [
        # A fact given in answer to a question about it, with a time or a channel in it.
        (
            "What was the delivery date you were given at checkout?",
            "Yesterday morning in the text the date was the 3rd",
        ),
        (
            "Can you confirm which courier has the parcel so we can check?",
            "On the receipt email last week it said Friday",
        ),
        # A question back is no claim, whatever the agent asked.
        (
            "Could you DM us your booking reference please?",
            "Is that all you have to say after two weeks?",
        ),
    ],
)
def test_the_agent_turn_raises_only_claims_of_doing_sending_or_telling(
    context: str, text: str
) -> None:
    """Does the agent's turn leave facts answered and questions back unflagged?"""
    assert detect_message(text, context=context) == []


@pytest.mark.parametrize(
    ("context", "text"),
    [
        ("Could you DM us your booking reference please?", "Already sent it yesterday"),
        (
            "Have you tried logging out and back in?",
            "Yes did that twice already with your colleague",
        ),
        ("Can you confirm which courier has the parcel?", "Told you that already"),
    ],
)
def test_claims_answering_the_agent_turn_still_count(context: str, text: str) -> None:
    """Do answers saying it was done, sent or told before still count with the agent's turn?"""
    assert detect_message(text, context=context)


@pytest.mark.parametrize(
    ("context", "text", "found"),
    [
        ("Have you spoken to the crew on board about it?", "Yes and they couldn't help", True),
        ("Did you call our helpline first?", "yeah but nobody knew anything", True),
        ("Have you contacted your bank about the charge?", "yes and they blamed you", False),
        ("Have you tried restarting the router?", "yes and it's still dropping", False),
        ("Did you get the email we sent?", "yes but it was blank", False),
    ],
)
def test_yes_and_to_a_question_about_contacting_support(
    context: str, text: str, found: bool
) -> None:
    """Is "yes, and ..." to whether the customer contacted support an earlier contact, but not
    to a question about a third party, a step of their own or a fact?"""
    assert (done_before(context, text) is not None) is found


@pytest.mark.parametrize(
    "text",
    [
        "Hello, did you receive my message about the broken box?",
        "Have you got my email with the invoice yet?",
    ],
)
def test_asking_whether_what_was_just_asked_for_arrived_is_no_claim(text: str) -> None:
    """Is "did you get my email?" after a request to send it compliance now, not a claim?"""
    assert has_repetition(detect_message(text, context=SEND_REQUEST)) is False
    # Without a request to send in the agent's turn it still points to an earlier message.
    assert has_repetition(detect_message(text, context="Thanks for waiting."))


@pytest.mark.parametrize(
    ("context", "text"),
    [
        (
            "Sorry, we can't change that. Northwind Lettings can help with the deposit.",
            "I have contacted Northwind Lettings and they say you need to refund me.",
        ),
        (
            "That booking was made through Skyway Tours, who will have a number for you.",
            "I called Skyway earlier and they say it is your job.",
        ),
    ],
)
def test_contacting_a_name_the_agent_pointed_elsewhere_is_no_claim(context: str, text: str) -> None:
    """Is contacting a party the agent's turn named as someone else a third-party contact?"""
    assert has_repetition(detect_message(text, context=context)) is False
    # A name on the agent's own side ("our ...") is still support.
    ours = context.replace("Northwind Lettings", "our Northwind Lettings team").replace(
        "Skyway Tours, who", "our Skyway desk, which"
    )
    assert has_repetition(detect_message(text, context=ours))


@pytest.mark.parametrize(
    "context",
    [
        "Here is a guide on updating the app: see the help page.",
        "We can help you reset the router. Would you like a hand with that?",
    ],
)
def test_already_done_after_a_step_of_ones_own_is_no_claim(context: str) -> None:
    """Is "already done that" answering a turn about the customer's own step no repetition,
    while after a turn about dealing with support it still is?"""
    text = "I've already done that. Nothing changed."
    assert has_repetition(detect_message(text, context=context)) is False
    assert has_repetition(detect_message(text, context="Please contact our billing team about it."))


@pytest.mark.parametrize(
    ("context", "text", "found"),
    [
        ("Have you been able to speak to the conductor?", "Yes have been handed a voucher", True),
        ("Have you spoken with the desk team?", "yes and they can't sort it either", True),
        (
            "Did you discuss the seat swap with our gate staff?",
            "we did, but they said no seats were left",
            True,
        ),
        ("Have you spoken with your landlord?", "Yes and he won't budge", False),
        ("Have you been able to speak to the crew?", "No, nobody has come round", False),
        ("Have you been able to speak to the crew?", "yes but will they answer?", False),
    ],
)
def test_a_contact_whose_outcome_is_negated_still_answers_yes(
    context: str, text: str, found: bool
) -> None:
    """Does "yes and they can't sort it" or "we did, but ..." to whether the customer spoke with
    support count, the negation being about how it went, not whether it happened?"""
    assert (done_before(context, text) is not None) is found


NOT_HEARD = "We have not heard back from you, so this request will be closed for now."


@pytest.mark.parametrize(
    ("context", "text", "found"),
    [
        (NOT_HEARD, "I emailed you a reply with the serial on it", True),
        (NOT_HEARD, "we did send it, twice", True),
        (NOT_HEARD, "just sent you a message now", False),
        (NOT_HEARD, "I'll send you a message tonight", False),
        (NOT_HEARD, "I sent it to my bank instead", False),
        (NOT_HEARD, "Did I send it to the wrong address?", False),
    ],
)
def test_sent_though_the_agent_heard_nothing(context: str, text: str, found: bool) -> None:
    """Does "I emailed you a reply" answer an agent who says nothing came as a claim of sending
    before, but not a plan, sending now, a third party or a question?"""
    assert bool(detect_message(text, context=context)) is found


@pytest.mark.parametrize(
    "text",
    [
        "Screenshot attached, as requested.",
        "Full log attached.",
        "Please find the export attached, as requested.",
    ],
)
def test_attaching_what_was_asked_for_now_is_no_repetition(text: str) -> None:
    """Is an answer attaching the screenshot asked for now no claim of sending it before?"""
    request = "Could you please send a screenshot of the connection details page?"
    assert detect_message(text, context=request) == []


def test_attaching_it_before_is_still_a_repetition() -> None:
    """Does an answer saying it was attached before the ask still count?"""
    request = "Could you please send a screenshot of the connection details page?"
    found = detect_message("I attached the screenshot yesterday.", context=request)
    assert [f.kind for f in found] == [EXPLICIT]


def test_a_yes_with_a_count_answers_having_been_in_touch() -> None:
    """Is "yeah, three times" to "have you been in touch with us?" a contact made before?"""
    (finding,) = detect_message(
        "yeah, three times. phone and chat",
        context="Sorry to hear that. Have you been in touch with us about this before?",
    )
    assert finding.cue == "answered_done"


def test_a_count_alone_answers_having_been_in_touch_but_not_about_a_third_party() -> None:
    """Is "Twice, by phone." to "have you been in touch with us?" a contact made before,
    and "yes, twice" to whether the customer's bank got in touch no claim at all? (Since 2.11.0
    the learned cue finds "Twice. phone and chat" on its own, before this reading is asked.)"""
    ask = "Have you been in touch with us about this before?"
    assert [f.cue for f in detect_message("Twice, by phone.", context=ask)] == ["answered_done"]
    assert [f.cue for f in detect_message("Twice. phone and chat", context=ask)] == ["learned"]
    bank = "Has your bank been in touch with you about this?"
    assert detect_message("yes, twice", context=bank) == []
