"""Answers read with the agent's previous turn: "did that already" after "have you tried ...?".

A short answer often says it repeats something only against what it answers: "yes, several
times" to "have you restarted it?", "sent it yesterday" to "please DM us your order number".
The same words after a statement, or an answer that complies now ("just sent it", "DM sent",
"ok trying now"), repeat nothing. This module reads an agent's turn for what it asks (whether
the customer did a step, or a request to do or send something) and the customer's opening for
an answer that it was done or sent *before* the ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from handoff.detection.cues import (
    CHASE_VERBS,
    DATED_RE,
    OTHER_VERBS,
    REACH_VERBS,
    THIRD_PARTY_RE,
    money_talk,
    never_got_through,
    verb_forms,
)

# Steps and support actions a customer may have done before being asked: troubleshooting,
# contacting someone, sending or filing something.
_STEP_VERBS = (
    r"tr(?:y|ied|ying)|(?:been|got|get)\s+in\s+touch\s+with\s+(?:us|our)|restart\w*|"
    r"re-?boot\w*|reset\w*|re-?install\w*|uninstall\w*|"
    r"clear\w*|check\w*|contact\w*|call\w*|rang|ring\w*|spo?ken?|spoke|speak\w*|talk\w*|asked|"
    r"discuss\w*|"
    r"fill\w*|submit\w*|file[ds]?|report\w*|raised?|updat\w*|unplug\w*|plugg\w*|"
    r"logg?\w*\s+(?:out|in|off)|sign\w*\s+(?:out|in)|delet\w*|remov\w*|sen[dt]|email\w*|"
    r"e-mail\w*|dm\w*|messag\w*|reach\w*\s+out|visit\w*|follow\w*\s+(?:the|these|those|our)|"
    r"complet\w*|register\w*|made\s+sure|make\s+sure|power\w*|turn\w*\s+(?:it|the|off|on)|"
    r"switch\w*|reconnect\w*|disconnect\w*|re-?add\w*|re-?pair\w*|pair\w*|refresh\w*|"
    r"cancel\w*|test\w*|run\w*|ran|chang\w*|replac\w*|claim\w*|request\w*|appl(?:y|ied)"
)
# "have you tried ...?", "did you fill out a report?", "has the device been restarted?",
# "have you been able to speak to ...?": a question whether a step was already done.
# Questions about facts ("did you book online?", "were you informed?") are not.
_DONE_QUESTION_RE = re.compile(
    r"\b(?:have|has|did)\s+(?:you|u|ya|the\s+\w+|it|they|your\s+\w+)\s+"
    r"(?!(?:want|wanted|need|needed|mean|meant|like|liked|receive|received|get|got|see|saw|"
    r"know|hear|heard|notice|noticed|book|booked|buy|bought|order|ordered|pay|paid|have|had|"
    r"travel|fly|flew|use|used|mind|wish|expect|expected|enjoy|enjoyed)\b)"
    r"(?:\w+\s+){0,4}?"
    rf"(?:{_STEP_VERBS})\b",
    re.I,
)
# A request to do a step or to send something: "try restarting", "please clear the cache",
# "DM us your order number", "could you send a screenshot?", "kindly fill the form".
_REQUEST_RE = re.compile(
    r"\b(?:please|pls|plz|kindly|could\s+you|can\s+you|would\s+you|will\s+you|you\s+(?:can|could|"
    r"may|might|should)|we\s+(?:suggest|recommend|advise)|(?:^|[.!?]\s+|,\s*|-\s*)(?:try|dm|send|"
    r"restart|reboot|reset|reinstall|clear|check|contact|call|visit|fill|submit|follow|reach\s+out|"
    r"drop\s+us|email|unplug|update|log\s+out|sign\s+out))\b",
    re.I | re.M,
)
_ACTION_WORDS = (
    r"try|tried|trying|restart|reboot|reset|reinstall|uninstall|clear|check|contact|call|visit|"
    r"fill|submit|follow|dm|send|email|e-mail|message|provide|share|give|upload|attach|update|"
    r"unplug|log|sign|delete|remove|report|file|claim|speak|talk|ask|raise|complete|register|"
    r"confirm|reply|respond|write|post|tweet"
)
_ACTION_RE = re.compile(rf"\b(?:{_ACTION_WORDS})", re.I)
# An answer that it was done, to a question whether it was: "yes I have", "we did", "already",
# "done that", "tried it". A bare "yes" is not enough ("yes, attached", "yes, both of them"
# answer about something else or comply now).
_AFFIRM_RE = re.compile(
    r"^\W*(?:(?:hi|hello|hey)\b[^.!?,]*[,.!]\s*)?(?:(?:yes|yess+|yeah|yea|yep|yup|ya|yh|ye|aye|"
    r"of\s+course|sure|absolutely|definitely|obviously)\b[\s,.!]*)?(?:(?:i|we|they)\s*"
    r"(?:[\'\u2019]ve|have|did|had)\b|ive\b|iv\b|already\b|alr\b|(?:have|has|had)\s+"
    r"(?:done|tried|been)\b|(?:did|done|tried)\b|"
    # "yes, twice", "yeah 3 times": how often it was done
    r"(?:^|(?<=[\s,.!]))(?:twice|thrice|\d+\s*(?:x|times)|(?:two|three|four|five|several|many|"
    r"multiple|a\s+few|a\s+couple\s+of)\s+times)\b)",
    re.I,
)
# "Yes and ...", "yeah, but ...", "we did, but ...": a yes whose rest says how it went.
_CONTACT_YES_RE = re.compile(
    r"^\W*(?:(?:yes|yeah|yea|yep|yup|yh)\b[\s,.!]*(?:(?:i|we)\s+(?:did|have)\b[\s,.!]*)?"
    r"(?:and|but)\b|(?:i|we)\s+(?:did|have)\b[\s,.!]*(?:and|but)\b)",
    re.I,
)
_YES_AND_RE = re.compile(r"^\W*(?:yes|yeah|yea|yep|yup|yh)\b[\s,.!]*(?:and|but)\b", re.I)
_BEFORE_RE = re.compile(
    r"\b(?:already|alr|before|earlier|previously|yesterday|last\s+(?:night|week|month|time)|"
    r"(?:days?|weeks?|hours?|months?)\s+ago|ago|twice|(?:\d+|two|three|four|five|several|"
    r"many|multiple|a\s+few|few|countless|numerous|loads\s+of|lots\s+of|a\s+couple\s+of|"
    r"couple\s+of|\d+\s*x)\s+times|\d+\s*x\b|on\s+(?:monday|tuesday|wednesday|thursday|"
    r"friday|saturday|sunday)|this\s+morning|the\s+other\s+day|first\s+thing|"
    r"as\s+(?:requested|asked|instructed|you\s+asked)|over\s+and\s+over|again\s+and\s+again)\b",
    re.I,
)
# Past verbs of a step done or a thing sent, given or told.
_DONE_VERBS = (
    r"did|done|tried|sent|gave|given|provided|"
    r"emailed|dmed|dm'd|messaged|called|rang|contacted|spoke|spoken|talked|asked|filled|"
    r"submitted|reported|filed|raised|checked|cleared|restarted|rebooted|reset|reinstalled|"
    r"uninstalled|updated|unplugged|deleted|removed|logged|signed|responded|replied|wrote|"
    r"written|completed|registered|confirmed|visited|followed|shared|uploaded|attached|"
    r"posted|tweeted|rang|reloaded|reconnected|changed|replaced|claimed|requested|applied"
)
_DONE_VERB_RE = re.compile(
    rf"\b(?:{_DONE_VERBS})\b",
    re.I,
)
# Compliance now, a plan, a refusal or a question: "just sent it", "trying now", "will do",
# "no I haven't", "how do I do that?".
_NOW_RE = re.compile(
    r"\b(?:just|now|right\s+away|will|i'll|ill|gonna|going\s+to|let\s+me|sending|trying|"
    r"doing|here\s+(?:you\s+go|it\s+is)|done\s*[,!]?\s*(?:check|see|sent)|haven[\'\u2019]?t|"
    r"have\s+not|didn[\'\u2019]?t|did\s+not|not\s+yet|never|can[\'\u2019]?t|cannot|won[\'\u2019]?t)\b",
    re.I,
)
# A one-word opening that hands the thing over now: "Attached. It was bought 2 years ago."
_DONE_NOW_RE = re.compile(
    r"^\W*(?:attached|sent|done|here|uploaded|submitted|dmed|dm'd|emailed|enclosed|ok|okay|"
    r"sure)\W*(?:[.!\n]|$)",
    re.I,
)
# An opening that attaches the thing asked for now, in the words of a business e-mail:
# "Screenshot attached, as requested.", "Full log attached.", "Please find the export attached."
_ATTACHED_NOW_RE = re.compile(
    r"^\W*(?:please\s+find\s+)?(?:(?:the|my|our|a|an|full|here\s+is|here\s+are)\s+)?"
    r"(?:[\w-]+\s+){0,2}(?:is\s+|are\s+)?(?:attached|enclosed)\s*"
    r"(?:,?\s*(?:as\s+(?:requested|asked)|per\s+your\s+request))?\s*(?:[.!\n]|$)",
    re.I,
)
# Steps that are dealings with support: contacting, sending, filing, filling in. A step of
# one's own ("have you tried restarting?") done before is a first answer, not a repetition,
# unless the answer says it was done for support ("did that with your colleague yesterday").
# ("phone" is left out: "restarted my phone" is a step of one's own.)
_SUPPORT_STEP_RE = re.compile(
    r"\b(?:"
    + verb_forms(
        [
            *(REACH_VERBS[v] for v in ("contact", "call", "ring", "email", "message")),
            *(CHASE_VERBS[v] for v in ("dm", "tweet", "write", "report")),
            *(OTHER_VERBS[v] for v in ("speak", "talk", "raise", "send")),
        ],
        base=True,
        past=True,
    )
    + r"|fill\w*|submit\w*|file[ds]?|reach\w*\s+out|visit\w*|register\w*|claim\w*|request\w*|"
    r"appl(?:y|ied)|provide\w*|share\w*|upload\w*|attach\w*|forward\w*|post\w*|reply|respond|"
    r"discuss\w*|in\s+touch\s+with\s+(?:us|our))\b",
    re.I,
)
_NAMES_SUPPORT_RE = re.compile(
    r"\b(?:bot|chat\w*|assistant|agents?|reps?|representatives?|colleagues?|advis[oe]rs?|team|"
    r"support|you|u|ur|your|ya|store|shop|branch|engineers?|technicians?|told|said|explained|"
    r"mentioned|helpline|hotline|customer\s+(?:service|care)|on\s+the\s+phone|instructed|"
    r"advised|guided|walked\s+me|say|saying|says|tell|telling|repeat\w*|again|one\s+more\s+time|"
    r"recording|above|stated|wrote|typed|form|answer\w*|last\s+time|once\s+more|staff|desk|"
    r"robot|online|portal)\b",
    re.I,
)
# "Again" after a fault or an event ("the wifi went again", "it dropped out again") is about
# the event, not a saying again: it names no support.
_EVENT_AGAIN_RE = re.compile(
    r"\b(?:went|go|goes|gone|going|happen\w*|stop\w*|drop\w*|broke|break\w*|fail\w*|"
    r"crash\w*|froze|freez\w*|out|down|off|disconnect\w*|cut)\s+again\b",
    re.I,
)


def _names_support(text: str) -> bool:
    """Tell whether ``text`` names support, a telling or a saying again."""
    return _NAMES_SUPPORT_RE.search(_EVENT_AGAIN_RE.sub(" ", text)) is not None


# The opening read: the first sentence, up to this many characters.
_OPENING_CHARS = 160
_SENTENCE_RE = re.compile(r"[^.!?\n]*(?:[.!?\n]+|$)")


@dataclass(frozen=True)
class Answer:
    """Where a customer's answer says it was done or sent before the agent asked."""

    start: int
    end: int
    text: str


