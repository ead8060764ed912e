"""Suggested agent re-asks: an early agent reply asks for something the packet already holds."""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from spacy.tokens import Doc, Span

from handoff.detection.known import PacketFacts
from handoff.detection.nlp import GatedMatcher, get_nlp, sentence
from handoff.detection.topics import DETERMINERS, LIST_MARKER_RE, VETO, stem

PROBLEM = "problem"

# The words an agent asks with; a field named near one of them, in a question or request, is asked.
ASK_WORDS = {
    "what",
    "what's",
    "which",
    "provide",
    "send",
    "share",
    "confirm",
    "give",
    "tell",
    "verify",
    "include",
    "reply",
    "know",
    "have",
    "need",
    "get",
    "use",
    "used",
    "enter",
    "add",
    "check",
    "supply",
    "handy",
    "grab",
    "attach",
    "dm",
    "pop",
    "read",
    "take",
    "forward",
    "quote",
    "paste",
    "remember",
    "type",
    "leave",
    "mind",
    "search",
    "look",
    "drop",
    "walk",
}
# Words after a problem question that narrow it to one detail ("walk me through the steps").
NARROWING = frozenset(
    {"when", "version", "device", "browser", "steps", "troubleshooting", "how", "setup"}
)
PROBLEM_WORDS = frozenset({"issue", "problem", "it", "this", "what", "trouble", "situation"})
# Verbs that open a request when they start a sentence.
IMPERATIVES = frozenset(
    "send dm drop share reply provide pop confirm give walk quote attach forward paste type "
    "message email".split()
)
# Words a chat opens with before its question ("hey what's your ...").
GREETINGS = frozenset({"hi", "hey", "hello", "hiya", "ok", "okay", "thanks", "great", "morning"})
REQUEST_WORDS = {"please", "pls", "could", "can", "would", "may", "kindly", "mind", "need", "let"}
DETS: dict[str, Any] = {
    "NORM": {
        "IN": ["your", "the", "that", "this", "ur", "an", "a", "registered", "full", "correct"]
    },
    "OP": "{0,2}",
}
ID_TAIL: dict[str, Any] = {
    "NORM": {"IN": ["number", "#", "no", "no.", "id", "reference", "ref", "code", "num", "nr"]}
}

