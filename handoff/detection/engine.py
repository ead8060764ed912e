"""The detector's entry points: one customer message, or a whole escalated ticket."""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from spacy.tokens import Doc, Span

from handoff.detection.cues import (
    CONTACT_FAMILIES,
    MONEY_FAMILIES,
    about_another_matter,
    find_cues,
    having_already,
    money_claim,
    never_got_through,
    only_trying_or_asking,
    said_in_public,
    sent_now_possible,
    sentence_of,
)
from handoff.detection.edits import Edited, edit
from handoff.detection.implicit import find_implicit
from handoff.detection.known import PacketFacts, facts_from_packet
from handoff.detection.learned import (
    CONTEXT_THRESHOLD,
    THRESHOLD,
    VETO,
    context_features,
    context_tags,
    features_of,
    get_model,
    hash_string,
    words_of,
)
from handoff.detection.nlp import LONGEST_SENTENCE, parse
from handoff.detection.nlp import rows as doc_rows
from handoff.detection.quoted import above_history, in_spans, quoted_spans
from handoff.detection.reask import find_asks, held_value
from handoff.detection.thread import (
    arrived_after_ask,
    complied_now,
    done_before,
    may_raise,
    named_elsewhere,
    own_step_claim,
    own_step_only,
    sent_though_unheard,
)
from handoff.detection.topics import (
    STOP,
    VALUE_HEADS,
    ask_sentences,
    find_topic_asks,
    names_a_value,
)
from handoff.detection.topics import words_of as words_in
from handoff.detection.window import WindowItem, to_comment, window

# Bump when cues, thresholds or the window change: stored findings of older versions are recomputed.
DETECTOR_VERSION = "2.11.5"

EXPLICIT = "explicit_repetition"
IMPLICIT = "implicit_repetition"
REASK = "agent_reask"
KINDS = (EXPLICIT, IMPLICIT, REASK)
# Kinds that make a ticket count in the repetition rate; a re-ask is reported beside it.
REPETITION_KINDS = frozenset({EXPLICIT, IMPLICIT})
SNIPPET_CHARS = 300
# Zendesk keeps a comment to about 65,000 characters; a longer text (a pasted log, a forged
# event) is read up to here, below spaCy's 1,000,000-character limit, rather than failing.
READ_CHARS = 100_000
# The cue of a re-ask recognised by the words naming what is asked, not by a field pattern.
TOPIC_CUE = "ask:topic"
# The cue of a re-ask recognised by the customer's answer: they said they had already told
# it, or answered with a value they had given the bot.
ANSWER_CUE = "ask:answered_again"
# The cue of an explicit repetition read with the agent's previous turn: an answer that the
# step asked about was done, or the thing asked for sent, before the ask ("did that already").
DONE_CUE = "answered_done"


@dataclass(frozen=True)
class Finding:
    """One piece of evidence of repetition or a re-ask.

    ``cue`` names the rule ("as_i_said", "value:order_id", "description", "ask:email");
    ``matched_value`` is the packet value re-sent or re-asked (None for explicit cues);
    ``snippet`` with ``start``/``end`` is where in the comment body the evidence is;
    ``agent_turn`` is how many agent replies preceded a customer message, or which turn
    (1-3) an agent reply is.
    """

    kind: str
    cue: str
    matched_value: str | None = None
    comment_id: int | str | None = None
    agent_turn: int | None = None
    snippet: str = ""
    start: int = 0
    end: int = 0
    score: float | None = None

    def evidence(self) -> dict[str, Any]:
        """Return the where-and-how part of the finding, as stored in the evidence column."""
        return {"snippet": self.snippet, "start": self.start, "end": self.end, "score": self.score}

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as a JSON-ready dict."""
        return asdict(self)


def has_repetition(findings: Iterable[Finding]) -> bool:
    """Tell whether any finding is a customer repetition (a re-ask alone is not one)."""
    return any(f.kind in REPETITION_KINDS for f in findings)


def _others(aliased: Edited) -> tuple[int, ...]:
    """Return where in the aliased text another's handle the customer told was read as "them"."""
    return tuple(start for start, end, _, _ in aliased.swaps if aliased.text[start:end] == "them")


