"""The learned repetition cue: a logistic regression over hashed word n-grams and rule hits.

The rules in ``cues.py`` are precise but only know the phrasings they were written for. This
model reads the same tokens (lemmas of the typo-corrected norms of the shared pipeline; every
name for support, "bot", "rep", "colleague", read as one word, and every third party, "bank",
"husband", as another; since 2.7.0 every time word and every channel of talking to support
as one more each) as hashed bigrams and trigrams within five words of an anchor word
(tell, sent, already, again, form, bot, DM, report, ticket...), skip pairs of each anchor with
each word within five words of it, plus one feature per rule family that fired, and says
whether a sentence claims to repeat something. It is trained by
``scripts/train_detection.py`` from the corpus in ``tests/data/detection/train/`` and shipped
as ``repetition_model.npz`` (the non-zero weights only). Training is deterministic: full-batch
AdaGrad from zero weights, no random state.

Feature ids are derived from spaCy's string hashes (64-bit MurmurHash of the text), which are
the same in every process, so a model trained in one process reads the same features in
another.
"""

from __future__ import annotations

import math
import re
import threading
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy
from spacy.strings import hash_string as _spacy_hash  # type: ignore[attr-defined]
from spacy.symbols import IDS
from spacy.tokens import Doc, Span

from handoff.detection.nlp import rows

MODEL_PATH = Path(__file__).with_name("repetition_model.npz")
BITS = 20
MASK = (1 << BITS) - 1
# A message no rule matched is a repetition when the model's probability reaches this.
THRESHOLD = 0.65
# A rule hit stands unless the model's probability falls below this.
VETO = 0.5
_MIX = 0x9E3779B97F4A7C15
_BOUNDARY = 0x2545F4914F6CDD1D  # the start and end of a message, as a pseudo-word
_VALUE = 0x61C8864680B583EB  # any token with a digit or an @: "A-10442", "dana@example.com"
_RULE = 0xBF58476D1CE4E5B9  # marks a rule-family feature
_ORDINAL = 0x3C6EF372FE94F82B  # "3rd", "4th": read alike, whatever the number
_SKIP = 0x94D049BB133111EB  # mixes an anchor with a word near it, in either order
_SUPPORT = 0xD6E8FEB86659FD93  # any name for support: bot, assistant, rep, colleague, agent
_THIRD = 0xA0761D6478BD642F  # any name for someone outside support: bank, husband, courier
_TIME = 0x5851F42D4C957F2D  # any word naming when: "yesterday", "Monday", "ago", "March"
_CHANNEL = 0x2127599BF4325C37  # any channel of talking to support: phone, helpline, WhatsApp
_BIAS = 0
_CLASS = 0x1F83D9ABFB41BD6B  # marks an n-gram or pair read with word classes (WORD_CLASSES)
# The agent's previous public turn, read as a few tags (``context_tags``) that mix with the
# opening words of the customer's answer: "did that already" after "have you tried ...?",
# "sent it yesterday" after "please DM us your order number".
_CONTEXT = 0x7F4A7C159E3779B9


_U64 = 0xFFFFFFFFFFFFFFFF


def _pair(a: int, b: int) -> int:
    return ((a * _MIX) ^ b) & _U64


def _bucket(key: int) -> int:
    return (key ^ (key >> 29)) & MASK