FIELD_PATTERNS: dict[str, list[list[dict[str, Any]]]] = {
    "order_id": [
        [{"NORM": "order"}, ID_TAIL],
        # "booking reference", "reservation number", "confirmation number"
        [{"NORM": {"IN": ["booking", "reservation", "confirmation"]}}, ID_TAIL],
        [{"NORM": {"IN": ["which", "what"]}}, {"NORM": "order"}],
        # "the number of the order that's affected"
        [ID_TAIL, {"NORM": "of"}, {"NORM": {"IN": ["the", "your", "that"]}}, {"NORM": "order"}],
    ],
    "email": [
        [{"NORM": {"IN": ["email", "e-mail"]}}, {"NORM": "address", "OP": "?"}],
        [{"NORM": "emails"}, {"NORM": "address"}],
        [{"NORM": "e"}, {"NORM": "-"}, {"NORM": "mail"}],
    ],
    "account_id": [
        [
            {
                "NORM": {
                    "IN": [
                        "account",
                        "acct",
                        "customer",
                        "user",
                        "member",
                        "membership",
                        "client",
                        "player",
                        "workspace",
                        "steam",
                        "profile",
                    ]
                }
            },
            ID_TAIL,
        ],
        # "your username", "the gamertag", "the UID"
        [{"NORM": {"IN": ["username", "gamertag", "uid", "userid"]}}],
        [{"NORM": "account"}, {"NORM": "name"}],
    ],
    "phone": [
        [{"NORM": {"IN": ["phone", "mobile", "cell", "telephone", "contact"]}}, {"NORM": "number"}],
        [{"NORM": {"IN": ["phone", "telephone"]}}],
        # "what's the best mobile for the cleaner to text?", "and your mobile?"
        [
            {"NORM": {"IN": ["best", "your", "ur"]}},
            {"NORM": "mobile"},
            {"NORM": {"IN": ["?", "for", "to", "on", "please", "pls"]}},
        ],
        [{"NORM": "landline"}, {"NORM": "number", "OP": "?"}],
        # "best extension to reach you on?", "your extension number" (not "browser extension")
        [{"NORM": {"IN": ["best", "your", "ur", "direct", "phone"]}}, {"NORM": "extension"}],
        [{"NORM": "extension"}, {"NORM": "number"}],
        # "a number we can reach you on"
        [
            {"NORM": "number"},
            {"NORM": {"IN": ["we", "i"]}},
            {"NORM": "can"},
            {"LEMMA": {"IN": ["reach", "call", "contact"]}},
        ],
        # "which number was used abroad?", "what's the best number to call you on?"
        [
            {"NORM": {"IN": ["which", "what", "what's", "best", "good", "a"]}},
            {"NORM": {"IN": ["is", "'s", "the", "a", "good", "best"]}, "OP": "{0,2}"},
            {"NORM": "number"},
            {"NORM": {"IN": ["where", "to", "on", "if", "for", "we", "i"]}},
        ],
        [{"NORM": {"IN": ["which", "what", "what's", "best"]}}, {"NORM": "number"}],
        [
            {"NORM": {"IN": ["the", "your"]}},
            {"NORM": "number"},
            {"NORM": {"IN": ["you're", "you"]}},
        ],
    ],
    "tracking_number": [
        [{"NORM": "tracking"}, {"NORM": {"IN": ["number", "code", "id", "#", "no"]}, "OP": "?"}],
        [{"NORM": {"IN": ["consignment", "waybill", "shipment", "parcel"]}}, ID_TAIL],
    ],
    "invoice_id": [
        [{"NORM": "invoice"}, ID_TAIL],
        # "the bill reference", "the receipt number", "the credit note reference"
        [{"NORM": {"IN": ["bill", "receipt"]}}, ID_TAIL],
        [{"NORM": "credit"}, {"NORM": "note"}, ID_TAIL],
        [{"NORM": {"IN": ["which", "what"]}}, {"NORM": "invoice"}],
    ],
}

