"""Explicit repetition: the customer says they are repeating themselves.

Cue patterns are spaCy ``Matcher`` rules over each token's corrected norm and
lemma (see ``nlp.py``); each rule family has a check in Python for what a
token pattern cannot say (who the subject is, whether a "told X" names a
third party, whether "for the third time" is about a message or a fault).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from spacy.tokens import Doc, Span, Token

from handoff.detection.edits import edit
from handoff.detection.nlp import GatedMatcher, get_nlp, sentence, typo_fixes

# Lemmas of verbs that carry information to someone.
SAY = ["say", "tell", "explain", "mention", "state", "describe", "write", "type", "repeat", "note"]
# Verbs that move things as often as words: they count only with an information object or the bot.
GIVE = ["give", "provide", "send", "share", "enter", "submit", "put", "input", "supply", "do"]
SAY_PAST = [
    "said",
    "mentioned",
    "stated",
    "explained",
    "noted",
    "described",
    "written",
    "told",
    "specified",
    "outlined",
    "indicated",
]
# Past forms of giving or sending, as in "as reported above", "as provided earlier".
SENT_PAST = ["reported", "shared", "provided", "sent", "given", "shown", "attached", "supplied"]
# Every name customers give the bot, as the last word of the phrase.
BOT_WORDS = [
    "bot",
    "chatbot",
    "assistant",
    "ai",
    "robot",
    "chat",
    "system",
    "agent",
    "machine",
    "computer",
    "automated",
    "va",
]
# Where the earlier conversation lives.
CHAT_WORDS = [
    "chat",
    "chats",
    "conversation",
    "conversations",
    "transcript",
    "thread",
    "messages",
    "message",
    "history",
    "log",
    "above",
    "bot",
    "chatbot",
]
INFO_WORDS = {
    "number",
    "numbers",
    "email",
    "e-mail",
    "mail",
    "address",
    "id",
    "details",
    "detail",
    "info",
    "information",
    "everything",
    "all",
    "this",
    "that",
    "it",
    "story",
    "problem",
    "issue",
    "name",
    "order",
    "#",
    "both",
    "them",
    "screenshot",
    "screenshots",
    "photo",
    "photos",
    "receipt",
    "reference",
    "code",
    "account",
}
OBJ_WORDS = {"this", "that", "it", "everything", "all", "whole", "both", "same", "them", "so"}
PREVIOUS = ["previous", "earlier", "last", "first", "prior", "original", "other", "above"]
AGAIN_WORDS = {"already", "before", "earlier", "twice", "thrice", "previously"}
TIME_WORDS = {"times", "time", "x"}
COUNT_WORDS = {"several", "many", "multiple", "few", "numerous", "countless", "a", "like", "100"}
ORDINALS = {
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "umpteenth",
    "nth",
    "hundredth",
    "thousandth",
    "millionth",
    "zillionth",
    "billionth",
}
# Subordinators that turn "I told the bot X" into a time clause, not a claim about repeating.
TEMPORAL = {"when", "after", "once", "while", "until", "soon", "because", "since", "if"}
COMPANY_SIDE = {"you", "u", "ya", "them", "your", "ur", "yall", "y'all", "guys", "support"}
THIRD_PARTY_DET = {"my", "the", "a", "an", "his", "her", "their", "our"}
PRONOUN_SUBJECTS = {"i", "me", "you", "u", "it", "he", "she", "they", "we", "bot", "chatbot"}

I_TOK: dict[str, Any] = {"NORM": "i"}
AUX: dict[str, Any] = {
    "NORM": {
        "IN": [
            "'ve",
            "ve",
            "have",
            "had",
            "'d",
            "d",
            "did",
            "do",
            "'m",
            "am",
            "'ll",
            "will",
            "was",
            "just",
            "literally",
            "also",
            "even",
            "really",
            "seriously",
            "actually",
            "clearly",
            "already",
            "previously",
            "both",
            "all",
            "been",
            "honestly",
            "totally",
        ]
    },
    "OP": "{0,3}",
}
AUX_SHORT: dict[str, Any] = {**AUX, "OP": "{0,2}"}
AUX_WORDS = frozenset(AUX["NORM"]["IN"]) | {
    "not",
    "n't",
    "would",
    "could",
    "should",
    "now",
    "again",
    "basically",
    "kinda",
    "alr",
    "probably",
    "definitely",
}
NOT_PUNCT: dict[str, Any] = {"IS_PUNCT": False, "OP": "{0,5}"}
DET: dict[str, Any] = {
    "NORM": {"IN": ["the", "your", "this", "that", "my", "our", "a", "an", "ur"]},
    "OP": "?",
}


@dataclass(frozen=True)
class CueHit:
    """One explicit cue found in a message: its family, the matched words and their offsets."""

    cue: str
    text: str
    start: int
    end: int


def _norms(tokens: Iterable[Token]) -> list[str]:
    return [t.norm_ for t in tokens]


def _sentence_before(span: Span) -> list[Token]:
    sent = sentence(span.doc, span.start)
    return list(sent[: span.start - sent.start])


def _subject_is_me(span: Span, verb: Token) -> bool:
    """Tell whether the nearest pronoun before ``verb`` in its sentence is I or me."""
    doc = span.doc
    for i in range(verb.i - 1, sentence(doc, verb.i).start - 1, -1):
        norm = doc[i].norm_
        if norm in {"i", "me", "myself"}:
            return True
        if norm in PRONOUN_SUBJECTS or norm in {"bot", "chatbot", "assistant", "ai", "agent"}:
            return False
    return False


def _i_subject(doc: Doc, i: int) -> bool:
    """Tell whether token ``i`` follows "I" with at most four auxiliaries or adverbs between.

    "as I ..." and "when I ..." clauses do not count: the first is the as_i_said rule's to
    judge, the second narrates.
    """
    for k in range(i - 1, max(-1, i - 6), -1):
        norm = doc[k].norm_
        if norm == "i":
            return k == 0 or doc[k - 1].norm_ not in TEMPORAL | {"as", "like"}
        if norm not in AUX_WORDS:
            return False
    return False


def _temporal_clause(span: Span) -> bool:
    """Tell whether the words just before the match open a time clause ("as soon as I told...")."""
    before = _norms(_sentence_before(span))[-6:]
    return any(word in TEMPORAL for word in before)


def _third_party_addressee(tokens: list[Token]) -> bool:
    """Tell whether the words after a telling verb name someone other than us or the bot."""
    norms = _norms(tokens[:4])
    if not norms:
        return False
    if norms[0] == "to":
        norms = norms[1:]
    if not norms:
        return False
    head = norms[0]
    if head in COMPANY_SIDE:
        return False
    if head in THIRD_PARTY_DET:
        rest = norms[1:3]
        return not any(word in BOT_WORDS or word in COMPANY_SIDE for word in rest)
    # A bare name or noun ("I told Mark", "I told everyone") is someone else.
    return head not in OBJ_WORDS and head not in INFO_WORDS and head not in BOT_WORDS


def _has_bot(tokens: Iterable[Token]) -> bool:
    return any(t.norm_ in BOT_WORDS for t in tokens)


def _has_info(tokens: Iterable[Token]) -> bool:
    """Tell whether the words name information; "by email" is a channel, not a thing given."""
    return any(
        t.norm_ in INFO_WORDS and (t.i == 0 or t.doc[t.i - 1].norm_ not in {"by", "via", "over"})
        for t in tokens
    )


# "on my story", "in my review", "on my page": what the customer posted in public.
_ON_MY_PAGE_RE = re.compile(
    r"\s*(?:already\s+)?(?:on|in)\s+(?:my|our)\s+(?:story|stories|post|page|blog|channel|status|"
    r"feed|timeline|video|review|profile|vlog|thread\s+on)\b",
    re.I,
)


_SAID_IN_PUBLIC_RE = re.compile(
    r"\b(?:said|posted|wrote|written|mentioned|shared|tweeted|put)\s+(?:it\s+|this\s+|that\s+)?"
    + _ON_MY_PAGE_RE.pattern,
    re.I,
)


_PAGE_LEAD = frozenset({"on", "in", "already"})


def said_in_public(sentence: str) -> bool:
    """Tell whether ``sentence`` says something was said or posted on the customer's own page."""
    return _SAID_IN_PUBLIC_RE.search(sentence) is not None


def _check_as_i_said(span: Span) -> bool:
    verb = span[-1]
    # "as I was saying goodbye" is a time clause; "as I was saying, ..." is a cue.
    if any(t.norm_ in {"was", "were"} for t in span) and verb.i + 1 < len(span.doc):
        following = span.doc[verb.i + 1]
        if not following.is_punct and following.norm_ not in {"before", "earlier", "to"}:
            return False
    before = _norms(_sentence_before(span))
    prev = before[-1] if before else ""
    if prev in {"soon", "long", "far", "much", "quickly", "fast", "feel", "felt", "feels", "not"}:
        return False
    if (
        prev in {"seems", "seemed", "looks", "looked", "sounds", "sounded", "just"}
        and span[0].norm_ == "like"
    ):
        return prev == "just"
    verb = span[-1]
    after_verb = list(span.doc[verb.i + 1 : verb.i + 5])
    if after_verb and after_verb[0].norm_ == "to" and _third_party_addressee(after_verb):
        return False
    page = span.doc[span.end : span.end + 5]
    if page and page[0].norm_ in _PAGE_LEAD and _ON_MY_PAGE_RE.match(page.text_with_ws):
        return False  # "as I said on my story": said in public, not to support
    if verb.lemma_ in GIVE:
        after = list(span.doc[verb.i + 1 : verb.i + 4])
        return _has_bot(after) or any(t.norm_ in {"you", "u"} for t in after)
    return True


def _check_thats_what_i_said(span: Span) -> bool:
    """Keep "that's why I said it" unless negated or about a third party ("that's what I told
    my bank"); "that's why I asked" only ends a clause or names us ("... I asked you")."""
    verb = span[-1]
    if _negated(verb):
        return False
    after = list(span.doc[verb.i + 1 : verb.i + 5])
    if verb.norm_ in {"told", "asked"} and _third_party_addressee(after):
        return False
    if verb.norm_ == "asked":
        return not after or after[0].is_punct or after[0].norm_ in COMPANY_SIDE | AGAIN_WORDS
    return True


def _check_as_mentioned(span: Span) -> bool:
    if any(t.norm_ in CHAT_WORDS for t in span):
        return True
    if span[-1].norm_ == "to":
        # "as mentioned to your colleague" counts; "as mentioned to my bank" does not.
        return not _third_party_addressee(list(span.doc[span.end - 1 : span.end + 3]))
    after = _norms(span.doc[span.end : span.end + 4])
    # "as stated in your policy" points at the company's words, not the customer's.
    return not any(
        w in {"your", "ur", "website", "site", "policy", "terms", "faq", "article"} for w in after
    ) or any(w in CHAT_WORDS for w in after)


def _verb_of(span: Span, lemmas: Iterable[str]) -> Token | None:
    wanted = set(lemmas)
    for token in span:
        if token.lemma_ in wanted:
            return token
    return None


NEGATIONS = frozenset({"not", "n't", "never", "didn't", "couldn't", "wasn't", "cannot", "can't"})


FUTURE = frozenset({"will", "'ll", "gonna", "shall", "going"})
ASKING_AUX = frozenset({"can", "could", "may", "might", "have", "do", "should", "would"})
# "I typed my password wrong", "I gave the wrong reading": a mistake, not a telling again.
MISTAKE_WORDS = frozenset({"wrong", "wrongly", "incorrect", "incorrectly", "mistakenly"})


def _future(verb: Token) -> bool:
    """Tell whether the verb is future or hypothetical: "I will explain", "I'm going to send",
    "should I tell the bot?"."""
    sent = sentence(verb.doc, verb.i)
    before = [t.norm_ for t in verb.doc[max(sent.start, verb.i - 3) : verb.i]]
    if any(w in FUTURE for w in before):
        return True
    if bool(before) and before[0] in {"should", "shall"} and "i" in before:
        return True
    # "can I just tell you instead?", "have I already submitted a return?": the customer asks.
    return (
        any(
            a in ASKING_AUX and b == "i" and (k == 0 or before[k - 1] in {"why", "how", "so"})
            for k, (a, b) in enumerate(zip(before, before[1:], strict=False))
        )
        and verb.doc[sent.end - 1].norm_ == "?"
    )


def _negated(verb: Token) -> bool:
    """Tell whether the verb is negated just before it ("I didn't send", "never got to tell"),
    unless the sentence opens with the negated auxiliary: "Didn't I tell you?" still claims."""
    sent = sentence(verb.doc, verb.i)
    before = list(verb.doc[max(sent.start, verb.i - 3) : verb.i])
    # "I did n't send": the auxiliary itself can be the word the rule took for the verb.
    after = verb.doc[verb.i + 1] if verb.i + 1 < sent.end else None
    if after is not None and after.norm_ in NEGATIONS:
        before.append(after)
    if not any(t.norm_ in NEGATIONS for t in before):
        return False
    # "Didn't I tell the bot everything?" asks back; it still claims.
    opening = [t.norm_ for t in sent[:2]]
    return not (opening[:1] in (["do"], ["did"], ["have"]) and opening[1:] == ["not"])


def _check_said_already(span: Span) -> bool:
    if not _i_subject(span.doc, span.start) or _temporal_clause(span):
        return False
    verb = _verb_of(span, SAY + GIVE + ["go", "be"])
    if verb is None or _negated(verb) or _future(verb):
        return False
    sent_end = sentence(span.doc, verb.i).end
    after = list(span.doc[verb.i + 1 : min(sent_end, verb.i + 8)])
    if any(t.norm_ in MISTAKE_WORDS for t in after[:4]):
        return False
    # "I already gave up on the first order" gives nothing.
    if verb.lemma_ == "give" and after and after[0].norm_ == "up":
        return False
    if span[0].norm_ == "just" and verb.norm_ not in SAY_PAST:
        near = {t.norm_ for t in after[:3]}
        if near.isdisjoint(OBJ_WORDS | COMPANY_SIDE | set(BOT_WORDS)):
            return False
    # You tell someone, but say, explain or mention something *to* someone.
    addressed = verb.lemma_ == "tell" or (bool(after) and after[0].norm_ == "to")
    if addressed and _third_party_addressee(after):
        return False
    if verb.lemma_ in GIVE:
        return _has_info(after) or _has_bot(after)
    if verb.lemma_ in {"go", "be"}:
        return bool(after) and after[0].norm_ in {"over", "through"}
    return True


