"""Suggested agent re-asks: early agent replies asking for what the packet holds."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.detection import REASK, detect_ticket
from tests.handoff.detection.conftest import agent, customer


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
        ("Tell me what's going on and I'll do my best to help.", ["ask:problem"]),
        ("What exactly isn't working?", ["ask:problem"]),
        ("Would you mind sharing the order ID so I can pull it up?", ["ask:order_id"]),
        ("Could you type out the email you used for the purchase?", ["ask:email"]),
        ("Could you let me know the number of the order that's affected?", ["ask:order_id"]),
        ("Drop us a DM with your order number and we'll sort it.", ["ask:order_id"]),
        ("Please send the booking reference.", ["ask:order_id"]),
        ("Can you fill me in on the issue?", ["ask:problem"]),
        ("hey what's the email on the account", ["ask:email"]),
        ("ok which order", ["ask:order_id"]),
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
        "What time works for you tomorrow?",
        "What's happened is the email bounced.",
        "Is the mobile app working for you?",
    ],
)
def test_statements_and_new_questions_are_not_reasks(packet: dict[str, Any], body: str) -> None:
    """Are statements, confirmations with the value and questions about new facts left alone?"""
    assert _reasks(packet, body) == []


def test_asking_for_what_the_packet_lacks_is_not_a_reask(packet: dict[str, Any]) -> None:
    """Is asking for an account id the packet never had not a re-ask?"""
    del packet["customer"]
    assert _reasks(packet, "What is your account number?") == []


def test_the_customer_records_own_id_is_not_the_account_number(packet: dict[str, Any]) -> None:
    """Is the bot's or helpdesk's id of the customer ("c-77") not an account number they gave,
    while an account id the customer gave, or the account state names, is?"""
    packet["customer"]["external_id"] = "zd-5521"
    packet["requester"] = {"id": "r-88"}
    assert _reasks(packet, "What's your username?") == []
    assert _reasks(packet, "Please DM us your account number.") == []
    packet["identifiers"] = [{"kind": "account_id", "value": "ACC-55120"}]
    assert _reasks(packet, "What's your username?") == ["ask:account_id"]
    del packet["identifiers"]
    packet["account_state"]["account_number"] = "7712-0954"
    assert _reasks(packet, "Please DM us your account number.") == ["ask:account_id"]


def test_account_numbers_named_in_the_account_state_are_held(packet: dict[str, Any]) -> None:
    """Are a member number the account state names, and one the customer gave, asked for again
    in chat shorthand ("hey what's your member number"), while the record's own id is not?"""
    packet["customer"]["id"] = "TH-ACC-58810"
    assert _reasks(packet, "hey what's your member number") == []
    packet["account_state"]["membership_number"] = "PF-0093318"
    (finding,) = detect_ticket(packet, [agent(1, "hey what's your member number", 5)])
    assert finding.matched_value == "PF-0093318"
    del packet["account_state"]["membership_number"]
    packet["identifiers"].append({"kind": "account_id", "value": "PI-509771"})
    assert _reasks(packet, "whats ur acct number") == ["ask:account_id"]


def test_an_orders_tracking_and_a_named_invoice_are_held(packet: dict[str, Any]) -> None:
    """Are an order's tracking number and an ``account_state`` key ending in invoice held?"""
    assert _reasks(packet, "Could you send me the tracking number?") == []
    packet["account_state"]["orders"][0]["tracking"] = "PW7710384GB"
    assert _reasks(packet, "Could you send me the tracking number?") == ["ask:tracking_number"]
    assert _reasks(packet, "Could you give me the invoice number?") == []
    packet["account_state"]["last_invoice"] = "INV-90321"
    assert _reasks(packet, "Could you give me the invoice number?") == ["ask:invoice_id"]


@pytest.mark.parametrize(
    ("said", "reask"),
    [
        ("wasps nest in roof", True),
        ("human please", False),
        ("hi I need help with", False),
    ],
)
def test_a_short_description_still_holds_the_problem(
    packet: dict[str, Any], said: str, reask: bool
) -> None:
    """Does a customer's short description ("wasps nest in roof") hold the problem, while a
    call for help without one ("human please") does not?"""
    packet["transcript"] = [{"role": "customer", "text": said}]
    assert _reasks(packet, "Morning! What's the problem you're seeing?") == (
        ["ask:problem"] if reask else []
    )