def asks_if_done(agent_text: str) -> bool:
    """Return True when an agent's turn asks whether the customer already did something."""
    return any(
        "?" in sentence and _DONE_QUESTION_RE.search(sentence)
        for sentence in _SENTENCE_RE.findall(agent_text)
    )


def asks_about_support(agent_text: str) -> bool:
    """Return True when an agent's turn asks whether the customer dealt with support
    ("have you spoken to our staff?", "did you call us?")."""
    return any(
        "?" in sentence
        and _DONE_QUESTION_RE.search(sentence)
        and _SUPPORT_STEP_RE.search(sentence)
        and not THIRD_PARTY_RE.search(sentence)
        for sentence in _SENTENCE_RE.findall(agent_text)
    )


def asks_to_act(agent_text: str) -> bool:
    """Return True when an agent's turn asks the customer to do a step or send something."""
    return any(
        _REQUEST_RE.search(sentence) and _ACTION_RE.search(sentence)
        for sentence in _SENTENCE_RE.findall(agent_text)
    )


def _opening(text: str) -> tuple[int, int]:
    """Return the (start, end) of a message's first sentence (a greeting is read with it)."""
    stripped = len(text) - len(text.lstrip())
    for match in _SENTENCE_RE.finditer(text, stripped):
        sentence = match.group().strip()
        words = sentence.split()
        # "Hi." or "Yes." alone is read with the sentence after it.
        if len(words) <= 1 and match.end() < len(text):
            continue
        return stripped, min(match.end(), stripped + _OPENING_CHARS)
    return stripped, len(text)