def _check_told_bot(span: Span) -> bool:
    if not _i_subject(span.doc, span.start) or _temporal_clause(span):
        return False
    verb = _verb_of(span, SAY + GIVE + ["go", "be"])
    if verb is None or _negated(verb) or _future(verb):
        return False
    # "I did tell the machine": an emphatic "did" before a telling verb insists it was told.
    following = span.doc[verb.i + 1] if verb.i + 1 < span.end else None
    if verb.norm_ == "did" and following is not None and following.lemma_ in SAY:
        return True
    between = list(span.doc[verb.i + 1 : span.end])
    sent_after = list(span.doc[verb.i + 1 : sentence(span.doc, verb.i).end])
    has_again = any(t.norm_ in AGAIN_WORDS for t in sent_after)
    if verb.lemma_ in {"go", "be"}:
        return bool(between) and between[0].norm_ in {"over", "through"}
    objects = {t.norm_ for t in between} | {t.norm_ for t in span.doc[span.end : span.end + 4]}
    if verb.lemma_ in GIVE:
        return bool(objects & INFO_WORDS) or has_again
    # "I told the bot I wanted a human" narrates; "I told the bot everything" claims.
    after_bot = _norms(span.doc[span.end : span.end + 2])
    if after_bot and after_bot[0] in {"i", "that", "to", "about"} and not has_again:
        return after_bot[0] == "that" and (len(after_bot) == 1 or after_bot[1] in {".", "!", ","})
    return bool(objects & (INFO_WORDS | OBJ_WORDS)) or has_again


def _check_nth_time(span: Span) -> bool:
    sent = sentence(span.doc, span.start)
    before = _norms(sent[: span.start - sent.start])
    after = _norms(span.doc[span.end : span.end + 1])
    fillers = {"once", "more", "again", "ok", "okay", "so", "and", "ugh", "sigh", "look", "listen"}
    opening = all(w in fillers or not w.isalnum() for w in before)
    if opening and (not after or not after[0].isalnum()):
        return True
    # Otherwise the sentence has to be about saying something ("I'm telling you for the third time").
    return any(t.lemma_ in SAY + ["ask"] for t in sent if t.i < span.start or t.i >= span.end)


def _check_nth_time_i_said(span: Span) -> bool:
    return True


def _check_how_many(span: Span) -> bool:
    return True


def _check_repeat(span: Span) -> bool:
    norms = _norms(span)
    if "myself" in norms:
        return True
    verb = _verb_of(span, ["repeat"])
    if verb is None:
        return False
    return _subject_is_me(span, verb) or verb.i == sentence(span.doc, verb.i).start


def _check_again(span: Span) -> bool:
    if span[0].norm_ in {"again", "over"}:
        return True
    verb = _verb_of(span, SAY + GIVE + ["go", "start"])
    if verb is None:
        return False
    if verb.lemma_ in {"send", "put", "enter", "submit"}:
        return False
    # "I'm writing again" is a new contact, not a re-telling: writing needs an object.
    if verb.lemma_ in {"write", "type"} and verb.i + 1 < len(span.doc):
        if span.doc[verb.i + 1].norm_ == "again":
            return False
    return _subject_is_me(span, verb)


def _check_in_chat(span: Span) -> bool:
    return True


def _check_read_chat(span: Span) -> bool:
    verb = span[0]
    sent = sentence(span.doc, verb.i)
    before = _norms(sent[: verb.i - sent.start])
    allowed = {"please", "pls", "plz", "just", "so", "ok", "okay", "then", "and", "kindly", "but"}
    if all(w in allowed or not w.isalnum() for w in before):
        return True
    # "you could just read the chat" asks the agent to look; "can you see the chat?" does not.
    if verb.lemma_ != "see" and any(w in {"you", "u"} for w in before[-4:]):
        return True
    return False


def _check_bot_has(span: Span) -> bool:
    return True


def _check_always(span: Span) -> bool:
    return True


def _check_asked_same(span: Span) -> bool:
    # The agent (or the company) asks again; "I asked the same question" is the customer's.
    return not _subject_is_me(span, span[0])


Pattern = list[dict[str, Any]]
RULES: dict[str, tuple[list[Pattern], Callable[[Span], bool]]] = {
    # "as I told the bot", "like i said", "as I've already explained"
    "as_i_said": (
        [
            [
                {"NORM": {"IN": ["as", "like"]}},
                I_TOK,
                AUX,
                {"LEMMA": {"IN": SAY + [g for g in GIVE if g != "do"]}},
            ],
        ],
        _check_as_i_said,
    ),
    # "that's what I said", "thats why i asked", "which is what I told you"
    "thats_what_i_said": (
        [
            [
                {"NORM": {"IN": ["that", "which"]}},
                {"NORM": {"IN": ["'s", "is", "s", "was"]}},
                {"NORM": {"IN": ["why", "what"]}},
                I_TOK,
                AUX_SHORT,
                {"NORM": {"IN": SAY_PAST + ["asked", "wrote", "typed"]}},
            ],
            [
                {"NORM": {"IN": ["thats", "thts", "that's"]}},
                {"NORM": {"IN": ["why", "what"]}},
                I_TOK,
                AUX_SHORT,
                {"NORM": {"IN": SAY_PAST + ["asked", "wrote", "typed"]}},
            ],
        ],
        _check_thats_what_i_said,
    ),
    # "as previously mentioned", "as stated in the chat", "as noted above"
    "as_mentioned": (
        [
            [
                {"NORM": {"IN": ["as", "like"]}},
                {"NORM": {"IN": ["previously", "already", "i", "earlier"]}, "OP": "?"},
                {"NORM": {"IN": SAY_PAST}},
                {
                    "NORM": {
                        "IN": ["before", "earlier", "above", "previously", "already", "in", "to"]
                    }
                },
            ],
            [
                {"NORM": {"IN": ["as", "like"]}},
                {"NORM": {"IN": ["previously", "already", "earlier"]}},
                {"NORM": {"IN": SAY_PAST}},
            ],
            [
                {"NORM": "per"},
                {"NORM": {"IN": ["my", "the", "our"]}},
                {"NORM": {"IN": ["previous", "last", "earlier", "first", "prior"]}, "OP": "?"},
                {
                    "NORM": {
                        "IN": ["chat", "conversation", "messages", "message", "email", "comment"]
                    }
                },
            ],
            [{"NORM": {"IN": SAY_PAST + SENT_PAST + ["see", "look"]}}, {"NORM": "above"}],
            # "the same error as reported earlier", "as provided before"
            [
                {"NORM": {"IN": ["as", "like"]}},
                {"NORM": {"IN": ["previously", "already", "i", "earlier"]}, "OP": "?"},
                {"NORM": {"IN": SENT_PAST}},
                {"NORM": {"IN": ["before", "earlier", "above", "previously", "already"]}},
            ],
            [
                {"NORM": {"IN": ["per", "see", "read", "check"]}},
                {"NORM": {"IN": ["my", "the"]}},
                {"NORM": {"IN": ["previous", "last", "earlier", "first", "original", "prior"]}},
                {"NORM": {"IN": ["message", "messages", "email", "comment", "reply", "chat"]}},
            ],
        ],
        _check_as_mentioned,
    ),
    # "I already explained this", "I've already given my details"
    "already_said": (
        [
            [{"NORM": "already"}, AUX_SHORT, {"LEMMA": {"IN": SAY + GIVE}}],
            # "I just typed all of this": "just" claims it was given moments ago.
            [{"NORM": "just"}, {"LEMMA": {"IN": SAY + GIVE}}],
            [
                {"NORM": "already"},
                AUX_SHORT,
                {"LEMMA": {"IN": ["go", "be"]}},
                {"NORM": {"IN": ["over", "through"]}},
            ],
            [
                {"NORM": {"IN": ["been", "gone", "went", "go", "going"]}},
                {"NORM": {"IN": ["over", "through"]}},
                {"NORM": {"IN": ["this", "that", "it", "all", "everything"]}},
            ],
        ],
        _check_said_already,
    ),
    # "I explained this already", "I've told you three times", "I said it before"
    "said_before": (
        [
            [{"LEMMA": {"IN": SAY + GIVE}}, NOT_PUNCT, {"NORM": {"IN": sorted(AGAIN_WORDS)}}],
            [
                {"LEMMA": {"IN": SAY + GIVE}},
                NOT_PUNCT,
                {"NORM": {"IN": sorted(COUNT_WORDS)}, "OP": "?"},
                {"LIKE_NUM": True},
                {"NORM": {"IN": sorted(TIME_WORDS)}},
            ],
            [
                {"LEMMA": {"IN": SAY + GIVE}},
                NOT_PUNCT,
                {"NORM": {"IN": sorted(COUNT_WORDS)}},
                {"NORM": {"IN": sorted(TIME_WORDS)}},
            ],
            [
                {"LEMMA": {"IN": SAY}},
                NOT_PUNCT,
                {"NORM": {"IN": ["in", "on"]}},
                {"NORM": "my"},
                {"NORM": {"IN": ["previous", "last", "earlier", "first", "original", "prior"]}},
            ],
        ],
        _check_said_already,
    ),
    # "I told the bot everything", "I explained everything to the AI", "I did all this with the chat"
    "told_bot": (
        [
            [
                {"LEMMA": {"IN": SAY + [g for g in GIVE if g != "do"] + ["go"]}},
                {"IS_PUNCT": False, "OP": "{0,8}"},
                {"NORM": {"IN": BOT_WORDS}},
            ],
            # "be" and "do" are everywhere; only their past forms start this claim.
            [
                {"NORM": {"IN": ["been", "did", "done"]}},
                {"IS_PUNCT": False, "OP": "{0,8}"},
                {"NORM": {"IN": BOT_WORDS}},
            ],
        ],
        _check_told_bot,
    ),
    # "for the third time", "for the 5th time"
    "nth_time": (
        [
            [
                {"NORM": "for"},
                {"NORM": "the"},
                {"NORM": {"IN": sorted(ORDINALS)}},
                {"NORM": {"IN": ["time", "times"]}},
            ],
            [
                {"NORM": "for"},
                {"NORM": "the"},
                {"NORM": {"REGEX": r"^\d+(st|nd|rd|th)$"}},
                {"NORM": {"IN": ["time", "times"]}},
            ],
        ],
        _check_nth_time,
    ),
    # "this is the third time I've told you"
    "nth_time_said": (
        [
            [
                {"NORM": {"IN": sorted(ORDINALS)}},
                {"NORM": "time"},
                I_TOK,
                AUX,
                {"LEMMA": {"IN": SAY + GIVE + ["ask"]}},
            ],
            # "third time asking: where is my refund?"
            [
                {"NORM": {"IN": sorted(ORDINALS)}},
                {"NORM": "time"},
                {
                    "NORM": {
                        "IN": ["asking", "saying", "telling", "explaining", "writing", "repeating"]
                    }
                },
            ],
        ],
        _check_nth_time_i_said,
    ),
    # "how many times do I have to give you my email"
    "how_many_times": (
        [
            [
                {"NORM": "how"},
                {"NORM": "many"},
                {"NORM": "more", "OP": "?"},
                {"NORM": "times"},
                {"IS_PUNCT": False, "OP": "{0,4}"},
                I_TOK,
                {"IS_PUNCT": False, "OP": "{0,4}"},
                {"LEMMA": {"IN": SAY + GIVE}},
            ],
        ],
        _check_how_many,
    ),
    # "do I have to repeat everything", "repeating myself", "I repeat:"
    "repeat": (
        [
            [{"LEMMA": "repeat"}, {"NORM": "myself"}],
            [
                {"NORM": {"IN": ["have", "need", "got", "must", "gotta", "should"]}},
                {"NORM": "to", "OP": "?"},
                {"LEMMA": "repeat"},
                {
                    "NORM": {
                        "IN": ["everything", "it", "this", "that", "all", "again", "the", "myself"]
                    }
                },
            ],
            [
                {"NORM": "i"},
                {"NORM": {"IN": ["'ll", "will"]}, "OP": "?"},
                {"NORM": "repeat"},
                {"IS_PUNCT": True},
            ],
            [{"NORM": "let"}, {"NORM": "me"}, {"NORM": "repeat"}],
            [
                {"LEMMA": "repeat"},
                {"NORM": "the"},
                {"NORM": "same"},
                {
                    "NORM": {
                        "IN": [
                            "thing",
                            "things",
                            "info",
                            "information",
                            "story",
                            "details",
                            "stuff",
                        ]
                    }
                },
            ],
            [
                I_TOK,
                {"NORM": {"IN": ["'m", "am", "keep", "have", "'ve"]}},
                {"NORM": {"IN": ["repeating", "repeated"]}},
                {"NORM": {"IN": ["this", "that", "it", "everything", "myself"]}},
            ],
        ],
        _check_repeat,
    ),
    # "do I have to explain it all again", "why do I have to start over"
    "again": (
        [
            [
                {"LEMMA": {"IN": SAY + [g for g in GIVE if g != "do"] + ["go"]}},
                {"IS_PUNCT": False, "OP": "{0,5}"},
                {"NORM": {"IN": ["again", "scratch"]}},
            ],
            [{"LEMMA": "start"}, {"NORM": {"IN": ["over", "again", "from"]}}],
            # "once again from the beginning": starting the account over, said outright.
            [
                {"NORM": {"IN": ["again", "over"]}},
                {"NORM": "from"},
                {"NORM": "the"},
                {"NORM": {"IN": ["beginning", "start", "top"]}},
            ],
        ],
        _check_again,
    ),
    # "it's all in the chat above", "everything is in the transcript"
    "in_chat": (
        [
            [
                {"NORM": {"IN": ["is", "'s", "s", "are", "was", "its", "it's"]}},
                {
                    "NORM": {
                        "IN": [
                            "all",
                            "already",
                            "literally",
                            "right",
                            "clearly",
                            "written",
                            "there",
                            "included",
                            "just",
                            "everything",
                            "in",
                            "all",
                        ]
                    },
                    "OP": "{0,3}",
                },
                {"NORM": {"IN": ["in", "on", "within", "from"]}},
                DET,
                {"NORM": {"IN": PREVIOUS}, "OP": "?"},
                {"NORM": {"IN": ["bot", "chatbot", "chat"]}, "OP": "?"},
                {"NORM": {"IN": CHAT_WORDS}},
            ],
            [
                {"NORM": {"IN": ["is", "'s", "its", "it's"]}},
                {"NORM": "all", "OP": "?"},
                {"NORM": "above"},
            ],
            [
                {"NORM": {"IN": ["you", "u"]}},
                {"IS_PUNCT": False, "OP": "{0,2}"},
                {"LEMMA": {"IN": ["have", "see", "find", "get"]}},
                {"IS_PUNCT": False, "OP": "{0,3}"},
                {"NORM": {"IN": ["in", "from", "on"]}},
                DET,
                {"NORM": {"IN": ["bot", "chatbot", "chat", "ai"]}, "OP": "?"},
                {"NORM": {"IN": CHAT_WORDS}},
            ],
        ],
        _check_in_chat,
    ),
    # "read the chat above", "check the chat log", "scroll up"
    "read_chat": (
        [
            [
                {"LEMMA": {"IN": ["read", "check", "see", "review", "look"]}},
                {"NORM": {"IN": ["at", "through", "over"]}, "OP": "?"},
                DET,
                {
                    "NORM": {"IN": ["bot", "chatbot", "chat", "previous", "earlier", "whole"]},
                    "OP": "?",
                },
                {"NORM": {"IN": CHAT_WORDS}},
            ],
            [{"LEMMA": "scroll"}, {"NORM": "up"}],
        ],
        _check_read_chat,
    ),
    # "did nobody read what I wrote to the bot?"
    "read_what_i_said": (
        [
            [
                {"LEMMA": {"IN": ["read", "see", "check"]}},
                {"NORM": "what"},
                I_TOK,
                AUX_SHORT,
                {"LEMMA": {"IN": SAY + ["send", "give", "type"]}},
            ],
        ],
        _check_always,
    ),
    # "you're asking me the same questions the bot asked"
    "same_questions": (
        [
            [
                {"LEMMA": "ask"},
                {"NORM": {"IN": ["me", "us"]}, "OP": "?"},
                {"NORM": "the"},
                {"NORM": "same"},
                {"NORM": {"IN": ["question", "questions", "thing", "things", "stuff", "info"]}},
            ],
        ],
        _check_asked_same,
    ),
    # "the chatbot already has my email", "didn't the bot send you my info?"
    "bot_has": (
        [
            [
                {"NORM": {"IN": ["bot", "chatbot", "assistant", "ai", "chat", "agent"]}},
                {
                    "NORM": {"IN": ["already", "should", "must", "would", "has", "have"]},
                    "OP": "{0,2}",
                },
                {"LEMMA": {"IN": ["have", "take", "get", "collect", "record", "save", "note"]}},
                {"NORM": {"IN": ["all", "my", "the", "everything", "this", "it", "that"]}},
            ],
            # "you already have my email", "you should have all my details"
            [
                {"NORM": {"IN": ["you", "u"]}},
                {"NORM": {"IN": ["already", "should", "must", "'ve", "have", "guys"]}, "OP": "+"},
                {"LEMMA": {"IN": ["have", "get"]}},
                {"NORM": {"IN": ["my", "all", "this", "everything", "it", "that"]}},
            ],
            # "surely the chatbot passed on my account number", "the bot should have sent you this"
            [
                {"NORM": {"IN": ["bot", "chatbot", "assistant", "ai", "agent", "system"]}},
                {
                    "NORM": {"IN": ["already", "should", "must", "would", "have", "has"]},
                    "OP": "{0,2}",
                },
                {"LEMMA": {"IN": ["pass", "send", "forward", "give", "share", "transfer", "hand"]}},
                {"NORM": {"IN": ["on", "along", "over"]}, "OP": "?"},
                {"NORM": {"IN": ["my", "you", "u", "this", "that", "all", "everything", "it"]}},
            ],
            [
                {"NORM": {"IN": ["did", "do", "didn't", "does", "doesn't", "didnt", "did'nt"]}},
                {"NORM": {"IN": ["n't", "not"]}, "OP": "?"},
                {"NORM": {"IN": ["the", "your", "ur"]}},
                {"NORM": {"IN": ["virtual", "chat", "automated"]}, "OP": "?"},
                {"NORM": {"IN": ["bot", "chatbot", "assistant", "ai", "agent", "system"]}},
                {"NORM": {"IN": ["n't", "not"]}, "OP": "?"},
                {
                    "LEMMA": {
                        "IN": [
                            "pass",
                            "send",
                            "give",
                            "forward",
                            "share",
                            "tell",
                            "transfer",
                            "log",
                            "record",
                            "save",
                            "note",
                            "capture",
                            "take",
                            "get",
                        ]
                    }
                },
            ],
            [
                {"NORM": {"IN": ["did", "didn't", "didnt", "do", "don't"]}},
                {"NORM": {"IN": ["n't", "not"]}, "OP": "?"},
                {"NORM": {"IN": ["you", "u"]}},
                {"NORM": {"IN": ["n't", "not"]}, "OP": "?"},
                {"LEMMA": {"IN": ["get", "receive", "see", "read", "have"]}},
                DET,
                {
                    "NORM": {
                        "IN": [
                            "conversation",
                            "chat",
                            "transcript",
                            "details",
                            "info",
                            "messages",
                            "history",
                        ]
                    }
                },
            ],
        ],
        _check_bot_has,
    ),
}