def test_reask_carries_the_held_value_and_turn(packet: dict[str, Any]) -> None:
    """Does a re-ask say what the packet held and which agent turn asked?"""
    (finding,) = detect_ticket(packet, [agent(7, "What's your order number?", 5)])
    assert (finding.matched_value, finding.comment_id, finding.agent_turn) == ("A-10442", 7, 1)


def _packet_saying(packet: dict[str, Any], summary: str, customer_said: str) -> dict[str, Any]:
    """Return the packet with no account state, ``summary``, and a transcript of the customer
    saying ``customer_said`` before the bot passes them on."""
    packet["account_state"] = {}
    packet["summary"] = summary
    packet["transcript"] = [
        {"role": "customer", "text": customer_said},
        {"role": "bot", "text": "I'll pass you to a colleague."},
    ]
    return packet


@pytest.mark.parametrize(
    "body",
    [
        "Which router do you have?",
        "When are you travelling?",
        "Which item was missing from the parcel?",
        "What's your question?",
    ],
)
def test_a_value_question_needs_a_value_not_just_the_word(
    packet: dict[str, Any], body: str
) -> None:
    """Is "which router?" a re-ask only when the packet names the router, not when it only
    speaks of "my router"?"""
    vague = _packet_saying(
        packet,
        "Extender not joining the router; customer travelling soon; one of 3 items missing.",
        "question: my extender won't join my router and I'm travelling soon, an item is missing",
    )
    assert _reasks(vague, body) == []


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("Which router do you have?", "router"),
        ("When are you travelling?", "travelling"),
        ("Which item was missing from the parcel?", "item"),
        ("How many seats do you have?", "seats"),
    ],
)
def test_a_value_question_is_a_reask_when_the_packet_gives_the_value(
    packet: dict[str, Any], body: str, named: str
) -> None:
    """Is a value question a re-ask when the packet gives the value: after the word, as a
    name before it, or as a count for "how many"?"""
    specific = _packet_saying(
        packet,
        "Archer AX55 router; travelling on Friday; missing item: USB-C charger; 12 seats.",
        "my extender won't join the Archer AX55 router",
    )
    findings = detect_ticket(specific, [agent(1, body, 5)])
    assert [(f.cue, f.matched_value) for f in findings if f.kind == REASK] == [("ask:topic", named)]


def _troubleshooting_packet(packet: dict[str, Any]) -> dict[str, Any]:
    """Return the packet of a customer whose app crashes, with steps already done with the bot."""
    packet["account_state"] = {"plan": "Pro", "device": "Pixel 8"}
    packet["summary"] = "App crashes at login after the update. Cache cleared with the bot."
    packet["transcript"] = [
        {"role": "customer", "text": "The app crashes at login. Workspace is acme-design."},
        {"role": "bot", "text": "Please clear the cache and try again."},
        {"role": "customer", "text": "done, still crashes"},
        {"role": "bot", "text": "Have you checked with your IT team?"},
        {"role": "customer", "text": "I'll ask them later"},
    ]
    return packet


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ("Hi! Which plan are you currently on?", "plan"),
        ("Thanks, and what's the workspace name?", "workspace"),
        ("Could you try clearing the app cache?", "clearing cache"),
        ("Hello Dana, which phone model do you have? Is it a Pixel?", "pixel"),
    ],
)
def test_asks_named_in_other_words_are_reasks_when_the_packet_holds_them(
    packet: dict[str, Any], body: str, named: str
) -> None:
    """Is a question naming a plan, a workspace or a step the packet holds a topic re-ask?"""
    findings = detect_ticket(_troubleshooting_packet(packet), [agent(1, body, 5)])
    assert [(f.cue, f.matched_value) for f in findings if f.kind == REASK] == [("ask:topic", named)]


