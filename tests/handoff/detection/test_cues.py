"""Explicit repetition cues in single customer messages."""

from __future__ import annotations

import pytest

from handoff.detection import EXPLICIT, cues, detect_message, detect_messages, engine
from handoff.detection.cues import find_cues
from handoff.detection.nlp import get_nlp

REPEATS = [
    "As I told the bot, my order hasn't arrived.",
    "as i told the chatbot its order 12345",
    "I already explained this.",
    "i already explained this to the virtual agent",
    "Like I said, the code doesn't work.",
    "For the third time, I want a refund.",
    "for the 4th time: cancel it",
    "Do I have to repeat everything?",
    "It's all in the chat above.",
    "how many times do I have to give you my email",
    "I've told you this twice now.",
    "Everything is in the chat history, please read it.",
    "Scroll up, it's there.",
    "I went through all of this with your assistant.",
    "The chatbot already has my email.",
    "Didn't the bot send you my info?",
    "I did tell the machine.",
    "As I mentioned to your system, I was charged twice.",
    "Why am I repeating myself?",
    "As mentioned to your colleague, the refund is missing.",
    "I already said the email, it's the same one.",
    "You already have my email.",
    "Third time asking: where is my refund?",
]

LOOK_ALIKES = [
    # 2.2.1: someone else's words quoted or forwarded, a mistake, "gave up", and questions
    # the customer asks about their own telling.
    'My landlord wrote "as I said before, the boiler is yours to fix". Is that right?',
    "See below:\n> As mentioned in my last letter, rent is due on the 1st.\nIs that allowed?",
    "I typed my PIN wrong three times and now the card is blocked",
    "I already gave up on that refund, just fix the next bill",
    "can I just tell you my account number instead of the bot?",
    "The bot told me to contact you.",
    "I already paid.",
    "I told my bank.",
    "Can you repeat my order?",
    "It broke again.",
    "As soon as I told the chatbot my name it froze.",
    "The app crashed for the third time today.",
    "I already sent the item back by post.",
    "I asked the bot for a refund and it said no.",
    "Could you explain the fees again?",
    "The assistant kept repeating itself.",
    "I feel like I said something wrong at checkout.",
    "Can you see the chat I had with the bot?",
    "This is the second time my order has been lost.",
    "As mentioned to my bank, the charge is wrong.",
    "Like I said to my friend, your products are great.",
    "As I was saying goodbye to the bot it crashed.",
    "I'm writing again because nobody answered.",
    "I want to repeat the same order as last time.",
]

TYPOS_AND_NAMES = [
    "i alredy explaned this",
    "like i sed, wrong size",
    "as i told ur AI, its broken",
    "I allready told the virtual assistant everything",
    "as I told the robot, nothing came",
    "I explained it all to the chat-bot already",
    "I already gave your system my order number",
    # 2.11.3: the text patterns read misspelt cue words too.
    "as i tlod the bot, my acount got hacked",
    "alredy repoted this last week",
]


@pytest.mark.parametrize("text", REPEATS)
def test_explicit_repetition_is_found(text: str) -> None:
    """Does a customer saying they are repeating themselves yield an explicit finding?"""
    findings = detect_message(text)
    assert findings, text
    assert {f.kind for f in findings} == {EXPLICIT}


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_are_not_repetition(text: str) -> None:
    """Does a message that only looks like a repetition cue yield nothing?"""
    assert detect_message(text) == []


@pytest.mark.parametrize("text", TYPOS_AND_NAMES)
def test_typos_case_and_other_bot_names_are_tolerated(text: str) -> None:
    """Are misspellings, lower case and other names for the bot still recognised?"""
    assert detect_message(text)


