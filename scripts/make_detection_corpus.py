"""Write the training corpus of the learned repetition cue: labelled customer messages.

    .venv/bin/python scripts/make_detection_corpus.py [--out tests/data/detection/train/corpus.jsonl]

Every message is composed here, from hand-written phrase lists and hand-written whole
messages, then varied (case, punctuation, typos, texting shorthand, surrounding sentences).
A message is labelled ``explicit: true`` when the customer says they already told, sent,
explained, answered, did or filled in something for support (the bot, an assistant, a
previous agent, a form, an earlier email or message), or that they are repeating themselves.
Look-alikes are labelled false: telling a third party, not having told yet, the future, a
problem that recurs, what the bot or an agent said, things "already" done that are not
telling support anything. The output is deterministic: the same seed writes the same file.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "detection" / "train" / "corpus.jsonl"

# Who the customer may have told: support in every guise.
BOT = [
    "the bot",
    "your bot",
    "the chatbot",
    "the chat bot",
    "your chatbot",
    "the assistant",
    "your assistant",
    "the virtual assistant",
    "your virtual agent",
    "the AI",
    "the AI assistant",
    "the automated chat",
    "the online chat",
    "the help bot",
    "the support bot",
    "the robot",
    "the automated system",
    "the chat thing",
    "the digital assistant",
    "the auto chat",
]
AGENT = [
    "the previous agent",
    "the last agent",
    "the other agent",
    "your colleague",
    "the agent before you",
    "the guy before you",
    "the lady before you",
    "the person before you",
    "the rep I spoke to",
    "the last rep",
    "someone from your team",
    "your support team",
    "customer service",
    "the agent yesterday",
    "the man on the phone",
    "the woman on the phone",
    "your coworker",
    "another agent",
    "the first agent",
    "the person on the chat",
    "your team",
    "support",
    "the call centre",
    "the helpdesk",
    "your live chat",
    "the previous person",
]
YOU = ["you", "you guys", "you people", "y'all", "this chat", "your company"]
RECIPIENTS = BOT + AGENT + YOU

# Who the customer may have told that is not support.
THIRD = [
    "my bank",
    "my husband",
    "my wife",
    "my boss",
    "the courier",
    "the delivery driver",
    "the postman",
    "my landlord",
    "the store",
    "the shop assistant",
    "the police",
    "my friend",
    "my mum",
    "my dad",
    "the seller",
    "the restaurant",
    "my doctor",
    "the other company",
    "PayPal",
    "my card issuer",
    "my neighbour",
    "the receptionist at the hotel",
    "my sister",
    "my insurance",
    "the airline",
    "my accountant",
    "the DHL driver",
    "my son",
    "my partner",
    "the guy at the post office",
    "the merchant",
    "the building manager",
    "my lawyer",
    "the Apple store",
    "my IT guy",
    "my roommate",
    "the hotel",
    "the locksmith",
    "my mechanic",
]

INFO = [
    "my order number",
    "the order number",
    "my email",
    "my email address",
    "my account number",
    "my phone number",
    "my address",
    "the tracking number",
    "the serial number",
    "my details",
    "my name and address",
    "the invoice number",
    "the error message",
    "my postcode",
    "my date of birth",
    "the reference number",
    "my username",
    "the booking reference",
    "my card details",
    "the model number",
    "all my info",
    "my membership number",
]
ALL = [
    "everything",
    "all of this",
    "all this",
    "the whole story",
    "all the details",
    "all that",
    "the whole thing",
    "the full story",
    "every detail",
    "the entire problem",
    "the issue",
    "the problem",
    "what happened",
    "all of it",
    "the situation",
    "my problem",
    "this",
]
DOCS = [
    "the photos",
    "the pictures",
    "the screenshots",
    "a screenshot",
    "the receipt",
    "the invoice",
    "a copy of my ID",
    "the documents",
    "the video",
    "the pics",
    "proof of purchase",
    "the bank statement",
    "the label",
    "photos of the damage",
    "the confirmation email",
    "my passport scan",
    "the contract",
    "the paperwork",
    "the file",
    "the attachment",
]
STEPS = [
    "the troubleshooting steps",
    "all the steps",
    "the reset",
    "the factory reset",
    "a password reset",
    "everything it suggested",
    "all the checks",
    "the restart",
    "clearing the cache",
    "reinstalling the app",
    "the identity check",
    "the verification",
    "the security questions",
    "logging out and back in",
    "unplugging the router",
    "updating the app",
    "the diagnostics",
    "the whole checklist",
    "the return process",
]
WHEN = [
    "already",
    "earlier",
    "before",
    "yesterday",
    "an hour ago",
    "this morning",
    "last week",
    "twice",
    "three times",
    "like five times",
    "a minute ago",
    "at the start",
    "at the beginning",
    "just now",
    "on Monday",
    "two days ago",
    "last time",
    "10 minutes ago",
    "in the chat",
    "over and over",
    "multiple times",
    "several times",
    "a week ago",
]
CHANNELS = [
    "by email",
    "in an email",
    "in a DM",
    "via DM",
    "in the chat",
    "through the app",
    "on the phone",
    "in my first message",
    "in the form",
    "through the website",
    "on twitter",
    "in the portal",
    "over the phone",
]
VALUES = [
    "A-10442",
    "#55123",
    "ORD-88231",
    "dana.r@example.com",
    "1Z999AA10123456784",
    "07700 900123",
    "INV-2207",
    "48213",
    "jsmith77",
    "SW1A 1AA",
    "ACC-99120",
    "B7781-22",
    "mike@mailbox.org",
    "+44 7911 123456",
    "TRK 5521 8890",
    "order 771245",
    "#A2291",
    "x-44821",
    "REF 99812",
]
ISSUE = [
    "my order hasn't arrived",
    "the app keeps crashing",
    "I was charged twice",
    "the parcel is missing",
    "my account is locked",
    "the item arrived broken",
    "I can't log in",
    "my refund never came",
    "the wrong size was sent",
    "the tracking is stuck",
    "my subscription renewed without asking",
    "the package was left at the wrong address",
    "the heater stopped working",
    "my card was declined",
    "the discount code doesn't work",
    "I never got the confirmation email",
    "my delivery is two weeks late",
    "the screen is cracked",
    "the router keeps dropping",
    "I need to change my flight",
]
REQUESTS = [
    "cancel it",
    "refund me",
    "cancel my order",
    "close my account",
    "send the invoice",
    "I want my money back",
    "stop charging me",
    "I need a replacement",
    "please call me",
    "unlock my account",
    "change the delivery address",
    "cancel the subscription",
]
CONTEXT = [
    "Hi.",
    "Hello,",
    "Hey.",
    "Good morning.",
    "Hi there.",
    "Ok.",
    "Look,",
    "Seriously.",
    "Ugh.",
    "Thanks.",
    "Please help.",
    "This is ridiculous.",
    "I'm really frustrated.",
    "Come on.",
    "Sorry but",
    "Honestly,",
    "Listen,",
    "Hi, thanks for picking this up.",
    "Great.",
    "I need this sorted today.",
    "Please just fix it.",
    "Can you help?",
    "Any update?",
    "It's urgent.",
    "I've been waiting for ages.",
    "No offence, but",
    "Right.",
    "Yes.",
    "No.",
    "Thank you for getting back to me.",
    "This is the worst service.",
    "Fine.",
    "Hello again.",
]
TAIL = [
    "Please help.",
    "Can you just fix it?",
    "What now?",
    "Thanks.",
    "Any update?",
    "This is so frustrating.",
    "Please check.",
    "I need it today.",
    "Can you look it up?",
    "Why is this so hard?",
    "Is anyone reading this?",
    "Thank you.",
    "Please.",
    "Ugh.",
    "I just want my money back.",
    "What's going on?",
    "Can you see it?",
    "Please sort it out.",
]


def pick(rng: random.Random, items: list[str]) -> str:
    """Return one item of ``items``."""
    return items[rng.randrange(len(items))]


# ---------------------------------------------------------------- positives


def pos_told(r: random.Random) -> str:
    rec, info, when = pick(r, RECIPIENTS), pick(r, INFO + ALL), pick(r, WHEN)
    forms = [
        f"I {when} told {rec} {info}",
        f"I already told {rec} {info}",
        f"I've already told {rec} {info}",
        f"I told {rec} {info} {when}",
        f"I gave {rec} {info} {when}",
        f"I already gave {info} to {rec}",
        f"I've given {rec} {info} {when}",
        f"I provided {info} to {rec} {when}",
        f"I already provided {rec} with {info}",
        f"I explained {pick(r, ALL)} to {rec} {when}",
        f"I've explained {pick(r, ALL)} to {rec} already",
        f"I already explained {pick(r, ALL)} to {rec}",
        f"I went over {pick(r, ALL)} with {rec} {when}",
        f"I mentioned {info} to {rec} {when}",
        f"I typed {info} into {pick(r, BOT)} {when}",
        f"I shared {info} with {rec} {when}",
        f"I described {pick(r, ALL)} to {rec} {when}",
        f"I told {rec} {when} that {pick(r, ISSUE)}",
        f"I told {rec} {pick(r, ['all of this', 'everything', 'all this'])}",
        f"I already said {pick(r, ['that', 'this', 'it', 'all this'])} to {rec}",
        f"I said all of this to {rec} {when}",
        f"I've told {pick(r, AGENT)} {info} {when}",
        f"We told {rec} {info} {when}",
        f"my wife already told {pick(r, BOT + AGENT)} {info}",
        f"I literally just told {rec} {info}",
        f"I have already given {info} to {rec}",
        f"{rec} already has {info}",
        f"{pick(r, BOT + AGENT)} already has {info}, I gave it {when}",
        f"I spoke to {pick(r, AGENT)} {when} and gave them {info}",
        f"I gave all my details to {pick(r, AGENT)} {when}",
    ]
    return pick(r, forms)


def pos_sent(r: random.Random) -> str:
    doc, when, rec = pick(r, DOCS + INFO), pick(r, WHEN), pick(r, RECIPIENTS)
    forms = [
        f"I sent {doc} {when}",
        f"I already sent {doc}",
        f"I've already sent {doc} to {rec}",
        f"I sent {rec} {doc} {when}",
        f"I sent you {doc} {when}",
        f"I already sent you {doc}",
        f"I emailed {doc} {when}",
        f"I emailed you {doc} {when}",
        f"I uploaded {doc} {when}",
        f"I already uploaded {doc} to {pick(r, BOT)}",
        f"I attached {doc} to my first message",
        f"I attached {doc} {when}",
        f"I DMed you {doc} {when}",
        f"I already DM'd {doc}",
        f"I sent {doc} {pick(r, CHANNELS)} {when}",
        f"see {doc} I sent {when}",
        f"check {doc} I sent {pick(r, CHANNELS)}",
        f"{doc} I sent {when} show it clearly",
        f"did you not get {doc} I sent {when}?",
        f"I've sent {doc} {pick(r, ['twice', 'three times', 'already', 'before', 'multiple times'])}",
        f"I submitted {doc} {when}",
        f"I already forwarded {doc} to {rec}",
        f"I replied with {doc} {when}",
        f"I gave {rec} {doc} {when}",
        f"you should have {doc}, I sent them {when}",
        f"{doc} went to you {when}",
        f"I already messaged you {doc}",
        f"I posted {doc} in the chat {when}",
        f"please look at my previous email, {doc} are attached",
        f"check your DMs, I sent {doc} {when}",
    ]
    return pick(r, forms)


def pos_answered(r: random.Random) -> str:
    rec = pick(r, BOT + AGENT + YOU)
    forms = [
        f"I already answered {pick(r, ['those questions', 'that', 'these questions', 'all the questions', 'this question', 'that one'])}",
        f"I answered all {pick(r, ['the', 'these', 'those'])} questions {pick(r, WHEN)}",
        f"I answered {rec}'s questions {pick(r, WHEN)}",
        f"I've answered this {pick(r, ['twice', 'three times', 'already', 'before'])}",
        "already answered that",
        f"I went through all the questions with {rec} {pick(r, WHEN)}",
        f"I did the whole questionnaire with {rec} {pick(r, WHEN)}",
        f"you asked me that {pick(r, ['already', 'before', 'twice', 'a minute ago', 'earlier'])}",
        "you already asked me that",
        f"{rec} asked me all this {pick(r, ['already', 'before', 'earlier'])} and I answered",
        f"I've been asked this {pick(r, ['three times', 'twice', 'four times', 'already'])}",
        "why are you asking me again",
        f"I answered the security questions {pick(r, WHEN)}",
        f"same questions again? I answered them for {pick(r, BOT)}",
        f"I replied to all of that {pick(r, WHEN)}",
    ]
    return pick(r, forms)


def pos_did(r: random.Random) -> str:
    bot, step = pick(r, BOT + AGENT), pick(r, STEPS)
    forms = [
        f"I already did {step} with {bot}",
        f"I did {step} with {bot} {pick(r, WHEN)}",
        f"I went through {step} with {bot} {pick(r, WHEN)}",
        f"{bot} already had me do {step}",
        f"{bot} already made me do {step}",
        f"I already tried everything {bot} suggested",
        f"I've done {step} twice with {bot}",
        f"did all that with {bot} already",
        f"I already did that with {bot}",
        f"already tried that, {bot} had me do it",
        f"I did that {pick(r, ['already', 'earlier', 'before', 'twice', 'an hour ago'])}, {bot} asked me to",
        f"been through {step} with {bot} {pick(r, WHEN)}",
        f"I completed {step} with {bot} {pick(r, WHEN)}",
        f"{bot} walked me through {step} {pick(r, WHEN)}",
        f"we already did {step}",
        f"I've already done {step}, {bot} asked me to",
        f"yes I did {step} {pick(r, ['already', 'twice', 'already twice'])}, like {bot} said",
        f"I did all of that already with {bot}",
    ]
    return pick(r, forms)


def pos_form(r: random.Random) -> str:
    form = pick(
        r,
        [
            "the form",
            "the online form",
            "your form",
            "the claim form",
            "the return form",
            "the contact form",
            "the web form",
            "the refund form",
            "the complaint form",
            "the questionnaire",
            "the request form",
            "the warranty form",
        ],
    )
    forms = [
        f"I already filled in {form}",
        f"I already filled out {form}",
        f"I filled in {form} {pick(r, WHEN)}",
        f"I've filled out {form} {pick(r, ['twice', 'already', 'three times', 'before'])}",
        f"it's all in {form} I filled out",
        f"everything is in {form} I submitted {pick(r, WHEN)}",
        f"I submitted {form} {pick(r, WHEN)} with {pick(r, INFO)}",
        f"I put {pick(r, INFO)} in {form} {pick(r, WHEN)}",
        f"I completed {form} {pick(r, WHEN)}",
        f"{form} I sent {pick(r, WHEN)} has {pick(r, INFO)}",
        f"I entered {pick(r, INFO)} on {form} {pick(r, WHEN)}",
        f"I gave all that in {form}",
        f"I wrote all of this in {form} already",
    ]
    return pick(r, forms)


def pos_repeat(r: random.Random) -> str:
    value = pick(r, VALUES)
    forms = [
        f"as I said, {pick(r, ISSUE)}",
        f"like I said, {pick(r, ISSUE)}",
        f"as I mentioned, {pick(r, ISSUE)}",
        f"as I mentioned before, {pick(r, ISSUE)}",
        f"as I told {pick(r, RECIPIENTS)}, {pick(r, ISSUE)}",
        f"like I told {pick(r, RECIPIENTS)}, {pick(r, ISSUE)}",
        f"as I explained {pick(r, ['earlier', 'before', 'to the bot', 'already', 'to your colleague'])}, {pick(r, ISSUE)}",
        f"as stated {pick(r, ['before', 'earlier', 'above', 'in my first message'])}, {pick(r, ISSUE)}",
        f"as previously mentioned, {pick(r, ISSUE)}",
        f"like I already said, {pick(r, ISSUE)}",
        f"again, {pick(r, INFO)} is {value}",
        f"once again: {value}",
        f"once again, {pick(r, INFO)} is {value}",
        f"for the {pick(r, ['second', 'third', 'fourth', 'fifth', 'tenth', 'hundredth', 'umpteenth', 'last'])} time, {pick(r, INFO)} is {value}",
        f"for the {pick(r, ['third', 'fourth', 'fifth', 'umpteenth'])} time, {pick(r, ISSUE)}",
        f"to repeat: {value}",
        f"for the {pick(r, ['second', 'third', 'fourth', 'fifth', 'last', 'umpteenth'])} time{pick(r, [':', ',', ' -', ''])} {pick(r, REQUESTS)}",
        f"{pick(r, ['again', 'once again', 'one more time', 'I repeat'])}{pick(r, [':', ',', ' -'])} {pick(r, REQUESTS)}",
        f"{pick(r, REQUESTS)}. {pick(r, ['Third', 'Fourth', 'Second', 'Fifth'])} time I'm asking",
        f"repeating myself: {pick(r, ISSUE)}",
        f"I'll say it again: {pick(r, ISSUE)}",
        f"I'm repeating what I said to {pick(r, BOT + AGENT)}: {pick(r, ISSUE)}",
        f"repeating what I told {pick(r, BOT + AGENT)}, {pick(r, INFO)} is {value}",
        "I keep repeating myself",
        "I'm repeating myself here",
        "I feel like I'm repeating myself",
        "do I have to repeat everything?",
        "do I really have to explain it all again?",
        f"how many times do I have to {pick(r, ['say', 'tell you', 'explain', 'repeat', 'give you'])} this?",
        f"how many times do I need to give you {pick(r, INFO)}?",
        f"I've said this {pick(r, ['three', 'five', 'ten', 'a hundred', 'so many', 'multiple'])} times",
        "I have to explain this all over again?",
        f"I had to explain everything to {pick(r, BOT)} and now again to you",
        f"I had to explain it to {pick(r, BOT + AGENT)} and now I'm explaining it again",
        "why do I need to tell you again?",
        f"why do I have to repeat {pick(r, INFO + ALL)}?",
        "stop asking me the same thing",
        f"I'm tired of repeating {pick(r, ['myself', 'the same thing', 'my order number', 'this'])}",
        f"here it is again: {value}",
        f"one more time, {value}",
        f"{value}, like I said",
        f"{value} as I already said",
        f"it's {value}, same as I told {pick(r, RECIPIENTS)}",
        f"I'm explaining this for the {pick(r, ['second', 'third', 'fourth'])} time",
        f"this is the {pick(r, ['third', 'fourth', 'fifth'])} time I've explained this",
        f"this is the {pick(r, ['second', 'third', 'fourth'])} time I'm giving you {pick(r, INFO)}",
        f"again?? I already said {value}",
        f"I'll repeat: {pick(r, INFO)} is {value}",
        f"saying it again, {value}",
        f"as I wrote {pick(r, ['before', 'earlier', 'above', 'in my email', 'yesterday'])}, {pick(r, ISSUE)}",
        f"as I said to {pick(r, BOT + AGENT)}, {pick(r, ISSUE)}",
        f"same as I told {pick(r, BOT + AGENT)}: {pick(r, ISSUE)}",
    ]
    return pick(r, forms)


def pos_pointer(r: random.Random) -> str:
    forms = [
        "it's all in the chat",
        "it's all in the chat above",
        "scroll up",
        "please scroll up, it's all there",
        "read the transcript",
        "just read the transcript",
        "check the chat history",
        "it's in the conversation with the bot",
        f"I explained everything in the {pick(r, ['transcript', 'chat', 'conversation', 'chat with the bot', 'first message'])}",
        f"all the info is in the {pick(r, ['chat', 'transcript', 'conversation', 'ticket', 'thread'])}",
        "see my previous message",
        "see my message above",
        "it's in my first message",
        "look above",
        "read my earlier messages",
        "it's all written above",
        "everything you need is in the chat log",
        f"{pick(r, BOT)} has all my details",
        f"{pick(r, BOT + AGENT)} should have passed all this on",
        f"didn't {pick(r, BOT + AGENT)} pass on {pick(r, INFO + ALL)}?",
        f"didn't {pick(r, BOT)} tell you {pick(r, INFO + ALL)}?",
        f"doesn't your system already have {pick(r, INFO)}?",
        f"you should already have {pick(r, INFO)}",
        f"you already have {pick(r, INFO)}",
        f"you guys already have {pick(r, INFO)}",
        f"you have {pick(r, INFO)} already, I gave it to {pick(r, BOT + AGENT)}",
        "check my DMs",
        "see my earlier DM",
        f"check the email I sent {pick(r, ['on Monday', 'yesterday', 'last week', 'earlier', 'this morning'])}",
        f"see the {pick(r, ['photos', 'screenshot', 'receipt', 'email'])} I sent earlier",
        "it's in the form I filled out",
        "the details are in my previous email",
        "refer to my previous messages",
        "as per my last email",
        "as per my previous message",
        "per my last message",
        "see below, same as my previous reply",
        "the bot already knows all this",
        "all of that is in the transcript already",
        "didn't you read what I wrote?",
        "did nobody read my messages?",
        f"it's the same {pick(r, ['email', 'order number', 'address', 'phone number', 'account', 'number'])} as before",
        f"same {pick(r, ['email', 'order number', 'address', 'number', 'account number'])} as {pick(r, ['before', 'earlier', 'I gave the bot', 'last time I wrote', 'I already said', 'I told the other agent'])}",
        f"the same one I gave {pick(r, BOT + AGENT)}",
        f"same {pick(r, ['info', 'details'])} I gave {pick(r, BOT + AGENT)}",
        f"it's the one I already gave {pick(r, RECIPIENTS)}",
        "I already gave you that",
        "already gave you that",
        "you have it already",
    ]
    return pick(r, forms)


def pos_elliptical(r: random.Random) -> str:
    forms = [
        "Already told you!",
        "Already did!",
        "Said that already!",
        "Already sent!",
        "Already answered that.",
        "Already gave it!",
        f"Told {pick(r, BOT)} already.",
        "Sent it yesterday!",
        f"Sent it {pick(r, ['earlier', 'already', 'twice', 'this morning'])}!",
        f"Been through all this with {pick(r, BOT + AGENT)}.",
        f"Already explained to {pick(r, BOT + AGENT)}!",
        "Told you already!!",
        f"Gave that to {pick(r, BOT)} already.",
        "already sent those",
        "already filled it in",
        "Done. Twice.",
        "Said it twice already.",
        "Already in the chat!",
        "Said so above.",
        f"Already gave {pick(r, INFO)}!",
        f"Already sent {pick(r, DOCS)}!",
        "Answered already.",
        "Told ya already",
        f"Explained it {pick(r, ['twice', 'already', 'three times'])}!",
        f"Already told {pick(r, RECIPIENTS)}!",
        "Uploaded them already.",
    ]
    return pick(r, forms)


# ---------------------------------------------------------------- negatives


def neg_third(r: random.Random) -> str:
    who, info, when = pick(r, THIRD), pick(r, INFO + ALL + DOCS), pick(r, WHEN)
    forms = [
        f"I already told {who} {info}",
        f"I told {who} {info} {when}",
        f"as I told {who}, {pick(r, ISSUE)}",
        f"like I told {who}, {pick(r, ISSUE)}",
        f"I explained {pick(r, ALL)} to {who} {when}",
        f"I sent {info} to {who} {when}",
        f"I already sent {who} {info}",
        f"I gave {who} {info}",
        f"{who} already has {info}",
        f"I've already spoken to {who} about this",
        f"I filled in {who}'s form {when}",
        f"I answered {who}'s questions {when}",
        f"I showed {info} to {who}",
        f"I emailed {who} {when}",
        f"I already called {who}",
        f"I did all the steps {who} told me to",
        f"{who} asked me for {info} {when}",
        f"I had to explain everything to {who} {pick(r, ['', 'too', 'as well', 'already'])}",
        f"I had to repeat {info} to {who} three times",
        f"{who} made me repeat {info}",
        f"I told {who} it was your fault",
        f"as I explained to {who}, {pick(r, ISSUE)}",
        f"I mentioned it to {who} {when}",
        f"I already went over this with {who}",
    ]
    return pick(r, forms)


def neg_not_yet(r: random.Random) -> str:
    rec, info = pick(r, RECIPIENTS), pick(r, INFO + ALL + DOCS)
    forms = [
        f"I didn't get to tell {rec} {info}",
        f"I didn't get the chance to tell {rec} {info}",
        f"{pick(r, BOT)} never gave me the chance to explain",
        f"{pick(r, BOT)} didn't let me explain",
        f"{pick(r, BOT)} never asked for {info}",
        f"I haven't sent {info} yet",
        f"I haven't told {rec} {info} yet",
        f"I never told {rec} {info}",
        f"I forgot to tell {rec} {info}",
        f"I forgot to give {rec} {info}",
        f"I couldn't explain it to {pick(r, BOT)}",
        f"I didn't give {rec} {info}",
        "I haven't filled in the form",
        "I haven't filled out the form yet",
        f"I didn't send {info} because {pick(r, BOT)} cut me off",
        f"{pick(r, BOT)} didn't ask for {info}",
        f"I wasn't able to send {info} to {pick(r, BOT)}",
        f"I never got to explain {pick(r, ALL)}",
        f"I didn't mention {info} before",
        f"I should have told {rec} {info}",
        f"I didn't explain it well to {pick(r, BOT)}, so here goes",
        f"I don't think I told {rec} {info}",
        f"{pick(r, BOT)} wouldn't let me type {info}",
        f"I never answered {pick(r, BOT)}'s questions, it timed out",
        f"nobody has asked me for {info} yet",
        f"I didn't mention it to {pick(r, BOT)} but {pick(r, ISSUE)}",
        f"I haven't uploaded {pick(r, DOCS)} yet",
        f"I haven't done {pick(r, STEPS)} yet",
        f"I didn't try {pick(r, STEPS)}",
    ]
    return pick(r, forms)


def neg_future(r: random.Random) -> str:
    rec, info = pick(r, RECIPIENTS), pick(r, INFO + ALL + DOCS)
    forms = [
        f"I will send {info} {pick(r, ['tomorrow', 'later', 'tonight', 'in a minute', 'when I get home'])}",
        f"I'll send {info} {pick(r, ['now', 'shortly', 'later', 'asap'])}",
        f"I can send you {info}",
        f"I'm going to send {info}",
        f"I'll explain {pick(r, ALL)}",
        f"let me explain {pick(r, ALL)}",
        "let me tell you what happened",
        f"should I send {info}?",
        f"can I send you {info}?",
        f"do you want me to send {info}?",
        f"where do I send {info}?",
        f"I'll fill in the form {pick(r, ['tonight', 'later', 'now', 'tomorrow'])}",
        f"I'd like to explain {pick(r, ALL)}",
        "I need to tell you something",
        f"I want to send you {info}",
        f"I'm sending {info} now",
        f"sending {info} now",
        f"here is {info}: {pick(r, VALUES)}",
        f"here are {pick(r, DOCS)}",
        f"attached are {pick(r, DOCS)}",
        f"I've attached {pick(r, DOCS)} to this message",
        "just sent you a DM",
        "DM sent",
        f"I'll DM you {info}",
        "I will answer any questions you have",
        "happy to answer any questions",
        f"I can do {pick(r, STEPS)} if needed",
        f"I'll try {pick(r, STEPS)} now",
        "I'm going to fill out the form now",
        f"ok I'll tell {rec} next time",
        f"I'll give you {info} in a sec",
    ]
    return pick(r, forms)


def neg_recurring(r: random.Random) -> str:
    forms = [
        "it broke again",
        "this is the second time this year",
        f"this is the {pick(r, ['second', 'third', 'fourth'])} time my {pick(r, ['order', 'parcel', 'package', 'delivery'])} is {pick(r, ['late', 'lost', 'missing', 'damaged'])}",
        f"for the second time this {pick(r, ['month', 'year', 'week'])} {pick(r, ISSUE)}",
        f"for the {pick(r, ['third', 'second', 'fourth'])} time this year, {pick(r, ['the package is lost', 'the app crashed', 'my card was charged twice', 'the delivery failed'])}",
        "it keeps happening",
        "the app crashed again",
        "same problem as before",
        "it's the same problem as last month",
        "I ordered again",
        "I tried again and it failed",
        "I tried again this morning, still nothing",
        f"this has happened {pick(r, ['twice', 'three times', 'again', 'before'])}",
        "my card got declined again",
        "it stopped working again after the update",
        "the same thing happened last year",
        "I got charged again this month",
        "second order in a row that's wrong",
        "third time lucky I hope",
        "it happened once before and you fixed it",
        "I'd like to order the same thing as before",
        "can I have the same colour as last time?",
        "I reordered the same item",
        "can you send it again?",
        "please send the code again",
        "could you resend the confirmation email?",
        "the code you sent doesn't work, can you send another?",
        "I tried logging in again and again",
        "again and again the app logs me out",
        "once again your delivery failed",
        "once again the package is late",
        "it's broken again, same as before",
        "I'll try again later",
        "please try again",
        "the payment failed twice",
        "the delivery was attempted twice",
        "they came three times and never knocked",
    ]
    return pick(r, forms)


def neg_narration(r: random.Random) -> str:
    bot, agent = pick(r, BOT), pick(r, AGENT)
    forms = [
        f"{bot} told me to contact you",
        f"{bot} said it would refund me",
        f"I asked {bot} for a refund",
        f"{bot} couldn't help",
        f"{bot} sent me here",
        f"{bot} gave me a link that doesn't work",
        f"{bot} told me to wait",
        f"{agent} told me it would be fixed",
        f"{agent} promised a refund",
        f"{agent} said you'd call me back",
        f"{bot} said someone would help me",
        f"{bot} kept going in circles",
        f"{bot} was useless",
        f"{bot} didn't understand me",
        f"I was chatting with {bot} and it transferred me",
        f"{bot} said my order was delayed",
        f"{bot} told me my refund was processed",
        f"as {agent} told me, the refund takes 5 days",
        f"like {agent} said, it should arrive Monday",
        f"{agent} told me {pick(r, ['to reset it', 'to wait a week', 'it was shipped', 'to reinstall'])}",
        f"as you said, {pick(r, ['it should come tomorrow', 'the refund is pending', 'I need a new card'])}",
        "like you said, it's probably the router",
        f"you told me it would arrive {pick(r, ['Monday', 'yesterday', 'last week'])}",
        "you said three days and it's been ten",
        f"{bot} explained the return policy",
        f"{bot} sent me a form",
        f"{bot} asked me to fill in a form",
        f"{bot} answered some of my questions",
        "nobody answered my email",
        f"I asked {bot} where my order was",
        f"{bot} said it can't do refunds",
        f"I talked to {bot} but it didn't help",
        f"I was talking to {bot} about my order",
        f"I wanted to ask {bot} about returns",
        f"{bot} gave me a reference number",
        f"{bot} said to send photos to you",
        "the email you sent me was blank",
        "you sent me the wrong item",
        "you sent me a link but it's expired",
        "I got the email you sent",
        f"I received {pick(r, DOCS)} you sent",
        f"{agent} sent me {pick(r, DOCS)}",
    ]
    return pick(r, forms)


def neg_already_other(r: random.Random) -> str:
    forms = [
        "I already paid",
        "I already paid for it",
        "I already returned the item",
        "I already received a refund for the other one",
        "it already shipped",
        "I already have an account",
        "I was already charged twice",
        "I already cancelled my card",
        "I've already waited two weeks",
        "I've already been waiting an hour",
        "the package was already opened when it arrived",
        "it was already broken",
        "I already bought a replacement",
        "I already returned it to the store",
        "I already have the app installed",
        "it's already past the delivery date",
        "I already used the voucher",
        "the discount was already applied",
        "I already moved house",
        "it already says delivered",
        "I already know the tracking says delivered",
        "I already checked with my neighbours",
        "I already looked in the spam folder",
        "I already reset my router at home last month",
        "I'm already a member",
        "my account is already verified",
        "I already ordered a new one from another shop",
        "already waited 3 weeks",
        "I've already lost a day of work over this",
        "I already sent the parcel back",
        "I sent the item back last week",
        "I sent the package back with the label",
        "I mailed the return yesterday",
        "I already posted the return",
        "the return was sent on Monday",
        "I explained to my kids why the present is late",
        "I told my boss I'd have it by Friday",
        "we already told the guests",
        "I've already answered the door three times today",
        "I filled in a form at the post office",
        "I did the update on my phone yesterday",
        "I emailed my bank yesterday",
        "I sent my landlord the invoice",
    ]
    return pick(r, forms)


def neg_tell_other_sense(r: random.Random) -> str:
    forms = [
        "can you tell me where my order is?",
        "tell me why this happened",
        "I can't tell if it's shipped",
        "the tracking said delivered",
        "could you explain why I was charged?",
        "please explain the charges",
        "can you explain what happened?",
        "what did the bot mean?",
        "can you send me a new one?",
        "please send me the label",
        "send me the invoice please",
        "did you send the replacement yet?",
        "has the refund been sent?",
        "when will you send it?",
        "can you answer my question?",
        "nobody answers the phone",
        "what form do I need to fill in?",
        "where is the form?",
        "I need to fill in the form?",
        "is there a form for this?",
        "do you need my order number?",
        "what's the email you need?",
        "what information do you need?",
        "which order number do you want?",
        "do you need photos?",
        "do you want the serial number?",
        "I'm not sure what you mean",
        "sorry, what did you say?",
        "can you say that again?",
        "could you repeat that?",
        "sorry can you repeat the address?",
        "what was the code again?",
        "what was your name again?",
        "I didn't catch that",
        "tell your manager",
        "I want to speak to a manager",
        "I'll tell everyone how bad this is",
        "I'm telling all my friends",
        "let me know",
        "keep me posted",
        "let me know what you find",
        "before I forget, I also moved house",
        "before you ask, it's not the cable",
        "I said yes to the upgrade",
        "my husband said it's fine",
        "my friend told me to ask for a refund",
        "the courier said it was delivered",
        "the shop told me to contact you",
        "the driver said nobody was home",
        "the seller told me you handle refunds",
        "my bank told me to call you",
        "the store said to fill in your form",
    ]
    return pick(r, forms)


def neg_plain(r: random.Random) -> str:
    value = pick(r, VALUES)
    forms = [
        pick(r, ISSUE),
        f"{pick(r, ISSUE)}, can you help?",
        f"hi, {pick(r, ISSUE)}",
        f"my order number is {value}",
        f"the order is {value}",
        f"{value}",
        f"it's {value}",
        f"email is {pick(r, ['dana.r@example.com', 'mike@mailbox.org', 'sara.k@mail.com'])}",
        f"{pick(r, INFO)} is {value}",
        f"my {pick(r, ['order', 'parcel', 'refund'])} {pick(r, ['is late', 'never arrived', 'is missing', 'is wrong'])}",
        "I want a refund",
        "I want to cancel",
        "how do I change my password?",
        "thanks for your help",
        "thank you so much",
        "ok",
        "yes please",
        "no, that's all",
        "that worked, thanks",
        "perfect",
        "great, thanks",
        "when will it arrive?",
        "can I get a replacement?",
        "how long will the refund take?",
        "is anyone there?",
        "hello?",
        "I'd like to speak to someone",
        "I need help with my account",
        "it says payment failed",
        "the website won't load",
        "I'm on the latest version",
        "I use an iPhone 13",
        "it's the blue one, size M",
        "I live in Leeds",
        "I bought it two weeks ago",
        "I ordered it on the 3rd",
        "it was a gift",
        "the box was crushed",
        "there's no tracking update since Tuesday",
        "I restarted it and it works now",
        "yes I tried that now and it works",
        "I just tried that, still broken",
        "ok I'll try that",
        "done, it restarted",
        "restarting now",
        "it's plugged in",
        "the light is blinking red",
        "I've attached a photo",
        "photo attached",
        "see attached",
        "screenshot below",
        "here's the receipt",
        "my address is 12 High Street, Leeds",
        "my phone number is 07700 900123",
        "call me on 07911 123456",
        f"{pick(r, ISSUE)}. {pick(r, TAIL)}",
        f"{pick(r, CONTEXT)} {pick(r, ISSUE)}.",
        "What's the status?",
        "Any news on my refund?",
        "Why is this taking so long?",
        "I've been a customer for ten years",
        "I'm very disappointed",
        "this is unacceptable",
        "I expect compensation",
        "can you escalate this?",
        "I need it before Friday",
        "it's for my daughter's birthday",
        "the bot is great but I need a person",
        "I prefer talking to a human",
        "I had a chat with the bot",
        "I came from the chatbot",
        "I was transferred from the chat",
        "the chat disconnected",
        "hi, I'm the customer from the chat",
        "hi it's me from the bot chat",
    ]
    return pick(r, forms)


def ordinary() -> list[str]:
    """Read the hand-written ordinary sentences (no repetition claim in any of them)."""
    path = OUT.parent / "ordinary.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


ORDINARY = ordinary()


def neg_ordinary(r: random.Random) -> str:
    return " ".join(pick(r, ORDINARY) for _ in range(r.choice([1, 1, 2, 2, 3, 4])))


SAY_PAST = [
    "said",
    "stated",
    "mentioned",
    "explained",
    "wrote",
    "typed",
    "noted",
    "specified",
    "indicated",
    "described",
    "outlined",
    "detailed",
    "clarified",
    "laid out",
    "spelled out",
    "went over",
    "covered",
    "reported",
    "flagged",
    "raised",
    "put it",
    "told you",
    "wrote in",
    "pointed out",
    "made clear",
    "gave",
    "sent",
    "shared",
    "listed",
    "confirmed",
]
WHEN_SAID = [
    "",
    "",
    "already",
    "before",
    "earlier",
    "above",
    "previously",
    "at the start",
    "twice",
    "in my first message",
    "in the chat",
    "to the bot",
    "to the last agent",
    "yesterday",
    "in my email",
    "in the form",
    "several times",
    "a few minutes ago",
    "up there",
]
ASIDE = [
    "I understand it",
    "I see it",
    "I expected",
    "I feared",
    "I thought",
    "far as I know",
    "I recall the terms",
    "I read on your site",
    "you can imagine",
    "I'm sure you know",
    "soon as I got home",
    "I opened the box",
    "I was leaving",
    "I understand the policy",
]
AGAIN_TELL = [
    "tell my story again",
    "explain it all again",
    "go through this again",
    "start over again",
    "give you my details again",
    "repeat the whole thing",
    "say it all over again",
    "explain the whole thing again",
    "type it all out again",
    "go over it again",
    "start from scratch again",
    "tell you everything again",
    "send the photos again",
    "fill in another form with the same info",
    "answer the same questions again",
    "redo the verification",
    "do the whole process again",
    "spell it out again",
]
HELP_AGAIN = [
    "it broke again",
    "it happened again",
    "the app froze again",
    "I got charged again",
    "the parcel went missing again",
    "the driver skipped me again",
    "it's leaking again",
    "the bot said the same thing again and again",
    "the bot repeated the same answer",
    "the AI kept repeating itself",
    "the chat kept looping",
    "the page reloaded again",
    "it logged me out again",
    "the code expired again",
    "I was billed again",
]


def pos_say(r: random.Random) -> str:
    verb, when = pick(r, SAY_PAST), pick(r, WHEN_SAID)
    issue = pick(r, ISSUE)
    forms = [
        f"as I {verb} {when}, {issue}",
        f"like I {verb} {when}, {issue}",
        f"as already {pick(r, ['said', 'stated', 'mentioned', 'explained', 'noted', 'described'])}, {issue}",
        f"as {pick(r, ['previously', 'already', 'earlier'])} {pick(r, ['stated', 'mentioned', 'explained', 'noted', 'said'])}, {issue}",
        f"I {verb} this {pick(r, ['already', 'before', 'earlier', 'twice', 'above', 'three times'])}",
        f"I {verb} that {pick(r, ['already', 'before', 'earlier', 'twice', 'at the start'])}: {issue}",
        f"I've {pick(r, ['said', 'stated', 'mentioned', 'explained', 'written', 'typed', 'described', 'covered'])} this {pick(r, ['already', 'before', 'twice', 'three times', 'more than once'])}",
        f"I {pick(r, ['said', 'stated', 'mentioned', 'wrote'])} it {pick(r, ['b4', 'before', 'already', 'earlier'])}, {issue}",
        f"{issue}, as I {verb} {pick(r, ['already', 'before', 'earlier', 'above'])}",
        f"{issue} - I {verb} this {pick(r, ['already', 'before', 'earlier'])}",
        f"I repeat: {issue}",
        f"I repeat, {issue}",
        f"sorry to repeat myself, but {issue}",
        f"let me repeat myself: {issue}",
        f"let me repeat myself once more, {issue}",
        f"once more: {issue}",
        f"once more, {pick(r, INFO)} is {pick(r, VALUES)}",
        f"once more for the {pick(r, ['second', 'third', 'fourth'])} time: {issue}",
        f"once again from the beginning: {issue}",
        f"yet again, {pick(r, INFO)} is {pick(r, VALUES)}",
        f"{pick(r, ['second', 'third', 'fourth', 'fifth'])} time asking: {pick(r, ['where is my refund?', 'when will it arrive?', 'can I cancel?', 'what is the status?'])}",
        f"{pick(r, ['second', 'third', 'fourth'])} time I'm {pick(r, ['saying', 'telling you', 'writing', 'explaining'])} this: {issue}",
        f"is there a reason I need to {pick(r, AGAIN_TELL)}?",
        f"must I really {pick(r, AGAIN_TELL)}?",
        f"do I have to {pick(r, AGAIN_TELL)}?",
        f"why do I have to {pick(r, AGAIN_TELL)}?",
        f"I don't want to {pick(r, AGAIN_TELL)}",
        f"I really don't want to {pick(r, AGAIN_TELL)}",
        f"so I have to {pick(r, AGAIN_TELL)} now?",
        f"now you want me to {pick(r, AGAIN_TELL)}?",
        f"I'm not going to {pick(r, AGAIN_TELL)}",
        f"having to {pick(r, AGAIN_TELL)} is ridiculous",
        "I'm having to repeat myself to a human now too",
        f"I already went over this with {pick(r, ['the chat', 'the bot', 'your assistant', 'the agent', 'someone', 'your colleague'])}",
        f"I explained everything to {pick(r, BOT)} before it transferred me",
        f"I gave {pick(r, BOT)} all of this before it passed me to you",
    ]
    return pick(r, forms)


def neg_say(r: random.Random) -> str:
    issue = pick(r, ISSUE)
    who = pick(r, THIRD)
    forms = [
        f"as {pick(r, ASIDE)}, {issue}",
        f"as you {pick(r, ['said', 'stated', 'mentioned', 'explained', 'wrote'])}, {pick(r, ['it should arrive soon', 'the refund is pending', 'I need a new card', 'it may take a week'])}",
        f"like you {pick(r, ['said', 'mentioned', 'suggested'])}, I {pick(r, ['restarted it', 'waited a day', 'checked the spam folder', 'cleared the cache'])}",
        f"as {pick(r, BOT + AGENT)} {pick(r, ['said', 'explained', 'stated', 'mentioned'])}, {issue}",
        f"as {pick(r, ['stated', 'mentioned', 'explained', 'shown', 'listed'])} on your website, {pick(r, ['returns are free', 'delivery takes 3 days', 'I can cancel anytime'])}",
        f"I {pick(r, SAY_PAST)} it to {who} {pick(r, WHEN)}",
        f"like I {pick(r, ['said', 'told', 'explained to', 'mentioned to'])} {who}, {issue}",
        f"{pick(r, HELP_AGAIN)}",
        f"{pick(r, HELP_AGAIN)}, {issue}",
        f"{issue}. {pick(r, HELP_AGAIN).capitalize()}",
        f"for the first time, {pick(r, ['the order arrived early', 'the app worked', 'I got a reply'])}",
        f"this is the {pick(r, ['third', 'second', 'fifth'])} time I've ordered from you, first problem",
        "I went through checkout twice and got two orders",
        f"I'm following up on the chat I had with {pick(r, BOT)}",
        f"can {pick(r, BOT)} see my previous orders?",
        f"can you see the chat I had with {pick(r, BOT)}?",
        "before the bot, I tried calling but nobody picked up",
        f"the message above from your system says {pick(r, ['error 402', 'payment failed', 'try later'])}",
        f"I already gave {pick(r, ['the old one', 'the spare', 'the broken one'])} to {pick(r, ['charity', 'my neighbour', 'a friend'])}",
        f"I already changed {pick(r, ['the password', 'the batteries', 'the cable'])} twice and it still fails",
        "I'm repeating the steps you gave me",
        "I'll repeat the steps you gave me now",
        "I repeated the payment because the first one failed",
        f"as soon as I {pick(r, ['told', 'gave', 'sent'])} {pick(r, BOT)} my {pick(r, ['name', 'email', 'order number'])} it froze",
        f"when I {pick(r, ['told', 'gave'])} {pick(r, BOT)} my {pick(r, ['email', 'order number'])} it crashed",
        "I already sent you a review, 5 stars!",
        f"I've said goodbye to {pick(r, ['the old plan', 'my old phone', 'that account'])}, now I need the new one set up",
        "I said no to the upgrade",
        "I said yes to the insurance",
        f"{pick(r, BOT)} answered my question about shipping, but I have another one",
        "I told myself I'd wait a week",
        "once more the delivery window was missed",
        "yet again the parcel is late",
        f"one more question: {pick(r, ['do you ship to Spain?', 'can I change the colour?', 'is it in stock?'])}",
        f"{who} made me repeat everything",
        f"I had to repeat everything to {who}",
    ]
    return pick(r, forms)


MSGS = ["DMs", "direct messages", "emails", "messages", "DM's", "private messages", "tweets"]
CASES = [
    "a complaint",
    "my complaint",
    "a ticket",
    "a case",
    "a request",
    "a claim",
    "a report",
    "the complaint",
    "a support ticket",
]
STAFF = [
    "your executive",
    "the customer care executive",
    "your technician",
    "your engineer",
    "your rep",
    "the executive",
    "customer care",
    "your agent",
    "your call centre",
    "your support team",
    "the person on your helpline",
    "your supervisor",
]


def pos_channels(r: random.Random) -> str:
    when = pick(r, WHEN)
    forms = [
        f"I DMed you {when}",
        f"I DM'd you {pick(r, ['yesterday', 'earlier', 'last week', 'a long time ago', 'twice', 'already'])}",
        f"I've DMed you {pick(r, ['twice', 'three times', 'already', 'several times'])}",
        f"i have DM you {pick(r, ['already', 'yesterday', 'earlier', 'twice'])}",
        f"I sent you {pick(r, ['a few', 'several', 'two', 'multiple', 'three', 'so many'])} {pick(r, MSGS)} {pick(r, ['about this', 'regarding this', 'already', 'this week', 'on this'])}",
        f"you've been ignoring my {pick(r, MSGS)}",
        f"nobody has answered the {pick(r, ['DM', 'email', 'message'])} I sent {pick(r, ['yesterday', 'last week', 'earlier', 'on Monday'])}",
        f"I messaged you {pick(r, ['yesterday', 'last week', 'twice', 'already'])} and heard nothing",
        f"DMed {pick(r, ['yesterday', 'twice', 'already', 'last night'])} but no response",
        f"sent a DM {pick(r, ['yesterday', 'an hour ago', 'last night', 'this morning'])} with all the details",
        f"did you get my {pick(r, ['DM', 'email', 'message', 'photos', 'receipt'])} from {pick(r, ['yesterday', 'earlier', 'this morning', 'last week'])}?",
        f"I replied to your DM {pick(r, ['yesterday', 'last night', 'hours ago'])} and heard nothing",
        f"I {pick(r, ['registered', 'logged', 'filed', 'raised', 'lodged', 'submitted'])} {pick(r, CASES)} {pick(r, ['already', 'last week', 'yesterday', 'twice', 'three times', '4 times', 'on the portal', 'online'])}",
        f"I've {pick(r, ['registered', 'logged', 'raised', 'filed'])} this {pick(r, ['already', 'twice', 'three times', 'before'])}",
        f"I have logged this already {pick(r, ['on the system', 'with you', 'online', ''])}",
        f"I've complained {pick(r, ['twice', 'three times', 'already', 'about this before', 'so many times'])}",
        f"I already reported this {pick(r, ['yesterday', 'last week', 'to your team', 'twice', ''])}",
        f"I already informed {pick(r, ['you', 'your team'] + STAFF)} {pick(r, ['', 'about this', 'about the same', 'yesterday'])}",
        f"I told {pick(r, STAFF)} {pick(r, ['already', 'yesterday', 'last week', 'twice'])} that {pick(r, ISSUE)}",
        f"I already told {pick(r, STAFF)} {pick(r, ['that', 'all this', 'everything', 'the problem'])}",
        f"I {pick(r, ['just', 'literally just'])} {pick(r, ['said', 'told you', 'explained', 'mentioned'])} {pick(r, ['that', 'this', 'it'])}",
        f"I just said {pick(r, ISSUE)}",
        f"I just told you {pick(r, ISSUE)}",
        f"as {pick(r, ['mentioned', 'stated', 'noted', 'said', 'explained'])}{pick(r, [',', '', ' -'])} {pick(r, ISSUE)}",
        f"however as stated, {pick(r, ISSUE)}",
        f"{pick(r, ['check', 'see', 'refer to', 'please check', 'kindly check', 'please refer to'])} my {pick(r, ['earlier', 'previous', 'last', 'first'])} {pick(r, ['message', 'tweet', 'email', 'DM', 'details', 'reply', 'post'])}",
        f"please refer to the details I {pick(r, ['gave', 'sent', 'provided'])} {pick(r, ['earlier', 'before', 'yesterday', 'in the link'])}",
        f"I've already spoken to {pick(r, ['your team', 'support', 'customer service', 'an agent', 'two agents', '3 reps', 'your colleague'])} about this",
        f"I've talked to {pick(r, ['so many', 'countless', 'five', 'three'])} {pick(r, ['people', 'agents', 'reps'])} about this already",
        f"I've spoken to {pick(r, ['2', 'three', 'four', 'several'])} of your {pick(r, ['agents', 'techs', 'reps', 'people'])} already and explained it each time",
        f"despite me telling you {pick(r, ISSUE)}",
        f"even though I told you {pick(r, ['already', 'yesterday', 'twice'])}, {pick(r, ISSUE)}",
        f"I told you that {pick(r, ['already', 'yesterday', 'before', 'earlier'])}",
        f"I sent {pick(r, ['the receipt', 'the documents', 'the ID', 'the form', 'the tickets', 'the proof'])} in {pick(r, ['weeks', 'days', 'a week', 'a month'])} ago",
        f"I sent in {pick(r, DOCS)} {pick(r, ['already', 'last week', 'as requested', 'weeks ago'])}",
        f"I did that last time and {pick(r, ['nothing happened', 'nobody replied', 'no one contacted me'])}",
        f"I was asked to {pick(r, ['send an email', 'fill in the form', 'send the photos', 'upload my ID'])}, which I did",
        f"I shared what happened with {pick(r, STAFF)} {pick(r, ['already', 'yesterday', 'last time'])}",
        f"don't you have notes from my {pick(r, ['call', 'chat', 'last call'])} {pick(r, ['yesterday', 'this morning', 'an hour ago'])}?",
        f"check the notes on my account from {pick(r, ['yesterday', 'my last call', 'last week'])}",
        f"I've had to chat with you {pick(r, ['three', 'four', '3', '5'])} times about this",
        f"my {pick(r, ['wife', 'husband', 'partner'])} already spent an hour on your chat explaining this",
        "I went through it all with your chat again",
    ]
    return pick(r, forms)


def neg_channels(r: random.Random) -> str:
    forms = [
        "Can I DM you?",
        "DM me please",
        "I'll DM you now",
        "just DMed you",
        "DM sent",
        "Sent you a DM now",
        "please DM me",
        "How do I DM you?",
        "I can't DM you, please follow me",
        f"I'll {pick(r, ['email', 'message', 'DM'])} you {pick(r, ['the details', 'my order number', 'a photo'])} now",
        "I'd like to register a complaint",
        "How do I file a complaint?",
        "I want to raise a complaint",
        "I'm going to report this",
        "Where do I log a ticket?",
        "Can you open a case for me?",
        "I want to make a claim",
        "How do I submit a request?",
        "please inform me when it ships",
        "I'll inform my bank",
        "kindly inform me of the status",
        "I just want to say thanks",
        "I just said to my wife it would come today",
        "as stated on your website, returns are free",
        "as mentioned in the news, there are strikes",
        "as noted in your terms, I have 30 days",
        "as shown in the picture, the box is crushed",
        "as you can see in the photo, it's broken",
        "as advertised, it should be free",
        "I just told my husband",
        "my husband just told me it arrived",
        "I messaged the seller yesterday",
        "I emailed the shop twice",
        "I DMed my friend about it",
        "the seller ignored my emails",
        "the courier never replied to my messages",
        "I complained to the landlord",
        "I reported it to the police",
        "I filed a claim with my insurance",
        "I logged it with my bank",
        "your executive told me to wait",
        "your technician said it's fixed",
        "the customer care executive promised a callback",
        "your agent said it would be refunded",
        "your rep told me 3 days",
        "the executive never called back",
        f"I got your {pick(r, ['DM', 'email', 'message'])}, thanks",
        "thanks for the DM",
        "I read your DM",
        "I saw your email",
        "I have spoken to my family and we want to cancel",
        "I've talked to my bank and they said it's fine",
        "I spoke to the seller and they agreed to a refund",
        "I'll check my previous emails",
        "let me check my emails",
        "see the photo below",
        "see attached",
        "refer to the photo",
        "check the tracking page",
        "please check my order",
        "kindly check and revert",
        "I sent the parcel in last week",
        "I sent in my old phone for trade-in",
        "I did that and it worked",
        "I did it and it still fails",
    ]
    return pick(r, forms)


# 2.2.0: support people named as people ("your rep Marta", "the lady on the phone"), steps the
# bot had the customer do, pointers to what support already holds, and their look-alikes:
# steps tried with nobody from support in the sentence, events that happen "again", work
# submitted elsewhere, a DM sent because it was asked for just now.
NAMES = ["Marta", "Joel", "Priya", "Sven", "Abdul", "Chen", "Rosa", "Femi", "Luca", "Hana"]
PEOPLE = [
    "the lady on the phone",
    "the gentleman I spoke to",
    "the man on your helpline",
    "one of your agents",
    "one of your colleagues",
    "someone on your phone line",
    "your onboarding rep",
    "your account manager",
    "the technician who came out",
    "your engineer",
    "your colleague on the phone",
    "the girl on live chat",
    "the support guy",
    "whoever answered the phone",
    "your rep",
    "your agent",
]
DAYS = [
    "on Tuesday",
    "yesterday",
    "last week",
    "on Friday",
    "this morning",
    "on the 3rd",
    "a fortnight ago",
    "last month",
    "two days ago",
]
STEPS_DONE = [
    "another cable",
    "a different charger",
    "the speed test",
    "resetting my password",
    "a hard reboot",
    "turning it off and on",
    "reinstalling the app",
    "the pairing steps",
    "logging out everywhere",
    "clearing the browser cookies",
    "the network reset",
    "a new SIM",
]
SUGGESTED = ["suggested", "told me to", "asked me to", "had me do", "recommended", "said to"]


def _person(r: random.Random) -> str:
    roll = r.random()
    if roll < 0.3:
        return f"{pick(r, ['your rep', 'your agent', 'your colleague', 'the agent', 'the advisor'])} {pick(r, NAMES)}"
    if roll < 0.45:
        return f"{pick(r, NAMES)} {pick(r, ['from your team', 'in support', 'on the helpline', 'in customer care', 'at your call centre'])}"
    return pick(r, PEOPLE)


def pos_people(r: random.Random) -> str:
    person, day = _person(r), pick(r, DAYS)
    forms = [
        f"I explained this to {person} {day} and {pick(r, ['they', 'she', 'he'])} said someone would {pick(r, ['email me', 'call back', 'sort it'])}",
        f"previously told {person} that {pick(r, ISSUE)}. please check the notes",
        f"I already went over {pick(r, ALL)} with {person} {day}",
        f"{person} {day} has all this",
        f"{person} already has {pick(r, INFO + ALL)}",
        f"I gave {person} {pick(r, INFO + ALL)} {pick(r, ['already', day])}",
        f"we gave {person} {pick(r, ['the full list', 'the spreadsheet', 'all the details', 'the user list', 'the logs'])} already",
        f"I already called and spoke to someone, they have {pick(r, INFO)}",
        f"I did send {pick(r, DOCS)} to {person} {day}",
        f"I did send {pick(r, DOCS)} in my {pick(r, ['earlier', 'first', 'previous', 'last'])} {pick(r, ['email', 'e-mail', 'message', 'DM', 'reply'])}, please check",
        f"I explained all this to {pick(r, NAMES)} {day}",
        f"sorry to be a pain but I did {pick(r, ['send', 'email', 'upload'])} {pick(r, DOCS)} to {person} {day}",
        f"I already explained to {person} {day} that {pick(r, ISSUE)}",
        f"{person} took all my details {day}",
        f"I went through the whole thing with {person} {day}",
        f"I spoke to {person} {day} and gave {pick(r, ['them', 'her', 'him'])} {pick(r, INFO)}",
        f"ask {person}, I told {pick(r, ['them', 'her', 'him'])} {pick(r, ALL)}",
    ]
    return pick(r, forms)


def pos_bot_steps(r: random.Random) -> str:
    bot, step = pick(r, BOT), pick(r, STEPS_DONE)
    forms = [
        f"I already tried {step}, as {bot} {pick(r, ['suggested', 'recommended'])}",
        f"i did {step} {bot} told me to do",
        f"I already did {step} like {bot} told me {pick(r, ['', 'to', '2'])}",
        f"did {step} because {bot} asked, {pick(r, ['no change', 'still broken', 'didnt help', 'same thing'])}",
        f"{bot} already {pick(r, ['verified my identity', 'checked my account', 'took my details', 'ran the checks', 'did the security questions with me', 'confirmed my address'])}",
        f"{bot} {pick(r, SUGGESTED)} {step} and I did, {pick(r, ['no luck', 'still the same', 'nothing changed'])}",
        f"tried {step} already, {bot}'s idea",
        f"I did {step} before I even got to you, {bot} asked and I said yes",
        f"I told {bot} the exact {pick(r, ['error', 'code', 'message', 'address', 'model'])}: {pick(r, VALUES)}",
        f"I typed the {pick(r, ['error', 'order number', 'serial', 'address'])} into {bot} {pick(r, ['already', 'earlier', 'at the start'])}",
    ]
    return pick(r, forms)


def pos_pointers_more(r: random.Random) -> str:
    forms = [
        f"{pick(r, ['already', 'I already', 'i alrdy', 'already'])} answered {pick(r, ['above', 'that above', 'this above', 'that earlier'])}",
        f"{pick(r, ['both', 'all of them', 'they', 'it'])} {pick(r, ['were', 'was', 'are', 'is'])} in the chat {pick(r, ['ffs', 'already', 'with the bot', 'above', ''])}",
        f"you have all of this{pick(r, ['!!', '.', '', ' already'])}",
        "you have all this already",
        f"this is all in what I sent {pick(r, BOT)}",
        f"it's all in what I typed {pick(r, ['earlier', 'to the bot', 'above', 'before'])}",
        f"I put all that in the chat {pick(r, ['earlier', 'before', 'already'])}",
        f"{pick(r, VALUES)}, {pick(r, ['like I said', 'as I said', 'as before', 'same as I gave the bot', 'told you this'])}",
        f"again, my {pick(r, ['email', 'order number', 'account number', 'postcode', 'address'])} is {pick(r, VALUES)}",
        f"once more: {pick(r, VALUES)}",
        f"like I said, {pick(r, ['it is the blue one', 'it never arrived', 'I have the receipt', 'the app is up to date', 'I use a laptop'])}",
        f"i alrdy told u {pick(r, INFO)}",
        f"{pick(r, ['answered', 'said', 'gave'])} that already {pick(r, ['up there', 'above', 'in the chat', ''])}",
        f"{pick(r, ['your', 'the'])} {pick(r, ['notes', 'chat log', 'history', 'file'])} should show {pick(r, ['everything', 'all of this', 'what I told you', 'my details'])}",
    ]
    return pick(r, forms)


def neg_tried_alone(r: random.Random) -> str:
    step = pick(r, STEPS_DONE)
    forms = [
        f"I already tried {step}, {pick(r, ['still broken', 'no luck', 'same problem', 'nothing'])}",
        f"I've tried {step} already and it still {pick(r, ['fails', 'crashes', 'will not connect', 'drops'])}",
        f"already tried {step}",
        f"yes I did {step}, no change",
        f"tried {step} and {pick(r, ['a restart', 'a reinstall'])}, still nothing",
        f"I already {pick(r, ['restarted', 'rebooted', 'updated', 'reinstalled'])} it {pick(r, ['twice', 'this morning', 'last night', ''])}",
        f"did {step} this morning, didn't help",
        f"I have already done {step} at home",
        f"my son already tried {step}",
        f"I did {step} the way the manual says",
        f"the {pick(r, ['speed test', 'diagnostic', 'test'])} says {pick(r, ['2mbps', '40 down', 'no signal', 'fail'])}",
    ]
    return pick(r, forms)


def neg_events(r: random.Random) -> str:
    forms = [
        f"you already replaced this {pick(r, ['unit', 'phone', 'router', 'part'])} once under warranty and now it's dead again",
        f"the {pick(r, ['driver', 'engineer', 'courier', 'technician'])} didn't show up again",
        f"my {pick(r, ['parcel', 'order', 'refund', 'train'])} is late again",
        f"got charged again {pick(r, ['this month', 'today', 'for the same thing'])}",
        f"{pick(r, ['the app', 'the site', 'my laptop', 'the box'])} {pick(r, ['crashed', 'froze', 'died', 'restarted'])} again {pick(r, ['last night', 'this morning', 'just now', ''])}",
        f"I submitted my {pick(r, ['thesis', 'tax return', 'application', 'assignment', 'visa form'])} {pick(r, ['yesterday', 'last week', 'on time'])} and {pick(r, ['need the print urgently', 'still need this fixed', 'now your site is down'])}",
        f"I sent {pick(r, ['my laptop', 'the phone', 'the watch', 'the console'])} {pick(r, ['for repair', 'to your repair centre', 'back for a fix'])} {pick(r, ['last week', 'a month ago', 'on Monday'])}",
        f"you already {pick(r, ['refunded', 'fixed', 'replaced', 'credited'])} {pick(r, ['the first one', 'my last order', 'this once'])}, thanks, but {pick(r, ISSUE)}",
        f"I already had {pick(r, ['an engineer', 'a technician', 'a refund'])} {pick(r, ['last year', 'in March', 'once'])} for this",
        "Just sent you a DM with my details as requested",
        f"{pick(r, ['DM sent', 'sent the DM', 'done, DMed you', 'ok sent you a DM'])} {pick(r, ['now', 'just now', 'as you asked', ''])}",
        f"I've sent the {pick(r, ['photos', 'receipt', 'screenshot'])} {pick(r, ['now', 'just now', 'as you asked', 'like you asked'])}",
        f"{pick(r, NAMES)} was {pick(r, ['great', 'really helpful', 'lovely'])} {pick(r, DAYS)}, thanks",
        f"{pick(r, ['your rep', 'the agent', 'your colleague'])} {pick(r, NAMES)} {pick(r, ['said', 'promised', 'told me'])} it would be {pick(r, ['sorted', 'refunded', 'fixed'])} {pick(r, DAYS)}",
    ]
    return pick(r, forms)


# 2.2.0: support threads on social media (the kinds of phrasing seen in real threads, each
# written here in new words, none taken from them): earlier contacts left unanswered, questions asked before and
# still open, pointers to an earlier post or picture, and the look-alikes seen beside them.
CONTACTS = [
    "DM",
    "direct message",
    "private message",
    "email",
    "letter",
    "message",
    "complaint",
    "tweet",
    "inbox message",
]


WILL_DM = ["I will DM you", "I'll send a DM", "DMing now"]


def pos_social(r: random.Random) -> str:
    contact = pick(r, CONTACTS)
    when = pick(r, ["on Sunday", "a week ago", "yesterday", "three days back", "last month"])
    forms = [
        f"your {pick(r, ['inbox', 'DMs', 'mailbox'])} must be overflowing, mine has sat there unread since {when}",
        f"{pick(r, ['any chance', 'is there any hope'])} someone opens my {contact} from {when}?",
        f"did what you asked and wrote back {pick(r, ['in private', 'over DM', 'by mail'])} {when}, {pick(r, ['silence since', 'crickets', 'not a word back'])}",
        f"that's {pick(r, ['the third', 'my fourth', 'another'])} {contact} I've sent your way {pick(r, ['on this', 'this week', 'about the same thing'])}",
        f"been firing {pick(r, ['DMs', 'emails', 'messages'])} at you {pick(r, ['all week', 'since Monday', 'for days'])} and nobody bites",
        f"I wrote to you {pick(r, ['privately', 'by DM', 'off the timeline'])} {when}{pick(r, ['', ', no joy', ', still nothing'])}",
        f"{pick(r, ['letters', 'emails', 'calls', 'DMs'])} {pick(r, ['unanswered', 'ignored', 'left on read'])}, {pick(r, ['refund', 'money', 'replacement'])} {pick(r, ['missing', 'nowhere', 'still not here'])}",
        f"this {pick(r, ['complaint', 'case', 'dispute'])} of mine has been open {pick(r, ['since last spring', 'for over a year', 'for nine weeks'])}",
        f"{pick(r, ['the complaint I made before', 'my previous complaint', 'my earlier ticket'])} {pick(r, ['vanished', 'got nowhere', 'was never picked up'])}",
        f"asked you to {pick(r, ['shut the account', 'stop billing me', 'cancel the contract', 'fix my surname'])} {pick(r, ['months ago', 'back in spring', 'twice already'])} and {pick(r, ['the charges keep coming', 'nothing has moved', 'it is still live'])}",
        f"already lodged a complaint {pick(r, ['about this', 'on this', 'through your site'])}, {pick(r, ['zero response', 'heard nothing', 'no answer came'])}",
        f"{pick(r, ['each time', 'every single time', 'whenever'])} {pick(r, ['I call', 'someone new picks up', 'I get passed on'])} I {pick(r, ['start from zero', 'have to go through it all', 'repeat the whole saga'])}",
        f"my {pick(r, ['earlier message', 'first DM', 'last email'])} {pick(r, ['said', 'mentioned', 'told you'])} {pick(r, ['I use a Mac', 'the colour is green', 'I have moved', 'the card was lost'])}",
        f"reported this {pick(r, ['over email', 'on the phone', 'through the app'])} {when}, {pick(r, ['reference', 'case no', 'ticket'])} {pick(r, VALUES)} {pick(r, ['if you look', 'should show it', 'has everything'])}",
        f"{pick(r, ['put in', 'sent in', 'made'])} my claim {when}, {pick(r, ['was promised a reply', 'you said 10 working days', 'told someone would ring'])}, {pick(r, ['nothing since', 'still nothing', 'not a peep'])}",
        f"{pick(r, ['still waiting on', 'nobody has touched', 'no one answered'])} {pick(r, ['what I asked', 'the question I asked', 'my question'])} {when}",
        f"{pick(r, ['answer', 'read', 'look at'])} {pick(r, ['what I asked', 'my question', 'my first tweet'])} {pick(r, ['please', 'first', 'before anything else'])}",
        f"{pick(r, ['you skipped', 'nobody addressed', 'you ignored'])} {pick(r, ['my question', 'what I asked', 'the part about the refund'])}",
        f"like I {pick(r, ['wrote', 'put', 'typed'])} {pick(r, ['before', 'already', 'up there'])}, {pick(r, ['option 5 is the last one', 'the menu has no agent option', 'there is no button for that'])}",
        f"rang {pick(r, ['the helpline', 'your hotline', 'your number'])} {pick(r, ['again and again', 'half a dozen times', 'every day this week'])} {pick(r, ['for nothing', 'and got nowhere', 'already'])}",
        f"{pick(r, ['see', 'look at', 'go back to'])} {pick(r, ['my very first post', 'the start of this thread', 'my opening tweet'])}",
        f"{pick(r, ['all my details are', 'everything you need is', 'my info is'])} {pick(r, ['on your system', 'on file', 'in your records'])} {pick(r, ['already', 'from last time', ''])}",
        f"{pick(r, ['no point', 'what is the point of'])} {pick(r, ['going through it again', 'starting from scratch', 'repeating it'])} {pick(r, ['on here', 'by text', 'in this chat'])}",
        f"{pick(r, ['wasted', 'lost', 'burned'])} {pick(r, ['a whole afternoon', 'hours', 'my lunch break'])} on the phone to you {pick(r, ['already', 'explaining', 'yesterday'])}",
        f"the {pick(r, ['name', 'number', 'reference'])} {pick(r, ['you want', 'you need'])} is {pick(r, ['in the photo I posted', 'on the screenshot above', 'in my picture'])}",
        f"ring me on the number {pick(r, ['I already gave', 'I put above', 'from my first message'])}",
        f"{pick(r, ['completed', 'sent off', 'filled out'])} {pick(r, ['your form', 'the online form', 'the web form'])} {pick(r, ['a day ago', 'on Tuesday', 'this morning'])} {pick(r, ['and heard nothing', 'no response', 'still nothing'])}",
        f"{pick(r, ['done that', 'did that', 'been there'])} {pick(r, ['already', 'before', 'last week'])}{pick(r, ['', ', nobody replied', ', no response'])}",
        f"I {pick(r, ['answered', 'got back to'])} {pick(r, ['you', 'your message', 'your DM'])} {pick(r, ['hours ago', 'ages ago', 'last night'])}{pick(r, ['!', ''])}",
        f"{pick(r, ['please', 'pls'])} pass {pick(r, ['the photo', 'my screenshot', 'the picture'])} {pick(r, ['I already sent', 'from before', 'I shared'])} to {pick(r, ['your engineer', 'the right team', 'whoever handles it'])}",
        f"{pick(r, ['a week', 'a fortnight', 'ten days'])} since I {pick(r, ['flagged', 'raised', 'reported'])} this with you",
    ]
    return pick(r, forms)


def neg_social(r: random.Random) -> str:
    forms = [
        f"no need, I {pick(r, ['have the details', 'know the number', 'got the info'])} {pick(r, ['already', 'here'])}",
        f"I already have {pick(r, ['the app', 'an account', 'the tracking link', 'the code'])}",
        f"{pick(r, ['the courier', 'the driver', 'they'])} {pick(r, ['came by again', 'had another go', 'tried once more'])} {pick(r, ['today', 'while I was in', 'and left a card'])}",
        f"{pick(r, ['take my money again', 'happy to pay you again', 'I will buy from you again'])} {pick(r, ['once this works', 'if you fix it', ''])}",
        f"I {pick(r, ['never', 'have not'])} {pick(r, ['said which courier', 'told you the carrier', 'given you that'])} {pick(r, ['before', 'yet'])}. {pick(r, ['It is Evri', 'It is UPS', 'It is the red one'])}",
        f"{pick(r, ['this fault', 'the glitch', 'that bug'])} {pick(r, ['showed up before', 'happened last year too', 'came back'])}",
        f"{pick(r, ['hence', 'which is why'])} I {pick(r, ['called it rubbish', 'said it was slow', 'moaned about it'])} {pick(r, ['haha', 'lol', ''])}",
        f"{pick(r, ['get', 'have'])} your {pick(r, ['devs', 'engineers', 'tech team'])} {pick(r, ['to sort this', 'to look at this', 'to patch it'])}",
        f"I {pick(r, ['restarted', 'started'])} {pick(r, ['from scratch', 'over'])} {pick(r, ['on my own', 'after reading a forum', 'this morning'])}",
        f"{pick(r, ['staff in the shop', 'a worker there', 'the cashier'])} {pick(r, ['asked what I was up to', 'wondered what I wanted'])}",
        f"please DM me{pick(r, ['', ' the details', ' a link'])}",
        f"sending you a DM {pick(r, ['now', 'right now', 'in a sec'])}",
        f"{pick(r, ['thanks', 'thank you', 'cheers'])}, {pick(r, WILL_DM)}",
        f"I {pick(r, ['have', 'got'])} your {pick(r, ['reply', 'DM', 'email'])}, thanks",
        f"{pick(r, ['my question is', 'quick question', 'question'])}: {pick(r, ['do you ship to Canada?', 'is the store open?', 'can I pay by card?'])}",
        f"I {pick(r, ['called', 'rang'])} {pick(r, ['the store', 'my bank', 'the hotel'])} {pick(r, ['twice', 'yesterday', 'three times'])}",
    ]
    return pick(r, forms)


POSITIVE: list[tuple[Callable[[random.Random], str], int]] = [
    (pos_told, 700),
    (pos_sent, 500),
    (pos_answered, 220),
    (pos_did, 300),
    (pos_form, 160),
    (pos_repeat, 650),
    (pos_pointer, 420),
    (pos_elliptical, 200),
    (pos_say, 800),
    (pos_channels, 700),
    (pos_people, 450),
    (pos_bot_steps, 300),
    (pos_pointers_more, 300),
    (pos_social, 600),
]
NEGATIVE: list[tuple[Callable[[random.Random], str], int]] = [
    (neg_third, 500),
    (neg_not_yet, 420),
    (neg_future, 420),
    (neg_recurring, 380),
    (neg_narration, 450),
    (neg_already_other, 250),
    (neg_tell_other_sense, 260),
    (neg_plain, 900),
    (neg_say, 800),
    (neg_ordinary, 2500),
    (neg_channels, 500),
    (neg_tried_alone, 350),
    (neg_events, 450),
    (neg_social, 450),
]

TYPO_SKIP = {"i", "a", "to", "the", "my", "it"}
SHORT = {
    "you": "u",
    "your": "ur",
    "already": "alr",
    "before": "b4",
    "are": "r",
    "please": "pls",
    "because": "cuz",
    "I'm": "im",
    "I've": "ive",
    "don't": "dont",
    "didn't": "didnt",
    "said": "sed",
    "explained": "explaned",
    "thanks": "thx",
}


def _typo(rng: random.Random, text: str) -> str:
    words = text.split(" ")
    idx = [i for i, w in enumerate(words) if len(w) >= 4 and w.lower() not in TYPO_SKIP]
    if not idx:
        return text
    i = idx[rng.randrange(len(idx))]
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    op = rng.randrange(3)
    if op == 0:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif op == 1:
        w = w[:j] + w[j + 1 :]
    else:
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)


ORDINALS = {
    "second": "2nd",
    "third": "3rd",
    "fourth": "4th",
    "fifth": "5th",
    "tenth": "10th",
    "hundredth": "100th",
}


def vary(rng: random.Random, text: str) -> str:
    """Dress one message as a customer might type it."""
    text = " ".join(text.split())
    if rng.random() < 0.3:
        text = " ".join(ORDINALS.get(w, w) for w in text.split(" "))
    if rng.random() < 0.15:
        text = " ".join(SHORT.get(w, w) for w in text.split(" "))
    if rng.random() < 0.15:
        text = _typo(rng, text)
    if text[-1:] not in "?!.:" and rng.random() < 0.6:
        text += (
            pick(rng, [".", ".", "!", "!!", "...", " !", "?!"]) if not text.endswith("?") else ""
        )
    if rng.random() < 0.55:
        text = text[0].upper() + text[1:]
    roll = rng.random()
    if roll < 0.25:
        text = f"{pick(rng, CONTEXT)} {text}"
    elif roll < 0.4:
        text = f"{text} {pick(rng, TAIL)}"
    elif roll < 0.5:
        text = f"{pick(rng, CONTEXT)} {pick(rng, ISSUE)}. {text}"
    elif roll < 0.55:
        text = f"{text} {pick(rng, ISSUE).capitalize()}. {pick(rng, TAIL)}"
    roll = rng.random()
    if roll < 0.2:
        text = f"{pick(rng, ORDINARY)} {text}"
    elif roll < 0.35:
        text = f"{text} {pick(rng, ORDINARY)}"
    elif roll < 0.42:
        text = f"{pick(rng, ORDINARY)} {text} {pick(rng, ORDINARY)}"
    if rng.random() < 0.3:
        text = text.lower()
    elif rng.random() < 0.03:
        text = text.upper()
    return text


def handwritten() -> list[tuple[str, bool]]:
    """Read the hand-written messages that sit beside the corpus ("1<TAB>text" per line)."""
    path = OUT.parent / "handwritten.tsv"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("\t", 1)
            rows.append((text, label == "1"))
    return rows


def build(seed: int = 20261205) -> list[dict[str, object]]:
    """Compose, vary and label the corpus; the same seed gives the same list."""
    rng = random.Random(seed)
    rows: dict[str, bool] = {}
    conflicts: set[str] = set()

    def add(text: str, label: bool) -> None:
        key = text.strip()
        if key in rows and rows[key] != label:
            conflicts.add(key)
        rows[key] = label

    for families, label in ((POSITIVE, True), (NEGATIVE, False)):
        for family, count in families:
            for _ in range(count):
                add(vary(rng, family(rng)), label)
    for text, label in handwritten():
        add(text, label)
        for _ in range(2):
            add(vary(rng, text), label)
    out = [
        {"id": f"c{i:05d}", "text": text, "explicit": label}
        for i, (text, label) in enumerate(sorted(rows.items()))
        if text not in conflicts
    ]
    random.Random(seed).shuffle(out)
    return out


def main() -> None:
    """Write the corpus as JSON lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=20261205)
    args = parser.parse_args()
    rows = build(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    positives = sum(1 for row in rows if row["explicit"])
    print(
        f"{len(rows)} messages, {positives} repetitions, {len(rows) - positives} others -> {args.out}"
    )


if __name__ == "__main__":
    main()