@pytest.mark.parametrize(
    "body",
    [
        "Which router model do you have?",
        "What new plan would you like instead?",
        "Have you checked with your IT team?",
        "I can see your plan is Pro, I've reset it.",
        "Could you send a screenshot of the crash?",
    ],
)
def test_asks_the_packet_does_not_hold_are_not_reasks(packet: dict[str, Any], body: str) -> None:
    """Are questions about new facts, other choices, unanswered bot questions and statements left alone?"""
    findings = detect_ticket(_troubleshooting_packet(packet), [agent(1, body, 5)])
    assert [f for f in findings if f.kind == REASK] == []


def test_an_order_number_typed_in_the_transcript_is_held(packet: dict[str, Any]) -> None:
    """Is an order number the customer typed to the bot (not an identifier) re-asked?"""
    packet["identifiers"] = []
    packet["account_state"] = {}
    packet["transcript"] = [
        {"role": "customer", "text": "got the wrong size, it was order #Q-55031"}
    ]
    findings = detect_ticket(packet, [agent(1, "Could you please provide your order number?", 5)])
    assert [(f.cue, f.matched_value) for f in findings] == [("ask:order_id", "#Q-55031")]


@pytest.mark.parametrize(("orders", "reasks"), [(["Z-100"], 1), (["Z-100", "Z-200"], 0)])
def test_which_order_is_held_only_when_the_account_has_one(
    packet: dict[str, Any], orders: list[str], reasks: int
) -> None:
    """Is "which order?" a re-ask for an account with one order, and not for one with several
    orders when the customer named none?"""
    packet["identifiers"] = []
    packet["summary"] = "An item is missing from a parcel."
    packet["transcript"] = [{"role": "customer", "text": "an item is missing from my parcel"}]
    packet["account_state"] = {"orders": [{"id": o, "status": "delivered"} for o in orders]}
    findings = detect_ticket(packet, [agent(1, "Which order is it about?", 5)])
    assert len([f for f in findings if f.kind == REASK]) == reasks


def test_a_value_the_account_state_names_is_held(packet: dict[str, Any]) -> None:
    """Is an email the bot found on the account (``account_state.email``) re-asked?"""
    packet["identifiers"] = []
    del packet["customer"]
    packet["account_state"] = {"status": "locked", "email": "m.okafor@example.co.uk"}
    findings = detect_ticket(packet, [agent(1, "What's the email address on the account?", 5)])
    assert [(f.cue, f.matched_value) for f in findings] == [("ask:email", "m.okafor@example.co.uk")]


def test_asking_what_is_wrong_after_a_dropped_chat_is_not_a_reask(packet: dict[str, Any]) -> None:
    """Is "what can I help you with?" fine when the customer never said what was wrong?"""
    packet["transcript"] = [{"role": "customer", "text": "hi I need help with"}]
    assert _reasks(packet, "Sorry, our chat dropped. What can I help you with?") == []


def test_asking_for_another_value_is_a_reask_only_when_the_packet_has_one(
    packet: dict[str, Any],
) -> None:
    """Is "an alternative email" not a re-ask, and "the new address" one when the bot got it?"""
    assert _reasks(packet, "Do you have an alternative email address we could use?") == []
    packet["summary"] = "Customer wants parcel A-10442 sent to a new address: 5 Mill Lane."
    findings = detect_ticket(packet, [agent(1, "What's the new address you'd like it sent to?", 5)])
    assert [(f.cue, f.matched_value) for f in findings] == [("ask:topic", "new address")]


@pytest.mark.parametrize(
    ("answer", "reasks"), [("YES, twice. Not there.", 1), ("I'll check later", 0)]
)
def test_asking_again_what_the_bot_asked_and_the_customer_answered(
    packet: dict[str, Any], answer: str, reasks: int
) -> None:
    """Is the bot's own question, answered, a re-ask when the agent asks it again?"""
    packet["transcript"] = [
        {"role": "customer", "text": "says delivered, not here"},
        {"role": "bot", "text": "Sorry! Did anyone at home sign for a parcel today?"},
        {"role": "customer", "text": answer},
    ]
    body = "Thanks for waiting. Did someone at home sign for the parcel?"
    assert len([f for f in detect_ticket(packet, [agent(1, body, 5)]) if f.kind == REASK]) == reasks