PROBLEM_PATTERNS: list[list[dict[str, Any]]] = [
    # "how can I help you today?", "how may I assist"
    [
        {"NORM": "how"},
        {"NORM": {"IN": ["can", "may", "could", "might"]}},
        {"NORM": {"IN": ["i", "we"]}},
        {"LEMMA": {"IN": ["help", "assist"]}},
    ],
    # "what can I do for you", "what can I help you with"
    [
        {"NORM": "what"},
        {"NORM": {"IN": ["can", "may", "could"]}},
        {"NORM": {"IN": ["i", "we"]}},
        {"LEMMA": {"IN": ["help", "do", "assist"]}},
    ],
    # "what seems to be the problem", "what's the issue"
    [
        {"NORM": {"IN": ["what", "what's"]}},
        {"NORM": {"IN": ["is", "'s", "seems", "was", "exactly"]}, "OP": "{0,2}"},
        {"NORM": {"IN": ["to", "be"]}, "OP": "{0,2}"},
        {"NORM": {"IN": ["the", "your"]}},
        {"NORM": {"IN": ["problem", "issue", "trouble", "matter"]}},
    ],
    # "what's going on", "what happened"
    [
        {"NORM": {"IN": ["what", "what's"]}},
        {"NORM": {"IN": ["is", "'s"]}, "OP": "?"},
        {"NORM": "going"},
        {"NORM": "on"},
    ],
    [{"NORM": "what"}, {"NORM": "happened"}],
    # "can you describe the issue", "tell me more about the problem"
    [
        {"LEMMA": {"IN": ["describe", "explain", "tell", "share", "detail", "outline"]}},
        {"NORM": {"IN": ["me", "us"]}, "OP": "?"},
        {
            "NORM": {"IN": ["a", "bit", "little", "more", "some", "about", "of", "the", "details"]},
            "OP": "{0,4}",
        },
        {"NORM": {"IN": ["the", "your", "this"]}},
        {
            "NORM": {
                "IN": [
                    "issue",
                    "problem",
                    "trouble",
                    "situation",
                    "request",
                    "charge",
                    "error",
                    "concern",
                    "query",
                    "question",
                ]
            }
        },
    ],
    [
        {"LEMMA": {"IN": ["describe", "explain", "tell"]}},
        {"NORM": {"IN": ["me", "us"]}, "OP": "?"},
        {"NORM": {"IN": ["more", "about"]}, "OP": "{0,2}"},
        {"NORM": "what"},
        {"NORM": {"IN": ["happened", "happens", "'s", "is"]}},
    ],
    # "what are you having trouble with", "what issue are you experiencing"
    [
        {"NORM": "what"},
        {"NORM": {"IN": ["issue", "problem", "trouble"]}, "OP": "?"},
        {"NORM": {"IN": ["are", "'re"]}},
        {"NORM": "you"},
        {"NORM": {"IN": ["having", "experiencing", "facing", "seeing"]}},
    ],
    [
        {"NORM": "what"},
        {"NORM": {"IN": ["is", "'s"]}},
        {"NORM": "this"},
        {"NORM": {"IN": ["about", "regarding", "concerning"]}},
    ],
    # "what is the reason for your contact", "the reason for your message"
    [
        {"NORM": "reason"},
        {"NORM": "for"},
        {"NORM": {"IN": ["your", "the", "this"]}},
        {"NORM": {"IN": ["contact", "message", "call", "ticket", "request", "enquiry", "inquiry"]}},
    ],
    # "can you walk me through the issue", "run me through what happened"
    [
        {"LEMMA": {"IN": ["walk", "run", "take"]}},
        {"NORM": {"IN": ["me", "us"]}},
        {"NORM": "through"},
    ],
    # "what exactly is happening", "what's wrong", "what went wrong"
    [
        {"NORM": {"IN": ["what", "what's"]}},
        {"NORM": {"IN": ["exactly", "actually"]}, "OP": "?"},
        {"NORM": {"IN": ["is", "'s", "seems", "was"]}, "OP": "?"},
        {"NORM": {"IN": ["happening", "wrong"]}},
    ],
    [{"NORM": "what"}, {"NORM": "went"}, {"NORM": "wrong"}],
    # "what isn't working", "what exactly is not working", "what's not working as expected"
    [
        {"NORM": "what"},
        {"NORM": {"IN": ["is", "'s", "exactly", "has", "been"]}, "OP": "{0,2}"},
        {"NORM": {"IN": ["not", "n't"]}},
        {"NORM": "working"},
    ],
    [{"NORM": "what"}, {"NORM": "is"}, {"NORM": "n't"}, {"NORM": "working"}],
    # "what's happened", "what has been happening", "what's been going on"
    [
        {"NORM": "what"},
        {"NORM": {"IN": ["is", "'s", "has", "have", "been", "exactly"]}, "OP": "{1,3}"},
        {"NORM": {"IN": ["happened", "happening", "going"]}},
    ],
    # "can you fill me in on the issue", "tell us a bit more", "anything I can help with?"
    [{"NORM": "fill"}, {"NORM": {"IN": ["me", "us"]}}, {"NORM": "in"}],
    [
        {"LEMMA": "tell"},
        {"NORM": {"IN": ["me", "us"]}},
        {"NORM": {"IN": ["a", "bit", "little", "some"]}, "OP": "{0,2}"},
        {"NORM": "more"},
    ],
    [{"NORM": "anything"}, {"NORM": {"IN": ["i", "we"]}}, {"NORM": "can"}, {"LEMMA": "help"}],
    # "what brings you to us", "what's the concern"
    [{"NORM": "what"}, {"NORM": "brings"}, {"NORM": "you"}],
    [
        {"NORM": "what"},
        {"NORM": {"IN": ["is", "'s"]}},
        {"NORM": {"IN": ["the", "your"]}},
        {"NORM": {"IN": ["concern", "fault", "query", "enquiry", "inquiry"]}},
    ],
    # "what issue are you running into", "what problem can I help you with"
    [{"NORM": "what"}, {"NORM": {"IN": ["issue", "problem", "fault", "trouble", "issues"]}}],
    # "what would you like help with", "what you need help with"
    [
        {"NORM": "what"},
        {"IS_PUNCT": False, "OP": "{1,4}"},
        {"LEMMA": "help"},
        {"NORM": "with"},
    ],
    # "describe the fault", "describe what happens", "summarise the issue"
    [
        {"LEMMA": {"IN": ["describe", "summarise", "summarize", "outline", "explain"]}},
        {"NORM": {"IN": ["me", "us"]}, "OP": "?"},
        {"NORM": {"IN": ["the", "your", "what", "what's"]}},
        {
            "NORM": {
                "IN": ["fault", "issue", "problem", "happens", "happened", "trouble", "error", "'s"]
            }
        },
    ],
    # "more details on the issue", "an overview of what's happened"
    [
        {"NORM": {"IN": ["details", "detail", "overview", "summary", "rundown"]}},
        {"NORM": {"IN": ["on", "of", "about"]}},
        {"NORM": {"IN": ["the", "your", "what", "what's", "this"]}},
        {"NORM": {"IN": ["issue", "problem", "happened", "'s", "fault", "trouble", "situation"]}},
    ],
]