# A social-media @handle: the brand addressed ("@AcmeHelp told you twice") or someone tagged.
_HANDLE_RE = re.compile(r"(?<![\w@])@(?:[A-Za-z_]\w*|\d{4,})")
_LEADING_HANDLES_RE = re.compile(r"\W*(?:@\w+\W*)+")
# Words after which the brand's handle is whom the customer told or contacted: read as "you".
_TO_HANDLE_RE = re.compile(
    r"\b(?:to|told|tell|telling|asked|contacted|messaged|dm[\'\u2019]?d|dmed|tweeted|emailed|"
    r"called|rang|informed|notified|reported|sent|gave|showed|with|at|dm[\'\u2019]?ing|messaging|"
    r"tweeting|e-?mailing|writing\s+to|contacting|calling|ringing)\s*$"
)


def _brand_handles(text: str) -> set[str]:
    """Return the handles a tweet addresses: those opening it, else the first one in it."""
    opening = _LEADING_HANDLES_RE.match(text)
    found = _HANDLE_RE.findall(opening.group() if opening else text)
    return {h.lower() for h in (found if opening else found[:1])}


def _alias(text: str, bot_names: Sequence[str]) -> Edited:
    """Replace the packet's bot names ("Ava") by "the bot", so the cues read them as the bot,
    and social-media @handles: the brand's by "you" where it is whom the customer told ("told
    @AcmeHelp"), another's there by "them", every other by nothing.

    Word classes are properties of words shared by every message, so a per-ticket name is
    swapped in the text instead of being taught to the vocabulary; a handle opening a tweet
    ("@AcmeHelp sent you the photos") addresses the brand and is not part of the sentence.
    """
    names = sorted({n.strip() for n in bot_names if len(n.strip()) >= 2}, key=len, reverse=True)
    patterns = [_HANDLE_RE.pattern] if "@" in text else []
    if names:
        patterns.append(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b")
    if not patterns:
        return Edited(text, text)
    brand = _brand_handles(text) if "@" in text else set()
    replacements: list[tuple[int, int, str]] = []
    last = 0
    for match in re.finditer("|".join(f"(?:{p})" for p in patterns), text, re.IGNORECASE):
        if match.start() < last:
            continue
        end = match.end()
        # The words just before it (a bounded look back: a long message stays linear).
        before = text[max(0, match.start() - 40) : match.start()].rstrip().lower()
        if match.group().startswith("@"):
            # "told @AcmeHelp" reads as "told you", "@AcmeHelp's reply" as "your reply"; told
            # someone else's handle ("told @RoyalMail") as "told them"; any other handle is left
            # out, with the spaces after it (not a line break, which ends a sentence).
            ours = match.group().lower() in brand
            if ours and text[end : end + 2] in ("'s", "\u2019s"):
                name, end = "your", end + 2
            elif _TO_HANDLE_RE.search(before):
                name = "you" if ours else "them"
            else:
                name = ""
                while end < len(text) and text[end] in " \t":
                    end += 1
        else:
            # "told Ava" reads as "told the bot"; "your Ava" as "your bot".
            name = "bot" if before.endswith(("the", "your", "ur", "yr")) else "the bot"
        replacements.append((match.start(), end, name))
        last = end
    return edit(text, replacements)


_SENTENCE_END = frozenset(
    hash_string(mark) for mark in (".", "!", "?", "!!", "?!", "...", "!!!", "??")
)


def _sentences(rows: Sequence[Sequence[int]], strings: Any) -> list[tuple[int, int]]:
    """Split a document's token rows at sentence punctuation and line breaks, and every
    ``LONGEST_SENTENCE`` words: (start, end)."""
    spans, start, words = [], 0, 0
    for i, (orth, _norm, _lemma, space) in enumerate(rows):
        if orth in _SENTENCE_END or (space and "\n" in strings[orth]):
            # A fragment of one or two words ("Told. The. Bot.", "Again!!") is read with
            # what follows it.
            if words > 2:
                spans.append((start, i + 1))
                start, words = i + 1, 0
        elif not space:
            words += 1
            if words >= LONGEST_SENTENCE:
                spans.append((start, i + 1))
                start, words = i + 1, 0
    if start < len(rows):
        spans.append((start, len(rows)))
    return spans


# Sentences of a customer message read together with the agent's previous turn: the answer.
CONTEXT_SENTENCES = 2


def _vetoed(
    span: Span,
    anchors: Iterable[int],
    agent_text: str | None,
    message: str,
    others: tuple[int, ...] = (),
) -> bool:
    """Tell whether a sentence the learned cue scored a claim is no claim: money, a post on the
    customer's own page, another matter, a step of the customer's own, a call that never got
    through, having something already, a step tried or a request explained, telling another
    company's handle (``others``: where the text reads one as "them")."""
    text = span.text
    return (
        any(span.start_char <= other < span.end_char for other in others)
        or only_trying_or_asking(text)
        or money_claim(span, anchors)
        or said_in_public(text)
        or about_another_matter(text)
        or own_step_claim(agent_text, text, message)
        or never_got_through(text)
        or having_already(text)
    )


def _explicit(
    doc: Doc,
    message: str,
    aliased: Edited | None,
    comment_id: int | str | None,
    agent_turn: int | None,
    context: tuple[int, ...] = (),
    agent_text: str | None = None,
) -> list[Finding]:
    hits = find_cues(doc, message)
    # Someone else's words the customer quotes or forwards ("the seller replied \"like I
    # told you\"", "> As I said on the phone") repeat nothing of the customer's.
    quoted = quoted_spans(message)
    if quoted and hits:
        hits = [hit for hit in hits if not in_spans(hit.start, quoted)]
    if agent_text and hits:
        # Read with the agent's turn: "did you get my DM?" after "please DM us" complies now,
        # and "I contacted <Name>" after the agent named <Name> as someone else tells a third party.
        hits = [
            hit
            for hit in hits
            if not (
                hit.cue == "earlier_contact"
                and (
                    arrived_after_ask(agent_text, hit.text, message[hit.end :])
                    or named_elsewhere(agent_text, message[hit.end : hit.end + 80])
                )
            )
            and not (
                hit.cue == "given_before"
                and sent_now_possible(hit.text)
                and complied_now(agent_text, sentence_of(message, hit.start, hit.end))
            )
        ]
    model = get_model()
    rows = doc_rows(doc)
    strings = doc.vocab.strings
    items = words_of(rows, strings)
    if quoted:
        # The model does not read quoted words either.
        for token in doc:
            if in_spans(token.idx, quoted):
                items[token.i] = None
    if not hits and not context and not any(item is not None and item[1] for item in items):
        # No rule hit and no anchor word: the model would only see its bias (checked below).
        if model.score(features_of(())) < THRESHOLD:
            return []
    # The rules say where; the model, which also reads who was told and when, says whether.
    # Each sentence is scored on its own, so a long message cannot add up to a verdict:
    # a rule hit stands unless the model reads its sentence as a look-alike ("as I told my
    # bank"); with no rule hit standing, the model's surest sentence is the finding.
    found: list[tuple[str, int, int, float, str]] = []
    best: tuple[float, int, int] = (0.0, 0, 0)
    others = _others(aliased) if aliased is not None else ()
    starts = [hit.start for hit in hits]  # hits come sorted by start
    for n, (start, end) in enumerate(_sentences(rows, strings)):
        inside = []
        if hits:
            lo = doc[start].idx
            hi = doc[end - 1].idx + len(doc[end - 1])
            inside = hits[bisect_left(starts, lo) : bisect_left(starts, hi)]
        if inside and any(hit.cue in MONEY_FAMILIES for hit in inside):
            # "I sent the payment twice": money or a permission given is not a telling.
            inside = [
                hit
                for hit in inside
                if hit.cue not in MONEY_FAMILIES
                or not money_claim(doc[start:end], _tokens_of(doc, hit))
            ]
        ids = features_of(items[start:end], [hit.cue for hit in inside])
        probability = model.score(ids)
        if context and n < CONTEXT_SENTENCES:
            extra = context_features(items[start:end], context)
            if extra:
                # The agent's turn may lower a score ("just sent it" after "please DM us"),
                # or raise it, but a raised score counts only from CONTEXT_THRESHOLD, and only
                # for a statement, not negated, saying something was done, sent or told.
                read = model.score(ids + extra)
                sentence = doc[start:end].text
                if read < probability or (
                    read >= CONTEXT_THRESHOLD
                    and may_raise(sentence)
                    and not (agent_text and own_step_only(agent_text, sentence))
                ):
                    probability = read
        if agent_text and inside:
            # "already did it" answering the agent's turn about a step of the customer's own.
            sentence = doc[start:end].text
            inside = [
                hit
                for hit in inside
                if hit.cue != "already_said" or not own_step_claim(agent_text, sentence, message)
            ]
        standing = [h for h in inside if probability >= VETO or h.cue in CONTACT_FAMILIES]
        if standing:
            found += [(hit.cue, hit.start, hit.end, probability, hit.text) for hit in standing]
        elif not inside and probability > best[0]:
            anchors = (i for i in range(start, end) if items[i] is not None and items[i][1])  # type: ignore[index]
            if probability < THRESHOLD or not _vetoed(
                doc[start:end], anchors, agent_text, message, others
            ):
                best = (probability, start, end)
    if not found and best[0] >= THRESHOLD:
        span = doc[best[1] : best[2]]
        text = span.text.rstrip()
        found.append(("learned", span.start_char, span.start_char + len(text), best[0], text))
    findings = []
    for cue, start, end, probability, snippet in found:
        if any(lo <= start and end <= hi for lo, hi in quoted):
            continue
        if aliased is not None:
            start, end = aliased.back(start, end)
            snippet = aliased.original[start:end]
        findings.append(
            Finding(
                EXPLICIT,
                cue,
                None,
                comment_id,
                agent_turn,
                snippet[:SNIPPET_CHARS],
                start,
                end,
                round(probability, 3),
            )
        )
    return findings


def _tokens_of(doc: Doc, hit: Any) -> range:
    """Return the token positions of a rule hit."""
    span = doc.char_span(hit.start, hit.end, alignment_mode="expand")
    return range(span.start, span.end) if span is not None else range(0)


def _explicit_in(
    text: str,
    bot_names: Sequence[str],
    comment_id: int | str | None,
    agent_turn: int | None,
    context: str | None = None,
) -> list[Finding]:
    aliased = _alias(text[:READ_CHARS], bot_names)
    doc = parse(aliased.text)
    found = _explicit(
        doc,
        aliased.text,
        aliased if aliased.swaps else None,
        comment_id,
        agent_turn,
        context_tags(context),
        context,
    )
    return found or _answered_done(aliased, context, comment_id, agent_turn)


def _answered_done(
    aliased: Edited, context: str | None, comment_id: int | str | None, agent_turn: int | None
) -> list[Finding]:
    """Return the finding of an answer saying the step or value asked for was done or sent
    before the agent asked ("yes, several times" to "have you restarted it?")."""
    text = aliased.text
    answer = done_before(context, text) or sent_though_unheard(context, text)
    if answer is None or in_spans(answer.start, quoted_spans(text)):
        return []
    start, end = aliased.back(answer.start, answer.end)
    return [
        Finding(
            EXPLICIT,
            DONE_CUE,
            None,
            comment_id,
            agent_turn,
            aliased.original[start:end][:SNIPPET_CHARS],
            start,
            end,
        )
    ]


def detect_message(
    text: str,
    *,
    comment_id: int | str | None = None,
    agent_turn: int | None = None,
    bot_names: Sequence[str] = (),
    context: str | None = None,
) -> list[Finding]:
    """Find explicit repetition cues in one customer message; ``bot_names`` also mean the bot,
    ``context`` is the agent's previous public turn, which the message may answer."""
    return _explicit_in(text, bot_names, comment_id, agent_turn, context)


def detect_messages(
    texts: Iterable[str], contexts: Iterable[str | None] | None = None
) -> list[list[Finding]]:
    """Find explicit cues in many customer messages, as ``detect_message`` does one by one;
    ``contexts``, when given, holds each message's previous agent turn (or None)."""
    texts = list(texts)
    contexts = [None] * len(texts) if contexts is None else list(contexts)
    if len(texts) != len(contexts):
        raise ValueError(f"detect_messages: {len(texts)} texts but {len(contexts)} contexts")
    return [
        _explicit_in(text, (), None, None, context)
        for text, context in zip(texts, contexts, strict=True)
    ]


def detect_customer_message(
    text: str,
    facts: PacketFacts,
    *,
    comment_id: int | str | None = None,
    agent_turn: int | None = None,
    context: str | None = None,
) -> list[Finding]:
    """Find explicit cues and implicit repetition of ``facts`` in one customer message;
    ``context`` is the agent's previous public turn."""
    text = text[:READ_CHARS]
    findings = _explicit_in(text, facts.bot_names, comment_id, agent_turn, context)
    # Values in the earlier e-mails a mail client quotes below a reply are not given again; a
    # value the customer quotes on purpose ("> Order #8812 confirmed") is.
    own = len(above_history(text))
    for hit in find_implicit(text, facts):
        if hit.start >= own:
            continue
        findings.append(
            Finding(
                IMPLICIT,
                hit.cue,
                hit.value[:SNIPPET_CHARS],
                comment_id,
                agent_turn,
                hit.text[:SNIPPET_CHARS],
                hit.start,
                hit.end,
                round(hit.score, 1),
            )
        )
    return findings


def detect_agent_reply(
    text: str,
    facts: PacketFacts,
    *,
    comment_id: int | str | None = None,
    agent_turn: int | None = None,
) -> list[Finding]:
    """Find questions in one agent reply that ask for something ``facts`` already holds."""
    findings = []
    # Questions in the earlier e-mails quoted below a reply were asked before, and read then.
    text = above_history(text[:READ_CHARS])
    asks = find_asks(parse(text), facts.words)
    for ask in asks:
        value = held_value(ask.field, facts, text, ask.owner)
        if value is not None:
            findings.append(
                Finding(
                    REASK,
                    f"ask:{ask.field}",
                    value[:SNIPPET_CHARS],
                    comment_id,
                    agent_turn,
                    ask.text,
                    ask.start,
                    ask.end,
                )
            )
    if not facts.words:
        return findings
    # Then asks named in other words ("which plan are you on?"), in sentences no field
    # pattern read: there the field's own check (is that value held?) has the last word.
    fields = [(ask.start, ask.end) for ask in asks]
    for topic in find_topic_asks(
        text, facts.words, facts.bot_asked, facts.value_names, lambda: facts.specified
    ):
        start = text.find(topic.sentence)
        end = start + len(topic.sentence)
        if start < 0 or any(start <= a < end for a, _ in fields):
            continue
        if _asks_for_a_choice(topic.sentence) or _asks_after_a_fix(topic.sentence):
            continue
        findings.append(
            Finding(
                REASK,
                TOPIC_CUE,
                topic.names[:SNIPPET_CHARS],
                comment_id,
                agent_turn,
                topic.sentence[:SNIPPET_CHARS],
                start,
                end,
            )
        )
    return findings


def detect_ticket(
    packet: Mapping[str, Any],
    comments: Iterable[Any],
    *,
    handoff_at: datetime | None = None,
    non_agents: Collection[int] = frozenset(),
) -> list[Finding]:
    """Find every repetition and suggested re-ask in an escalated ticket's repetition window.

    ``comments`` are mappings or rows with ``id``, ``author_role``, ``public``, ``body`` and
    ``created_at``. The handoff time is the packet's ``created_at``; ``handoff_at`` is used
    when the packet has none.
    """
    facts = facts_from_packet(packet)
    start = facts.handoff_at or handoff_at
    findings: list[Finding] = []
    parsed = [to_comment(c, i) for i, c in enumerate(comments)]
    # The agent reply each customer message answers, while it still has no re-ask finding.
    pending: tuple[WindowItem, list[str]] | None = None
    # The agent's previous public turn, which a customer message may answer ("did that already").
    previous: str | None = None
    for item in window(parsed, start, non_agents):
        comment = item.comment
        if item.is_agent:
            previous = comment.body
            found = detect_agent_reply(
                comment.body, facts, comment_id=comment.id, agent_turn=item.agent_turn
            )
            findings += found
            asks = [] if found else ask_sentences(above_history(comment.body))
            pending = (item, asks) if asks else None
        else:
            found = detect_customer_message(
                comment.body,
                facts,
                comment_id=comment.id,
                agent_turn=item.agent_turn,
                context=previous,
            )
            findings += found
            if pending is not None:
                reask = _answered_again(pending[0], pending[1], found, comment.body, facts)
                if reask is not None:
                    findings.append(reask)
                    pending = None
    return findings


_OPENING_RE = re.compile(
    r"\s*(?:(?:hi|hello|hey|hiya|dear|thanks|thank you|ok|okay)\b[^.!?\n]*[,.!\n])?[^.!?\n]*[.!?\n]?",
    re.I,
)


def _first_sentence_end(text: str) -> int:
    """Return where the first sentence of a message ends, a greeting not counted."""
    match = _OPENING_RE.match(text)
    return match.end() if match else len(text)


# "have you tried a different cable?", "did you check with your neighbours?": a question
# whether the customer did a step, which "already did" answers without anything being re-given.
_STEP_RE = re.compile(
    r"^\W*(?:(?:hi|hello|hey|dear|ok|okay|thanks|thank you)\b[^,.!?]*[,.!]\s*)?"
    r"(?:and |so |also )?(?:have|has|did) (?:you|they|it)\b(?! (?:already )?(?:give|gave|given|"
    r"send|sent|share|shared|provide|provided|tell|told|mention|mentioned|say|said|get|got)\b)",
    re.I,
)
# "what size do you need?", "what name should go on the invoice?": what the customer needs
# now or what a document should say, which the packet does not hold because its topic word
# does ("wrong size", "my company"). "Would you like" is not one: "where would you like it
# shipped?" is often answered by the packet.
_CHOICE_RE = re.compile(
    r"\b(?:do you (?:need|want)|should (?:go|appear|be shown|be printed|read)|suits? you|"
    r"works? (?:best )?for you|(?:is|are|be) (?:most )?convenient)\b",
    re.I,
)
# "please let us know if any further drops occur", "could you confirm whether the loss is gone?",
# "could you check the three employees above?": after a fix, the agent asks what happens next
# or whether it worked, which nothing given before answers.
_AFTER_FIX_RE = re.compile(
    r"\b(?:let (?:us|me) know (?:if|whether|when|once|should|in case)\b"
    r"|(?:confirm|tell (?:us|me)) (?:whether|if|that)\b[^?.!]*\b(?:gone|fixed|resolved|solved|"
    r"working|works|stopped|cleared|back to normal|stable|ok|okay|now)\b"
    r"|(?:check|test|verify|retry|try)\b[^?.!]*\b(?:now|above|below)\b)",
    re.I,
)
# A claim the model read counts for a re-ask only when it says the customer said or gave
# it (to the bot, in the chat), not what they did elsewhere ("I tweeted you the screenshot",
# "I reported it on your app", "already did").
_SAID_WORDS = frozenset(
    "said say told tell wrote written gave given give typed put mentioned stated answered "
    "explained provided".split()
)
_BOT_WORDS = frozenset("bot chat chatbot assistant agent helper robot virtual computer".split())
_ELSEWHERE = frozenset(
    "app portal form phone staff store branch email e-mail tweet tweeted twitter dm website "
    "counter desk online call called letter post".split()
)
_WORD_RE = re.compile(r"[a-z][a-z'-]*")


def _asks_for_a_step(sentence: str) -> bool:
    """Return True when an agent's question asks whether the customer did a step."""
    return _STEP_RE.match(sentence) is not None


def _asks_for_a_choice(sentence: str) -> bool:
    """Return True when an agent's question asks the customer to choose something now."""
    return _CHOICE_RE.search(sentence) is not None


def _asks_after_a_fix(sentence: str) -> bool:
    """Return True when an agent's sentence asks whether a fix worked or to report what follows."""
    return _AFTER_FIX_RE.search(sentence) is not None


def _names_bot(text: str) -> bool:
    """Return True when ``text`` names the bot or the chat with it."""
    return bool(set(_WORD_RE.findall(text.lower())) & _BOT_WORDS)


def _claims_said(said: Finding) -> bool:
    """Return True when an explicit finding claims the customer said it, not did it elsewhere."""
    if said.cue == DONE_CUE:
        # "did that already": done, but said to the bot only when it names the bot.
        return _names_bot(said.snippet)
    if said.cue not in ("learned", "given_before", *CONTACT_FAMILIES):
        return True
    words = set(_WORD_RE.findall(said.snippet.lower()))
    if words & _BOT_WORDS:
        return True
    return bool(words & _SAID_WORDS) and not words & _ELSEWHERE


def _label_words(label: str) -> set[str]:
    """Return the words of a packet label that can name its value ("Halcyon gamertag")."""
    return {w for w in words_in(label) if len(w) > 2 and w not in STOP}


def _names_label(sentence: str, label: str) -> bool:
    """Tell whether a question names a value by a word of its packet label ("what's your
    Halcyon gamertag?" for the value labelled "Halcyon gamertag")."""
    return bool(_label_words(label) & set(words_in(sentence)))


def _named_later(value: Finding, answer: str, asks: list[str], facts: PacketFacts) -> bool:
    """Tell whether the sentence of the answer holding ``value`` names it by a word a question
    used: an identifier word ("number", "email") or a word of its packet label."""
    names = (VALUE_HEADS | _label_words(_label(value, facts))) & set(
        words_in(sentence_of(answer, value.start, value.end))
    )
    return any(names & set(words_in(question)) for question in asks)


def _label(value: Finding, facts: PacketFacts) -> str:
    """Return the packet label of a value the customer re-gave ("" when it has none)."""
    return next((v.label for v in facts.values if v.value == value.matched_value), "")


def _naming(asks: list[str], value: Finding, facts: PacketFacts) -> list[str]:
    """Return the questions that name the value the customer re-gave: by an identifier word
    ("what's the circuit ID?") or by a word of its packet label."""
    label = _label(value, facts)
    return [sent for sent in asks if names_a_value(sent) or _names_label(sent, label)]


def _answered_again(
    agent: WindowItem,
    asks: list[str],
    answer: list[Finding],
    body_of_answer: str,
    facts: PacketFacts,
) -> Finding | None:
    """Return a re-ask when the customer's answer to an agent's question shows it asked again.

    The customer says they already gave it ("like I said", "same answer as I gave the bot"),
    or answers a question for an identifier ("what's the circuit ID?", "the registration?")
    with a value they had given the bot. A question about something else answered with a
    value in passing ("does Tuesday work?" "Yes. Postcode M14 5RT") is not a re-ask.
    """
    # Only what the answer opens with answers the question: "HX-300. And I already restarted
    # it with your assistant" answers with a new model and adds a step done with the bot.
    opening = _first_sentence_end(body_of_answer)
    said = next((f for f in answer if f.kind == EXPLICIT and f.start < opening), None)
    if said is not None and said.cue == "learned" and said.end > opening:
        # The model read a fragment with the sentence after it ("HX-300. And I already ..."):
        # ask it about the opening alone.
        if not _explicit_in(body_of_answer[:opening], (), None, None):
            said = None
    values = [f for f in answer if f.kind == IMPLICIT and f.cue != "description"]
    # A value later in the answer counts where its sentence names it by a word a question used
    # ("... My email address is jg@example.net" to "... and the email address for your
    # schedule?"), since 2.11.5.
    value = next((f for f in values if f.start < opening), None) or next(
        (f for f in values if _named_later(f, body_of_answer, asks, facts)), None
    )
    if said is not None and not _claims_said(said):
        said = None
    if said is not None and _asks_for_a_step(asks[0]) and not _names_bot(body_of_answer):
        # "have you tried a different cable?" "already did": done, but not with the bot, so
        # the packet holds nothing of it ("did that with the bot" still counts).
        said = None
    if said is not None:
        sentence, matched = asks[0], said.snippet
    elif value is not None and (naming := _naming(asks, value, facts)):
        sentence, matched = naming[0], value.matched_value or value.snippet
    else:
        return None
    body = agent.comment.body
    start = max(0, body.find(sentence.strip()))
    return Finding(
        REASK,
        ANSWER_CUE,
        matched[:SNIPPET_CHARS],
        agent.comment.id,
        agent.agent_turn,
        sentence.strip()[:SNIPPET_CHARS],
        start,
        start + len(sentence.strip()),
    )
