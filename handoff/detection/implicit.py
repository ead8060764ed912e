"""Implicit repetition: the customer re-sends a value or a description the packet already holds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from handoff.detection.known import (
    EMAIL_RE,
    PHONE_RE,
    TOKEN_RE,
    TRANSCRIPT_VALUE,
    KnownValue,
    PacketFacts,
    digits,
    id_key,
    is_id_like,
)

# A near-copy scores at least this (rapidfuzz token_sort_ratio, 0-100) against a transcript turn.
DESCRIPTION_THRESHOLD = 78.0
# Shorter passages share too many stock phrases ("I want a refund for my order") to mean a copy.
MIN_DESCRIPTION_WORDS = 6
SENTENCE_RE = re.compile(r"(?<=[.!?])\s+|\n+")
CLAUSE_RE = re.compile(r"[^,;:()\u2013\u2014]+")
WORD_RE = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class ImplicitHit:
    """A re-sent value: the packet value, its kind, where it is in the message and a score."""

    cue: str
    value: str
    text: str
    start: int
    end: int
    score: float


def _words(text: str) -> list[str]:
    return WORD_RE.findall(text.lower())


def _id_matches(candidate: str, known: KnownValue) -> bool:
    key = id_key(candidate)
    if key == known.key:
        return True
    known_digits, cand_digits = digits(known.key), digits(key)
    # "58213" for "ORD-58213": the customer drops the prefix, the digits carry the identity.
    if len(known_digits) >= 5 and cand_digits == known_digits and key.isdigit():
        return True
    # One slip in a long number ("1Z999AA1012345678" typed by hand) is still the same value.
    return len(known.key) >= 10 and Levenshtein.distance(key, known.key, score_cutoff=1) <= 1


def find_values(text: str, facts: PacketFacts) -> list[ImplicitHit]:
    """Return each packet value that ``text`` re-sends, once per value, in order of appearance."""
    hits: dict[tuple[str, str], ImplicitHit] = {}
    emails = [v for v in facts.values if v.kind == "email"]
    for match in EMAIL_RE.finditer(text):
        for known in emails:
            if match.group(0).lower() == known.key:
                hits.setdefault(
                    (known.kind, known.key),
                    ImplicitHit(
                        f"value:{known.kind}", known.value, match.group(0), *match.span(), 100.0
                    ),
                )
    phones = [v for v in facts.values if v.kind == "phone" and len(v.key) >= 7]
    if phones:
        for match in PHONE_RE.finditer(text):
            found = digits(match.group(0))
            for known in phones:
                # Country codes come and go: compare the last nine digits.
                if len(found) >= 7 and found[-9:] == known.key[-9:]:
                    hits.setdefault(
                        (known.kind, known.key),
                        ImplicitHit(
                            "value:phone", known.value, match.group(0), *match.span(), 100.0
                        ),
                    )
    others = [v for v in facts.values if v.kind not in {"email", "phone"}]
    if others:
        scrubbed = EMAIL_RE.sub(lambda m: " " * len(m.group(0)), text)
        for match in TOKEN_RE.finditer(scrubbed):
            word = match.group(0)
            if not is_id_like(word):
                # A value the customer gave as such (an identifier, or one they named, such
                # as "card ending 4417") matches exactly even when it is short or all letters.
                key = id_key(word)
                exact = [k for k in others if k.key == key and _given_as_value(k)]
                for known in exact:
                    hits.setdefault(
                        (known.kind, known.key),
                        ImplicitHit(f"value:{known.kind}", known.value, word, *match.span(), 100.0),
                    )
                continue
            for known in others:
                if _id_matches(word, known):
                    hits.setdefault(
                        (known.kind, known.key),
                        ImplicitHit(f"value:{known.kind}", known.value, word, *match.span(), 100.0),
                    )
    # A long value typed with spaces ("NL44 BANK 0123 4567 89", "8944 1100 2233 4455 6670").
    for known in others:
        if (known.kind, known.key) in hits or len(known.key) < 8:
            continue
        if not any(ch.isdigit() for ch in known.key):
            continue
        spaced = re.search(r"[\s-]?".join(map(re.escape, known.key)), text, re.IGNORECASE)
        if spaced is not None:
            hits[(known.kind, known.key)] = ImplicitHit(
                f"value:{known.kind}", known.value, spaced.group(0), *spaced.span(), 100.0
            )
    return sorted(hits.values(), key=lambda h: h.start)


# A word, with its inner joiners: "88-11870" is one word, not "88" and "11870".
ALNUM_RE = re.compile(r"[A-Za-z0-9]+(?:[-/.][A-Za-z0-9]+)*")
MONTHS = {
    name: n
    for n, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
NUMERIC_DATE_RE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
WORD_DATE_RE = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?([A-Za-z]{3,9})\.?,?\s+(\d{4})\b"
    r"|\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b"
)
# Runs of words with a number that say nothing of their own: "3 days", "2 weeks ago".
PLAIN_UNITS = frozenset(
    "day days week weeks month months year years hour hours minute minutes min mins time "
    "times ago am pm x item items euro euros eur usd gbp dollars pounds on the of from by at "
    "in to and until since before after number no nr".split()
) | frozenset(MONTHS)


def _dates(text: str) -> list[tuple[tuple[int, int, int], int, int]]:
    """Return each full date of ``text`` (day, month, year) with its offsets, day first."""
    found = []
    for m in NUMERIC_DATE_RE.finditer(text):
        found.append(((int(m.group(1)), int(m.group(2)), int(m.group(3))), m.start(), m.end()))
    for m in WORD_DATE_RE.finditer(text):
        day, month, year = (
            (m.group(1), m.group(2), m.group(3))
            if m.group(1)
            else (
                m.group(5),
                m.group(4),
                m.group(6),
            )
        )
        number = MONTHS.get(month.lower())
        if number:
            found.append(((int(day), number, int(year)), m.start(), m.end()))
    return found


def _runs(text: str) -> dict[tuple[str, ...], tuple[int, int]]:
    """Return the runs of 2-4 words of ``text`` that hold a number and 6+ letters and digits."""
    if not any(ch.isdigit() for ch in text):
        return {}
    words = [(m.group(0).lower(), m.start(), m.end()) for m in ALNUM_RE.finditer(text)]
    numbered = [any(ch.isdigit() for ch in w) for w, _, _ in words]
    plain = [w.isdigit() or w in PLAIN_UNITS for w, _, _ in words]
    runs: dict[tuple[str, ...], tuple[int, int]] = {}
    for i, has_number in enumerate(numbered):
        if not has_number:
            continue
        # Every run of 2-4 words that holds word i.
        for n in (4, 3, 2):
            for first in range(max(0, i - n + 1), min(i, len(words) - n) + 1):
                last = first + n
                if all(plain[first:last]):
                    continue
                key = tuple(w for w, _, _ in words[first:last])
                if sum(map(len, key)) >= 6:
                    runs.setdefault(key, (words[first][1], words[last - 1][2]))
    return runs


# A value typed again with other spacing ("BS34QT" for "BS3 4QT", "CX 4410" for "CX-4410"):
# runs of up to three words, compared with their separators dropped.
MIN_COMPACT_CHARS = 6


def _compact_runs(text: str) -> dict[str, tuple[int, int, int]]:
    """Return the runs of 1-3 words of ``text`` that read as one value, keyed by their letters
    and digits (lower case), with their offsets and word count."""
    words = [(m.group(0).lower(), m.start(), m.end()) for m in ALNUM_RE.finditer(text)]
    runs: dict[str, tuple[int, int, int]] = {}
    for first in range(len(words)):
        for n in (1, 2, 3):
            part = words[first : first + n]
            if len(part) < n:
                break
            # Every word holds a digit, but a short letter prefix ("CX 4410") may lead.
            if not all(any(ch.isdigit() for ch in w) for w, _, _ in part[1:]):
                break
            lead = part[0][0]
            if not any(ch.isdigit() for ch in lead):
                if len(lead) > 4 or lead in PLAIN_UNITS:
                    break
                if n == 1:
                    continue
            key = "".join(ch for w, _, _ in part for ch in w if ch.isalnum())
            # Five will do when letters and digits mix ("N1 9GU"); a bare number needs six.
            if len(key) >= MIN_COMPACT_CHARS or (len(key) == 5 and not key.isdigit()):
                runs.setdefault(key, (part[0][1], part[-1][2], n))
    return runs


# A value read out on a voice line: "P M four four eight one nine oh", "whiskey romeo one nine".
SPOKEN = {
    **{
        w: str(n) for n, w in enumerate("zero one two three four five six seven eight nine".split())
    },
    "oh": "0",
    **{w[0]: w[0] for w in "abcdefghjklmnopqrstuvwxyz"},
    **{
        w: w[0]
        for w in (
            "alpha bravo charlie delta echo foxtrot golf hotel india juliet juliett kilo lima "
            "mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray "
            "x-ray yankee zulu"
        ).split()
    },
    "dash": "",
    "hyphen": "",
}
SPOKEN_GAP_RE = re.compile(r"[\s,-]*")


def _spoken_groups(text: str) -> list[list[tuple[str, int, int]]]:
    """Return the runs of words of ``text`` that spell a value: digits and letters one by one,
    number and alphabet words, short groups with a digit ("LS6 2QT")."""
    groups: list[list[tuple[str, int, int]]] = []
    current: list[tuple[str, int, int]] = []
    last_end = 0
    for m in ALNUM_RE.finditer(text):
        word = m.group(0).lower()
        spelled = SPOKEN.get(word)
        if spelled is None and word.isalnum() and len(word) <= 6:
            spelled = word if any(ch.isdigit() for ch in word) else None
        # "It's", "we've": the letters after an apostrophe are no spelling.
        if spelled is not None and m.start() > 0 and text[m.start() - 1] in "'\u2019":
            spelled = None
        if spelled is None or (current and not SPOKEN_GAP_RE.fullmatch(text[last_end : m.start()])):
            if len(current) >= 2:
                groups.append(current)
            current = []
        if spelled is not None:
            current.append((spelled, m.start(), m.end()))
        last_end = m.end()
    if len(current) >= 2:
        groups.append(current)
    return groups


def _spoken_key(part: list[tuple[str, int, int]]) -> str:
    """Return the value a spelled run reads as, or '' when it is too short or has no digit."""
    key = "".join(w for w, _, _ in part)
    ok = any(ch.isdigit() for ch in key) and len(key) >= MIN_COMPACT_CHARS - 1
    return key if ok else ""


@lru_cache(maxsize=1024)
def _given_compact(lines: tuple[str, ...]) -> dict[str, tuple[int, str]]:
    """Return the compact runs the customer typed to the bot: word count and text as typed."""
    given: dict[str, tuple[int, str]] = {}
    for line in lines:
        for key, (start, end, n) in _compact_runs(line).items():
            if n > given.get(key, (0, ""))[0]:
                given[key] = (n, line[start:end])
        for group in _spoken_groups(line):
            key = _spoken_key(group)
            if key and key not in given:
                given[key] = (len(group), line[group[0][1] : group[-1][2]])
    return given


def find_respaced(text: str, facts: PacketFacts) -> list[ImplicitHit]:
    """Return values the customer gave before (an identifier or a value typed to the bot) typed
    again with other spacing: one side is several words, the other one word or another split."""
    given = {
        key: (n, TRANSCRIPT_VALUE, typed)
        for key, (n, typed) in _given_compact(facts.descriptions).items()
    }
    for known in facts.values:
        if known.kind not in {"email", "phone"}:
            n = given.get(known.key.lower(), (1,))[0]
            given[known.key.lower()] = (n, known.kind, known.value)
    if not given:
        return []
    candidates = dict(_compact_runs(text))
    # Any stretch of a spelled run: "yes it's P M four four..." holds "P M four four...".
    for group in _spoken_groups(text):
        for i in range(len(group)):
            for j in range(i + 2, len(group) + 1):
                key = _spoken_key(group[i:j])
                if key:
                    candidates.setdefault(key, (group[i][1], group[j - 1][2], j - i))
    hits: list[ImplicitHit] = []
    for key, (start, end, n) in sorted(candidates.items(), key=lambda kv: (kv[1][0], -kv[1][1])):
        found = given.get(key)
        if found is None or (n == 1 and found[0] == 1):
            continue
        if any(start < h.end and h.start < end for h in hits):
            continue
        hits.append(ImplicitHit(f"value:{found[1]}", found[2], text[start:end], start, end, 100.0))
    return hits


@lru_cache(maxsize=1024)
def _given_phrases(
    lines: tuple[str, ...],
) -> tuple[frozenset[tuple[int, int, int]], frozenset[tuple[str, ...]]]:
    """Return the full dates and the runs of words with a number the customer typed to the bot
    (computed once per ticket, not once per message)."""
    dates = frozenset(d for line in lines for d, _, _ in _dates(line))
    runs = frozenset(key for line in lines for key in _runs(line))
    return dates, runs


def find_typed_phrases(text: str, facts: PacketFacts) -> list[ImplicitHit]:
    """Return values typed again as the customer typed them to the bot, in several words: a
    postcode ("BS3 4QL"), an address, a reading ("78 down 40 up"), a full date of birth in
    any common writing ("21 June 1984" for "21/06/1984")."""
    if not facts.descriptions:
        return []
    hits: list[ImplicitHit] = []
    given_dates, given = _given_phrases(facts.descriptions)
    for date, start, end in _dates(text):
        if date in given_dates:
            hits.append(
                ImplicitHit(
                    f"value:{TRANSCRIPT_VALUE}", text[start:end], text[start:end], start, end, 100.0
                )
            )
    taken = [(h.start, h.end) for h in hits]
    for key, (start, end) in sorted(_runs(text).items(), key=lambda kv: -len(kv[0])):
        if key in given and not any(start < b and a < end for a, b in taken):
            hits.append(
                ImplicitHit(
                    f"value:{TRANSCRIPT_VALUE}", " ".join(key), text[start:end], start, end, 100.0
                )
            )
            taken.append((start, end))
    return hits


def _given_as_value(known: KnownValue) -> bool:
    """Tell whether a packet value was given as a value: an identifier, or a named typed one."""
    return len(known.key) >= 4 and (known.kind != TRANSCRIPT_VALUE or bool(known.named))


def _passages(text: str) -> list[tuple[int, int]]:
    """Split ``text`` into sentences, runs of two sentences and clauses, as (start, end) offsets."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in SENTENCE_RE.finditer(text):
        if match.start() > start:
            bounds.append((start, match.start()))
        start = match.end()
    if start < len(text):
        bounds.append((start, len(text)))
    pairs = [(bounds[i][0], bounds[i + 1][1]) for i in range(len(bounds) - 1)]
    whole = [(0, len(text))] if len(bounds) > 2 else []
    # A copied description often gets a clause tacked on ("..., like I told the bot").
    clauses = [
        (start + m.start(), start + m.end())
        for start, end in bounds
        for m in CLAUSE_RE.finditer(text[start:end])
    ]
    return bounds + pairs + whole + [c for c in clauses if c not in bounds]