def test_a_bot_request_put_off_by_the_customer_is_not_held(packet: dict[str, Any]) -> None:
    """Is asking for photos the bot asked for, but the customer has not sent yet, no re-ask?"""
    packet["summary"] = "TV arrived with a cracked screen."
    packet["transcript"] = [
        {"role": "customer", "text": "My TV arrived with a cracked screen."},
        {"role": "bot", "text": "I'm sorry. Please attach photos of the screen."},
        {"role": "customer", "text": "I'll do it when I'm home"},
    ]
    assert _reasks(packet, "Could you reply with photos of the screen?") == []
    packet["transcript"][2]["text"] = "ok, attached two"
    assert _reasks(packet, "Could you reply with photos of the screen?") == ["ask:topic"]


def test_a_value_asked_by_the_name_the_customer_gave_it(packet: dict[str, Any]) -> None:
    """Is "the transaction reference" re-asked after "Reference TRX-55012-7", and a policy
    number the customer never gave not?"""
    packet["transcript"] = [
        {"role": "customer", "text": "My transfer never arrived. Reference TRX-55012-7"},
    ]
    findings = detect_ticket(packet, [agent(1, "Could you send me the transaction reference?", 5)])
    assert [(f.cue, f.matched_value) for f in findings] == [("ask:topic", "transaction reference")]
    assert _reasks(packet, "Could you send me your policy number?") == []


def _circuit_packet(packet: dict[str, Any]) -> dict[str, Any]:
    """Return the packet of a leased line the customer named to the bot as CIR-8812."""
    packet["identifiers"] = [{"kind": "other", "value": "CIR-8812"}]
    packet["summary"] = "Leased line down since 09:00."
    packet["transcript"] = [{"role": "customer", "text": "Line CIR-8812 is down since 09:00"}]
    return packet


@pytest.mark.parametrize(
    ("ask", "answer", "reasks"),
    [
        # Named in words the packet lacks, answered with the value given to the bot.
        ("Hi, what's the circuit ID?", "CIR-8812", 1),
        ("Hi, what's the circuit ID?", "like I said to the bot, it's down since 9", 1),
        # A new value, with an old one only in passing; a step done with the bot added after.
        ("Could you send the serial from the base?", "SN 55-12. Line CIR-8812 btw", 0),
        ("Which router model is it?", "HX-300. And I already restarted it with your bot", 0),
        # A question that names no value, answered with one in passing.
        ("Does next Tuesday work?", "CIR-8812 yes Tuesday is fine", 0),
        # 2.2.1: a step done, but not with the bot, re-gives nothing the packet holds; done
        # with the bot, it does. A step done elsewhere is no claim of having said it.
        ("Have you tried power-cycling the router?", "yes, already did that, no change", 0),
        ("Have you tried power-cycling the router?", "yes, did that with your bot already", 1),
        ("When did it go down?", "I emailed your NOC about it on the portal this morning", 0),
    ],
)
def test_an_answer_that_gives_again_makes_the_question_a_reask(
    packet: dict[str, Any], ask: str, answer: str, reasks: int
) -> None:
    """Is a question a re-ask when the customer's answer opens by re-giving a value or saying
    they already said it, and not when the answer adds an old value or a bot step in passing?"""
    comments = [agent(1, ask, 5), customer(2, answer, 6)]
    findings = detect_ticket(_circuit_packet(packet), comments)
    found = [f for f in findings if f.kind == REASK]
    assert len(found) == reasks
    assert all((f.cue, f.comment_id) == ("ask:answered_again", 1) for f in found)