def test_packet_bot_name_counts_as_the_bot() -> None:
    """Is the bot's own name from the packet read as the bot, with offsets in the original text?"""
    text = "As I told Ava, it never came"
    # Without the packet, Ava is a person who may be a colleague; since 2.2.0 the model lets
    # "as I told <name>" stand, so only the packet's name is checked here.
    assert detect_message("As I told my bank, it never came") == []
    (finding,) = detect_message(text, bot_names=["Ava"])
    assert finding.cue == "as_i_said"
    assert text[finding.start : finding.end] == finding.snippet == "As I told"


def test_finding_carries_its_evidence() -> None:
    """Does a finding say which cue matched, with the matched words and where they are?"""
    text = "Hello. Like I said, it never came."
    (finding,) = detect_message(text, comment_id=42, agent_turn=1)
    assert finding.cue == "as_i_said"
    assert text[finding.start : finding.end] == finding.snippet == "Like I said"
    assert (finding.comment_id, finding.agent_turn) == (42, 1)
    assert finding.to_dict()["kind"] == EXPLICIT


def test_batch_and_single_calls_agree() -> None:
    """Does the batched API find the same cues as one call per message?"""
    texts = REPEATS + LOOK_ALIKES
    assert detect_messages(texts) == [detect_message(t) for t in texts]


@pytest.mark.parametrize(
    "text",
    [
        "I DM'd it last week",
        "we sent the photos in the first email",
        "I've already filled in your form",
        "I told the guy in your store all of this",
        "I explained it on the phone yesterday",
    ],
)
def test_given_before_finds_a_telling_with_a_pointer_to_before(text: str) -> None:
    """Is a first-person past telling or sending, with when or where it was given, a cue?"""
    from handoff.detection.cues import given_before

    assert [hit.cue for hit in given_before(text)] == ["given_before"]


@pytest.mark.parametrize(
    "text",
    [
        "I just sent it in the DM",
        "I will send it to your team tomorrow",
        "I never told the bot anything",
        "have I already sent it to your team?",
        "I emailed them twice and no answer",
        "I sent it",
    ],
)
def test_given_before_skips_compliance_plans_negations_questions(text: str) -> None:
    """Are compliance now, plans, negations, questions and third parties left alone?"""
    from handoff.detection.cues import given_before

    assert given_before(text) == []


@pytest.mark.parametrize(
    ("text", "context"),
    [
        # Money, payment and permission given or taken are not information given to support.
        ("I sent the payment twice already", None),
        ("we sent the money yesterday", None),
        ("I provided consent before", None),
        ("I gave you permission already to cancel it", None),
        ("I already gave my consent to the credit check", None),
        ("I have paid my bill already", "Could you DM us your order number?"),
        ("I was billed twice already", "Could you DM us your order number?"),
        ("I already sent the deposit", "Could you DM us your order number?"),
        ("I have paid my bill already", "Have you tried restarting the app?"),
    ],
)
def test_money_and_permission_talk_is_not_a_repetition(text: str, context: str | None) -> None:
    """Are payments, charges and permissions given before left alone, with or without a context?"""
    assert detect_message(text, context=context) == []


@pytest.mark.parametrize(
    "text",
    [
        "I already gave the bot my card number",
        "I already told the bot I was charged twice",
        "I told your colleague I had paid already",
        "I sent the payment receipt to your team yesterday",
        "As I said, I was charged twice",
    ],
)
def test_telling_support_about_money_is_still_a_repetition(text: str) -> None:
    """Do claims of telling support about a payment, or sending its receipt, still count?"""
    assert [f.kind for f in detect_message(text)] == [EXPLICIT]


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("I talked with customer care last week and nothing happened.", "earlier_contact"),
        ("we spoke to your live chat team on Sunday, same story", "earlier_contact"),
        ("After talking with your helpline all week, I give up.", "earlier_contact"),
        ("You've been ignoring my messages since Tuesday.", "unanswered"),
        ("I keep being ignored by your team, last try", "unanswered"),
    ],
)
def test_earlier_contact_with_support_is_a_repetition(text: str, cue: str) -> None:
    """Are dealings with support before this message, and being ignored, found?"""
    assert [f.cue for f in detect_message(text)] == [cue]