@lru_cache(maxsize=1024)
def _description_targets(descriptions: tuple[str, ...]) -> list[tuple[str, str]]:
    """Return each customer turn, and each of its sentences and clauses, long enough to copy
    (a turn that mixes two things is often re-sent one part at a time)."""
    targets: dict[str, str] = {}
    for text in descriptions:
        for start, end in [(0, len(text)), *_passages(text)]:
            words = _words(text[start:end])
            if len(words) >= MIN_DESCRIPTION_WORDS:
                targets.setdefault(" ".join(words), text[start:end].strip())
    return list(targets.items())


def find_description(text: str, facts: PacketFacts) -> ImplicitHit | None:
    """Return the best near-copy of a customer transcript turn in ``text``, if any."""
    targets = _description_targets(facts.descriptions)
    if not targets:
        return None
    best: ImplicitHit | None = None
    for start, end in _passages(text):
        passage_words = _words(text[start:end])
        if len(passage_words) < MIN_DESCRIPTION_WORDS:
            continue
        passage = " ".join(passage_words)
        for target, original in targets:
            ratio = len(passage) / len(target)
            if ratio < 0.5 or ratio > 2.0:
                continue
            score = fuzz.token_sort_ratio(passage, target, score_cutoff=DESCRIPTION_THRESHOLD)
            if score and (best is None or score > best.score):
                best = ImplicitHit(
                    "description", original, text[start:end].strip(), start, end, score
                )
    return best


def find_implicit(text: str, facts: PacketFacts) -> list[ImplicitHit]:
    """Return every value and the best description ``text`` re-sends from the packet."""
    hits = find_values(text, facts)
    for extra in (find_typed_phrases(text, facts), find_respaced(text, facts)):
        covered = [(h.start, h.end) for h in hits]
        hits += [h for h in extra if not any(h.start < b and a < h.end for a, b in covered)]
    description = find_description(text, facts)
    if description is not None:
        hits.append(description)
    return hits