@dataclass(frozen=True)
class AskHit:
    """One field an agent reply asks for: the field kind and the asking words."""

    field: str
    text: str
    start: int
    end: int
    # Whose field it is when the question names someone or something else ("your landlord's
    # account number": "landlord"), or "".
    owner: str = ""


@lru_cache(maxsize=1)
def _matcher() -> GatedMatcher:
    """Build the field and problem matchers once, on the shared vocabulary."""
    return GatedMatcher(get_nlp().vocab, {**FIELD_PATTERNS, PROBLEM: PROBLEM_PATTERNS})


def _is_request(sent: Span) -> bool:
    """Tell whether a sentence asks something: a question mark, or a request word."""
    if "?" in sent.text:
        return True
    words = [t.norm_ for t in sent if not t.is_punct and not t.is_space]
    # "Tell me what's going on", "Let me know the order number": imperatives ask too.
    if words[:2] in (["tell", "me"], ["tell", "us"], ["let", "me"], ["let", "us"]):
        return True
    # "Drop us a DM with your order number", "Walk me through what happened", "Send us ...".
    if words and words[0] in IMPERATIVES:
        return True
    # "hey what's your member number": a question a chat leaves without its mark.
    opening = [w for w in words[:5] if w not in GREETINGS]
    if opening[:1] == ["which"] or (
        opening[:2] in (["what", "'s"], ["what", "is"], ["what", "s"])
        and opening[2:3] in (["your"], ["ur"], ["the"])
    ):
        return True
    return any(t.norm_ in REQUEST_WORDS for t in sent)


# Words an agent opens with before asking on ("Thanks, and the email?", "ok and your phone?").
_ACKNOWLEDGING = GREETINGS | {"thank", "you", "perfect", "cool", "noted", "got", "it"}
# Words a question may open with before the field it asks for ("best extension ...?").
_OPENING_FIELD = _ACKNOWLEDGING | {"and", "best", "your", "ur", "the"}


def _requested_list_lines(doc: Doc) -> list[tuple[int, int]]:
    """Return the (start, end) of each line that is an item ("1. The serial number") of a list
    a request ending with ":" introduces ("To start the claim, please send us:"), in order:
    one pass over the lines, so a reply of thousands of items costs as many steps."""
    text = doc.text
    found: list[tuple[int, int]] = []
    under = False  # whether the line read last lets the next be an item of a requested list
    line = 0
    while line < len(text):
        newline = text.find("\n", line)
        end = len(text) if newline < 0 else newline
        item = LIST_MARKER_RE.match(text, line) is not None
        if item and under and line > 0:
            found.append((line, end))
        lead = text[line:end].rstrip()
        if lead.endswith(":"):
            span = doc.char_span(line, line + len(lead), alignment_mode="expand")
            under = span is not None and len(span) > 0 and _is_request(sentence(doc, span.end - 1))
        elif not item:
            under = False
        line = end + 1
    return found