@pytest.mark.parametrize(
    "text",
    [
        "I've rung three times and nobody picks up",
        "Should I talk to customer support about it?",
        "I will speak to customer service tomorrow",
        "I haven't spoken to customer support yet",
        "The app keeps ignoring my fingerprint.",
        "I emailed the seller, no reply so far",
    ],
)
def test_stores_counts_plans_and_other_silences_are_not(text: str) -> None:
    """Are stores, counts of calls, plans, negations and other silences left alone?"""
    assert detect_message(text) == []


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        # stores, branches and staff that dealt with the matter
        ("We took it back to the store on Friday, nothing doing", "earlier_contact"),
        ("told the last guy all of this", "earlier_contact"),
        # contacts counted or dated
        ("I've phoned you guys four times about this", "earlier_contact"),
        ("rang your helpline on Monday", "earlier_contact"),
        ("this is my third email about the same invoice", "earlier_contact"),
        ("fifth time chasing this refund", "earlier_contact"),
        ("I've been on the phone to you all week", "earlier_contact"),
        ("been emailing your team since March", "earlier_contact"),
        ("I already reported this", "earlier_contact"),
        ("put in a complaint three weeks ago", "earlier_contact"),
        ("emailed your billing people on the 3rd. zero replies", "earlier_contact"),
        # contacts said in passing, pointers to earlier messages
        ("When I spoke to your team on the phone they said it was lost.", "earlier_contact"),
        ("I ended up calling customer services and they sent me here", "earlier_contact"),
        ("spent two hours on the phone with you lot", "earlier_contact"),
        ("Four different agents and not one could help", "earlier_contact"),
        ("You have my details.", "earlier_contact"),
        ("please reply to my DM", "earlier_contact"),
        ("So back to my original question.", "earlier_contact"),
        ("Did you get my email from Monday?", "earlier_contact"),
        ("every time we have to explain it all", "earlier_contact"),
        ("Please can you reply to my direct message", "earlier_contact"),
        ("I finally just called support and they said wait a month", "earlier_contact"),
        ("2 weeks since I brought it to your attention", "earlier_contact"),
        ("I requested to cancel 4 months back and I'm still being charged?", "earlier_contact"),
        ("^ see previous msg", "earlier_contact"),
        ("Yes it is. BUT hv spoken w sales team and got the runaround", "earlier_contact"),
        ("tried calling your helpline several times, pathetic service", "earlier_contact"),
        ("I rang the number from your text and they told me it no longer works", "earlier_contact"),
        ("how many more times. the account is in my name", "earlier_contact"),
        ("How many times do you guys need my address?", "earlier_contact"),
        ("I have requested several refunds for these tickets", "earlier_contact"),
        ("I called the number on your website and they took my details", "earlier_contact"),
        # complaints and messages left unanswered
        ("still no reply to my complaint from Monday", "unanswered"),
        ("No replies to letters, nothing", "unanswered"),
        ("you guys stopped responding after one message", "unanswered"),
        ("No response yet to my emails.", "unanswered"),
        ("my DMs have gone unanswered", "unanswered"),
        ("you never got back to me about my claim", "unanswered"),
    ],
)
def test_earlier_contact_in_any_form_is_a_repetition(text: str, cue: str) -> None:
    """Are stores, staff, agents who said something, counted or dated contacts and unanswered
    complaints read as earlier contact with support (the definition of 2026-12-06)?"""
    assert [f.cue for f in detect_message(text)] == [cue]


def test_earlier_contact_stands_beside_another_cue_in_its_sentence() -> None:
    """Does earlier contact stand when another rule, which the learned cue may veto, fires in
    the same sentence ("visited 3 stores ... visit the store again")?"""
    text = "I have already visited 3 stores about this, I won't go and visit the store again"
    assert "earlier_contact" in [f.cue for f in detect_message(text)]