class _Taken:
    """The characters (start, end) intervals cover, kept as sorted disjoint spans: whether a
    new interval overlaps any costs a bisection, so a message with thousands of hits is read in
    n log n, not n squared."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._spans: list[tuple[int, int]] = []
        for start, end in spans:
            self.add(start, end)

    def overlaps(self, start: int, end: int) -> bool:
        """Tell whether [start, end) overlaps a kept interval (the one starting last before
        ``end`` is the only one that can)."""
        i = bisect_left(self._spans, (end, end))
        return i > 0 and self._spans[i - 1][1] > start

    def add(self, start: int, end: int) -> None:
        """Keep [start, end), merged with the spans it overlaps."""
        i = bisect_left(self._spans, (start, start))
        if i > 0 and self._spans[i - 1][1] > start:
            i -= 1
            start = self._spans[i][0]
        while i < len(self._spans) and self._spans[i][0] < end:
            end = max(end, self._spans[i][1])
            del self._spans[i]
        self._spans.insert(i, (start, end))


_PRIORITY = {name: rank for rank, name in enumerate(RULES)}


@lru_cache(maxsize=1)
def _matcher() -> GatedMatcher:
    """Build the cue matcher once, on the shared vocabulary."""
    return GatedMatcher(get_nlp().vocab, {name: rule[0] for name, rule in RULES.items()})


def find_cues(doc: Doc, text: str | None = None) -> list[CueHit]:
    """Return every explicit cue in ``doc`` (whose text is ``text`` when given), one per cue
    family and position, left to right."""
    # ``doc.text`` joins every token again on each read: read it once.
    text = doc.text if text is None else text
    matcher = _matcher()
    vocab_strings = doc.vocab.strings
    hits: list[CueHit] = []
    taken = _Taken()
    # Rules are listed most specific first: "as I told the bot" is an as_i_said cue, not told_bot.
    ordered = sorted(
        matcher(doc), key=lambda m: (_PRIORITY[vocab_strings[m[0]]], m[1] - m[2], m[1])
    )
    for match_id, start, end in ordered:
        if taken.overlaps(start, end):
            continue
        name = vocab_strings[match_id]
        span = doc[start:end]
        if not RULES[name][1](span):
            continue
        taken.add(start, end)
        hits.append(CueHit(name, span.text, span.start_char, span.end_char))
    kept = _Taken((hit.start, hit.end) for hit in hits)
    # The patterns below read the text, not the norms: read misspelt cue words corrected.
    fixes = typo_fixes(doc)
    fixed = edit(text, fixes) if fixes else None
    read = fixed.text if fixed else text
    gates = _open_gates(read.lower())
    for hit in [*given_before(read, gates), *earlier_contact(read, gates)]:
        if fixed:
            start, end = fixed.back(hit.start, hit.end)
            hit = CueHit(hit.cue, text[start:end], start, end)
        if not kept.overlaps(hit.start, hit.end):
            kept.add(hit.start, hit.end)
            hits.append(hit)
    return sorted(hits, key=lambda h: h.start)


# "I DM'd it last week", "we sent the photos in the first email", "I filled in your form
# already", "told the guy in your store": a first-person past telling or sending, with a
# pointer to when or where it was given before (a time, a count, an earlier message, or a
# channel of support). Compliance now ("just sent it"), plans, negations and questions are not.
_GIVE_VERBS = (
    r"told|sent|gave|given|explained|described|mentioned|answered|provided|shared|submitted|"
    r"filled\s+(?:in|out)|uploaded|attached|e-?mailed|dm[\'\u2019]?d|dmed|messaged|wrote|"
    r"written|typed|put|pasted|forwarded|said|stated|reported|posted|tweeted|went\s+through|"
    r"gone\s+through|spelled\s+out|listed|included|confirmed|verified|registered|logged|raised|"
    r"showed|shown|flagged|entered|filed|lodged|sentt|(?:filld|fild)\s+(?:in|out)"
)
# Where or when something was given before: a time, a count, an earlier message, a channel.
_BEFORE_TIME = (
    r"already|alr|before|earlier|previously|yesterday|last\s+(?:week|night|time|month)|"
    r"ago|twice|(?:\d+|two|three|four|five|several|many|multiple)\s+times|"
    r"(?:my|the|our|your|ur|a)\s+(?:first|original|previous|last|earlier|initial|other)\s+"
    r"(?:message|msg|email|e-mail|mail|dm|tweet|ticket|chat|call|complaint|claim|form|post|"
    r"reply|letter|conversation|request)|"
    r"(?:on|over)\s+the\s+phone|in\s+(?:the|my|a|your|ur)\s+(?:dms?|email|form|ticket|chat|"
    r"complaint|claim|message|application|report|profile|account)|by\s+(?:dm|email|phone)|"
    r"when\s+i\s+(?:first|ordered|called|opened|signed|booked|registered|started|contacted|"
    r"messaged|wrote|reported|rang|came|dropped|spoke)"
)
_SUPPORT_SIDE = (
    r"(?:the|your|ur|ya)\s+(?:bot|chatbot|assistant|virtual\s+\w+|live\s*chat|chat|agent|"
    r"rep|representative|colleague|team|store|helpline|hotline|line|call\s+centre|"
    r"call\s+center|form|portal|guy|lady|woman|man|person|staff|advisor|adviser|engineer|"
    r"technician|driver|workshop|branch|counter|desk|website|site|app|dms?|inbox|email|page|"
    r"web\s*chat|help\s*cent(?:re|er))"
)
_BEFORE = rf"\b(?:{_BEFORE_TIME}|{_SUPPORT_SIDE})\b"
# Since 2.10.0 also a day, a month or a moment of the customer's own ("on Friday", "in
# March", "last wk", "when I moved"). A bare day can be ahead ("expect an answer on Friday"):
# ``given_before`` drops a match that waits or plans before its pointer.
_WHEN = (
    r"(?:since|last|this\s+past)\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"(?:in|since|back\s+in|early|mid|late|end\s+of)\s+(?:january|february|march|april|may|"
    r"june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept?|"
    r"oct|nov|dec)|last\s+(?:wk|weekend|year)|the\s+other\s+day|this\s+morning|"
    r"(?:a|one|two|three|few|couple\s+of|\d+)\s+(?:days?|weeks?|wks?|months?)\s+(?:ago|back)|"
    r"(?:on\s+|from\s+)?day\s+one|the\s+day\s+(?:i|it|we)\s+\w+|"
    r"the\s+same\s+(?:day|night|morning|evening|afternoon|week)|"
    r"when\s+i\s+(?:moved|bought|got|purchased|joined|collected|picked|paid|checked|arrived|"
    r"returned)"
)
_POINTER = rf"(?:{_BEFORE}|\b(?:{_WHEN})\b)"
# A time before now in a sentence: what makes a sending a claim even right after a request.
DATED_RE = re.compile(rf"\b(?:{_BEFORE_TIME}|{_WHEN})\b", re.I)
# With the subject left out, support named as the thing given ("Filled in the form") is no
# pointer; only where it went ("to your agent", "on your portal") is.
_BARE_POINTER = (
    rf"\b(?:{_BEFORE_TIME}|{_WHEN}|(?:to|with|on|in|via|at|through|into)\s+{_SUPPORT_SIDE})\b"
)
# Since 2.10.1 someone close to the customer may have told or sent it on their behalf ("my
# husband rang you on Monday", "my daughter already emailed you the receipts").
_KIN = (
    r"husband|wife|partner|son|daughter|mum|mom|mother|dad|father|brother|sister|friend|carer|"
    r"kids?|girlfriend|boyfriend|fianc[eé]e?|flatmate|roommate|nan|gran|granny|grandad|"
    r"grand(?:son|daughter|ma|pa|mother|father)|niece|nephew|aunt|uncle|cousin|parents?|"
    r"child(?:ren)?|sibling|family|other\s+half|missus|hubby"
)
FAMILY = rf"(?:my|our)\s+(?:{_KIN})"
# The family member is the subject of the hit: it opens it, or ends the words before it.
_FAMILY_SUBJECT_RE = re.compile(
    rf"(?:^|\b{FAMILY}\s+(?:(?:has|have|had|already|also|even|just)\s+)*$)", re.I
)
_FAMILY_OPENS_RE = re.compile(rf"\s*{FAMILY}\b", re.I)
_FAMILY_RE = re.compile(rf"\b{FAMILY}\b", re.I)
# On the customer's behalf: the family member's contact went to "you"/"your ...", and not about
# their own account or the same trouble of their own.
_TO_YOU_RE = re.compile(r"\b(?:you|u|ya|your|ur)\b", re.I)
_OWN_MATTER_RE = re.compile(
    r"\b(?:(?:his|her|their)\s+(?:own\s+)?(?:account|order|booking|phone|card|issue|problem|"
    r"bill|contract|policy|claim)|not\s+mine|same\s+(?:issue|problem|thing|fault))\b",
    re.I,
)


def for_someone_else(before: str, hit: str, after: str) -> bool:
    """Tell whether a hit whose subject is a family member (``hit`` opens with one, or
    ``before`` ends with one) went to someone other than support, or to support about their
    own matter; the customer's own claims ("I told you about my son") are never."""
    if _FAMILY_OPENS_RE.match(hit) is None and (
        _FAMILY_RE.search(before[-60:]) is None
        or _FAMILY_SUBJECT_RE.search(before[-60:].rstrip() + " ") is None
    ):
        return False
    rest = hit + after
    return _TO_YOU_RE.search(rest) is None or _OWN_MATTER_RE.search(rest) is not None