# Steps that can only be the customer's own ("did" and "tried" may answer "did you call us?").
_SPECIFIC_STEPS = (
    r"restarted|rebooted|reset|reinstalled|uninstalled|cleared|updated|unplugged|deleted|"
    r"removed|reloaded|reconnected|refreshed|powered|switched|factory"
)
_SPECIFIC_STEP_RE = re.compile(r"\b(?:" + _SPECIFIC_STEPS + r")\b", re.I)
# Any step of the customer's own: those, and verbs that may also name a dealing with support.
_OWN_STEP_RE = re.compile(
    r"\b(?:did|done|tried|checked|logged\s+(?:out|in|off|on)|signed|changed|replaced|turned|"
    r"tested|ran|" + _SPECIFIC_STEPS + r")\b",
    re.I,
)


# "before I tweeted", "before contacting you": the step came before this first contact.
_FIRST_CONTACT_RE = re.compile(
    r"\b(?:before|until)\s+(?:i\s+|we\s+)?(?:even\s+)?(?:\w+ing|\w+ed|came|wrote|rang|got\s+"
    r"in\s+touch)(?:\s+(?:to\s+)?(?:you|u|here|anyone|anybody|support|this|in))?\b",
    re.I,
)


def own_step_claim(agent_text: str | None, sentence: str, message: str = "") -> bool:
    """Tell whether ``sentence`` says only that a step of the customer's own was done ("did
    that already", "tried it twice"), its ``message`` naming no support, telling or sending,
    and the agent's turn (if any) asked for no dealing with support: "already" about doing,
    not telling."""
    if _OWN_STEP_RE.search(sentence) is None:
        return False
    whole = _FIRST_CONTACT_RE.sub("", message or sentence)
    if _names_support(whole) or _SUPPORT_STEP_RE.search(whole):
        return False
    return not agent_text or not any(
        _SUPPORT_STEP_RE.search(a)
        for a in _SENTENCE_RE.findall(agent_text)
        if _REQUEST_RE.search(a) or "?" in a
    )