@pytest.mark.parametrize(
    "text",
    [
        "Customer care says I have to wait ten days.",
        "the helpline told me to write to you here",
        "the shop said they can't do refunds for web orders",
        "The lady at your Leeds branch told me it would be sorted.",
        "i was told by the guy in your shop that it's under warranty",
        "your colleague promised me a callback yesterday",
        "The rep on the phone said someone would ring me back.",
        "They said on the phone it would be fixed by now.",
        "your executive replied that it ships Monday",
    ],
)
def test_what_support_said_without_a_contact_claimed_is_not(text: str) -> None:
    """Is what support or staff said or did to the customer, with no claim that the customer
    told, asked or contacted them, left alone (the definition's revision 2)?"""
    assert detect_message(text) == []


@pytest.mark.parametrize(
    "text",
    [
        # third parties
        "my travel agent said the flight had moved",
        "I told the delivery guy the code was 4421",
        "my wife already called the store and they said it's out of stock",
        "I reported it to the police as stolen",
        "I called my bank twice",
        "I emailed the seller on Monday, no reply",
        "the game store said they already sent the code",
        # calls that never got through, first contacts described, other matters
        "called your line 3 times yesterday, nobody answered",
        # 2.7.0: the number called was closed or out of service
        "I called the number on your website twice and the number is no longer in service",
        "rang the helpline number yesterday but the number is closed",
        "I already tried restarting it before I contacted you.",
        "The last time I contacted you, the problem was solved in a day.",
        "I spoke with your team earlier about a different issue, this is about billing",
        "the app says I've contacted you before but this is my first message",
        "Just wrote a 1-star review because nobody answers the phone.",
        # recurring problems, plans, questions, compliance now
        "second time this month my parcel is late",
        "I'll call the store tomorrow",
        "Did the shop tell you why?",
        "I've just emailed you the photos",
        "got a code from the store already but it says invalid",
        "I was told by a friend you do price matching",
        "I was told by the chat that refunds take 5 days.",
        "I'll DM you my address",
        "Can you answer my question please",
        "Already spoke with Visa and they reversed one charge.",
        "I spoke to the delivery driver and he said the van broke down",
        "already logged out and back in",
        "ignore my last message, found it",
        "already checked with neighbours, nobody has it",
        "why is every 4th call dropping on my mobile",
        "you have my address wrong",
        "called twice, got disconnected twice",
        "tried calling 5 times, nobody answers",
        "i tried calling the assisted travel line but it says 'closed' at 3pm",
        "already spoke to the shop where I bought it, they sent me to you",
    ],
)
def test_earlier_contact_look_alikes_are_not(text: str) -> None:
    """Are third parties, calls that never got through, first contacts, other matters,
    recurring problems, plans, questions and compliance left alone?"""
    assert detect_message(text) == []


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("dialled your helpline four times this week", "earlier_contact"),
        ("Yesterday evening I dialed customer care twice", "earlier_contact"),
        ("you failed to reply to my complaint", "unanswered"),
        ("we'd been emailing your billing team for weeks", "earlier_contact"),
        ("I had been messaging you since Friday", "earlier_contact"),
        ("I've been asking for a refund from the beginning", "earlier_contact"),
    ],
)
def test_dialling_failing_to_reply_and_past_perfect_contacts_are_earlier_contact(
    text: str, cue: str
) -> None:
    """Are dialling support, support failing to reply and contacts kept up before ("had been
    emailing", "been asking from the start") read as earlier contact?"""
    assert [f.cue for f in detect_message(text)] == [cue]