# Since 2.10.1 a past said with an auxiliary and the base verb, as second-language and Pidgin
# speakers say it ("I was call you before", "I did send it on Monday", "i don tell una").
_BASE_VERBS = (
    r"(?:call|tell|send|give|explain|report|email|e-mail|write|message|dm|complain|"
    r"fill\s+(?:in|out)|make\s+(?:a\s+|the\s+)?complaint|submit|upload|share|provide|show|"
    r"answer)(?![\'\u2019])"
)
# A telling by the customer (or family for them); a pointer (below) must follow within
# ``_POINTER_REACH`` characters of the same sentence.
_GIVEN_VERB_RE = re.compile(
    rf"\b(?:(?:i|we|{FAMILY})(?:\s+(?:has|had|have))?|i[\'\u2019]ve|ive|we[\'\u2019]ve)\s+"
    r"(?:already\s+|alr\s+|also\s+|previously\s+|even\s+|literally\s+|clearly\s+|both\s+)?"
    rf"(?:been\s+)?(?:(?P<verb>{_GIVE_VERBS})|(?:was|did|don|has)\s+(?:already\s+)?{_BASE_VERBS})"
    r"\b(?!\s+(?:them|him|her|permission)\b)",
    re.I,
)
_GIVEN_POINTER_RE = re.compile(_POINTER, re.I)
_POINTER_REACH = 60
# Since 2.10.0: a telling or sending with the subject left out, as tweets and chats drop it
# ("Sent you the receipt, sent you the photos.", "Explained it to your manager in August."),
# and a simple-past telling to "you" ("I gave you my new address", "I told u that"): a claim
# made to support before this message. A bare verb opens a sentence or clause; forms that
# are mostly someone else's doing ("told to wait", "sent me a link", "sent from my phone")
# are not read.
_BARE_VERBS = (
    # "Told we agreed to it" is "(I was) told": a bare "told" has no clause after it.
    r"told(?!\s+(?:i|we|it|he|she|they|there|this)\b)|sent|sentt|gave|explained|described|"
    r"mentioned|answered|provided|shared|submitted|(?:fill?ed|filld|fild)\s+(?:in|out)|"
    r"uploaded|e-?mailed|dm[\'\u2019]?d|dmed|messaged|wrote|forwarded|reported|showed|"
    r"went\s+through|spelled\s+out|typed|flagged|entered|raised|logged"
)
# "to you", but not "told you so" nor "told you it would break" (I told you so).
_TO_YOU = (
    r"\s+(?:you|u|ya|y[\'\u2019]?all|you\s+guys)\b(?!\s+(?:so\b|(?:it|that|this|they|he|she)\s+"
    r"(?:would|will|was\s+going|wouldn|won)))"
)
_NOT_THEIRS = (
    r"(?!\s+(?:me|us|them|him|her|permission|to|that|from|off|out|back|as|for\s+me|by|"
    r"(?:it\s+)?(?:a|another|some|more)\s+(?:week|day|go|try|shot|chance|while|minute|few|"
    r"couple|bit|rest|month|second|look))\b)"
)
# A bare verb opening a sentence or clause: a claim made to "you", or one a pointer follows.
_BARE_VERB_RE = re.compile(
    r"(?:^|[.!?\n;:,(])\s*(?P<claim>(?:already\s+|alr\s+|also\s+|previously\s+|even\s+|"
    rf"literally\s+)?(?:{_BARE_VERBS})\b)(?:(?P<you>{_TO_YOU})|{_NOT_THEIRS})",
    re.I,
)
_BARE_POINTER_RE = re.compile(_BARE_POINTER, re.I)
# A simple-past telling to "you" needs no pointer ("I gave you my postcode"); a perfect one
# ("I've sent you a DM") may be a sending done now and does.
_BARE_VERB_ONLY_RE = re.compile(rf"(?:{_BARE_VERBS})", re.I)
_TO_YOU_RE_AT = re.compile(_TO_YOU, re.I)
_PERFECT_RE = re.compile(r"\b(?:has|had|have|been)\b|[\'\u2019]ve\b|\bive\b", re.I)
# "I keep telling you", "kept explaining to your agents": told, over and over, by the customer.
_KEEP_TELLING_RE = re.compile(
    r"(?:\b(?:i|we)\s+|(?:^|[.!?\n;:,])\s*)(?P<claim>(?:keep|kept)\s+(?:on\s+)?(?:telling|"
    r"saying|explaining|repeating|asking|reminding|sending)\s+(?:it\s+)?(?:to\s+)?"
    r"(?:you|u|ya|y[\'\u2019]?all|your|ur|the\s+(?:bot|agents?|chat|reps?|team|staff))\b)",
    re.I,
)
# "check your DMs", "read the thread": what was sent is already there.
_LOOK_THERE_RE = re.compile(
    r"(?:^|[.!?\n,;:]|\b(?:just|pls|please|plz|kindly|so|then))\s*(?P<claim>(?:check|read|see|"
    r"look\s+(?:at|in))\s+(?:your|ur|ya|the)\s+(?:dms?|inbox|e-?mails?|mail|messages|"
    r"private\s+messages|thread|chat\s+(?:history|log)|convo\s+history|conversation\s+"
    r"history))\b",
    re.I,
)

_NOT_GIVEN_RE = re.compile(
    r"\b(?:just|now|will|gonna|going\s+to|never|not|didn[\'\u2019]?t|haven[\'\u2019]?t|"
    r"hasn[\'\u2019]?t|wasn[\'\u2019]?t|couldn[\'\u2019]?t|can[\'\u2019]?t|cannot|if|should|"
    r"would|could|wrong|wrongly|incorrect\w*|mistake\w*|by\s+accident)\b",
    re.I,
)
# Waiting or planning before the pointer: "sent the documents and expect an answer on Friday".
_AHEAD_RE = re.compile(
    r"\b(?:expect\w*|hope|hoping|await\w*|wait\w*|due|till|until|(?:by|next|for)\s+"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b",
    re.I,
)


# "reported it to my landlord on Monday", "wrote to my MP in January", "I did email the seller
# last week": told someone of the customer's own, or a third party, not support.
_THIRD_TOLD_RE = re.compile(
    r"\b(?:to|told|informed)\s+(?:my|our|his|her|their)\b|\b(?:to|told|informed|e-?mail(?:ed)?|"
    r"call(?:ed)?|rang|ring|messag(?:e|ed)|contact(?:ed)?|dm|wrote\s+to|write\s+to)\s+"
    r"(?:the|a|an)\s+(?:ombudsman|regulator|police|press|media|courts?|bank|insurer|landlord|"
    r"council|seller|courier|manufacturer|restaurant|fca|ofcom|bbb|news)\b|trading\s+standards",
    re.I,
)
# "uploaded the ID to the portal just now as you asked": the rest of the sentence says it is
# done now.
_NOW_AFTER_RE = re.compile(r"[^.!?\n]*?\b(?:just|right)\s+now\b", re.I)


def given_before(text: str, gates: frozenset[str] | None = None) -> list[CueHit]:
    """Return the places ``text`` says something was told, sent or filled in before (family
    ``given_before``), within one sentence that is not a question; ``gates`` are the open
    pattern gates of ``text`` when the caller has them."""
    if gates is None:
        gates = _open_gates(text.lower())
    hits: list[CueHit] = []
    kept_end = -1
    for start, end in _given_matches(text, gates):
        if start < kept_end:
            continue  # overlaps a hit already kept (spans come by start, longest first)
        claim = text[start:end]
        # The rest of its sentence, read at most _SENTENCE_SPAN characters on (linear in a long
        # message without stops).
        limit = min(len(text), end + _SENTENCE_SPAN)
        stop = min((i for i in (text.find(c, end, limit) for c in ".!\n") if i >= 0), default=limit)
        if text.find("?", end, stop) >= 0:
            continue  # a question: "have I already sent it to the bot?"
        lead = text[max(0, start - 20) : start]
        if _NOT_GIVEN_RE.search(claim) or _NOT_GIVEN_RE.search(lead[-12:]):
            continue
        if _THIRD_TOLD_RE.search(claim) or _AHEAD_RE.search(claim):
            continue
        if _NOW_AFTER_RE.match(text, end, stop):
            continue
        if for_someone_else(text[_sentence_start(text, start) : start], claim, text[end:stop]):
            continue
        hits.append(CueHit("given_before", claim, start, end))
        kept_end = end
    return hits


def sent_now_possible(claim: str) -> bool:
    """Tell whether a ``given_before`` hit could be a sending done now, right after an ask
    ("Check your DMs", "Sent you the receipt"): not "I keep telling you", not one with a time
    before now."""
    return DATED_RE.search(claim) is None and _KEEP_TELLING_RE.search(claim) is None


def _given_matches(text: str, gates: frozenset[str]) -> list[tuple[int, int]]:
    """Return (start, end) of every telling or sending before this message the patterns find
    (the gated ones when their words are there), left to right, longest first."""
    found = [
        (m.start("claim"), m.end("claim"))
        for regex, gate in ((_KEEP_TELLING_RE, "keep"), (_LOOK_THERE_RE, "look"))
        if gate in gates
        for m in regex.finditer(text)
    ]
    verbs = []
    for m in _GIVEN_VERB_RE.finditer(text):
        verb = m.group("verb")
        you = _TO_YOU_RE_AT.match(text, m.end())
        if (
            you is not None
            and verb is not None
            and _BARE_VERB_ONLY_RE.fullmatch(verb)
            and _PERFECT_RE.search(m.group()) is None
        ):
            found.append((m.start(), you.end()))
        verbs.append((m.start(), m.end()))
    found += _with_pointer(text, verbs, _GIVEN_POINTER_RE)
    bare: list[tuple[int, int]] = []
    for m in _BARE_VERB_RE.finditer(text):
        if m.group("you"):
            found.append((m.start("claim"), m.end("you")))
        else:
            bare.append((m.start("claim"), m.end("claim")))
    found += _with_pointer(text, bare, _BARE_POINTER_RE)
    return sorted(found, key=lambda span: (span[0], -span[1]))


# The words a pointer can open with (a test checks that every pointer in the evaluation data
# opens with one): the pattern is tried only where one of them starts, as a big alternation
# tried at every word cost more than the rest of ``given_before``.
_POINTER_FIRST = frozenset(
    "already alr before earlier previously yesterday last ago twice two three four five several "
    "many multiple my the our your ur ya a on over in by when since this back early mid late end "
    "one few couple from day to with via at through into monday tuesday wednesday thursday friday "
    "saturday sunday".split()
)
_WORD_RE = re.compile(r"\w+")


def _with_pointer(
    text: str, verbs: list[tuple[int, int]], pointers: re.Pattern[str]
) -> list[tuple[int, int]]:
    """Join each verb to the first pointer starting within ``_POINTER_REACH`` characters
    after it in its sentence: (verb start, pointer end)."""
    joined = []
    for start, end in verbs:
        reach = end + _POINTER_REACH
        stop = min(
            [i for i in (text.find(c, end, reach + 1) for c in ".!?\n") if i >= 0], default=reach
        )
        limit = min(stop, reach)
        for word in _WORD_RE.finditer(text, end):
            if word.start() > limit:
                break
            first = word.group()
            if first.lower() in _POINTER_FIRST or first[0].isdigit():
                pointer = pointers.match(text, word.start())
                if pointer is not None:
                    joined.append((start, pointer.end()))
                    break
    return joined


