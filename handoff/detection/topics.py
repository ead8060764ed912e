"""Asks named by what they ask for ("which plan are you on?"), checked against the packet's words.

The field patterns of ``reask.py`` know identifiers and problem questions. Agents ask for
much else the packet may hold: the plan, the workspace, the booking, a step the bot already
had the customer do. Here an agent's question is reduced to the words naming what it asks
for, and it is a re-ask when the packet already holds every one of those words, in what the
customer told the bot, what the bot stated (not asked, not promised), the summary, the
account state or the identifiers. Words are compared by a crude stem (their first six
letters once a plural or verb ending is cut), with a few synonyms ("mobile" = "phone").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from spacy.lang.en.stop_words import STOP_WORDS

WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
SENTENCE_RE = re.compile(r"[^.!?\n]+[.!?]*")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# A written-out value ("A-10442", "INV-2026-3") in the question: the agent confirms, not asks.
VALUE_RE = re.compile(r"\b[A-Za-z]*\d[\w-]{3,}")

SYNONYMS = {
    "mobile": "phone",
    "cell": "phone",
    "telephone": "phone",
    "zip": "postcode",
    "postal": "postcode",
    "reservation": "booking",
    "pnr": "booking",
    "mail": "email",
    "emails": "email",
    "pic": "photo",
    "pics": "photo",
    "picture": "photo",
    "pictures": "photo",
    "image": "photo",
    "images": "photo",
    "photograph": "photo",
    "reboot": "restart",
    "dob": "birth",
    "neighbor": "neighbour",
    "neighbors": "neighbour",
    "username": "user",
    "login": "log",
    "org": "organization",
    "organisation": "organization",
    "subscription": "plan",
    "package": "plan",
    "tier": "plan",
    "licence": "license",
    "colour": "color",
    "cancelled": "cancel",
    "canceled": "cancel",
    "payment": "transaction",
    "payments": "transaction",
    # An account's state asked as a yes/no question ("is your account active?") asks for the
    # status the packet holds.
    "active": "status",
    "inactive": "status",
    "suspended": "status",
    "deactivated": "status",
}

# Words that never name what is asked: function words, asking and polite words, and the
# generic heads of identifiers ("number", "reference"), which the field patterns handle.
STOP = frozenset(STOP_WORDS) | frozenset(
    """i'm i've i'll i'd we'll we're you're you've it's what's how's don't
    please pls kindly thanks thank hi hello hey yo hiya dear morning afternoon evening good
    sorry apologies hear provide send share confirm give tell verify include reply know let
    get got use used using enter add check supply grab attach take pop dm read need want
    like mind help look find happy able sure quick quickly currently current exactly today
    okay ok yes sir madam team support agent customer order account security verification
    moment works try tried trying happening happened going wrong issue problem regarding
    relating related exact precise specific""".split()
)
GENERIC = frozenset(
    "number reference ref id code details detail info information name message".split()
)
GENERIC_EXTRA = frozenset({"no", "nr", "num", "digits", "last", "four"})
# Words that do not end a run of names: "clearing the app cache" is one thing asked.
DETERMINERS = frozenset({"the", "your", "a", "an", "my"})
# Asking for something other than what is held: "what new email would you like to use?"
VETO = frozenset(
    "new better prefer preferred updated alternative alternate other another different "
    "second instead else additional extra".split()
)
# A clause after these words says why or when, not what: "... so I can look into it".
CUT = frozenset({"so", "because", "before", "after", "while", "once", "since"})
MODALS = frozenset({"could", "can", "would", "will", "may", "might"})
ASKERS = frozenset({"you", "i", "we", "u"})
REQUEST_VERBS = frozenset(
    "send share provide confirm reply tell give upload attach let dm read describe explain "
    "include verify enter type pop forward specify advise clarify check try".split()
)
GREETING_RE = re.compile(
    r"^\s*(yo|hi|hello|hey|hiya|dear|bonjour|hola|hallo|hej|ciao|servus|merhaba|guten tag|"
    r"good (morning|afternoon|evening))\b[^,.!?\n]*[,.!\n]",
    re.IGNORECASE,
)
OFFER_RE = re.compile(
    r"\b(would you like|do you want|would you prefer|shall i|shall we|should i|should we|"
    r"does [\w ]{1,30} work for you|does [\w ]{1,30} work\?|is [\w ]{1,30} ok(ay)?\b)",
    re.IGNORECASE,
)
WH_WORDS = frozenset({"what", "which", "where", "when", "how", "who", "whom", "whose"})
SUBORDINATE = frozenset({"when", "if", "once", "to", "as", "whenever", "after", "before"})
# A bot sentence that asks, promises or failed holds nothing yet.
UNDONE_RE = re.compile(
    r"\b(not|never|later|will|yet|pending|unable|couldn't|can't|cannot|failed)\b|n't\b|\?",
    re.IGNORECASE,
)
# A customer answer that puts a bot question off leaves it unanswered.
DEFER_RE = re.compile(r"\b(will|later|not now|don't know|dont know|no idea|not sure)\b|'ll\b", re.I)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Reduce a lower-case word to a comparable stem: synonym, plural or verb ending, 6 letters."""
    word = SYNONYMS.get(word, word)
    if word.endswith("'s"):
        word = word[:-2]
    for suffix in ("ing", "ies", "es", "ed", "s", "e"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)] + ("y" if suffix == "ies" else "")
            break
    return word[:6]