@pytest.mark.parametrize(
    "text",
    [
        "I'll dial the number tomorrow morning",
        "the seller failed to respond for a week",
        "I had been waiting for weeks before it came",
        "the app failed to load my messages",
    ],
)
def test_dialling_and_failing_look_alikes_are_not(text: str) -> None:
    """Are plans, a third party's silence and waiting left alone?"""
    assert detect_message(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "still getting the same crash as reported above",
        "the serial number as provided earlier is on the box",
        "thats why i said the app is useless",
        "That's what I told you on Monday, the card was never activated",
        "which is what I explained yesterday",
        "that's why I asked you before",
        "I just said the screen stays black after the update",
    ],
)
def test_pointing_back_at_what_was_said_or_sent_is_a_repetition(text: str) -> None:
    """Are "as reported above", "that's why I said ..." and "I just said ..." found?"""
    assert detect_message(text)


@pytest.mark.parametrize(
    "text",
    [
        "that's why I asked for a bigger size this time",
        "that's not what I said to my landlord",
        "that's what I told my bank",
        "as shown in the picture on your website it should be blue",
    ],
)
def test_pointing_back_look_alikes_are_not(text: str) -> None:
    """Are a reason for a request, a third party and the company's pictures left alone?"""
    assert detect_message(text) == []


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("Last Friday I emailed your returns team the photos", "earlier_contact"),
        ("called in twice about the leak and still waiting", "earlier_contact"),
        ("I did ask at the till but was told they had none", "earlier_contact"),
        ("I've now sent another email with the invoice", "earlier_contact"),
        ("can you check the screenshot again, the charge is there", "earlier_contact"),
        ("see the previous photo I sent, the box was crushed", "earlier_contact"),
    ],
)
def test_contacts_dated_before_the_verb_called_in_and_sent_again_are_found(
    text: str, cue: str
) -> None:
    """Are a time opening the sentence, "called in", "did ask ... but was told", "another
    email" and a pointer to a photo sent before read as earlier contact?"""
    assert [f.cue for f in detect_message(text)] == [cue]


@pytest.mark.parametrize(
    "text",
    [
        "I called in sick so I can wait for the engineer",
        "I've just emailed you the photos",
        "check the photo on the listing again, it shows two cables",
        "Yesterday my neighbour emailed the council",
    ],
)
def test_dated_contact_look_alikes_are_not(text: str) -> None:
    """Are calling in sick, compliance now, the listing's photo and a third party left alone?"""
    assert detect_message(text) == []


def test_a_sentence_is_read_at_most_a_span_either_side_of_a_hit() -> None:
    """Does a message of 60,000 characters with no stop give each hit a bounded sentence, so
    reading its hits stays linear (a pattern per hit over the whole message was quadratic)?"""
    text = "you failed to reply to my complaint failed " * 1400
    middle = len(text) // 2
    sentence = cues.sentence_of(text, middle, middle + 10)
    assert len(sentence) <= 2 * cues._SENTENCE_SPAN + 10
    assert cues.sentence_of("Hi. I called you twice. Thanks", 4, 10) == " I called you twice."
    assert detect_message(text)  # the claims are still found


@pytest.mark.parametrize(
    "sentence",
    [
        "called your line 3 times yesterday, nobody answered",
        "Rang twice this morning and they hung up on me",
        "tried the helpline all week, it just rings out",
        "rang the number on the letter twice, no answer",
    ],
)
def test_calls_that_never_got_through_tell_nothing(sentence: str) -> None:
    """Does a sentence about calls that never got through count as no contact made?"""
    assert cues.never_got_through(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "I have emailed you three times, nobody answered",
        "rang twice and explained it all, then they hung up",
        "I complained last week, no answer",
        "I called you twice about this yesterday",
        # 2.10.7: no answer to something written is an unanswered message
        "chasing my e-mail from Tuesday, still no answer",
        "posting again as no one answered my first message",
        # 2.10.8: a call that got through before it was cut off
        "I was on the phone with your billing team for an hour and then got cut off",
        "talked to an agent on chat until it disconnected me",
    ],
)
def test_a_telling_or_a_call_that_got_through_is_not_vetoed(sentence: str) -> None:
    """Does a sentence that also tells, sends or complains keep its claim?"""
    assert not cues.never_got_through(sentence)