def asks_own_steps_only(agent_text: str) -> bool:
    """Tell whether ``agent_text`` asks about steps of the customer's own and no dealing with support."""
    asked = [
        sentence
        for sentence in _SENTENCE_RE.findall(agent_text)
        if ("?" in sentence and _DONE_QUESTION_RE.search(sentence))
        or (_REQUEST_RE.search(sentence) and _ACTION_RE.search(sentence))
    ]
    return bool(asked) and not any(_SUPPORT_STEP_RE.search(a) for a in asked)


def own_step_only(agent_text: str, answer: str) -> bool:
    """Tell whether ``agent_text`` asks only about steps of the customer's own (restart, clear,
    try), not dealings with support, and ``answer`` names no support: such a step done before
    is a first answer, not a repetition."""
    answer = _FIRST_CONTACT_RE.sub("", answer)
    if (
        _SPECIFIC_STEP_RE.search(answer)
        and not _SUPPORT_STEP_RE.search(answer)
        and not _names_support(answer)
    ):
        return True  # "already cleared my cache", whatever else the turn asked
    return asks_own_steps_only(agent_text) and not _names_support(answer)


def done_before(agent_text: str | None, text: str) -> Answer | None:
    """Return the opening of ``text`` when it answers ``agent_text`` by saying the thing asked
    was already done or sent, before the ask; None otherwise."""
    if not agent_text or not text.strip():
        return None
    question = asks_if_done(agent_text)
    if not question and not asks_to_act(agent_text):
        return None
    start, end = _opening(text)
    opening = text[start:end].replace("\ufe0f", "")
    if (
        question
        and "?" not in opening
        and _CONTACT_YES_RE.match(opening)
        and asks_about_support(agent_text)
        and not never_got_through(opening)
    ):
        # "Yes and they couldn't help", "we did, but no luck" to "have you spoken to our
        # staff?": the contact was made; what is negated is its outcome.
        snippet = opening.rstrip()
        return Answer(start, start + len(snippet), snippet)
    if (
        "?" in opening
        or _NOW_RE.search(opening)
        or _DONE_NOW_RE.match(opening)
        or _ATTACHED_NOW_RE.match(opening)
    ):
        return None
    # "I have paid my bill already" answers nothing a step or a request asked.
    if money_talk(opening):
        return None
    before = _BEFORE_RE.search(opening) is not None and _DONE_VERB_RE.search(opening) is not None
    # "Yes, I have" answers "have you tried ...?" with a step done before the question; to a
    # request ("please restart it") a bare "done" is compliance, so it must say when.
    # "Yes, and they couldn't help" to "have you spoken to our staff?": a contact with support
    # the customer made before the question.
    contacted = question and asks_about_support(agent_text) and _YES_AND_RE.match(opening)
    if before or (question and _AFFIRM_RE.match(opening)) or contacted:
        if own_step_only(agent_text, opening):
            return None  # "restarted it twice already": done, but not for support
        if never_got_through(opening) and asks_own_steps_only(agent_text):
            return None  # "did that, phoned you, straight to voicemail": no one was told
        snippet = opening.rstrip()
        return Answer(start, start + len(snippet), snippet)
    return None