def _in_lines(lines: list[tuple[int, int]], at: int) -> bool:
    """Tell whether the character offset ``at`` lies in one of ``lines`` (sorted ranges)."""
    i = bisect_right(lines, (at, sys.maxsize)) - 1  # the last line starting at or before it
    return i >= 0 and at < lines[i][1]


def _field_is_asked(doc: Doc, start: int, end: int, listed: list[tuple[int, int]]) -> bool:
    """Tell whether the field at ``start:end`` is what the sentence asks for, not a thing
    stated; ``listed`` are the lines of requested lists (``_requested_list_lines``)."""
    sent = sentence(doc, start)
    listed_here = _in_lines(listed, doc[start].idx)
    if not listed_here and not _is_request(sent):
        return False
    before = [t.norm_ for t in doc[max(sent.start, start - 7) : start]]
    after = [t.norm_ for t in doc[end : min(sent.end, end + 2)]]
    asking = before + [t.norm_ for t in doc[start:end]]
    asking += [t.lemma_ for t in doc[max(sent.start, start - 7) : start]]
    # "your order number is 123" states it; "the email on the account" still asks.
    if (
        after
        and after[0] in {"is", "was", "shows", "'s"}
        and not any(w in {"what", "which"} for w in asking)
    ):
        return False
    # "I've resent the reset email" and "by email" name a channel, not the value.
    if before and before[-1] in {"by", "via", "reset", "confirmation", "verification"}:
        return False
    # "the link I'm sending to your email", "reply to the email I've just sent": a field
    # after "to your/the" is where something goes, and "the email I sent" is a message.
    later = [t.norm_ for t in doc[end : min(sent.end, end + 4)]]
    if before[-2:] in (["to", "your"], ["to", "the"]) or (
        later[:1] in (["i"], ["we"]) and {"sent", "sending"} & set(later)
    ):
        return False
    if listed_here:
        return True
    # "And the email address on the account?" (or "Thanks, and the ...?") asks by ellipsis.
    opening = next((t.norm_ for t in sent if not t.is_punct and t.norm_ not in _ACKNOWLEDGING), "")
    if "?" in sent.text and opening == "and":
        return True
    # "Best extension to reach you on?", "Your email?": a question that opens with the field.
    if "?" in sent.text and all(
        t.is_punct or t.norm_ in _OPENING_FIELD for t in doc[sent.start : start]
    ):
        return True
    return (
        any(w in ASK_WORDS for w in asking)
        or "please" in [t.norm_ for t in doc[end : min(sent.end, end + 3)]]
        or (bool(after) and after[0] == "?" and len(before) <= 3)
    )


def _asks_for_another(doc: Doc, start: int, held_words: frozenset[str]) -> bool:
    """Tell whether the words before a field ask for another one ("an alternative email")
    that the packet does not speak of ("new address" is held when the packet has a new one)."""
    before = [t.norm_ for t in doc[max(sentence(doc, start).start, start - 2) : start]]
    if any(w in VETO and stem(w) not in held_words for w in before):
        return True
    # "the new sort code and account number": "new" governs every field of a list.
    return any(w in VETO and stem(w) not in held_words for w in _list_before(doc, start))


# Words that join the fields of a list.
_LIST_JOINS = frozenset({"and", "or", ",", "&", "/"})
# Words that may stand between "new" and a later field of the same list: names, "and", commas.
_LIST_GLUE = _LIST_JOINS | frozenset(
    {"the", "your", "a", "an", "its", "their"}
    # stop words that name parts of a value: "payee name", "full name", "last four"
    | {"name", "first", "last", "full", "four", "home", "back", "front"}
)


def _list_before(doc: Doc, start: int) -> list[str]:
    """Return the words opening the list a field ends ("new" of "the new sort code and
    account number"), or none when the field stands alone; lists hold names, "and" and commas."""
    lo = sentence(doc, start).start
    joined = False
    for token in reversed(doc[max(lo, start - 8) : start]):
        norm = token.norm_
        if norm in VETO:
            return [norm] if joined else []
        if norm in _LIST_JOINS:
            joined = True
        elif norm not in _LIST_GLUE and (token.is_stop or not token.is_alpha):
            return []
    return []