@pytest.mark.parametrize(
    "text", ["Appreciated. We have those details already!", "I have it already"]
)
def test_having_something_already_is_no_repetition(text: str) -> None:
    """Is having something already (possession, 2.7.1) no claim, though "already" anchors
    the learned cue?"""
    assert cues.having_already(text.split(". ")[-1])
    assert detect_message(text) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "I have the receipt already, sent it to your bot",
        "I have this already explained to the agent",
        "we have the form already filled in",
        "I have already told you this",
    ],
)
def test_having_already_told_or_sent_is_not_vetoed(sentence: str) -> None:
    """Does a having-already sentence that tells, sends or names support keep its claim?"""
    assert not cues.having_already(sentence)
    assert detect_message(sentence)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Can you just refund the deposit, like I've been asking since March?", True),
        ("Why won't anyone fix the meter as we've been chasing for weeks?", True),
        ("Have you been asking around for weeks?", False),
        ("Have I been emailing the wrong team for weeks?", False),
    ],
)
def test_a_stated_clause_of_ongoing_contact_counts_inside_a_question(
    text: str, found: bool
) -> None:
    """Does "like I've been asking since March" state earlier contact though its sentence asks,
    while a question about ongoing contact itself does not?"""
    assert bool(detect_message(text)) is found


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("I then messaged and had to wait three days for a response.", True),
        ("We emailed and waited a fortnight for any reply at all.", True),
        ("I emailed my landlord and waited ages for an answer.", False),
        ("I'm waiting for a reply before I email the pictures.", False),
    ],
)
def test_writing_then_waiting_for_a_reply_is_earlier_contact(text: str, found: bool) -> None:
    """Does "I messaged and had to wait days for a response" say the message was sent before,
    while waiting on a third party or writing later does not?"""
    assert bool(detect_message(text)) is found


@pytest.mark.parametrize(
    "text",
    [
        "Sent u the screenshots, sent u the invoice. What more do you want",
        "Explained the whole thing to your manager back in June.",
        "Explained the dent to your counter staff the day it arrived",
        "I gave you my postcode, why ask for it again",
        "filld in the claim on your portal 2 times now",
        # Phrasings the learned cue alone found before 2.10.0.
        "Gave all of that to your virtual agent an hour ago!",
        "Uploaded the receipt to the chat this morning.",
        "I filled in your refund form on Monday with all of this.",
        "Answered all those questions for the bot already.",
        "My card was charged, so rang nobody: emailed your billing team on Tuesday instead.",
        "i told u that my flat is on the 3rd floor",
    ],
)
def test_a_telling_without_its_subject_or_to_you_is_given_before(text: str) -> None:
    """Does a telling that drops "I" ("Sent u the screenshots") or is made to "you" in the
    simple past ("I gave you my postcode") read as given before?"""
    assert {f.cue for f in detect_message(text)} == {"given_before"}


@pytest.mark.parametrize(
    "text",
    [
        "Told to wait another week by the depot.",
        "Told we had signed up for it when we booked, 5 times over",
        "Sent from my tablet",
        "Sent me a code on Friday that never worked",
        "Gave it another go on Sunday, still dead",
        "reported the leak to my landlord on Tuesday",
        "Told you so, the neighbour said",
        "Filled in the form you linked, all done",
        "Popped the signed copy into the portal just now like you asked",
        "I told you it would break",
        "I have sent the documents and expect an answer on Friday.",
        "I did email the seller last week.",
        "I was dm'd by your team yesterday.",
    ],
)
def test_subjectless_and_to_you_look_alikes_are_not(text: str) -> None:
    """Are someone else's telling, sending now, giving time, a third party and a now-done
    step left alone?"""
    assert detect_message(text) == []