@pytest.mark.parametrize(
    ("body", "cues"),
    [
        ("Can you tell me what was wrong with the order?", ["ask:problem"]),
        ("Could you share the exact error message you're seeing?", ["ask:topic"]),
        ("Would you like the refund to your card or as credit?", []),
        ("Could you share the gift card's last 4 digits?", []),
        # 2.2.1: "emails" are messages; only "emails address" names the field.
        ("Could you forward the receipt emails you got at checkout?", []),
        # 2.2.1: what the customer needs now, or what a document should say, is not held.
        ("What gift card amount do you need?", []),
        ("Which name should appear on the gift card?", []),
    ],
)
def test_problem_questions_offers_and_digits(
    packet: dict[str, Any], body: str, cues: list[str]
) -> None:
    """Is "what was wrong" a problem question, "the exact error" an ask for the error, and an
    offer or the last digits of a held card no re-ask?"""
    packet["summary"] = "Refund wanted: the gift card fails with error E42 at checkout."
    packet["transcript"] = [
        {"role": "customer", "text": "my gift card fails at checkout, error E42, I want a refund"}
    ]
    assert _reasks(packet, body) == cues


@pytest.mark.parametrize(
    "body",
    [
        "Could you walk me through the steps you've already tried?",
        "Could you tell me more about the noise?",
    ],
)
def test_questions_about_one_detail_are_not_problem_questions(
    packet: dict[str, Any], body: str
) -> None:
    """Are "walk me through the steps" and "more about the noise" not asks for the problem?"""
    assert "ask:problem" not in _reasks(packet, body)


def _new_modem_packet(packet: dict[str, Any]) -> dict[str, Any]:
    """Return the packet of a customer whose camera stopped connecting after a new modem, who
    reset it with the bot and gave their account number and the old bank details."""
    packet["identifiers"] = [{"kind": "account_id", "value": "7712093"}]
    packet["account_state"] = {"account_number": "7712093"}
    packet["summary"] = "Camera stopped connecting after the new modem was installed; reset done."
    packet["transcript"] = [
        {"role": "customer", "text": "my camera won't join the wifi since the new modem came"},
        {"role": "bot", "text": "Please reset the camera and try again."},
        {"role": "customer", "text": "reset it, still nothing. Activation fails too."},
    ]
    return packet


@pytest.mark.parametrize(
    "body",
    [
        # A yes/no question about a property of a held thing asks for the property.
        "Is the new modem on the 5 GHz band only?",
        "Is the camera on mains power?",
        # A step to try again, now that something changed, is an instruction.
        "We fixed an outage this morning. Could you try the activation again now?",
        "Please reset the camera once more and let us know.",
    ],
)
def test_property_questions_retries_and_new_lists_are_not_reasks(
    packet: dict[str, Any], body: str
) -> None:
    """Are property questions, instructions to try again and asks for new values left alone?"""
    findings = detect_ticket(_new_modem_packet(packet), [agent(1, body, 5)])
    assert [(f.cue, f.matched_value) for f in findings if f.kind == REASK] == []


@pytest.mark.parametrize(
    ("body", "cue"),
    [
        ("Could you reset the camera?", "ask:topic"),
        ("Is the modem new?", "ask:topic"),
    ],
)
def test_steps_and_fields_the_packet_holds_stay_reasks(
    packet: dict[str, Any], body: str, cue: str
) -> None:
    """Do held steps, a property the packet states and a field outside a "new" list stay re-asks?"""
    findings = detect_ticket(_new_modem_packet(packet), [agent(1, body, 5)])
    assert [f.cue for f in findings if f.kind == REASK] == [cue]


def _bank_packet(packet: dict[str, Any]) -> dict[str, Any]:
    """Return the packet of a customer changing the bank account of a direct debit."""
    packet["identifiers"] = [{"kind": "account_id", "value": "7712093"}]
    packet["summary"] = "Customer wants to move the direct debit to another bank; account 7712093."
    packet["transcript"] = [
        {"role": "customer", "text": "please move my direct debit, customer account 7712093"}
    ]
    return packet


@pytest.mark.parametrize(
    ("body", "reasks"),
    [
        # "new" governs every field of the list after it.
        ("Thanks. Could you send the new sort code and account number?", []),
        ("And the new payee name and account number?", []),
        ("What are the new sort code, payee and account number, please?", []),
        # Outside the list, or without "new", the held field is asked again.
        ("Could you send the sort code and account number?", ["ask:account_id"]),
        ("What's the account number? And the new sort code?", ["ask:account_id"]),
    ],
)
def test_new_governs_every_field_of_a_list(
    packet: dict[str, Any], body: str, reasks: list[str]
) -> None:
    """Does "the new sort code and account number" ask for a new account number?"""
    findings = detect_ticket(_bank_packet(packet), [agent(1, body, 5)])
    assert [f.cue for f in findings if f.kind == REASK] == reasks