# Money, payment and permission given or taken ("already paid", "sent the money", "charged
# again", "gave my consent"): a transaction, not information given to support. Evidence of
# one ("the payment receipt", "my card details") is information.
_MONEY_RE = re.compile(
    r"\b(?:pa(?:y|ys|id|ying|yment|yments)|money|cash|fees?|charge[ds]?|charging|"
    r"overcharged|bills?|billed|debit(?:ed)?|funds|deposit|permission|consent|"
    r"authori[sz](?:e|ed|ation)|approv(?:e|ed|al)|allowed|access)\b(?<!utility\sbill)"
    r"(?!\s+(?:receipt|screenshot|proof|confirmation|details|reference|ref|info|information|"
    r"history|statement|slip|date|number|id)\b)",
    re.I,
)
# Words that make it a telling all the same: a verb of saying, support, a channel, a record.
_TELLING_RE = re.compile(
    r"\b(?:tell|told|tells|telling|say|said|says|saying|explain\w*|mention\w*|describ\w*|"
    r"stated?|repeat\w*|reiterat\w*|answer\w*|ask\w*|typed?|wr(?:ote|itten|ite)|bot|chat\w*|"
    r"transcript|agents?|colleagues?|reps?|representatives?|assistant|advis[oe]rs?|support|"
    r"team|staff|dms?|dm[\'\u2019]?d|dmed|e-?mail\w*|messag\w*|msgs?|tweet\w*|call\w*|rang|"
    r"spoke|spoken|speak\w*|contact\w*|tickets?|forms?|thread|history|scroll\w*|above|details|"
    r"number|info\w*|receipts?|screenshots?|proof|remittance|documents?|copy|copies|attach\w*|claims?|file|records?)\b",
    re.I,
)
# Families whose claim is a giving, sending or doing, which a payment can look like.
MONEY_FAMILIES = frozenset({"given_before", "said_before", "already_said", "again"})


def money_talk(text: str) -> bool:
    """Tell whether ``text`` speaks of money, a payment or a permission given, and not of
    telling support something ("I sent the payment twice", "I gave my consent already")."""
    return _MONEY_RE.search(text) is not None and _TELLING_RE.search(text) is None


# "So again, ...", "Again:": the opening says the customer is saying it again, whatever follows.
_AGAIN_OPENER_RE = re.compile(r"^\W*(?:(?:ok|okay|so|and|but|well|once)\W+){0,2}again\b", re.I)
# How near (in words) a money word must be to the claim to make it about money.
MONEY_NEAR = 3


def money_claim(span: Span, near: Iterable[int]) -> bool:
    """Tell whether a sentence's claim is about money or a permission: a money word within
    ``MONEY_NEAR`` words of one of the token positions ``near`` (the claim's words), no word
    of telling support, and no "again," opening the sentence."""
    if not money_talk(span.text) or _AGAIN_OPENER_RE.match(span.text):
        return False
    positions = list(near)
    for token in span:
        if _MONEY_RE.fullmatch(token.text) is None:
            continue
        following = span.doc[token.i : min(len(span.doc), token.i + 2)].text
        if _MONEY_RE.match(following) is None:
            continue  # "the payment receipt" is evidence, not money
        if any(abs(token.i - i) <= MONEY_NEAR for i in positions):
            return True
    return False


# Support as a channel the customer dealt with: customer service, support, live chat, a
# helpline (not a store, a person or a count of calls: the written sets' writers read "the
# store said ..." and "I've called 3 times" as no claim of repeating anything).
_CHANNEL = (
    r"(?:customer\s*(?:service|services|care|support|svc|serv|relations)|cust\.?\s*(?:svc|serv|"
    r"care)|(?:tech(?:nical)?|phone|online)\s+support|(?:your|ur|the)\s+support(?:\s+team)?|"
    r"support|helpdesk|help\s*desk|helpline|hotline|call\s*cent(?:re|er)|live\s*chat|"
    r"online\s+chat)"
)
# "I talked with customer care", "we spoke to your live chat team", "after talking with your
# helpline": the customer went through it with support before this message.
_CONTACT_RE = re.compile(
    r"\b(?:(?:i|we)(?:[\'\u2019]ve|\s+have|\s+had)?\s+(?:already\s+|also\s+|finally\s+|"
    r"even\s+)?|after\s+)(?:spoke|spoken|talked|dealt|dealing|speaking|talking)\s+"
    r"(?:to|with|over|on|via|through)\s+(?:the\s+|your\s+|ur\s+)?" + _CHANNEL + r"\b",
    re.I,
)
# "you've been ignoring me", "constantly ignored": earlier messages went unanswered, said as
# being ignored ("no reply" alone the written sets' writers read as no claim).
_UNANSWERED_RE = re.compile(
    r"\b(?:(?:been|being|completely|constantly|keep|kept|continue\s+to|you|u|ya)\s+"
    r"ignor(?:ed|ing)|left\s+on\s+read)\b",
    re.I,
)
# Since 2.5.0 (the definition of 2026-12-06, revision 2) earlier contact with support about the
# matter is repetition when the customer says they made it: calls, chats, emails, complaints,
# visits to the company's stores and branches, counts of contacts, unanswered complaints. What
# support or staff said or did to the customer, without such a claim, is not.
_PLACE = (
    r"(?:store|shop|branch|office|desk|counter|reception|hub|depot|showroom|outlet|"
    r"service\s+cent(?:re|er)|repair\s+cent(?:re|er))"
)
_STAFF = (
    r"(?:colleague|agent|rep|representative|advisor|adviser|operator|staff(?:\s+member)?|"
    r"team\s+member|employee|engineer|technician|manager|supervisor|clerk|team|department|"
    r"executive|exec|cse|"
    r"(?:shop|store|sales|branch)\s+assistant|guy|lady|man|woman|person|people|girl|bloke)"
)
_THEY_SAID_RE = re.compile(
    r"\b(?:they|he|she|someone|somebody|the\s+\w+)\s+(?:\w+\s+)?(?:said|told|replied|says|say|"
    r"saying|telling|informed|conveyed|advised)\b",
    re.I,
)
# Third parties: a travel or estate agent, my own people, another shop, the seller.
_OTHER_SIDE_RE = re.compile(
    r"\b(?:travel|estate|letting|booking|insurance|my|his|her|their|our|mum'?s|dad'?s|"
    r"another|other|different|local|game|phone|seller'?s?|amazon|apple|post|"
    r"airport|station|hospital|doctor'?s?|dentist'?s?|bank'?s?|third[\s-]party|sorting|"
    r"delivery|courier|openreach|building|gate)\s+"
    r"(?:\w+\s+)?(?:" + _PLACE + r"|" + _STAFF + r")\b"
    r"|\b(?:" + _PLACE + r")\s+where\s+(?:i|we)\s+(?:bought|got|purchased)\b"
    r"|\b(?:our|my)\s+(?:it|finance|accounts?|own)\s+(?:team|department)\b",
    re.I,
)
_NUMBER = r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|multiple|many|countless|numerous|a\s+few|a\s+dozen|dozens\s+of|hundreds\s+of|a\s+million)"


class VerbForms(NamedTuple):
    """A verb's spellings as regex fragments: the base, the -ing form, the past forms."""

    base: str
    ing: str
    past: tuple[str, ...]


# Verbs of reaching support ("I've called", "tried ringing", "been messaging").
REACH_VERBS: dict[str, VerbForms] = {
    "call": VerbForms("call", "calling", ("called",)),
    "ring": VerbForms("ring", "ringing", ("rang", "rung")),
    "phone": VerbForms("phone", "phoning", ("phoned",)),
    "email": VerbForms("e-?mail", "e-?mailing", ("e-?mailed",)),
    "contact": VerbForms("contact", "contacting", ("contacted",)),
    "message": VerbForms("message", "messaging", ("messaged",)),
    "chat": VerbForms("chat", "chatting", ("chatted",)),
    "dial": VerbForms("dial", "dial(?:l)?ing", ("dial(?:l)?ed",)),
}
# ... and of keeping at it, counted or ongoing ("third time chasing", "been tweeting you").
CHASE_VERBS: dict[str, VerbForms] = {
    **REACH_VERBS,
    "tweet": VerbForms("tweet", "tweeting", ("tweeted",)),
    "dm": VerbForms("dm", r"dm\w*", (r"dm\w*",)),
    "write": VerbForms("write", "writing", ("written", "wrote")),
    "chase": VerbForms("chase", "chasing", ("chased",)),
    "complain": VerbForms("complain", "complaining", ("complained",)),
    "explain": VerbForms("explain", "explaining", ("explained",)),
    "report": VerbForms("report", "reporting", ("reported",)),
}
# Other verbs the counted and ongoing patterns take.
OTHER_VERBS: dict[str, VerbForms] = {
    "ask": VerbForms("ask", "asking", ("asked",)),
    "raise": VerbForms("raise", "raising", ("raised",)),
    "talk": VerbForms("talk", "talking", ("talked",)),
    "speak": VerbForms("speak", "speaking", ("spoke", "spoken")),
    "send": VerbForms("send", "sending", ("sent",)),
}


def verb_forms(
    verbs: Iterable[VerbForms], *, base: bool = False, ing: bool = True, past: bool = False
) -> str:
    """Return an alternation of the chosen forms of ``verbs`` (the base with its -s form),
    each once, in order."""
    forms = [
        form
        for verb in verbs
        for form in ((verb.base + "s?",) if base else ())
        + ((verb.ing,) if ing else ())
        + (verb.past if past else ())
    ]
    return "|".join(dict.fromkeys(forms))


_REACHING = verb_forms(REACH_VERBS.values())
# "I've called three times about this", "rang you twice last week", "I phoned your helpline",
# "we went into your branch on Saturday", "took it back to the store", "I chatted with you".
_CONTACTED_RE = re.compile(
    rf"(?:\b(?:(?:i|we|{FAMILY})(?:[\'\u2019]ve|\s+have|\s+has|\s+had|[\'\u2019]d)?|ive)\s+|"
    r"(?:^|(?<=[.!?\n]))\s*(?:(?:and|but|so|yes|yeah|yep|ok|well|also|already)\W+)?"
    r"(?:(?:have|had|hv)\s+)?)"
    r"(?:(?:already|also|even|now|literally|both|since|previously|just|been|finally|then|"
    r"actually|recently)\s+){0,2}"
    r"(?:(?:sent|send|put\s+in|made|lodged|filed|submitted|opened|left|raised|logged)\s+"
    r"(?:in\s+)?(?:(?:you|u|your\s+\w+|ur\s+\w+)\s+)?(?:a|an|my|our|"
    + _NUMBER
    + r"|another|two\s+separate|separate)\s+(?:\w+\s+)?"
    r"(?:complaints?|e-?mails?|messages?|dms?|tickets?|voicemails?|cases?|claims?|"
    r"letters?|requests?|reports?)(?=\W)|"
    r"(?:ended\s+up|tried|trying|finally|kept|keep)\s+(?:"
    + _REACHING
    + r"|reaching\s+out|going\s+(?:in)?to)|"
    r"requested|applied|asked(?=\s+(?:you|u|your|ur|the\s+(?:\w+\s+)?(?:"
    + _PLACE
    + r"|"
    + _STAFF
    + r")|one\s+of\s+your)\b)|checked\s+with|enquired|inquired|"
    r"called|rung|rang|phoned|dial(?:l)?ed|ring|call|contacted|chatted|complained|visited|chased|"
    r"messaged|emailed|e-mailed|dm[\'\u2019]?d|dmed|tweeted|written|wrote|reported|raised|"
    r"logged|spoke|spoken|talked|been\s+in\s+touch|got\s+in\s+touch|gone|went|popped|"
    r"dropped|taken|took|brought|been(?=\s+(?:in)?to\s)|"
    r"(?:told|explained\s+(?:\w+\s+)?to|showed|shown|gave\s+(?:\w+\s+){0,2}?to|clarified\s+(?:\w+\s+)?to)"
    r"(?=\s+(?:(?:your|ur|the|a|an)\s+)?(?:(?:previous|last|first|other|same|night|day)\s+)?"
    + _STAFF
    + r"\b))\b"
    r"(?P<rest>[^.!?\n]{0,70})",
    re.I,
)
# What makes it contact with support about this: the company or its support named right after
# the verb, a count, a time before now, "about this", "already".
_CONTACT_TARGET_RE = re.compile(
    r"^\s*(?:back\s+)?(?:(?:in)?to\s+|with\s+|on\s+to\s+|onto\s+|in\s+(?:to\s+)?|by\s+|at\s+|"
    r"up\s+|it\s+(?:back\s+)?(?:in)?to\s+|it\s+in\s+(?:to\s+)?|it\s+to\s+)?"
    r"(?:you|u|ya|y[\'\u2019]?all|you\s+guys|you\s+lot|your|ur|the\s+(?:\w+\s+)?"
    + _PLACE
    + r"|one\s+of\s+your|the\s+(?:\w+\s+){0,2}?(?:number|line)|"
    + _CHANNEL
    + r"|(?:(?:the|a|an|"
    + _NUMBER
    + r")\s+)?(?:(?:different|"
    r"separate|other|previous|last|first|same)\s+)?(?:agents?|reps?|representatives?|"
    r"advis[oe]rs?|colleagues?|operators?|staff)|(?:the|a|an)\s+(?:previous|last|first|other)\s+"
    + _STAFF
    + r")\b",
    re.I,
)
_CONTACT_WHEN_RE = re.compile(
    r"\b(?:already|before|earlier|previously|yesterday|last\s+(?:week|night|month|time|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday)|ago|twice|"
    + _NUMBER
    + r"\s+times|(?:every|each)\s+(?:day|week)|all\s+(?:week|month|day)|"
    r"for\s+(?:days|weeks|months|ages|a\s+(?:week|month|fortnight))|"
    r"on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"about\s+(?:this|it|that|the\s+same)|on\s+the\s+\d+(?:st|nd|rd|th)?|"
    r"(?:in|on|since|from)\s+(?:\d+(?:st|nd|rd|th)?\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|"
    r"sept|oct|nov|dec)\w*|(?:a|an|\d+|two|three|four|five|six|few|couple\s+of)\s+"
    r"(?:days?|weeks?|months?)\s+(?:ago|back)|"
    r"(?:no|zero|not\s+(?:one|a|even\s+an?))\s+(?:reply|replies|response|answer|"
    r"acknowledg\w+)|nothing\s+(?:since|back)|heard\s+nothing|auto[\s-]?repl(?:y|ies)|"
    r"nobody\s+(?:answer|repl|respond)\w*|still\s+(?:unread|nothing|waiting)|"
    r"wait\w*\s+(?:\w+\s+){0,4}?for\s+(?:an?\s+|any\s+|the\s+)?(?:e-?mail\s+)?"
    r"(?:reply|response|answer|call\s*back)|"
    r"regarding\s+(?:this|it|that)|(?:via|by|over|through)\s+(?:e-?mail|phone|dm|chat|twitter|"
    r"post|letter)|(?:didn[\'\u2019]?t|did\s+not|never)\s+(?:get|got|receive\w*|had)\s+"
    r"(?:an?\s+|any\s+)?(?:answer|reply|response))\b",
    re.I,
)
# Calls that never got through are not a telling ("I've rung three times, nobody picks up").
_NOT_THROUGH_RE = re.compile(
    r"\b(?:nobody|no\s+one|no-one|noone)\s+(?:\w+\s+)?(?:picks?|picked|answer\w*)|"
    r"(?:couldn[\'\u2019]?t|can[\'\u2019]?t|cannot|could\s+not|never|didn[\'\u2019]?t|did\s+not)\s+"
    r"(?:get|got)\s+through|"
    r"line\s+(?:is|was|just|went|goes)\s+(?:\w+\s+)?(?:busy|dead|engaged)|"
    r"(?:straight|goes|went)\s+to\s+voicemail|hangs?\s+up|hung\s+up|no\s+answer\b(?!\s+(?:to|from|on))|"
    r"all\s+agents\s+(?:are\s+)?busy|(?:line|lines|office|phones?|number)\s+(?:is|was|are|were)\s+"
    r"(?:\w+\s+)?closed|number\s+(?:is|was)\s+(?:\w+\s+)?(?:invalid|unobtainable|"
    r"not\s+(?:in\s+service|valid|working|recogni[sz]ed)|no\s+longer\s+(?:in\s+service|valid|"
    r"working|in\s+use))|(?:says|said|shows|showed)\s+\W?closed|closed\W*\s+(?:at|on|for|today|now)|"
    r"gave\s+up|timing\s+out|timed\s+out|"
    r"(?:never|not)\s+(?:got\s+)?connected|rang\s+out|rings\s+out|engaged|cut\s+off|"
    r"disconnected|(?:recorded|automated)\s+(?:message|voice)",
    re.I,
)
# What a sentence about calls that never got through must add to tell support anything.
_TOLD_SOMETHING_RE = re.compile(
    r"\b(?:told|said|explained|gave|given|sent|e-?mailed|messaged|dm[\'\u2019]?d|dmed|wrote|"
    r"written|typed|mentioned|reported|filled|submitted|uploaded|attached|complain\w*)\b",
    re.I,
)