@pytest.mark.parametrize(
    ("text", "snippet"),
    [
        ("@NorthRail told you lot on Monday the ramp was broken", "told you"),
        ("@Quickbox @QuickboxHelp sent u the tracking ref twice!!", "sent u"),
        ("Great service @Acme\nSent you the photos yesterday.", "Sent you"),
        (
            "I DM'd @QuickboxHelp the photos last night",
            "I DM'd @QuickboxHelp the photos last night",
        ),
    ],
)
def test_social_media_handles_neither_hide_a_claim_nor_move_its_offsets(
    text: str, snippet: str
) -> None:
    """Is a claim read through @handles (one opening a tweet, one whom the customer told), with
    the snippet and offsets in the original text, the same one by one and batched?"""
    (finding,) = detect_message(text)
    assert finding.snippet.startswith(snippet)
    assert text[finding.start : finding.end] == finding.snippet
    assert detect_messages([text]) == [[finding]]


@pytest.mark.parametrize(
    ("text", "cues"),
    [
        ("my other half phoned you on Thursday about my direct debit", ["earlier_contact"]),
        ("my son already emailed you the warranty card last week", ["given_before"]),
        ("my brother rang your helpline about his own contract", []),
        ("my mum called the bank on Friday", []),
        ("my sister messaged you about the same problem, is it widespread", []),
        ("Our family has been on the phone to you for weeks about their account", []),
        # The customer's own claims that name a family member stay claims.
        ("I rang you twice last week, my husband is furious.", ["earlier_contact"]),
        ("I told your agent about my son yesterday.", ["given_before"]),
    ],
)
def test_family_acting_for_the_customer_is_earlier_contact(text: str, cues: list[str]) -> None:
    """Is a family member's contact with support on the customer's matter read as theirs, but
    not one with a third party or about the family member's own matter, and is the customer's
    own claim that names a relative still theirs?"""
    assert [f.cue for f in detect_message(text)] == cues


@pytest.mark.parametrize(
    ("text", "cues"),
    [
        ("i was call your helpline in March about it", ["given_before"]),
        ("we did explain to your agent in March that the meter is outside", ["given_before"]),
        ("I kept explaining to your reps that the meter is outside", ["given_before"]),
        ("Your staff keep telling your customers lies", []),
        ("check your DMs, the receipts are all there", ["given_before"]),
        ("check my emails, nothing from you", []),
        ("as I said on my blog, never again", []),
    ],
)
def test_second_language_pasts_repeated_tellings_and_pointers_to_the_dms(
    text: str, cues: list[str]
) -> None:
    """Are a past said with an auxiliary, "kept explaining to your reps" and "check your DMs"
    claims, and staff telling customers, one's own inbox and a post on one's own page not?"""
    assert [f.cue for f in detect_message(text)] == cues


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Had this exact conversation with your live chat last night", True),
        ("Wasted my whole morning on your helpline over this", True),
        ("Asked at your branch on Monday about the card", True),
        ("same complaint we raised in June, nothing fixed", True),
        ("4 emails and 3 calls later, still no refund", True),
        ("went into your Leeds branch to complain about it", True),
        ("third time I'm DMing @CoastRail today", True),
        ("I got 4 emails from you today", False),
        ("got like 4 emails, and no refund", False),
        ("You sent me 3 emails and none answer my question", False),
        ("I've sent the seller three messages and nothing", False),
        ("spent ages on your helpline but never got through", False),
    ],
)
def test_contact_said_through_its_channel_count_or_time(text: str, found: bool) -> None:
    """Is contact said by the conversation, the time spent, the place asked, the complaint made
    or a count of messages read as earlier contact, but not messages from support, to a
    seller, or a line never got through?"""
    assert bool(detect_message(text)) is found