def _outage_packet(packet: dict[str, Any]) -> dict[str, Any]:
    """Return the packet of a business customer whose calls drop, told to the bot."""
    packet["account_state"] = {"plan": "SIP Trunk 30", "status": "active"}
    packet["summary"] = "Calls drop and extensions lose registration; one-way audio on some calls."
    packet["transcript"] = [
        {"role": "customer", "text": "Our calls keep dropping and we get one-way audio."},
        {"role": "bot", "text": "I'll pass this to an engineer."},
    ]
    return packet


@pytest.mark.parametrize(
    "body",
    [
        "I've changed the session timer. Please let me know if you see any further drops.",
        "All media now goes through Manchester. Let us know if any more one-way audio occurs.",
        "The card was replaced at 22:40. Could you confirm whether the drops are gone on your side?",
        "Our team has recalculated it. Could you check the calls listed above?",
        "An engineer visit is needed. Which day this week suits you best?",
    ],
)
def test_asking_whether_a_fix_worked_is_not_a_reask(packet: dict[str, Any], body: str) -> None:
    """Is an agent asking how things go after a fix, or for a day, left alone?"""
    findings = detect_ticket(_outage_packet(packet), [agent(1, body, 5)])
    assert [f for f in findings if f.kind == REASK] == []


@pytest.mark.parametrize(
    "body",
    [
        "Can you tell me more about the drops?",
        "Please let me know what the drops look like.",
        "Could you confirm whether the calls drop?",
    ],
)
def test_asking_again_about_the_problem_is_still_a_reask(packet: dict[str, Any], body: str) -> None:
    """Is asking about the drops the bot was told of, in the same words, still a topic re-ask?"""
    findings = detect_ticket(_outage_packet(packet), [agent(1, body, 5)])
    assert [f.cue for f in findings if f.kind == REASK] == ["ask:topic"]


def test_asking_for_the_best_mobile_asks_for_the_phone(packet: dict[str, Any]) -> None:
    """Is "the best mobile for the cleaner to text" an ask for the phone number the packet holds?"""
    packet["identifiers"].append({"kind": "phone", "value": "07845 661203"})
    body = "Hi! What's the best mobile for the cleaner to text on the day?"
    assert _reasks(packet, body) == ["ask:phone"]


def _accident_packet(packet: dict[str, Any]) -> dict[str, Any]:
    """Return a packet about a crash at the Leeds depot in which the other driver was at fault."""
    return _packet_saying(
        packet,
        "Van hit by another driver at the Leeds depot; the other driver admitted fault.",
        "the other driver hit our van at the Leeds depot, he admitted fault",
    )


@pytest.mark.parametrize(
    "body",
    [
        "Did you get the other driver's details?",
        "Can you send me the other driver's details and insurer?",
        "What's the other driver's registration?",
        "Who'll be at the depot this afternoon?",
    ],
)
def test_what_a_named_party_has_or_who_is_there_is_asked_for_the_first_time(
    packet: dict[str, Any], body: str
) -> None:
    """Is a question for what the other driver has, or for who will be at the depot, not a
    re-ask of the driver or the depot the packet names?"""
    assert _reasks(_accident_packet(packet), body) == []


def test_a_question_for_the_place_the_packet_names_is_still_a_reask(
    packet: dict[str, Any],
) -> None:
    """Is "which depot was it at?" still a re-ask when the packet names the Leeds depot?"""
    assert _reasks(_accident_packet(packet), "Which depot was it at?") == ["ask:topic"]


@pytest.mark.parametrize(
    ("body", "cues"),
    [
        ("You can upload it with the link I'm sending to your email now.", []),
        ("You can reply to the email I've just sent you with it attached.", []),
        ("Can I ask what email we should send the form to?", ["ask:email"]),
    ],
)
def test_an_email_as_a_destination_or_a_message_is_not_asked_for(
    packet: dict[str, Any], body: str, cues: list[str]
) -> None:
    """Is "sending to your email" or "the email I've just sent" not an ask for the address,
    while "what email should we send it to?" is?"""
    assert _reasks(packet, body) == cues