def words_of(text: str) -> list[str]:
    """Split text into lower-case words; underscores and hyphens separate words."""
    return WORD_RE.findall(text.lower().replace("_", " ").replace("-", " "))


def _strings(value: Any, out: list[str]) -> None:
    """Collect every key and scalar of a JSON value as text."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            out.append(str(key))
            _strings(item, out)
    elif isinstance(value, list):
        for item in value:
            _strings(item, out)
    elif isinstance(value, str | int | float) and not isinstance(value, bool):
        out.append(str(value))


def _dicts(items: Any) -> list[Mapping[str, Any]]:
    return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []


def _bot_asks(sentence: str) -> bool:
    """Tell whether a bot sentence asks: a question, or a request ("Please attach photos")."""
    words = words_of(sentence)
    return "?" in sentence or (bool(words) and words[0] in {"please", "could", "can", "kindly"})


def _held_texts(packet: Mapping[str, Any]) -> list[str]:
    """Return the texts the packet holds: given, stated or looked up, not merely asked."""
    texts: list[str] = []
    for key in ("account_state", "identifiers"):
        _strings(packet.get(key), texts)
    for action in _dicts(packet.get("prior_actions")):
        if action.get("status") in ("succeeded", "partial"):
            _strings(action.get("action"), texts)
    intent = packet.get("intent")
    if isinstance(intent, Mapping):
        _strings(intent.get("name"), texts)
    stated = [packet.get("summary") if isinstance(packet.get("summary"), str) else ""]
    turns = [t for t in _dicts(packet.get("transcript")) if isinstance(t.get("text"), str)]
    for i, turn in enumerate(turns):
        if turn.get("role") == "customer":
            texts.append(turn["text"])
            continue
        asks = [q for q in SENTENCE_RE.findall(turn["text"]) if _bot_asks(q)]
        stated += [q for q in SENTENCE_RE.findall(turn["text"]) if q not in asks]
        # A bot question or request the customer then answered is held: "Which workspace?"
        # "ws_rivera"; "Please attach photos" answered "I'll do it later" is not.
        answer = turns[i + 1] if i + 1 < len(turns) else None
        if answer is not None and answer.get("role") == "customer":
            if not DEFER_RE.search(answer["text"]):
                texts += asks
    for text in stated:
        texts += [s for s in SENTENCE_RE.findall(str(text)) if not UNDONE_RE.search(s)]
    return texts


def packet_words(packet: Mapping[str, Any]) -> frozenset[str]:
    """Return the stems of what the packet holds: given, stated or looked up, not merely asked."""
    return frozenset(
        stem(word)
        for text in _held_texts(packet)
        for word in words_of(EMAIL_RE.sub(" email ", text))
    )


# A word that is a value: it has a digit or an @, or a time ("Monday", "yesterday", "June").
_TIME_WORDS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december jan feb mar apr jun jul aug sep
    sept oct nov dec today yesterday tomorrow tonight ago morning evening night week weeks
    month months year years weekend noon midnight""".split()
)
_QUOTED_RE = re.compile(r'"[^"\n]{1,40}"|\u201c[^\u201d\n]{1,40}\u201d')
_TOKEN_RE = re.compile(r"[A-Za-z0-9][\w'@.+/-]*[\w]|[A-Za-z0-9]|[.!?:;,]")
# Words that may stand between a thing and its value: "serial: WM-448", "plan is Premium".
_BETWEEN = frozenset(
    {"is", "was", "are", "of", "no", "number", "#", "the", "a", "an", "to", "at", "on", "in"}
)