def test_a_sending_the_agent_just_asked_for_complies_now_unless_dated() -> None:
    """Is "check your DMs" after "please DM us" compliance now, and a claim without the ask,
    or with a time before now, or when it says the customer keeps sending it?"""
    ask = "Please DM us your account number."
    assert detect_message("check your DMs, all there", context=ask) == []
    assert detect_message("check your DMs, all there")
    assert detect_message("Sent you the receipt in March.", context=ask)
    assert detect_message("I keep sending you the receipt!", context=ask)


def test_another_handle_told_is_a_third_party_and_a_handle_never_joins_lines() -> None:
    """Is "told @RoyalMail" in a tweet to @Amazon a third party, "@Acme's" the brand's, and
    does a removed handle keep its line break, mapping offsets back exactly?"""
    assert detect_message("@Amazon I told @RoyalMail yesterday about the parcel") == []
    aliased = engine._alias("Look at @Acme's reply\nI told @Acme\nThe box", ())
    assert aliased.text == "Look at your reply\nI told you\nThe box"
    start = aliased.text.index("I told you")
    assert aliased.back(start, start + len("I told you")) == (22, 34)
    # A start at a handle that left nothing maps past it; an end there maps before it.
    opening = engine._alias("@Acme sent you", ())
    assert opening.text == "sent you"
    assert opening.back(0, 0) == (6, 0)


def test_each_handle_looks_back_a_bounded_stretch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Does each handle read only the words just before it, so a long message of handles is
    read in linear time (2.10.0 read the whole text before each: 88 s for 224,000 characters)?"""
    seen: list[int] = []
    real = engine._TO_HANDLE_RE

    class Recording:
        def search(self, before: str) -> object:
            seen.append(len(before))
            return real.search(before)

    monkeypatch.setattr(engine, "_TO_HANDLE_RE", Recording())
    aliased = engine._alias("I told @Acme hi. " * 200, ())
    assert aliased.text.count("told you") == 200
    assert max(seen) <= 40


@pytest.mark.parametrize(
    ("sentence", "only"),
    [
        ("Gave it another go on Sunday, still dead", True),
        ("gave it a try this morning", True),
        ("that's why I asked for a bigger size this time", True),
        ("Gave it another go and sent you the logs", False),
        ("that's why I asked you twice", False),
        ("I gave it to your agent on Monday", False),
    ],
)
def test_a_step_tried_or_a_request_explained_tells_nothing(sentence: str, only: bool) -> None:
    """Is trying a step again or the reason for a request no claim, unless the sentence also
    tells or sends something?"""
    assert cues.only_trying_or_asking(sentence) is only


def test_every_pointer_in_the_evaluation_data_opens_with_a_listed_word() -> None:
    """Does every time or place a telling points to (as its patterns find it anywhere in the
    evaluation messages) open with a word of ``_POINTER_FIRST``, where alone it is sought?"""
    import json
    from pathlib import Path

    data = Path(__file__).resolve().parents[2] / "data" / "detection"
    texts = [
        json.loads(line)["text"]
        for path in sorted(data.glob("heldout-2026-12-*/messages.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    openings = {
        cues._WORD_RE.match(text, match.start()).group()  # type: ignore[union-attr]
        for text in texts
        for regex in (cues._GIVEN_POINTER_RE, cues._BARE_POINTER_RE)
        for match in regex.finditer(text)
    }
    assert len(openings) > 20
    assert {
        w for w in openings if w.lower() not in cues._POINTER_FIRST and not w[0].isdigit()
    } == set()


def test_a_misspelt_claim_is_found_where_it_was_written() -> None:
    """Does a contact cue read through a misspelling ("repoted") give the original words and
    offsets, not the corrected ones?"""
    text = "Yesterday I repoted it via email. Ref 00552866"
    [hit] = find_cues(get_nlp()(text), text)
    assert (hit.cue, hit.text) == ("earlier_contact", "I repoted")
    assert (hit.start, hit.end) == (10, 19)