@pytest.mark.parametrize(
    ("said", "cues"),
    [
        ("my parcel came with a cracked screen, I took photos", []),
        ("my parcel came with a cracked screen, I uploaded photos", ["ask:topic"]),
    ],
)
def test_a_photo_is_asked_again_only_when_the_packet_says_it_was_sent(
    packet: dict[str, Any], said: str, cues: list[str]
) -> None:
    """Is asking for a photo of what the packet names new unless the customer uploaded one?"""
    packet = _packet_saying(
        packet, "Parcel arrived with a cracked screen; customer has photos.", said
    )
    assert _reasks(packet, "Could you send a photo of the cracked screen?") == cues


def test_odd_account_state_values_are_ignored_not_held(packet: dict[str, Any]) -> None:
    """Are an order's tracking given as an object and a null invoice key ignored, not held or fatal?"""
    packet["account_state"]["orders"][0]["tracking"] = {"carrier": "UPS"}
    packet["account_state"]["last_invoice"] = None
    assert _reasks(packet, "Could you send me the tracking number?") == []
    assert _reasks(packet, "Could you give me the invoice number?") == []


@pytest.mark.parametrize(
    ("body", "label", "cues"),
    [
        # Someone else's value is asked for the first time, unless the packet labels one theirs.
        ("What is your landlord's bank name and account number?", "", []),
        (
            "What is your landlord's bank name and account number?",
            "landlord account",
            ["ask:account_id"],
        ),
        ("Do you still have access to that one's email?", "", []),
        # The possessive governs its own list, not a field after "and the".
        (
            "Could you confirm the employee's ID and the email address on the account?",
            "",
            ["ask:email"],
        ),
    ],
)
def test_a_field_of_another_party_is_held_only_under_their_label(
    packet: dict[str, Any], body: str, label: str, cues: list[str]
) -> None:
    """Is "your landlord's account number" a re-ask only when the packet holds an account
    number labelled as the landlord's, and does "the email" after it stay the customer's?"""
    packet["identifiers"].append({"kind": "account_id", "value": "20938475", "label": label})
    assert _reasks(packet, body) == cues


def test_an_answer_re_giving_a_labelled_value_makes_the_question_a_reask(
    packet: dict[str, Any],
) -> None:
    """Is "what's your Halcyon gamertag?" answered with the value the packet labels "Halcyon
    gamertag" a re-ask, and the same answer to a question naming something else not one?"""
    packet["identifiers"] = [{"kind": "other", "value": "N0ahTheBoah", "label": "Halcyon gamertag"}]
    packet["transcript"] = [{"role": "customer", "text": "my gamertag is N0ahTheBoah"}]

    def reasks(ask: str) -> list[str]:
        comments = [agent(1, ask, 5), customer(2, "N0ahTheBoah", 6)]
        return [f.cue for f in detect_ticket(packet, comments) if f.kind == REASK]

    assert reasks("Hi Noah, what's your Halcyon gamertag?") == ["ask:answered_again"]
    assert reasks("Hi Noah, which console are you playing on?") == []


@pytest.mark.parametrize(
    ("state", "cues"),
    [
        ({"developer_account": "QAD-77812"}, ["ask:account_id"]),
        ({"developer_account": "premium"}, []),
    ],
)
def test_an_account_state_key_ending_in_account_holds_an_account_number(
    packet: dict[str, Any], state: dict[str, Any], cues: list[str]
) -> None:
    """Is "developer_account": "QAD-77812" an account number the agent re-asks, and a value
    without a digit ("premium") no number at all?"""
    packet["identifiers"] = []
    packet["account_state"] = state
    assert _reasks(packet, "Could you share your developer account number?") == cues