# What an answer must say for the agent's turn to raise its score: that something was done,
# sent or told ("sent it yesterday", "yes did that twice", "told you already"), by the customer
# ("it said Friday" reports what a message said), in a statement without a negation.
_CLAIM_RE = re.compile(
    r"(?<!\bit\s)(?<!\bthis\s)(?<!\bthat\s)(?<!\bwhich\s)(?<!\bhe\s)(?<!\bshe\s)"
    rf"\b(?:{_DONE_VERBS}|told|said|explained|mentioned|described|answered|"
    r"already|alr|yes|yep|yeah|yup|ya|again|chose|wrote|put|left|took|made|brought|showed|"
    r"shown|been\s+(?:over|through|\w+ing)|\w+ed|(?:you|u)\s+(?:have|got|had)|you[\'\u2019]ve\s+got|"
    r"on\s+file)\b",
    re.I,
)
_NEGATED_RE = re.compile(
    r"\b(?:not|never|no|nothing|haven[\'\u2019]?t|hasn[\'\u2019]?t|didn[\'\u2019]?t|"
    r"don[\'\u2019]?t|doesn[\'\u2019]?t|wasn[\'\u2019]?t|weren[\'\u2019]?t|can[\'\u2019]?t|"
    r"couldn[\'\u2019]?t|won[\'\u2019]?t|cannot)\b|n[\'\u2019]t\b",
    re.I,
)


def may_raise(sentence: str) -> bool:
    """Tell whether the agent's previous turn may raise the score of an answer's sentence:
    only a statement, not negated, that says the customer did, sent or told something."""
    if "?" in sentence or _NEGATED_RE.search(sentence):
        return False
    return _CLAIM_RE.search(sentence) is not None


# A question whether something sent arrived: "did you get my DM?", "have you received my email?".
_ARRIVED_RE = re.compile(
    r"(?:did|have|has)\s+(?:you|u|ya|anyone|someone|anybody)\s+(?:\w+\s+)?"
    r"(?:get|got|receive|received|see|seen)\b",
    re.I,
)
_SEND_RE = re.compile(
    r"\b(?:dm|direct\s+message|send|email|e-mail|message|provide|share|upload|attach|forward)",
    re.I,
)
# Words of the agent's own side: a name in a sentence with them may be support ("our Care team").
_OWN_SIDE_RE = re.compile(r"\b(?:we|us|our|i|me|my)\b", re.I)
_NAME_RE = re.compile(r"\s*([A-Z][\w&.-]*[A-Za-z0-9])")