def _is_value(token: str) -> bool:
    return any(ch.isdigit() for ch in token) or "@" in token or token.lower() in _TIME_WORDS


def _is_name(word: str, initial: bool) -> bool:
    """Tell whether a word names something: a capitalised word ("Berlin", "Schmidt", "M"),
    not a function word or "I", or a code such as "orbit-labs"."""
    if "-" in word.strip("-") and word[0].isalpha():
        return True
    if not word[0].isupper() or word == "I" or word.lower() in STOP:
        return False
    return not initial or len(word) > 1


def specified_words(packet: Mapping[str, Any]) -> tuple[frozenset[str], frozenset[str]]:
    """Return the stems of the things the packet gives a value for, and of those it counts.

    A thing has a value when a value or a name follows it within three words ("serial
    WM-RO-448120", "card ending 4417", "company Schmidt GmbH", "cancelled on day 5"), a value
    or a name comes right before it ("Premium-Annual plan", "Salesforce integration"), the
    account state holds it as a key with a value ({"plan": "Basic"}), or the bot asked for it
    and the customer answered ("Which card?" "visa ending 3348"). A number right before it
    counts it ("3 items", "10 seats"): that answers "how many", not "which".
    """
    given: set[str] = set()
    counted: set[str] = set()
    state = packet.get("account_state")
    for mapping in [state, *(_dicts(state.get("orders")) if isinstance(state, Mapping) else [])]:
        if isinstance(mapping, Mapping):
            for key, value in mapping.items():
                if (
                    isinstance(value, str | int | float)
                    and not isinstance(value, bool)
                    and str(value)
                ):
                    given |= {stem(w) for w in words_of(str(key))}
    for ident in _dicts(packet.get("identifiers")):
        for key in ("kind", "label"):
            if isinstance(ident.get(key), str):
                given |= {stem(w) for w in words_of(ident[key])}
    for asked in answered_bot_questions(packet, least=1):
        given |= asked
    for text in _held_texts(packet):
        # A quoted phrase is a value: reason "too big".
        text = _QUOTED_RE.sub(" 0 ", EMAIL_RE.sub(" e@mail ", text))
        for sentence in SENTENCE_RE.findall(text):
            tokens = _TOKEN_RE.findall(sentence)
            # Any number in the sentence may count what it names ("charged twice, 54.20 each").
            numbers = any(t[0].isdigit() for t in tokens)
            for i, token in enumerate(tokens):
                if not token[0].isalpha() or _is_value(token):
                    continue
                word = stem(token.lower())
                if numbers:
                    counted.add(word)
                for after in tokens[i + 1 : i + 4]:
                    if after in ".!?;":
                        break
                    if _is_value(after) or _is_name(after, False):
                        given.add(word)
                        break
                if i > 0:
                    before = tokens[i - 1]
                    if before.isdigit():
                        counted.add(word)
                    elif _is_value(before) or _is_name(before, i == 1):
                        given.add(word)
    return frozenset(given), frozenset(counted)


def _asks_for_a_value(sentence: str) -> str:
    """Return "count" for "how many/much" questions, "value" for other questions for a value
    ("which router?", "what's your postcode?", "when are you travelling?", "the serial
    number"), or "" for others (yes/no questions, steps)."""
    words = [word.split("'")[0] for word in words_of(sentence)]
    for i, word in enumerate(words[:-1]):
        if word == "how" and words[i + 1] in {"many", "much"}:
            return "count"
    if WH_WORDS & set(words) - {"how"} or names_a_value(sentence):
        return "value"
    if "how" in words:
        return "value"
    return ""