@pytest.mark.parametrize(
    ("body", "cues"),
    [
        ("Thanks, and the email address on your account?", ["ask:email"]),
        ("On it. Best extension to reach you on?", ["ask:phone"]),
        ("Which browser extension is it?", []),
    ],
)
def test_a_question_opening_with_its_field_after_thanks(
    packet: dict[str, Any], body: str, cues: list[str]
) -> None:
    """Are "Thanks, and the email ...?" and "Best extension to reach you on?" asks for held
    values, and a browser extension no phone?"""
    packet["identifiers"].append({"kind": "phone", "value": "4471", "label": "extension"})
    assert _reasks(packet, body) == cues


@pytest.mark.parametrize(
    ("body", "cues"),
    [
        (
            "Hi Dana,\n\nTo look into this, could you send me:\n1. Your order number\n"
            "2. The email on the account\n\nThanks, Leon",
            ["ask:order_id", "ask:email"],
        ),
        (
            "Could you send me the following:\n- your order number\n- a photo of the box",
            ["ask:order_id"],
        ),
        # A list that no request introduces states, it does not ask.
        ("Here is what we have on file:\n- your order number\n- the email on the account", []),
    ],
)
def test_the_items_of_a_requested_list_are_asked(
    packet: dict[str, Any], body: str, cues: list[str]
) -> None:
    """Does a request ending with ":" ask for each field listed under it, line by line?"""
    assert _reasks(packet, body) == cues


def test_an_answer_re_giving_a_value_a_requested_list_named_is_a_reask(
    packet: dict[str, Any],
) -> None:
    """Is "please send us:\\n1. The circuit ID" answered with the circuit given to the bot a re-ask?"""
    ask = "To check the line, please send us:\n1. The circuit ID\n2. A photo of the router lights"
    comments = [agent(1, ask, 5), customer(2, "CIR-8812", 6)]
    found = [f for f in detect_ticket(_circuit_packet(packet), comments) if f.kind == REASK]
    assert [(f.cue, f.comment_id) for f in found] == [("ask:answered_again", 1)]


def test_a_reply_of_thousands_of_list_lines_is_read_line_by_line_once(
    packet: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Is each line of an oversized list tested once, not once per field in it (2.11.2 as first
    written walked back over every item above each field: 18 s for 4,000 lines), and does a
    list no request introduces still ask nothing?"""
    from handoff.detection import reask

    calls: list[int] = []
    real = reask.LIST_MARKER_RE

    class Recording:
        def match(self, text: str, pos: int = 0) -> object:
            calls.append(pos)
            return real.match(text, pos)

    monkeypatch.setattr(reask, "LIST_MARKER_RE", Recording())
    body = "Here is what we have on file:\n" + "- your order number\n" * 2000
    assert _reasks(packet, body) == []
    assert len(calls) <= 2001


def test_a_question_opening_with_a_purpose_asks_before_its_first_comma(
    packet: dict[str, Any],
) -> None:
    """Is "To check the line could you confirm the circuit ID, and when it went down?" asking
    for the circuit ID, not only after the comma (2.11.5)?"""
    ask = "To check the line could you confirm the circuit ID, and when it went down?"
    comments = [agent(1, ask, 5), customer(2, "CIR-8812, about nine this morning", 6)]
    found = [f for f in detect_ticket(_circuit_packet(packet), comments) if f.kind == REASK]
    assert [f.comment_id for f in found] == [1]
    assert "circuit ID" in found[0].snippet


@pytest.mark.parametrize(
    ("answer", "reasks"),
    [
        # The value's sentence names it as the question did.
        ("Hi. It's the HX-300 model. My circuit ID is CIR-8812.", 1),
        # Given in passing, named by nothing the question used.
        ("Hi. It's the HX-300 model. Line CIR-8812 by the way.", 0),
    ],
)
def test_a_value_later_in_the_answer_answers_a_question_naming_it_alike(
    packet: dict[str, Any], answer: str, reasks: int
) -> None:
    """Does a value given after the opening of the answer make the question a re-ask only where
    its sentence names it by a word the question used (2.11.5)?"""
    ask = "Which router model do you have, and what is the circuit ID on the contract?"
    comments = [agent(1, ask, 5), customer(2, answer, 6)]
    found = [f for f in detect_ticket(_circuit_packet(packet), comments) if f.kind == REASK]
    assert len(found) == reasks