# Words a repetition claim can hardly do without (norms or lemmas); the model reads only the
# words near them, so the length and topic of the rest of a message cannot add up to a verdict.
ANCHORS = (
    "tell",
    "say",
    "explain",
    "mention",
    "send",
    "give",
    "provide",
    "answer",
    "ask",
    "type",
    "write",
    "fill",
    "submit",
    "upload",
    "attach",
    "email",
    "dm",
    "message",
    "forward",
    "share",
    "state",
    "describe",
    "repeat",
    "reiterate",
    "already",
    "again",
    "before",
    "earlier",
    "previously",
    "previous",
    "above",
    "twice",
    "time",
    "once",
    "same",
    "chat",
    "transcript",
    "form",
    "bot",
    "chatbot",
    "assistant",
    "agent",
    "colleague",
    "rep",
    "representative",
    "scroll",
    "record",
    "thread",
    "history",
    "over",
    "through",
    "cover",
    "call",
    "speak",
    "contact",
    "ai",
    "alr",
    "b4",
    "dms",
    "dmed",
    "dm'd",
    "emailed",
    "told",
    "said",
    "sent",
    # 2.2.0: channels and records of an earlier contact, counts, pointers.
    "msg",
    "tweet",
    "text",
    "letter",
    "ring",
    "report",
    "log",
    "register",
    "raise",
    "complete",
    "post",
    "read",
    "note",
    "file",
    "ticket",
    "question",
    "third",
    "second",
    "fourth",
    "up",
    # 2.7.0: earlier contact said with a channel, a place or a time, and re-giving a value.
    "complain",
    "phone",
    "helpline",
    "store",
    "branch",
    "office",
    "visit",
    "notify",
    "show",
    "hand",
    "case",
    "original",
    "ago",
    "yesterday",
    "follow",
    "chase",
    "rang",
    "spell",
    "enter",
    "put",
    "fax",
)
# Names for support, and for people outside it, read alike within each class, so that "as your
# virtual agent suggested" learns from "as the chatbot suggested".
SUPPORT_WORDS = frozenset(
    "bot chatbot assistant agent colleague rep representative advisor adviser ai robot "
    "helpdesk operator executive technician engineer staff support team".split()
)
THIRD_WORDS = frozenset(
    "bank husband wife boss courier driver postman landlord police friend mum mom dad seller "
    "restaurant doctor neighbour neighbor sister brother insurance insurer airline accountant "
    "son daughter partner lawyer mechanic roommate locksmith merchant shop store".split()
)
# 2.7.0: words naming when, and channels one talks to support through, read alike within
# each class, so that "posted it to you on Tuesday" learns from "sent it yesterday" and "on
# the helpline all morning" from "on the phone all afternoon". Places and products (app,
# website, office, line) stay words of their own: "the app keeps crashing" is no contact.
TIME_WORDS = frozenset(
    "yesterday today tonight ago earlier monday tuesday wednesday thursday friday saturday sunday "
    "mon tue tues wed thu thur thurs fri sat sun week weekend month morning afternoon evening night "
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
CHANNEL_WORDS = frozenset(
    "phone helpline hotline whatsapp insta instagram facebook fb discord telegram twitter "
    "livechat messenger".split()
)
# 2.11.0: words that do one job in a claim, each read also as its class (``features_of``), so
# that "rang your helpline twice" learns from "called your phone line again" and "lodged a
# complaint" from "raised a ticket". Unlike the classes above, the word is read as itself too:
# "told the bot" and "the bot said" stay apart. A word is placed by its lemma, else its norm,
# in the first class that lists it.
WORD_CLASSES = {
    "tell": "tell say explain mention state describe inform notify advise repeat reiterate answer "
    "ask",
    "give": "give provide share send forward upload attach show hand submit fill complete enter "
    "type put write spell fax post",
    "report": "report raise lodge file log register complain open escalate request claim",
    "contact": "call ring phone email e-mail dm message msg text tweet chat contact speak talk "
    "visit reach",
    "past": "already before earlier previously previous prior ago above originally first",
    "count": "again twice once times multiple several numerous many second third fourth fifth "
    "sixth",
    "record": "ticket case reference ref complaint form number",
}
WINDOW = 5
# One word of a document: its key for n-grams, whether it is an anchor, and its class key (0
# for a word of no class); None for spaces.
Word = tuple[int, bool, int] | None

_anchor_keys: frozenset[int] = frozenset()
_class_keys: dict[str, int] = {}
# Keyed by the token's (orth, norm): a tokenizer special case may give a word a norm of its own
# ("am" read from a contraction), and a key cached by orth alone made a message's reading depend
# on the first context the process saw the word in (fixed in 2.10.1).
_word_cache: dict[int, tuple[int, bool, int]] = {}
_rule_cache: dict[str, int] = {}


def _anchors() -> frozenset[int]:
    global _anchor_keys
    if not _anchor_keys:
        # A few words ("agent") are spaCy symbols, whose ids are small fixed numbers, not hashes.
        _anchor_keys = frozenset(IDS.get(word, hash_string(word)) for word in ANCHORS)
    return _anchor_keys


def _classes() -> dict[str, int]:
    """Return the class key of every word of ``WORD_CLASSES`` (built once)."""
    if not _class_keys:
        # A time word points back like "already"; a channel is a way of contacting support.
        listed = {name: words.split() for name, words in WORD_CLASSES.items()}
        listed["past"] += sorted(TIME_WORDS)
        listed["contact"] += sorted(CHANNEL_WORDS)
        for name, words in reversed(listed.items()):  # the first class listing a word wins
            key = hash_string(f"class:{name}")
            _class_keys.update((word, key) for word in words)
    return _class_keys


def _word(orth: int, norm: int, lemma: int, strings: Any) -> tuple[int, bool, int]:
    """Return (key, is_anchor, class key) of a word: ordinals and values fold into one key each."""
    cached = orth * 1_000_003 ^ norm  # (orth, norm) as one int: a tuple per token cost more
    found = _word_cache.get(cached)
    if found is None:
        text = strings[orth]
        if strings[norm] != text.lower():
            key = norm  # shorthand the pipeline spelled out: "b4" is "before", not a value
        elif (
            text[:1].isdigit()
            and text[-2:].lower() in ("st", "nd", "rd", "th")
            and (text[:-2].isdigit())
        ):
            key = _ORDINAL
        elif any(ch.isdigit() for ch in text) or "@" in text:
            key = _VALUE
        else:
            key = lemma
            word = strings[norm]
            if word in SUPPORT_WORDS:
                key = _SUPPORT
            elif word in THIRD_WORDS:
                key = _THIRD
            elif word in TIME_WORDS:
                key = _TIME
            elif word in CHANNEL_WORDS:
                key = _CHANNEL
        anchors = _anchors()
        classes = _classes()
        found = (
            key,
            norm in anchors or lemma in anchors,
            classes.get(strings[lemma]) or classes.get(strings[norm], 0),
        )
        if len(_word_cache) < 500_000:
            _word_cache[cached] = found
    return found


def words_of(rows: Sequence[Sequence[int]], strings: Any) -> list[Word]:
    """Turn a document's (orth, norm, lemma, is_space) rows (``nlp.rows``) into words (None for
    whitespace tokens)."""
    cache = _word_cache  # a word seen before is read from the cache without a call
    return [
        None if space else (cache.get(orth * 1_000_003 ^ norm) or _word(orth, norm, lemma, strings))
        for orth, norm, lemma, space in rows
    ]


def words(doc: Doc | Span) -> list[Word]:
    """Return the words of a document or span."""
    whole = doc.doc if isinstance(doc, Span) else doc
    found = words_of(rows(whole), whole.vocab.strings)
    return found[doc.start : doc.end] if isinstance(doc, Span) else found


def features(doc: Doc | Span, rules: Iterable[str] = ()) -> list[int]:
    """Return the hashed feature ids of a document or span (see ``features_of``)."""
    return features_of(words(doc), rules)


def features_of(items: Sequence[Word], rules: Iterable[str] = ()) -> list[int]:
    """Return hashed feature ids: bigrams and trigrams of words within ``WINDOW`` of an anchor,
    skip pairs of an anchor and a word within ``WINDOW`` of it, those n-grams and pairs again
    with words read as their class where one has a class, one per rule family that fired, and
    the bias. Without anchors, only rules and the bias."""
    out = [_BIAS]
    for name in rules:
        bucket = _rule_cache.get(name)
        if bucket is None:
            bucket = _rule_cache[name] = _bucket(_pair(_RULE, hash_string(name)))
        out.append(bucket)
    present = [w for w in items if w is not None] if None in items else items
    near = [i + 1 for i, item in enumerate(present) if item[1]]  # type: ignore[index]
    if not near:
        return out
    keys = [_BOUNDARY, *(item[0] for item in present), _BOUNDARY]  # type: ignore[index]
    count = len(keys)
    inside = [False] * count
    for position in near:
        for i in range(max(0, position - WINDOW), min(count, position + WINDOW + 1)):
            inside[i] = True
    # Bigrams and trigrams only: a lone word ("again", "twice", "already") says too little, and
    # unigram weights were what made long ordinary messages add up to false alarms. The hash
    # arithmetic is _pair and _bucket written out, as this loop runs for every sentence.
    append = out.append
    for i in range(1, count):
        if inside[i] and inside[i - 1]:
            bigram = ((keys[i - 1] * _MIX) ^ keys[i]) & _U64
            append((bigram ^ (bigram >> 29)) & MASK)
            if i > 1 and inside[i - 2]:
                trigram = ((bigram * _MIX) ^ keys[i - 2]) & _U64
                append((trigram ^ (trigram >> 29)) & MASK)
    # Skip pairs: each anchor with each word within the window, before or after it, whatever
    # lies between ("photos ... already ... attached", "told ... the other person").
    for position in near:
        anchor = (keys[position] * _SKIP) & _U64
        for i in range(max(1, position - WINDOW), min(count - 1, position + WINDOW + 1)):
            if i != position:
                pair = anchor ^ keys[i] ^ (i > position)
                append((pair ^ (pair >> 29)) & MASK)
    # The same again with each word of a class read as its class, for the n-grams and pairs
    # that hold one: "rang ... twice" and "called ... again" share these. Only the few places
    # of class words are visited, in the order the loops above would visit them.
    spots = [i + 1 for i, item in enumerate(present) if item[2]]  # type: ignore[index]
    if not spots:
        return out
    keys = [_BOUNDARY, *(item[2] or item[0] for item in present), _BOUNDARY]  # type: ignore[index]
    last = 0
    for spot in spots:
        for i in (spot, spot + 1):
            if last < i < count:
                last = i
                if inside[i] and inside[i - 1]:
                    bigram = (((keys[i - 1] * _MIX) ^ keys[i]) ^ _CLASS) & _U64
                    append((bigram ^ (bigram >> 29)) & MASK)
                    if i > 1 and inside[i - 2]:
                        trigram = ((bigram * _MIX) ^ keys[i - 2]) & _U64
                        append((trigram ^ (trigram >> 29)) & MASK)
    for position in near:
        anchor = ((keys[position] * _SKIP) ^ _CLASS) & _U64
        low, high = max(1, position - WINDOW), min(count - 1, position + WINDOW + 1)
        # A class anchor pairs with every word near it, another anchor with class words only.
        paired = range(low, high) if present[position - 1][2] else spots  # type: ignore[index]
        for i in paired:
            if low <= i < high and i != position:
                pair = anchor ^ keys[i] ^ (i > position)
                append((pair ^ (pair >> 29)) & MASK)
    return out


# What an agent's turn asks of the customer, by a few words each: send or give something,
# do or try a step, anything asked at all, or nothing asked.
_SEND_RE = re.compile(
    r"\b(?:send|dm|pm|message|e-?mail|provide|share|give|confirm|forward|attach|upload|"
    r"fill|reply|include|let us know|tell us|tell me|follow|reach out|drop us)\b",
    re.I,
)
_STEP_RE = re.compile(
    r"\b(?:try|tried|trying|restart|reboot|reset|reinstall|update|clear|check|checked|"
    r"log ?out|sign ?out|unplug|turn|power|delete|remove|switch|make sure|ensure|"
    r"have you|did you)\b",
    re.I,
)
_REQUEST_RE = re.compile(
    r"\?|\b(?:please|pls|plz|kindly|could you|can you|would you|need you|we'?ll need|"
    r"we need|mind)\b",
    re.I,
)
# Words of an answer read with the context: the opening of each sentence.
CONTEXT_WORDS = 12
# A sentence the context features push up counts only from this probability; below it the
# score without them stands (on real threads a looser reading doubled the false alarms).
CONTEXT_THRESHOLD = 0.75


def context_tags(agent_text: str | None) -> tuple[int, ...]:
    """Return the tags of an agent's previous turn: whether it asks something of the
    customer, and whether that is to send or give something or to do a step; none when it
    asks nothing (an answer to a statement is read as a message on its own)."""
    if not agent_text or not agent_text.strip():
        return ()
    if not _REQUEST_RE.search(agent_text):
        return ()
    tags = [hash_string("ctx:ask")]
    if _SEND_RE.search(agent_text):
        tags.append(hash_string("ctx:send"))
    if _STEP_RE.search(agent_text):
        tags.append(hash_string("ctx:step"))
    return tuple(tags)


def context_features(items: Sequence[Word], tags: Sequence[int]) -> list[int]:
    """Return features mixing each context tag with the opening words of a sentence: each
    word, and each pair of neighbouring words."""
    if not tags:
        return []
    present = [w for w in items if w is not None][:CONTEXT_WORDS]
    keys = [_BOUNDARY, *(item[0] for item in present), _BOUNDARY]
    out = []
    for tag in tags:
        mixed = (tag * _CONTEXT) & _U64
        for i in range(1, len(keys)):
            one = mixed ^ keys[i]
            if i < len(keys) - 1:
                out.append((one ^ (one >> 29)) & MASK)
            two = ((one * _MIX) ^ keys[i - 1]) & _U64
            out.append((two ^ (two >> 29)) & MASK)
    return out


def hash_string(text: str) -> int:
    """Return spaCy's 64-bit hash of ``text`` (stable across processes)."""
    return int(_spacy_hash(text))


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@dataclass
class Model:
    """Weights per hashed feature; missing features weigh nothing."""

    weights: dict[int, float]
    _dense: array[float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A dense table (one double per bucket, 8 MB, no float object per weight) makes a score
        # one indexed sum that touches one cache line per feature, not two.
        self._dense = array("d", bytes(8 * (MASK + 1)))
        for key, weight in self.weights.items():
            self._dense[key] = weight

    def score(self, ids: Sequence[int]) -> float:
        """Return the probability that a message with these feature ids is a repetition."""
        return _sigmoid(sum(map(self._dense.__getitem__, ids)))

    def save(self, path: Path) -> None:
        """Write the non-zero weights as a compressed npz."""
        keys = sorted(k for k, v in self.weights.items() if v != 0.0)
        numpy.savez_compressed(
            path,
            ids=numpy.array(keys, dtype=numpy.uint32),
            weights=numpy.array([self.weights[k] for k in keys], dtype=numpy.float32),
        )

    @classmethod
    def load(cls, path: Path) -> Model:
        """Read weights written by ``save``."""
        with numpy.load(path) as data:
            ids, weights = data["ids"].tolist(), data["weights"].tolist()
        return cls(dict(zip(ids, weights, strict=True)))


def train(
    rows: Sequence[tuple[Sequence[int], bool]],
    epochs: int = 300,
    rate: float = 0.5,
    l2: float = 1e-4,
) -> Model:
    """Fit a logistic regression by full-batch AdaGrad; the same rows give the same weights."""
    if not rows:
        raise ValueError("train: no rows to learn from")
    columns = sorted({i for ids, _ in rows for i in ids})
    index = {c: n for n, c in enumerate(columns)}
    lengths = numpy.array([len(ids) for ids, _ in rows], dtype=numpy.int64)
    flat = numpy.array([index[i] for ids, _ in rows for i in ids], dtype=numpy.int64)
    row_of = numpy.repeat(numpy.arange(len(rows)), lengths)
    starts = numpy.concatenate(([0], numpy.cumsum(lengths)[:-1]))
    y = numpy.array([1.0 if label else 0.0 for _, label in rows])
    w = numpy.zeros(len(columns))
    g2 = numpy.full(len(columns), 1e-8)
    n = float(len(rows))
    for _ in range(epochs):
        z = numpy.add.reduceat(w[flat], starts)
        p = 1.0 / (1.0 + numpy.exp(-numpy.clip(z, -30, 30)))
        residual = p - y
        grad = numpy.bincount(flat, weights=residual[row_of], minlength=len(columns)) / n
        grad += l2 * w
        g2 += grad * grad
        w -= rate * grad / numpy.sqrt(g2)
    return Model({c: float(v) for c, v in zip(columns, w, strict=True) if abs(v) > 1e-6})


_model: Model | None = None
_lock = threading.Lock()


def get_model() -> Model:
    """Return the shipped model, loaded once per process."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                if not MODEL_PATH.exists():
                    raise FileNotFoundError(
                        f"{MODEL_PATH}: the repetition model is missing; "
                        "run scripts/train_detection.py to build it"
                    )
                _model = Model.load(MODEL_PATH)
    return _model