VALUE_WORD_RE = re.compile(r"[A-Za-z][A-Za-z']*|[A-Za-z0-9][\w-]*\d[\w-]*|\d[\w-]*")
ID_HEADS = frozenset({"number", "reference", "ref", "id", "code", "no", "num", "#"})


def value_names(packet: Mapping[str, Any]) -> frozenset[str]:
    """Return the stems of the words a customer named a value with ("Reference TRX-55012-7",
    "PAC is ABC123456", "IMEI 356938..."), and of the identifiers' labels."""
    names: set[str] = set()
    for ident in _dicts(packet.get("identifiers")):
        for key in ("label",):
            if isinstance(ident.get(key), str):
                names |= {stem(w) for w in words_of(ident[key])}
    for turn in _dicts(packet.get("transcript")):
        if turn.get("role") != "customer" or not isinstance(turn.get("text"), str):
            continue
        words = VALUE_WORD_RE.findall(EMAIL_RE.sub(" ", turn["text"]))
        for i, word in enumerate(words):
            key = "".join(ch for ch in word if ch.isalnum())
            if len(key) < 4 or not any(ch.isdigit() for ch in key):
                continue
            before = [w.lower() for w in words[max(0, i - 2) : i] if not w[0].isdigit()]
            names |= {stem(w) for w in before if w not in STOP or w in ID_HEADS}
    return frozenset(names)


# Heads that name an identifier-like value: "circuit ID", "the registration", "username".
VALUE_HEADS = ID_HEADS | frozenset(
    "registration reg plate username handle serial imei iccid postcode".split()
)


DIGIT_HEADS = frozenset({"digits", "digit"})


def _then_value_head(sentence: str, run: list[str]) -> bool:
    """Tell whether the words after a run of names ask for digits of it ("card's last 4 digits")."""
    words = words_of(sentence)
    try:
        at = words.index(run[-1]) + 1
    except ValueError:
        return False
    after = [w for w in words[at : at + 4] if w not in DETERMINERS and not w.isdigit()]
    after = [w for w in after if w not in {"last", "first", "four", "of"}]
    return bool(after) and after[0] in DIGIT_HEADS


def names_a_value(sentence: str) -> bool:
    """Tell whether a question names an identifier-like value ("what's the circuit ID?")."""
    return any(word in VALUE_HEADS for word in words_of(sentence))


def _named_value_ask(sentence: str, names: frozenset[str]) -> str:
    """Return "transaction reference" when a sentence asks for a value by a name the customer
    gave it ("<name> number/reference/ID/code"), or ''."""
    words = words_of(sentence)
    for i in range(1, len(words)):
        head, name = words[i], words[i - 1]
        if head not in ID_HEADS or name in STOP or name in ID_HEADS:
            continue
        if stem(name) in names or (head not in {"number", "no", "num"} and stem(head) in names):
            return f"{name} {head}"
    return ""


def _content_stems(text: str) -> frozenset[str]:
    """Return the stems of the content words of a sentence (no stop or asking words)."""
    return frozenset(
        stem(w) for w in words_of(text) if w not in STOP and len(w) > 1 and "'" not in w
    )


def answered_bot_questions(packet: Mapping[str, Any], least: int = 2) -> tuple[frozenset[str], ...]:
    """Return the content stems of each bot question or offer the customer then answered
    (of ``least`` content words or more)."""
    turns = [t for t in _dicts(packet.get("transcript")) if isinstance(t.get("text"), str)]
    asked = []
    for turn, answer in zip(turns, turns[1:], strict=False):
        if turn.get("role") == "customer" or answer.get("role") != "customer":
            continue
        if DEFER_RE.search(answer["text"]):
            continue
        for sent in SENTENCE_RE.findall(turn["text"]):
            stems = _content_stems(sent)
            if len(stems) >= least and (
                least > 1 or ("?" in sent and WH_WORDS & {w.split("'")[0] for w in words_of(sent)})
            ):
                asked.append(stems)
    return tuple(asked)