def arrived_after_ask(agent_text: str | None, words: str, rest: str) -> bool:
    """Tell whether ``words`` (a cue's words, ``rest`` the message after them) ask whether
    something arrived ("did you get my DM?") right after the agent asked for it: compliance now."""
    stop = min((i for i in (rest.find(c) for c in ".!\n") if i >= 0), default=len(rest))
    return (
        bool(agent_text)
        and "?" in rest[: stop + 1]
        and _ARRIVED_RE.match(words) is not None
        and _asked_to_send(agent_text)
    )


def complied_now(agent_text: str | None, sentence: str) -> bool:
    """Tell whether ``sentence`` ("Check your DM", "sent you the photos") hands over what the
    agent's turn just asked to be sent, saying nothing of when: compliance now."""
    return DATED_RE.search(sentence) is None and _asked_to_send(agent_text)


def _asked_to_send(agent_text: str | None) -> bool:
    """Tell whether the agent's turn asks the customer to send, DM or give something."""
    return any(
        _REQUEST_RE.search(s) and _SEND_RE.search(s) for s in _SENTENCE_RE.findall(agent_text or "")
    )


def named_elsewhere(agent_text: str | None, after: str) -> bool:
    """Tell whether ``after`` (the words following a contact verb) opens with a name the agent's
    previous turn gave as someone else to turn to ("<Name> will have contact numbers")."""
    name = _NAME_RE.match(after)
    if not agent_text or name is None or name.group(1) in {"I", "You", "Your"}:
        return False
    word = re.compile(rf"(?<!\w){re.escape(name.group(1))}(?!\w)")
    named = [s for s in _SENTENCE_RE.findall(agent_text) if word.search(s)]
    return bool(named) and not any(_OWN_SIDE_RE.search(s) for s in named)


# The agent's turn says nothing came from the customer: "I did not hear back from you",
# "we haven't received your reply", "as we've had no response from you".
_NOT_HEARD_RE = re.compile(
    r"\b(?:(?:did\s+not|didn[\'\u2019]?t|have\s+not|haven[\'\u2019]?t|has\s+not|"
    r"hasn[\'\u2019]?t|never|not)\s+(?:yet\s+)?(?:hear|heard|receive|received|get|got|gotten|"
    r"had)\s+(?:back\s+|anything\s+|a\s+(?:reply|response)\s+|any\s+(?:reply|response)\s+)?"
    r"(?:from\s+(?:you|u)|your\s+(?:reply|response|message|dm|email))|"
    r"(?:no|without\s+(?:a|any))\s+(?:reply|response|word)\s+from\s+(?:you|u))\b",
    re.I,
)
# The customer says they did send: "I emailed you a reply", "we replied to your DM".
_DID_SEND_RE = re.compile(
    r"\b(?:i|we)\s+(?:already\s+|did\s+)?(?:(?:have|[\'\u2019]ve)\s+(?:already\s+)?)?"
    r"(?:sent|send|dm[\'\u2019]?e?d|messaged|emailed|e-mailed|replied|responded|wrote|written|"
    r"answered|texted|tweeted)\b",
    re.I,
)


def sent_though_unheard(agent_text: str | None, text: str) -> Answer | None:
    """Return the opening of ``text`` when the agent's turn says nothing came from the customer
    and the customer answers that they did send it ("I emailed you a reply ..."): a
    claim of sending before; None otherwise."""
    if not agent_text or not _NOT_HEARD_RE.search(agent_text):
        return None
    start, end = _opening(text)
    opening = text[start:end]
    if "?" in opening or not _DID_SEND_RE.search(opening):
        return None
    if _NOW_RE.search(opening) or THIRD_PARTY_RE.search(opening):
        return None  # "I'll send it now", "I sent it to my bank"
    snippet = opening.rstrip()
    return Answer(start, start + len(snippet), snippet)