# Something written to support that went unanswered ("following up on my email of Monday, no
# answer yet", "no one answered the first one"): unanswered contact, which the definition
# counts, not a call that never got through (since 2.10.7).
_WRITTEN_RE = re.compile(
    r"\b(?:(?:my|our)\s+(?:(?:first|last|previous|earlier|original)\s+)?|"
    r"the\s+(?:first|last|previous|earlier|original)\s+)"
    r"(?:e-?mails?|messages?|msgs?|letters?|complaints?|tickets?|dms?|forms?|one)\b",
    re.I,
)
_NO_ANSWER_RE = re.compile(
    r"\bno\s+answer\b|\b(?:nobody|no\s+one|no-one|noone)\s+(?:\w+\s+)?answer\w*", re.I
)


# A call that got through before it was cut off ("on the phone with your team for an hour,
# then got disconnected"): contact the customer made.
_GOT_THROUGH_RE = re.compile(
    r"\b(?:spoke|spoken|speaking|talked|talking|chatted|chatting)\b|"
    r"\bon\s+(?:a\s+|the\s+)?(?:call|phone|line)\s+(?:with|to)\b",
    re.I,
)


def never_got_through(sentence: str) -> bool:
    """Tell whether a sentence speaks of calls that never got through ("called your line 3
    times yesterday, nobody answered") and of nothing told, sent or written: no contact the
    customer made, whatever the learned cue reads in it."""
    match = _NOT_THROUGH_RE.search(sentence)
    if match is None or _TOLD_SOMETHING_RE.search(sentence) or _GOT_THROUGH_RE.search(sentence):
        return False
    # "No answer" to something written is an unanswered message, not a failed call.
    return not (
        _NO_ANSWER_RE.search(match.group()) is not None and _WRITTEN_RE.search(sentence) is not None
    )


# "we have those details already", "I've got the manual already": having something,
# not having told or sent it (2.7.1).
_HAVE_ALREADY_RE = re.compile(
    r"\b(?:i|we)\s*(?:have|has|'ve|’ve|ve|got|'ve\s+got|’ve\s+got|have\s+got)\s+"
    r"(?:all\s+)?(?:that|this|those|these|the|it|them|one|an?|my|our|both)\b[^.!?\n]{0,60}?"
    r"\balready\b",
    re.I,
)
# What a having-already sentence must hold, beside a telling word (``_TOLD_SOMETHING_RE``), to
# be a claim of support being told or sent it.
_HAVE_CLAIM_RE = re.compile(
    r"\b(?:tell|say|send|dm\w*|provided|shared|forwarded|posted|entered|answered|contact\w*|"
    r"called|rang|phoned|spoke|bot|agent|chat|support|team|rep|again|before|twice|times?)\b",
    re.I,
)


def having_already(sentence: str) -> bool:
    """Tell whether a sentence only says the customer has something already (no claim)."""
    return (
        _HAVE_ALREADY_RE.search(sentence) is not None
        and _TOLD_SOMETHING_RE.search(sentence) is None
        and _HAVE_CLAIM_RE.search(sentence) is None
    )


# "gave it another go", "give it a try": trying a step, not giving support anything; "that's
# why I asked for a bigger size": the reason for a request made now (the pointing-back rule
# reads "that's why I asked" as a claim only where it ends a clause or names us). 2.11.0.
_TRYING_OR_ASKING_RE = re.compile(
    r"\bg(?:ave|ive|iven|iving)\s+(?:it|that|this|them)\s+(?:a|another|one\s+more)\s+"
    r"(?:go|try|shot|whirl|bash|spin)\b|"
    r"\b(?:that'?s|that\u2019s|thats|that\s+is|this\s+is)\s+why\s+i\s+(?:asked|requested)\s+"
    r"(?:for|about)\b",
    re.I,
)


def only_trying_or_asking(sentence: str) -> bool:
    """Tell whether a sentence tries a step again or gives the reason for a request, and
    tells or sends nothing besides ("gave it another go on Sunday, still dead")."""
    rest = _TRYING_OR_ASKING_RE.sub(" ", sentence)
    return rest != sentence and _TOLD_SOMETHING_RE.search(rest) is None


_CONTACT_THIRD_RE = re.compile(
    r"^\s*(?:back\s+)?(?:(?:in)?to\s+|with\s+|it\s+to\s+)?(?:seller|vendor|visa|mastercard|amex|"
    r"neighbou?rs?|my|his|her|their|our|the\s+(?:\w+\s+)?(?:bank|police|neighbou?rs?|"
    r"courier|seller|landlord|restaurant|manufacturer|ombudsman|council|post\s+office|"
    r"insurer|school|hospital|vet|retailer|delivery\s+company|plumber|driver|gym)|"
    r"(?:a|an)\s+(?:\w+\s+)?(?:lawyer|solicitor|friend)|amazon|ebay|paypal|evri|dpd|ups|"
    r"fedex|dhl|royal\s+mail|trading\s+standards|citizens\s+advice|them|him|her|it\s+in\s+"
    r"(?:my|the)\s+(?:calendar|diary))\b",
    re.I,
)
# "this is my third call", "third time tweeting about my refund", "my fourth email".
_NTH_CONTACT_RE = re.compile(
    r"\b(?:second|2nd|third|3rd|fourth|4th|fifth|5th|sixth|6th|\d+th|umpteenth|nth|"
    r"hundredth|millionth)\s+(?:call|phone\s+call|email|e-mail|mail|message|msg|dm|tweet|"
    r"complaint|letter|chat|visit|trip\s+to\s+(?:your|the)\s+(?:\w+\s+)?"
    + _PLACE
    + r"|time\s+(?:i[\'\u2019]?ve\s+|i\s+have\s+|i[\'\u2019]?m\s+|i\s+am\s+|i\s+)?(?:dm[\'\u2019]?ing|"
    + verb_forms(
        [*CHASE_VERBS.values(), OTHER_VERBS["ask"], OTHER_VERBS["raise"]], ing=True, past=True
    )
    + r"|going\s+(?:in)?to\s+(?:your|the)\s+(?:\w+\s+)?"
    + _PLACE
    + r"))\b",
    re.I,
)
# "been chasing this for weeks", "I've been on the phone to you all week", "been back and
# forth with your team since May".
_ONGOING_RE = re.compile(
    r"(?:\b(?:(?:i|we)(?:[\'\u2019]ve|\s+have|\s+had|[\'\u2019]d)?|ive)\s+|(?:^|(?<=[.!?\n]))\s*)"
    r"been\s+(?:"
    + verb_forms(
        [*CHASE_VERBS.values(), *(OTHER_VERBS[v] for v in ("talk", "speak", "send", "ask"))]
    )
    + r"|going\s+back\s+and\s+forth|back\s+and\s+forth|on\s+the\s+phone|"
    r"in\s+touch|on\s+to\s+you|onto\s+you|reaching\s+out|in\s+(?:your|ur)\s+(?:dms|inbox)"
    r")\b[^.!?\n]{0,50}?\b(?:for\s+(?:\w+\s+)?"
    r"(?:days|weeks|months|ages|hours|a\s+(?:week|month|fortnight|year))|since|all\s+"
    r"(?:day|week|month|morning|along)|every\s+day|from\s+the\s+(?:beginning|start)|"
    + _NUMBER
    + r"\s+times|twice|(?:no|not|zero)\s+"
    r"(?:respon\w*|repl\w*|answer\w*))",
    re.I,
)
# "still no reply to my complaint", "no response from you to my emails", "my DMs have gone
# unanswered", "you never replied to my email", "still waiting for an answer to my letter".
_MY_MESSAGE = (
    r"(?:(?:my|our|the|me)\s+(?:\w+\s+){0,2}?)?(?:complaints?|e-?mails?|mails?|messages?|msgs?|"
    r"dms?|tickets?|case|letters?|claims?|tweets?|requests?|quer(?:y|ies)|enquir(?:y|ies)|"
    r"inquir(?:y|ies)|calls?|voicemails?|reports?|forms?|appeals?)"
)
_NO_REPLY_RE = re.compile(
    r"\b(?:no|zero|not\s+an?|not\s+one|never\s+(?:got|had|received)\s+(?:an?|any)|"
    r"(?:haven[\'\u2019]?t|hasn[\'\u2019]?t|have\s+not|has\s+not|didn[\'\u2019]?t|did\s+not)"
    r"\s+(?:had|got|gotten|received|heard)\s+(?:an?|any)?|still\s+(?:waiting|no)\s+"
    r"(?:for\s+)?(?:an?|any|your)?)\s*(?:reply|replies|response|responses|answer|answers|"
    r"word|update|updates|acknowledg(?:e)?ment|call\s*back)\s+(?:yet\s+)?(?:to|on|about|"
    r"regarding|re|for|from\s+(?:you|your\s+\w+)\s+(?:to|on|about))\s+" + _MY_MESSAGE + r"\b"
    r"|\b" + _MY_MESSAGE + r"\s+(?:\w+\s+){0,4}?(?:ha(?:s|ve)|is|are|was|were|went|"
    r"got|gets|get|keeps?\s+getting)\s+(?:still\s+|all\s+|just\s+|been\s+|gone\s+|"
    r"completely\s+|totally\s+)*(?:unanswered|ignored|not\s+(?:been\s+)?(?:answered|"
    r"replied\s+to|acknowledged)|no\s+(?:reply|response|answer))\b"
    r"|\b(?:you|u|ya|you\s+guys|your\s+(?:team|support|staff|people)|nobody|no\s+one|"
    r"no-one)\s+(?:has\s+|have\s+)?(?:still\s+|ever\s+)?(?:never|not|hasn[\'\u2019]?t|"
    r"haven[\'\u2019]?t|didn[\'\u2019]?t|did\s+not|failed\s+to)\s+(?:\w+\s+)?(?:replied|responded|"
    r"answered|got\s+back|gotten\s+back|came\s+back|come\s+back|called\s+(?:me\s+)?back|"
    r"rang\s+(?:me\s+)?back|reply|respond|answer|get\s+back|call\s+(?:me\s+)?back)\b"
    r"|\b(?:you|u|ya|you\s+(?:guys|people|lot)|they)\s+(?:then\s+|just\s+)?stopped\s+"
    r"(?:responding|replying|answering|getting\s+back)\b"
    r"(?:\s+(?:to\s+)?(?:me\s+)?(?:on|to|about)\s+" + _MY_MESSAGE + r")?",
    re.I,
)
# Families that stand on their own (the learned cue has too few of their kind to veto them).
CONTACT_FAMILIES = frozenset({"earlier_contact", "unanswered"})
_CONTACT_NOT_RE = re.compile(
    r"\b(?:will|gonna|going\s+to|should|would|could|can|if|never|not|didn[\'\u2019]?t|"
    r"haven[\'\u2019]?t|don[\'\u2019]?t|can[\'\u2019]?t|cannot|won[\'\u2019]?t)\b",
    re.I,
)