_LETTERS_RE = re.compile(r"[a-z]+")
# Words before "'s" that are not a possessor: "what's", "it's", "that's", "there's".
_NOT_POSSESSORS = frozenset(
    "what it that there here who where how when he she let everything everyone".split()
)


def _possessor(doc: Doc, start: int) -> str:
    """Return who a field is asked of when a possessive stands before it ("your landlord's
    account number", "that one's email", "a parent's email"), or ''."""
    lo = sentence(doc, start).start
    for token in reversed(doc[max(lo + 1, start - 5) : start]):
        if token.norm_ in {"'s", "\u2019s"}:
            owner = doc[token.i - 1]
            return "" if owner.lower_ in _NOT_POSSESSORS or owner.is_punct else owner.lower_
        if token.norm_ in DETERMINERS:
            return ""  # "the employee's ID and the email": the email is the customer's
    return ""


def find_asks(doc: Doc, held_words: frozenset[str] = frozenset()) -> list[AskHit]:
    """Return every field and problem question in an agent reply, once per field; a field
    asked as "another" one counts only when ``held_words`` (packet stems) speak of it too."""
    found: dict[str, AskHit] = {}
    strings = doc.vocab.strings
    # Earliest first, longest first: "phone number" wins over its own "phone".
    matches = sorted(_matcher()(doc), key=lambda m: (m[1], m[1] - m[2]))
    listed = _requested_list_lines(doc) if matches else []
    for match_id, start, end in matches:
        field = strings[match_id]
        if field in found:
            continue
        span = doc[start:end]
        if field == PROBLEM:
            sent = sentence(doc, span.start)
            if not _is_request(sent) or any(t.norm_ in {"else", "other"} for t in sent):
                continue
            # "tell me more about when it fails" narrows the problem; it does not ask for it.
            if any(t.norm_ in NARROWING for t in doc[end : end + 2]):
                continue
            # "tell me more about the noise" asks about one thing, "... about the issue" does not.
            after = [t.norm_ for t in doc[end : end + 4]]
            if after[:1] == ["about"] and not PROBLEM_WORDS & set(after[1:]):
                continue
        elif not _field_is_asked(doc, start, end, listed):
            continue
        elif _asks_for_another(doc, start, held_words):
            continue
        owner = "" if field == PROBLEM else _possessor(doc, start)
        found[field] = AskHit(field, span.text, span.start_char, span.end_char, owner)
    return sorted(found.values(), key=lambda h: h.start)


# Words of a customer turn that ask for help without saying what is wrong ("human please").
_UNDESCRIBED = frozenset(
    "hi hello hey human agent person someone real please pls help need i i'm im me my with a "
    "an the to can speak talk want get what whats is it's this chat".split()
)


def _described(descriptions: tuple[str, ...]) -> bool:
    """Tell whether the customer's turns say what is wrong: six words, or two that are not a
    greeting or a call for help ("wasps nest in roof" does, "hi I need help with" does not)."""
    words = [w.strip(".,!?:;").lower() for d in descriptions for w in d.split()]
    return len(words) >= 6 or sum(1 for w in words if w and w not in _UNDESCRIBED) >= 2


def held_value(field: str, facts: PacketFacts, reply: str, owner: str = "") -> str | None:
    """Return what the packet holds for ``field``, or None when it holds nothing to re-ask;
    a field asked of another ``owner`` is held only as a value labelled with that owner."""
    if owner:
        for value in (*facts.values, *facts.looked_up):
            if value.kind == field and stem(owner) in {
                stem(w) for w in _LETTERS_RE.findall(value.label.lower())
            }:
                return value.value
        return None
    if field == PROBLEM:
        # A chat that dropped before the customer said what was wrong holds no problem.
        if not _described(facts.descriptions):
            return None
        return facts.summary or facts.descriptions[0]
    known = facts.first(field)
    if known is None:
        return None
    if known in facts.looked_up and sum(v.kind == field for v in facts.looked_up) > 1:
        # The account has several orders and the customer named none: asking which one is
        # asked for the first time.
        return None
    # An agent who writes the value out is confirming it, not asking for it again.
    lowered = reply.lower()
    if known.value.lower() in lowered or (known.key and known.key.lower() in lowered):
        return None
    return known.value