# A list item's marker: "1.", "2)", "-", "•".
LIST_MARKER_RE = re.compile(r"\s*(?:\d{1,2}[.)]|[-\u2022*\u00b7])\s*")


def _requests(words: list[str]) -> bool:
    """Tell whether words make a request: "could you", "please send", "need your"."""
    return (
        any(a in MODALS and b in ASKERS for a, b in zip(words, words[1:], strict=False))
        or any(
            w in {"please", "pls", "kindly"} and REQUEST_VERBS & set(words[i + 1 : i + 3])
            for i, w in enumerate(words)
        )
        or "need your" in " ".join(words)
    )


def ask_sentences(text: str) -> list[str]:
    """Return the sentences of an agent reply that ask something: questions and requests, and
    the items of a list a request introduces ("please send us:\n1. The serial number")."""
    text = GREETING_RE.sub("", text)
    asks = []
    # After a request that ends with ":", each item of the list below it asks too.
    listing = marker = False
    last = 0
    for match in SENTENCE_RE.finditer(text):
        sent, gap, last = match.group(), text[last : match.start()], match.end()
        if listing and (marker or ("\n" in gap and LIST_MARKER_RE.match(sent))):
            marker = LIST_MARKER_RE.fullmatch(sent) is not None  # "1." alone: the item follows
            if not marker:
                asks.append(LIST_MARKER_RE.sub("", sent, count=1))
            continue
        listing = marker = False
        words = words_of(sent)
        if not words or EMAIL_RE.search(sent) or VALUE_RE.search(sent):
            continue
        if "?" not in sent and not _requests(words):
            continue
        # An offer or a proposal ("would you like the refund to your card?", "does next
        # Tuesday work?") asks the customer to choose, not to give what they gave; "which
        # dates would you like?" still asks.
        offer = OFFER_RE.search(sent)
        if offer and not WH_WORDS & set(words_of(sent[: offer.start()])):
            continue
        # "When you're home, could you ..." asks after the comma; "To dispatch a patrol could
        # you confirm the registration, the make and model ...?" asks before it too (2.11.5).
        if "," in sent and words[0] in SUBORDINATE:
            head, tail = sent.split(",", 1)
            if not _requests(words_of(head)):
                sent = tail
        asks.append(sent)
        listing = sent.rstrip().endswith(":")
    return asks


def asked_names(sentence: str) -> tuple[list[list[str]], list[str]]:
    """Return the runs of content words naming what a sentence asks for, and the words saying
    it asks for something other than what is held ("a new address", "which size instead")."""
    words = words_of(sentence)
    kept: list[str] = []
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        if kept and (
            word in CUT
            or (word == "and" and following in {"i", "i'll", "we", "we'll"})
            or (word == "to" and following not in {"the", "your", "a"})
        ):
            break
        kept.append(word)
    runs: list[list[str]] = []
    run: list[str] = []
    for word in kept:
        if word in DETERMINERS and run:
            continue
        if (
            word in STOP
            or word in GENERIC
            or word in GENERIC_EXTRA
            or word.isdigit()
            or len(word) < 2
            # Contractions ("you'd", "we'll") are function words; a possessive is not.
            or ("'" in word and not word.endswith("'s"))
        ):
            if run:
                runs.append(run)
            run = []
        else:
            run.append(word)
    if run:
        runs.append(run)
    return runs, [word for word in kept if word in VETO]


# A question opened by these asks yes or no (a request opens with "could you", "please").
YES_NO_OPENERS = frozenset(
    "is are was were isn't aren't does do did doesn't don't has have had hasn't haven't".split()
)
SUPPORT_NAMES = frozenset(
    "assistant bot chatbot agent colleague team support rep chat system ai".split()
)
TRY_WORDS = frozenset({"try", "retry", "attempt", "reattempt"})


def _yes_no(sentence: str) -> bool:
    """Tell whether a sentence is a yes/no question ("is the router on 5 GHz?")."""
    words = [w for w in words_of(sentence) if w not in {"and", "so", "also", "thanks", "ok"}]
    return "?" in sentence and bool(words) and words[0] in YES_NO_OPENERS