def earlier_contact(text: str, gates: frozenset[str] | None = None) -> list[CueHit]:
    """Return the places ``text`` says the customer contacted support before ("I spoke to
    customer services", "I took it to your store") or that their messages went unanswered."""
    hits = []
    if gates is None:
        gates = _open_gates(text.lower())
    for family, pattern, gate in (
        ("earlier_contact", _CONTACT_RE, "spoken"),
        ("unanswered", _UNANSWERED_RE, "ignored"),
    ):
        if gate not in gates:
            continue
        for match in pattern.finditer(text):
            if family == "earlier_contact":
                end = min(
                    (i for i in (text.find(c, match.end()) for c in ".!\n") if i >= 0),
                    default=len(text),
                )
                if "?" in text[match.start() : end]:
                    continue  # "did you speak to the store?" asks
                lead = text[max(0, match.start() - 12) : match.start()]
                if _CONTACT_NOT_RE.search(match.group()) or _CONTACT_NOT_RE.search(lead):
                    continue
            hits.append(CueHit(family, match.group(), match.start(), match.end()))
    hits += _wider_contact(text, hits, gates)
    return hits


# A sentence is read at most this many characters either side of a hit: real sentences are
# shorter, and a message of tens of kilobytes with no stop stays linear to read.
_SENTENCE_SPAN = 400


def _sentence_start(text: str, at: int) -> int:
    """Return where the sentence holding ``text[at]`` starts (at most ``_SENTENCE_SPAN`` back)."""
    floor = max(0, at - _SENTENCE_SPAN)
    return max(floor, max(text.rfind(c, floor, at) for c in ".!?\n") + 1)


def sentence_of(text: str, start: int, end: int) -> str:
    """Return the sentence of ``text`` around ``start``..``end`` (to the next stop)."""
    ceiling = min(len(text), end + _SENTENCE_SPAN)
    stops = [i for i in (text.find(c, end, ceiling) for c in ".!?\n") if i >= 0]
    return text[_sentence_start(text, start) : min(stops, default=ceiling - 1) + 1]


# Pointers to earlier messages: "please reply to my DM", "my last complaint", "did you get my
# email?" (a question, but it says the email was sent).
_MESSAGE_NOUN = (
    r"(?:dms?|direct\s+messages?|inbox|e-?mails?|messages?|msgs?|complaints?|tweets?|posts?|"
    r"tickets?|letters?|voicemails?|queries|query|enquir(?:y|ies)|calls?|chats?)"
)
_ATTACHMENT = (
    r"(?:pics?|photos?|pictures?|screenshots?|screen\s*shots?|attachments?|images?|documents?|"
    r"files?|scans?)"
)
_POINTER_RE = re.compile(
    r"\b(?:reply|respond|answer|get\s+back|follow\s+up|look)\s+(?:to\s+|on\s+|at\s+|with\s+)?"
    r"(?:me\s+(?:on|to|about)\s+)?(?:my|our)\s+(?:\w+\s+)?" + _MESSAGE_NOUN + r"\b"
    r"|\b(?:my|our|the)\s+(?:last|previous|earlier|original|other|prior|initial|older)\s+"
    r"(?:\w+\s+)?(?:" + _MESSAGE_NOUN[3:-1] + r"|questions?|reports?|requests?)\b"
    r"|\b(?:see|check|read|look\s+at|scroll\s+up\s+to)\s+(?:my\s+|the\s+|our\s+)?(?:last|"
    r"previous|earlier|original|first|prior)\s+(?:\w+\s+)?(?:"
    + _MESSAGE_NOUN
    + "|"
    + _ATTACHMENT
    + r")\b"
    # "please check the pic once again": look again at what was sent
    r"|\b(?:check|see|look\s+at|review|open)\s+(?:the|my|that|those|this|these)\s+(?:\w+\s+)?"
    + _ATTACHMENT
    + r"\s+(?:once\s+)?again\b"
    r"|\b(?:did|have|has)\s+(?:you|u|ya|anyone|someone|anybody)\s+(?:\w+\s+)?(?:get|got|"
    r"receive|received|see|seen|read|check|checked|look\s+at|looked\s+at)\s+(?:my|our)\s+"
    r"(?:\w+\s+){0,3}?" + _MESSAGE_NOUN + r"\b",
    re.I,
)
# "every time I have to explain", "FOUR cust svc agents", "you have my details", "spent all
# day on the phone", "I was told", "brought it to your attention".
_CONTACT_MORE_RE = re.compile(
    r"\b(?:every\s*time|each\s+time|always)\s+(?:i|we)\s+(?:have|need|got)\s+to\s+"
    r"(?:explain|repeat|tell|say|go\s+through|give)\b"
    r"|\b(?:" + _NUMBER[3:-1] + r")\s+(?:different\s+|separate\s+|other\s+)?"
    r"(?:(?:cust(?:omer)?\.?\s+(?:svc|serv|service|care)|support|phone|chat|call\s+cent(?:re|er))\s+)?"
    r"(?:agents|reps|representatives|advis[oe]rs|operators|people\s+(?:on\s+the\s+phone|"
    r"in\s+(?:store|branch)))\b"
    r"|\byou(?:[\'\u2019]ve|\s+have|\s+already\s+have|[\'\u2019]ve\s+got|\s+have\s+got)\s+"
    r"(?:already\s+)?(?:all\s+)?(?:of\s+)?my\s+"
    r"(?:details|info|information|number|e-?mail|address|account\s+details|contact\s+details|"
    r"order\s+number|booking\s+(?:ref\w*|number)|receipt)\b"
    r"(?!\s+(?:wrong|incorrect|down\s+(?:as|wrong)|mixed|as\b|listed|spelt|spelled))"
    r"|\b(?:spent|wasted)\s+(?:\w+\s+){0,5}?(?:on\s+the\s+(?:phone|line)|on\s+hold|on\s+"
    r"(?:live\s*)?chat|in\s+(?:your|the|ur)\s+(?:\w+\s+)?" + _PLACE + r")\b"
    r"|\bbrought\s+(?:it\s+|this\s+|that\s+)?to\s+(?:your|ur|ya)\s+attention\b"
    r"|\bhow\s+many\s+(?:more\s+)?times\s+do\s+(?:you|u|ya)\s+(?:guys\s+|people\s+|lot\s+)?"
    r"(?:need|want|have\s+to\s+(?:ask|be\s+told))\b"
    r"|\bhow\s+many\s+(?:more\s+)?times(?=\s*(?:[.!?,:;]|$))"
    r"|\b(?:asked|did\s+ask|enquired|inquired|called|rang|checked)\s+(?:\w+\s+){0,3}?(?:and|but)\s+"
    r"(?:was|were|got)\s+"
    r"told\b"
    r"|\b(?:tried|been\s+trying)\s+(?:" + _REACHING + r")\b"
    r"[^.!?\n]{0,40}?\b(?:" + _NUMBER + r"\s+times|twice|for\s+(?:days|weeks|hours)|all\s+"
    r"(?:day|week))\b",
    re.I,
)
# Contacts counted: "6 emails, 2 calls and now this", "4 chats later".
_COUNTED_CONTACT_RE = re.compile(
    r"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several|multiple|countless)"
    r"\s+(?:e-?mails|calls|phone\s+calls|chats|dms|messages|tweets|tickets|complaints|visits|"
    r"letters)\b(?=\s*(?:,|and\b|later\b|so\s+far\b|already\b|now\b))",
    re.I,
)
# Messages that came from support: "got like 4 emails", "you sent me 3 messages".
_RECEIVED_RE = re.compile(
    r"\b(?:got|had|received|receiving|getting|sent\s+me|sent\s+us|from\s+you)\b", re.I
)
# Since 2.10.1: contact said through the channel or the time it took ("had this same
# conversation with your webchat", "spent my lunch break in your live chat", "been on the phone
# to you lot for 3 hrs", "asked in your store", "same complaint I made on the app", "went to
# your kitchen to complain").
_CHANNEL_CONTACT_RE = re.compile(
    r"\b(?:had|having)\s+(?:this|the|that)\s+(?:same\s+|exact\s+|exact\s+same\s+)?"
    r"(?:conversation|convo|chat|discussion|call)\s+(?:with|on|in|over|via)\s+(?:your|ur|the|you)\b"
    r"|\b(?:spent|wasted)\s+(?:[\w\']+\s+){0,5}?(?:in|on|with)\s+(?:your|ur|the)\s+(?:live\s*chat|"
    r"web\s*chat|online\s+chat|chat|phone\s+line|helpline|hotline|call\s+cent(?:re|er)|"
    r"customer\s+(?:service|care|support)|support\s+team)\b"
    r"|\b(?:been|was|were)\s+on\s+the\s+(?:phone|line)\s+(?:to|with)\s+(?:you|u|ya|your|ur|"
    r"the\s+(?:team|store|helpline|support))\b"
    r"|\basked\s+(?:in|at)\s+(?:your|ur|the)\s+(?:[\w\']+\s+){0,2}?" + _PLACE + r"\b"
    r"|\b(?:same|the)\s+(?:complaint|issue|problem|question|request|report|query)\s+(?:that\s+)?"
    r"(?:i|we)\s+(?:already\s+)?(?:made|raised|reported|lodged|filed|logged|opened|sent|submitted)\b"
    r"|\b(?:went|gone|came|drove|walked|popped)\s+(?:in)?to\s+(?:your|ur)\s+(?:[\w\']+\s+){0,3}?"
    r"to\s+(?:complain|ask|report|query|chase|sort\s+(?:it|this)\s+out)\b",
    re.I,
)
_ASKING_RE = re.compile(
    r"\b(?:have|has|had|did|do|does|should|shall|can|could|would|will|may|might|must|what|why|"
    r"how|when|where|who|which|if|whether|is|are|was|were)\b",
    re.I,
)
_BOT_OR_THIRD_RE = re.compile(
    r"\b(?:bot|chatbot|chat\s*bot|virtual|automated|assistant|ai|my\s+\w+|bank|police|courier|"
    r"seller|landlord|doctor|airport|station)\b",
    re.I,
)
# "before I contacted you", "the last time I called": a time, not a claim; "about a different
# issue": another matter; "my wife called the store": someone else's contact; "the system says
# I've contacted you": someone else's words.
_CONTACT_TIME_LEAD_RE = re.compile(
    r"\b(?:before|until(?!\s+after)|till|til|time|times)\s+(?:\w+\s+)?$", re.I
)
_OTHER_MATTER_RE = re.compile(
    r"\b(?:a|an|another|different|separate|unrelated|other|old|previous)\s+(?:\w+\s+)?"
    r"(?:issue|matter|problem|order|thing|account|topic|question|subject|query|booking)\b",
    re.I,
)
# Plainly another matter: "about a different issue", "for another order".
_ANOTHER_MATTER_RE = re.compile(
    r"\b(?:different|separate|unrelated|another|other)\s+(?:\w+\s+)?(?:issue|matter|problem|"
    r"order|account|topic|question|query|booking)\b",
    re.I,
)


def about_another_matter(sentence: str) -> bool:
    """Tell whether ``sentence`` says its contact was about a different matter."""
    return _ANOTHER_MATTER_RE.search(sentence) is not None


# Someone else's contact: a person the customer names who is not family acting for them
# (since 2.10.1 "my husband rang you on Monday" is the customer's matter raised on their behalf).
_OTHER_PERSON_RE = re.compile(
    r"\b(?:my|our|his|her|their)\s+(?:\w+\s+)?(?:mate|neighbou?r|colleague|boss|landlord|"
    r"accountant|lawyer|solicitor|agent|assistant|team|housemate|tenant)\b"
    rf"|\b(?:his|her|their)\s+(?:\w+\s+)?(?:{_KIN})\b"
    r"|\b(?:he|she|they)\s+(?:already\s+|also\s+)?(?:called|rang|phoned|emailed|contacted|"
    r"complained|went)\b",
    re.I,
)
_REPORTED_RE = re.compile(
    r"\b(?:says|said|shows|showed|claims|claimed|thinks|states|stated)\s+(?:that\s+)?$", re.I
)


# Words each pattern cannot match without (a substring test in C is far cheaper than a
# pattern's scan; most messages hold none of a pattern's words).
_GATES: dict[str, tuple[str, ...]] = {
    "contacted": (
        "call",
        "rang",
        "rung",
        "ring",
        "phon",
        "dial",
        "contact",
        "chat",
        "complain",
        "visit",
        "chase",
        "messag",
        "mail",
        "email",
        "chasing",
        "dm",
        "tweet",
        "writ",
        "wrote",
        "report",
        "rais",
        "logg",
        "spoke",
        "talk",
        "touch",
        "gone",
        "went",
        "popped",
        "dropped",
        "took",
        "taken",
        "brought",
        "been",
        "told",
        "explain",
        "show",
        "gave",
        "clarif",
        "sent",
        "send",
        "put in",
        "made",
        "lodged",
        "filed",
        "submit",
        "opened",
        "left",
        "request",
        "appl",
        "asked",
        "check",
        "enquir",
        "inquir",
        "tried",
        "trying",
        "ended up",
        "finally",
        "kept",
        "keep",
    ),
    "nth": (
        "second",
        "2nd",
        "third",
        "3rd",
        "fourth",
        "4th",
        "fifth",
        "5th",
        "sixth",
        "6th",
        "nth",
        # "12th call": a digit where a word begins
        *"0123456789",
    ),
    "ongoing": ("been",),
    "keep": ("keep", "kept"),
    "look": ("dm", "inbox", "mail", "email", "e-mail", "messag", "thread", "history", "log"),
    "channel": (
        "spent",
        "wasted",
        "had th",
        "having th",
        "on the phone",
        "on the line",
        "asked in",
        "asked at",
        "complaint i",
        "complaint we",
        "issue i",
        "issue we",
        "problem i",
        "problem we",
        "question i",
        "question we",
        "request i",
        "request we",
        "report i",
        "report we",
        "query i",
        "query we",
        "to complain",
        "to ask",
        "to query",
        "to chase",
        "to sort",
    ),
    "counted": (
        "calls",
        "emails",
        "e-mails",
        "chats",
        "dms",
        "messages",
        "tweets",
        "tickets",
        "complaints",
        "visits",
        "letters",
    ),
    "no_reply": (
        "repl",
        "respon",
        "answer",
        "word",
        "update",
        "acknowledg",
        "call back",
        "callback",
        "ignored",
        "unanswered",
        "failed",
        "stopped",
        "back",
    ),
    "pointer": (
        "repl",
        "respond",
        "answer",
        "get back",
        "follow up",
        "look",
        "last",
        "previous",
        "earlier",
        "original",
        "other",
        "prior",
        "initial",
        "older",
        "first",  # "see my first message" (a batch of 2.11.4 found it missing)
        "did ",
        "have ",
        "has ",
        "again",
    ),
    "more": (
        "time",
        "everytime",
        "always",
        "agents",
        "reps",
        "advis",
        "operators",
        "people",
        "my ",
        "spent",
        "wasted",
        "attention",
        "how many",
        "told",
        "tried",
        "trying",
    ),
    "spoken": ("spoke", "talk", "dealt", "dealing", "speaking"),
    "ignored": ("ignor", "left on read"),
}


# One scan finds every gate word; a word found opens each pattern one of whose words it holds
# ("callback" opens the patterns of "call" and of "callback").
_GATE_WORDS = sorted({w for words in _GATES.values() for w in words}, key=len, reverse=True)


def _trie(words: list[str]) -> str:
    """Return a pattern matching the longest of ``words`` that starts at a position, as the
    alternation of ``words`` longest first does, branching on one character at a time."""
    heads: dict[str, list[str]] = {}
    for word in words:
        heads.setdefault(word[0], []).append(word[1:])
    branches = []
    for head, tails in sorted(heads.items()):
        longer = [tail for tail in tails if tail]
        rest = _trie(longer) if longer else ""
        if longer and len(longer) < len(tails):
            rest = f"(?:{rest})?"  # a word ends here: a longer one is tried first
        branches.append(re.escape(head) + rest)
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


# Anchored at a word's start, the scan tries its words only where a word begins, one letter
# at a time (an alternation of 168 words tried each word in turn).
_TRIGGER_RE = re.compile(r"\b" + _trie(_GATE_WORDS))
_OPENS = {
    word: frozenset(name for name, words in _GATES.items() if any(w in word for w in words))
    for word in _GATE_WORDS
}


def _open_gates(lowered: str) -> frozenset[str]:
    """Return the names of the patterns whose words ``lowered`` holds."""
    found = set(_TRIGGER_RE.findall(lowered))
    return frozenset().union(*(_OPENS[word] for word in found))


# What the verb of a contact says about it (``_wider_contact``).
_LOGGED_RE = re.compile(r"logged\s*$", re.I)
_LOG_STEP_RE = re.compile(r"\s*(?:out|in|on|off)\b", re.I)
_WRITING_RE = re.compile(
    r"(?:messaged|e-?mailed|dm|dmed|tweeted|written|wrote|reported|raised|logged|"
    r"sent|put\s+in|made|lodged|filed|submitted|opened|left)\b",
    re.I,
)
_JUST_NOW_RE = re.compile(r"\b(?:just|now)\b", re.I)
_ANOTHER_RE = re.compile(r"\banother\b", re.I)
_MOVING_RE = re.compile(r"(?:gone|went|popped|dropped|taken|took|brought|been)\s*$", re.I)
_BOT_RE = re.compile(r"\b(?:bot|chatbot|assistant)\b", re.I)
_ALREADY_RE = re.compile(r"\balready\b", re.I)
_COUNTED_VERB_RE = re.compile(_NUMBER + r"\s+\w+\s*$|\b(?:another|separate)\b", re.I)
_COUNT_AFTER_RE = re.compile(r"\s*" + _NUMBER + r"\s+\w+", re.I)
_CALLED_RE = re.compile(
    r"(?:called|rang|rung|phoned|dial(?:l)?ed|wrote|written|e-?mailed|messaged)\s*$", re.I
)
# "called in", "wrote in": to the company, when nothing else follows but a time or a count.
_CALLED_IN_RE = re.compile(
    r"\s*in\b(?=\s*(?:[.!?,;:&]|$)|\s+(?:and|but|again|already|today|yesterday|last|twice|about|"
    r"this|several|many|multiple|\d))",
    re.I,
)
# A time this many words or fewer before a contact verb is its time ("Last week I emailed").
_LEAD_WORDS = 4
_SPOKE_RE = re.compile(r"(?:spoke|spoken|talked|chatted|dealt)\s*$", re.I)
_SPOKE_WITH_RE = re.compile(r"\s*(?:to|with|w/?)\s", re.I)
_NO_ONE_NAMED_RE = re.compile(r"\s*")
_PLACE_RE = re.compile(_PLACE, re.I)
_WROTE_RE = re.compile(r"(?:written|wrote)\s*$", re.I)
_TELLING_VERB_RE = re.compile(r"\s*(?:told|explained|showed|shown|gave|clarified)", re.I)
_CHECKED_WITH_RE = re.compile(r"(?:checked\s+with|enquired|inquired)\s*$", re.I)
_FILED_RE = re.compile(r"\b(?:reported|raised|logged)\b", re.I)
_FILED_ELSEWHERE_RE = re.compile(
    r"\bto\s+(?:the|my|a)\s+(?:police|bank|council|ombudsman|landlord|seller)\b", re.I
)
# "every 4th call drops" is a fault.
_EVERY_LEAD_RE = re.compile(r"\bevery\s+$", re.I)
# Third parties named outright: "the seller never replied to my email", "have you contacted
# your bank?".
THIRD_PARTY_RE = re.compile(
    r"\b(?:seller|bank|landlord|courier|council|insurer|manufacturer|restaurant|"
    r"ombudsman|airline|amazon|ebay)\b",
    re.I,
)
# "ignore my last message" points away from it.
_DISMISS_LEAD_RE = re.compile(
    r"\b(?:ignore|disregard|delete|deleted|forget|scrap|cancel)\s+$", re.I
)
# "like", "as", "just as" opening a clause: a comparison that states, in a question too.
_AS_LEAD_RE = re.compile(r"\b(?:like|as)\s*$", re.I)
_TOLD_RE = re.compile(r"\btold\b", re.I)
_BY_AFTER_RE = re.compile(r"\s+by\b")
_TRIED_RE = re.compile(r"(?:tried|been)", re.I)


def _wider_contact(text: str, taken: list[CueHit], gates: frozenset[str]) -> list[CueHit]:
    """Return earlier contact in the forms 2.5.0 added: contacts the customer made, counted or
    dated, visits to the company's places, pointers to earlier messages, unanswered complaints
    (none in a question, a plan, a negation, about a third party, or a call that never got
    through)."""
    hits: list[CueHit] = []
    covered = _Taken((hit.start, hit.end) for hit in taken)

    def add(family: str, start: int, end: int, asking: bool = False, pointer: bool = False) -> None:
        """Keep a hit unless it overlaps another, asks, is negated, planned, a time clause,
        about another matter, or someone else's contact or words."""
        while start < end and text[start].isspace():
            start += 1  # a hit opening a sentence starts at its first word, inside the sentence
        if covered.overlaps(start, end):
            return
        sentence = sentence_of(text, start, end)
        if sentence.rstrip().endswith("?") and not asking:
            return  # "did the store tell you that?" asks
        lead = text[max(0, start - 14) : start]
        if _CONTACT_NOT_RE.search(lead) and family != "unanswered" and not pointer:
            return
        before = sentence[: max(0, sentence.find(text[start:end]))]
        if (
            _CONTACT_TIME_LEAD_RE.search(text[max(0, start - 20) : start])
            or _REPORTED_RE.search(text[max(0, start - 20) : start])
            or _OTHER_MATTER_RE.search(sentence)
            or _OTHER_PERSON_RE.search(before + text[start:end])
            or for_someone_else(before, text[start:end], sentence[len(before) + end - start :])
        ):
            return
        covered.add(start, end)
        hits.append(CueHit(family, text[start:end], start, end))

    for match in _CONTACTED_RE.finditer(text) if "contacted" in gates else ():
        rest = match.group("rest")
        verb = text[match.start() : match.start("rest")]
        if _CONTACT_NOT_RE.search(verb) or _CONTACT_THIRD_RE.match(rest):
            continue
        if _LOGGED_RE.search(verb) and _LOG_STEP_RE.match(rest):
            continue  # "already logged out and back in" is a step
        if _OTHER_SIDE_RE.search(text[match.start() : match.end()]):
            continue  # "spoke to the shop where I bought it", "the delivery driver"
        writing = _WRITING_RE.search(verb)
        if _JUST_NOW_RE.search(verb) and writing and not _ANOTHER_RE.search(verb):
            continue  # "I've just emailed it" complies now ("I finally just called", "I've now
            # sent another email" do not)
        moving = _MOVING_RE.search(verb)
        targeted = _CONTACT_TARGET_RE.match(rest)
        # A reply never came ("... zero replies") may follow in the next sentence.
        after = text[match.start("rest") : match.start("rest") + 110]
        # What they said there: "I went to the gallery yesterday. They replied that ..."
        answered = _THEY_SAID_RE.search(after)
        if answered and _BOT_RE.search(after[: answered.end()]):
            answered = None
        # "Yesterday I emailed you": a time opening the sentence, before the verb.
        lead = text[_sentence_start(text, match.start()) : match.start()]
        when = (
            _CONTACT_WHEN_RE.search(after)
            or (len(lead.split()) <= _LEAD_WORDS and _CONTACT_WHEN_RE.search(lead))
            or _ALREADY_RE.search(verb)
            or _COUNTED_VERB_RE.search(verb)
            or _COUNT_AFTER_RE.match(rest)
        )
        if _CALLED_RE.search(verb):
            targeted = targeted or _CALLED_IN_RE.match(rest)  # "I called in twice"
        if _SPOKE_RE.search(verb) and _SPOKE_WITH_RE.match(rest):
            # "someone I spoke with on the phone"
            targeted = targeted or _NO_ONE_NAMED_RE.match(rest)
        if moving and not (
            (targeted and _PLACE_RE.search(rest[: targeted.end() + 30])) or answered
        ):
            continue  # "went to the gym", "took it to my dad"
        if writing and not when:
            continue  # "I emailed you the photos" may be compliance now
        if _WROTE_RE.search(verb) and not targeted:
            continue  # "wrote a review"
        telling = _TELLING_VERB_RE.match(verb)
        if telling and _OTHER_SIDE_RE.search(text[match.start() : match.end() + 20]):
            continue  # "I told the delivery guy the code"
        if _CHECKED_WITH_RE.search(verb) and not targeted:
            continue  # "already checked with the neighbours"
        if not (targeted or when or telling or answered):
            continue
        sentence = sentence_of(text, match.start(), match.end())
        if not writing and _NOT_THROUGH_RE.search(sentence):
            continue
        if _FILED_RE.search(verb) and _FILED_ELSEWHERE_RE.search(sentence):
            continue
        # "I requested it 4 months back and I'm still charged?" states, then asks.
        opening = sentence[: max(0, sentence.find(match.group()))]
        # The hit is the verb and whom it names, so that a later cue in the sentence keeps its own.
        end = match.start("rest") + (targeted.end() if targeted else 0)
        add("earlier_contact", match.start(), end, asking=not _ASKING_RE.search(opening))
    for match in _NTH_CONTACT_RE.finditer(text) if "nth" in gates else ():
        if _EVERY_LEAD_RE.search(text[max(0, match.start() - 8) : match.start()]):
            continue
        add("earlier_contact", match.start(), match.end())
    for match in _ONGOING_RE.finditer(text) if "ongoing" in gates else ():
        if _CONTACT_THIRD_RE.search(match.group()):
            continue
        # "why not just tell me, like I've been asking since May?": the clause states, the
        # sentence asks.
        stated = _AS_LEAD_RE.search(text[max(0, match.start() - 12) : match.start()])
        add("earlier_contact", match.start(), match.end(), asking=stated is not None)
    for match in _NO_REPLY_RE.finditer(text) if "no_reply" in gates else ():
        sentence = sentence_of(text, match.start(), match.end())
        if THIRD_PARTY_RE.search(sentence):
            continue
        add("unanswered", match.start(), match.end())
    for match in _POINTER_RE.finditer(text) if "pointer" in gates else ():
        if _DISMISS_LEAD_RE.search(text[max(0, match.start() - 12) : match.start()]):
            continue
        add("earlier_contact", match.start(), match.end(), asking=True, pointer=True)
    for match in _CONTACT_MORE_RE.finditer(text) if "more" in gates else ():
        if _TOLD_RE.search(match.group()) and (
            _BOT_OR_THIRD_RE.search(sentence_of(text, match.start(), match.end()))
            or _BY_AFTER_RE.match(text[match.end() :])
        ):
            continue  # "I was told by the bot to contact you", "I was told by my bank"
        if _TRIED_RE.match(match.group()) and _NOT_THROUGH_RE.search(
            sentence_of(text, match.start(), match.end())
        ):
            continue  # "tried calling 5 times, nobody answers"
        asking = match.group().lower().startswith("how")  # "how many times do you need it?"
        add("earlier_contact", match.start(), match.end(), asking=asking)
    for regex, gate in ((_CHANNEL_CONTACT_RE, "channel"), (_COUNTED_CONTACT_RE, "counted")):
        for match in regex.finditer(text) if gate in gates else ():
            # Its clause: what came of it follows within a few words ("3 calls, nobody
            # answers"), and a window keeps a long message without stops linear.
            clause = text[max(0, match.start() - 80) : match.end() + 120]
            if never_got_through(clause) or THIRD_PARTY_RE.search(clause):
                continue  # "spent an hour on your helpline and never got through", "the seller"
            if gate == "counted" and _RECEIVED_RE.search(
                text[max(0, match.start() - 30) : match.start()]
            ):
                continue  # "got like 4 emails", "you sent me 3 emails": messages from support
            add("earlier_contact", match.start(), match.end())
    return hits