def _try_again(sentence: str) -> bool:
    """Tell whether a sentence asks to try a step again ("could you try activating again
    now?", "please attempt it once more")."""
    words = words_of(sentence)
    again = "again" in words or "once more" in " ".join(words)
    return again and bool(TRY_WORDS & set(words))


_MEDIA = frozenset(
    "photo photos picture pictures pic pics screenshot screenshots video videos image images".split()
)
# A photo, screenshot or video is asked again only when the packet says one was sent (2.10.8).
_SENDING = frozenset(stem(w) for w in ("uploaded", "attached", "sent"))


def _of_another(sentence: str, run: list[str], held: frozenset[str]) -> bool:
    """Tell whether a run ends in a possessive ("the other driver's") whose next word, what
    is asked of it, the packet does not hold."""
    if not run[-1].endswith("'s"):
        return False
    words = words_of(sentence)
    try:
        at = words.index(run[-1]) + 1
    except ValueError:
        return False
    after = [w for w in words[at : at + 3] if w not in {"full", "first", "last", "own"}]
    return not after or stem(after[0]) not in held


@dataclass(frozen=True)
class TopicAsk:
    """A question naming something the packet holds: the sentence and the held words."""

    sentence: str
    names: str


def find_topic_asks(
    text: str,
    held: Iterable[str],
    bot_asked: Iterable[frozenset[str]] = (),
    names: frozenset[str] = frozenset(),
    specified: Callable[[], tuple[frozenset[str], frozenset[str]]] | None = None,
) -> list[TopicAsk]:
    """Return the questions of ``text`` whose first named thing the packet holds word for word,
    or that ask again, in most of the same words, what the bot asked and the customer answered.

    With ``specified`` (returning ``specified_words``, called only when needed), a question for a value ("which router?", "when
    are you travelling?") is a re-ask only when the packet holds a value of that thing, not
    when it only names it ("my router", "travelling soon")."""
    held = held if isinstance(held, frozenset) else frozenset(held)
    found = []
    for sent in ask_sentences(text):
        by_name = _named_value_ask(sent, names) if names else ""
        if by_name:
            found.append(TopicAsk(sent.strip(), by_name))
            continue
        mine = _content_stems(sent)
        for asked in bot_asked:
            shared = mine & asked
            if len(shared) >= 2 and 2 * len(shared) >= len(mine):
                named = [w for w in words_of(sent) if w not in STOP and stem(w) in shared]
                found.append(TopicAsk(sent.strip(), " ".join(dict.fromkeys(named))))
                break
        else:
            runs, other = asked_names(sent)
            if not runs:
                continue
            # "the new address" is held only when the packet speaks of a new one too.
            if any(stem(word) not in held for word in other):
                continue
            # "the gift card's last 4 digits" asks for a value of the card, which only a
            # value the packet holds under that name (above) answers.
            if _then_value_head(sent, runs[0]):
                continue
            if not all(stem(word) in held for word in runs[0]):
                continue
            # A yes/no question asks about a property of what it names ("is the new router
            # on 5 GHz only?"): the property, the next thing it names, must be held too
            # (who gave it, "from our assistant", is not a property).
            said = [run for run in runs[1:] if not set(run) <= SUPPORT_NAMES]
            if _yes_no(sent) and said and not all(stem(w) in held for w in said[0]):
                continue
            # "the other driver's details", "your son's full name": what the possessor has,
            # which the packet holds only when it holds that too.
            if _of_another(sent, runs[0], held):
                continue
            words = words_of(sent)
            # "could you send a photo of the crack?": a new picture of what the packet names.
            if _MEDIA.intersection(words) and not _SENDING & held:
                continue
            # "Who'll be at the depot?" asks for a person, not for the place it names.
            if words and words[0].split("'")[0] in {"who", "whom"}:
                continue
            # Trying a step again, now that something changed, is an instruction.
            if _try_again(sent):
                continue
            if specified is not None:
                wants = _asks_for_a_value(sent)
                values, counts = specified() if wants else ((), ())
                given = frozenset(values) | frozenset(counts) if wants == "count" else values
                if wants and not any(stem(word) in given for word in runs[0]):
                    continue
            found.append(TopicAsk(sent.strip(), " ".join(runs[0])))
    return found
