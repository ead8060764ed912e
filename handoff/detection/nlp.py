"""The shared spaCy pipeline: a blank English tokenizer, lookup lemmas and a typo-tolerant norm.

Nothing is downloaded: the tokenizer ships with spaCy and the lemma table with
``spacy-lookups-data``. The pipeline is built once per process, on first use.
"""

from __future__ import annotations

import bisect
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy
import spacy
from rapidfuzz.distance import OSA
from spacy.attrs import IS_PUNCT, IS_SPACE, LEMMA, LOWER, NORM, ORTH
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc, Span

# Spellings people type for cue words that an edit distance alone would miss or reach too far for.
SHORTHAND = {
    "u": "you",
    "ya": "you",
    "ur": "your",
    "yr": "your",
    "alr": "already",
    "allready": "already",
    "alrdy": "already",
    "allrdy": "already",
    "b4": "before",
    "sed": "said",
    "siad": "said",
    "sayed": "said",
    "xplained": "explained",
    "xplain": "explain",
    "chatbox": "chatbot",
    "chatbott": "chatbot",
    "a.i.": "ai",
    "a.i": "ai",
    "nt": "n't",
    "didnt": "didn't",
    "dont": "don't",
    "im": "i'm",
    "ive": "i've",
    "thx": "thanks",
}

# The words the cue patterns are written with; a misspelling of one of them is read as it.
CUE_VOCABULARY = (
    "already",
    "explain",
    "explained",
    "explaining",
    "mention",
    "mentioned",
    "repeat",
    "repeated",
    "repeating",
    "myself",
    "everything",
    "chatbot",
    "assistant",
    "virtual",
    "conversation",
    "transcript",
    "history",
    "previously",
    "previous",
    "earlier",
    "umpteenth",
    "described",
    "provided",
    "information",
    "details",
    "messages",
    "message",
    "scroll",
    "through",
    "stated",
    "before",
    "again",
    "twice",
    "third",
    # 2.11.3: claim verbs and times the contact and sending cues read in the text.
    "reported",
    "submitted",
    "yesterday",
    "email",
)
# Four-letter cue words, read through one swap of neighbouring letters ("tlod", "snet"); a
# real word that is such a swap ("from" of "form") keeps its spelling.
SHORT_CUES = ("told", "sent", "said")
_SWAPPED = {
    word[:i] + word[i + 1] + word[i] + word[i + 2 :]: word
    for word in SHORT_CUES
    for i in range(len(word) - 1)
}

# Real words one edit away from a cue word; correcting them would invent a cue.
NOT_TYPOS = frozenset(
    {
        "assistance",
        "assistants",
        "repeal",
        "repent",
        "reheat",
        "reseat",
        "stroll",
        "scrolls",
        "messaged",
        "massage",
        "massages",
        "thread",
        "befire",
        "virtue",
        "gain",
        "theird",
        "thirds",
        "thirst",
        "twine",
        "beforehand",
        "earliest",
        # Real words one edit from a cue word, found by listing what the corrector changed.
        "provide",
        "provides",
        "provider",
        "providers",
        "describe",
        "describes",
        "detail",
        "started",
        "stayed",
        "though",
        "reporting",
        "resetting",
        "replacing",
        # 2.11.3: real words one or two edits from the claim verbs and times added then.
        "deported",
        "emails",
        "repointed",
        "reposted",
        "reporter",
        "reporters",
        "resorted",
        "resubmitted",
        "retorted",
        "subletted",
        "submitter",
        "submitters",
        "subsisted",
        "subtitled",
    }
)

# What the lemma step keeps of a document for the steps after it: where its norms correct
# misspelt cue words (``typo_fixes``), its rows (``rows``) and its words (``words_present``).
_TYPOS = "handoff_typos"
_ROWS = "handoff_rows"
_PRESENT = "handoff_present"

_lock = threading.RLock()
_nlp: Language | None = None


@lru_cache(maxsize=65536)
def correct(lower: str) -> str:
    """Return the cue word ``lower`` is a misspelling of, or ``lower`` itself."""
    if lower in SHORTHAND:
        return SHORTHAND[lower]
    if len(lower) == 4:
        return _SWAPPED.get(lower, lower)
    if len(lower) < 5 or lower in NOT_TYPOS or not lower.isalpha():
        return lower
    best, best_distance = lower, 3
    for word in CUE_VOCABULARY:
        if abs(len(word) - len(lower)) > 2 or word[0] != lower[0] and len(lower) < 6:
            continue
        # Short words allow one swapped or missing letter; long ones two edits.
        limit = 1 if len(lower) < 9 else 2
        distance = OSA.distance(lower, word, score_cutoff=limit)
        if distance <= limit and distance < best_distance:
            best, best_distance = word, distance
            if distance == 0:
                break
    if len(lower) == 5 and best != lower and sorted(best) != sorted(lower):
        return lower
    return best


class Lemmatize:
    """Set each token's lemma from the lookup table, keyed by its corrected norm.

    Works on arrays of string hashes rather than Token objects: building a Python object
    per token cost more than the lookup itself.
    """

    def __init__(self, table: Any, strings: Any) -> None:
        self.table = table
        self.strings = strings
        self.cache: dict[int, int] = {}
        # Whether a (lower case, norm) pair of hashes is a misspelt cue word and its correction.
        self.typos: dict[tuple[int, int], bool] = {}

    def __call__(self, doc: Doc) -> Doc:
        """Lemmatize ``doc`` in place, noting where a norm corrects a misspelling, and keep its
        rows and words for the steps after it (``rows``, ``words_present``)."""
        if not len(doc):
            return doc
        columns = doc.to_array([NORM, LOWER, ORTH, IS_SPACE])
        norms = columns[:, 0].tolist()
        cache = self.cache
        lemmas = [cache.get(norm) for norm in norms]
        if None in lemmas:
            for i, norm in enumerate(norms):
                if lemmas[i] is None:
                    text = self.strings[norm]
                    lemmas[i] = cache[norm] = self.strings.add(self.table.get(text, text))
        doc.from_array([LEMMA], numpy.array(lemmas, dtype=numpy.uint64))  # type: ignore[arg-type]
        lowers = columns[:, 1].tolist()
        if norms != lowers:  # mostly not: shorthand, contractions and typos are rare
            pairs_of = zip(lowers, norms, strict=True)
            found = [i for i, pair in enumerate(pairs_of) if self._typo(pair)]
            if found:
                doc.user_data[_TYPOS] = found
        doc.user_data[_ROWS] = list(
            zip(columns[:, 2].tolist(), norms, lemmas, columns[:, 3].tolist(), strict=True)
        )
        doc.user_data[_PRESENT] = set(norms).union(lemmas)
        return doc

    def _typo(self, pair: tuple[int, int]) -> bool:
        """Tell whether a token's (lower case, norm) is a misspelt cue word and its correction,
        not shorthand ("u") nor a norm of spaCy's own ("n't")."""
        found = self.typos.get(pair)
        if found is None:
            lower, norm = pair
            word = self.strings[lower]
            found = self.typos[pair] = (
                lower != norm and word not in SHORTHAND and correct(word) == self.strings[norm]
            )
        return found


def rows(doc: Doc) -> list[tuple[int, int, int, int]]:
    """Return (orth, norm, lemma, is_space) of each token of ``doc``, as the lemma step kept
    them (each ``to_array`` costs about as much as a short message's rule checks)."""
    found = doc.user_data.get(_ROWS)
    if found is None:
        found = doc.user_data[_ROWS] = [
            (orth, norm, lemma, space)
            for orth, norm, lemma, space in doc.to_array([ORTH, NORM, LEMMA, IS_SPACE]).tolist()
        ]
    return found


def words_present(doc: Doc) -> set[int]:
    """Return the norms and lemmas of ``doc``'s tokens, as the lemma step kept them."""
    found = doc.user_data.get(_PRESENT)
    if found is None:
        found = doc.user_data[_PRESENT] = set(doc.to_array([NORM, LEMMA]).ravel().tolist())
    return found


def typo_fixes(doc: Doc) -> list[tuple[int, int, str]]:
    """Return (start, end, word) of each token of a document the pipeline read whose norm
    corrects a misspelt cue word ("tlod" read as "told")."""
    return [
        (token.idx, token.idx + len(token), token.norm_)
        for token in (doc[i] for i in doc.user_data.get(_TYPOS, ()))
    ]


def _norm(string: str) -> str:
    """Compute a word's norm once per vocabulary entry: lower case, shorthand and typos fixed."""
    return correct(string.lower())


@Language.factory("handoff_lemmatize")
def _make_lemmatize(nlp: Language, name: str) -> Lemmatize:
    """Build the lemma step over the lookup lemmatizer's English table."""
    lemmatizer = nlp.get_pipe("lemmatizer")
    if not isinstance(lemmatizer, Lemmatizer):
        raise TypeError("the pipeline's lemmatizer is not spaCy's Lemmatizer")
    return Lemmatize(lemmatizer.lookups.get_table("lemma_lookup"), nlp.vocab.strings)


def build_pipeline() -> Language:
    """Build the blank English pipeline: tokenizer with corrected norms, then lookup lemmas."""
    nlp = spacy.blank("en")
    # The norm is a property of the word, not of its position: set it where spaCy caches per
    # word (the vocabulary), so each distinct word is corrected once per process.
    nlp.vocab.lex_attr_getters[NORM] = _norm  # type: ignore[attr-defined]
    for lexeme in nlp.vocab:
        lexeme.norm_ = _norm(lexeme.orth_)
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.add_pipe("handoff_lemmatize")
    # The lemmatizer's own pass looks up the raw text ("Told" misses); ours uses the norm.
    nlp.disable_pipe("lemmatizer")
    return nlp


SENTENCE_ENDS = (".", "!", "?", "...", "!!", "??", "?!", "!!!", "\n", "\n\n", " \n", "\n ")


@lru_cache(maxsize=4)
def _end_hashes(strings: Any) -> frozenset[int]:
    return frozenset(strings.add(text) for text in SENTENCE_ENDS)


# A run of tokens with no stop is cut into sentences of at most this many: longer than any
# sentence in the evaluation data, and what keeps a message of tens of kilobytes with no stop
# linear to read (every claim looks at its sentence).
LONGEST_SENTENCE = 150


def sentence(doc: Doc, i: int) -> Span:
    """Return the sentence around token ``i``: between end punctuation or line breaks, at most
    ``LONGEST_SENTENCE`` tokens."""
    ends = doc.user_data.get("handoff_sentence_ends")
    if ends is None:
        end_hashes = _end_hashes(doc.vocab.strings)
        ends, last = [], 0
        for k, (orth, _norm, _lemma, _space) in enumerate(rows(doc)):
            if orth in end_hashes or k + 1 - last >= LONGEST_SENTENCE:
                ends.append(k + 1)
                last = k + 1
        doc.user_data["handoff_sentence_ends"] = ends
    at = bisect.bisect_right(ends, i)
    start = ends[at - 1] if at else 0
    end = ends[at] if at < len(ends) else len(doc)
    return doc[start:end]


def expand_first(patterns: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """Split patterns whose first token is a set ("IN") into one pattern per member.

    The Matcher tries every pattern's first token at every position; an exact attribute is
    compared in C, a set membership calls back into Python, so splitting pays for itself.
    """
    out: list[list[dict[str, Any]]] = []
    for pattern in patterns:
        first = pattern[0]
        keys = [k for k in first if k != "OP"]
        value = first[keys[0]] if len(keys) == 1 else None
        if "OP" in first or not isinstance(value, dict) or list(value) != ["IN"]:
            out.append(pattern)
            continue
        out.extend([{keys[0]: member}, *pattern[1:]] for member in value["IN"])
    return out


# Words in most messages: a poor sign that a pattern could match, so checked last, if at all.
_COMMON = frozenset(
    "i me you u the a an is 's are was as like for to my your it this that do did have in on "
    "what how can could not n't be all so and of with".split()
)


class WordClasses:
    """Lexical flags standing in for the word sets ("IN") that patterns use.

    A set in a Matcher pattern is checked by a Python call per token; a lexical flag is a
    bit on the word, checked in C. Norms here are per word and lemmas follow from norms,
    so a set test and its flag agree. spaCy has 64 flag bits, some taken: sets beyond the
    free bits stay sets, most frequent sets first.
    """

    def __init__(self, nlp: Language) -> None:
        self.vocab = nlp.vocab
        lemmatizer = nlp.get_pipe("lemmatizer")
        if not isinstance(lemmatizer, Lemmatizer):
            raise TypeError("the pipeline's lemmatizer is not spaCy's Lemmatizer")
        self.table = lemmatizer.lookups.get_table("lemma_lookup")
        # Tokenizer special cases give some pieces a norm of their own ("n't" -> "not").
        self.exceptions: dict[str, set[str]] = {}
        # And whole strings split into pieces ("didn't" -> "did" "n't"): every piece and norm.
        self.special: dict[str, set[str]] = {}
        rules: dict[str, list[dict[Any, str]]] = getattr(nlp.tokenizer, "rules", None) or {}
        for whole, pieces in rules.items():
            for piece in pieces:
                # Special cases are keyed by attribute ids once loaded, by names before.
                orth = (piece.get(ORTH) or piece.get("ORTH") or "").lower()
                norm = piece.get(NORM) or piece.get("NORM")
                self.special.setdefault(whole.lower(), set()).add(orth)
                if norm:
                    self.special[whole.lower()].add(norm)
                    self.exceptions.setdefault(orth, set()).add(norm)
        self.flags: dict[tuple[str, frozenset[str]], int] = {}
        self.exhausted = False

    def forms(self, string: str) -> set[str]:
        """Return every norm a word can have: corrected, or from a tokenizer special case."""
        lower = string.lower()
        return {correct(lower), *self.exceptions.get(lower, ())}

    def flag(self, attr: str, words: list[str]) -> int | None:
        """Return the flag for ``attr`` in ``words``, adding it if a bit is free."""
        key = (attr, frozenset(words))
        if key in self.flags or self.exhausted:
            return self.flags.get(key)
        members = key[1]
        if attr == "NORM":

            def getter(string: str) -> bool:
                return not members.isdisjoint(self.forms(string))
        else:

            def getter(string: str) -> bool:
                return any(self.table.get(f, f) in members for f in self.forms(string))

        try:
            self.flags[key] = self.vocab.add_flag(getter)
        except ValueError:
            self.exhausted = True
            return None
        return self.flags[key]

    def reserve(self, rules: dict[str, list[list[dict[str, Any]]]]) -> None:
        """Give flags to the sets ``rules`` use, most used first."""
        counts: dict[tuple[str, tuple[str, ...]], int] = {}
        for patterns in rules.values():
            for pattern in patterns:
                for spec in pattern:
                    for attr, words in _sets(spec):
                        key = (attr, tuple(words))
                        counts[key] = counts.get(key, 0) + 1
        for (attr, members), _count in sorted(counts.items(), key=lambda kv: -kv[1]):
            self.flag(attr, list(members))

    def compile(self, pattern: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Return ``pattern`` with every set that has a flag replaced by that flag."""
        out = []
        for spec in pattern:
            spec = dict(spec)
            for attr, words in _sets(spec):
                flag = self.flag(attr, words)
                if flag is not None:
                    del spec[attr]
                    spec[flag] = True  # type: ignore[index]
            out.append(spec)
        return out


def _sets(spec: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [
        (attr, list(value["IN"]))
        for attr in ("NORM", "LEMMA")
        if isinstance(value := spec.get(attr), dict) and list(value) == ["IN"]
    ]


_classes: WordClasses | None = None


def word_classes() -> WordClasses:
    """Return the process-wide word classes of the shared pipeline."""
    global _classes
    if _classes is None:
        with _lock:
            if _classes is None:
                _classes = WordClasses(get_nlp())
    return _classes


class GatedMatcher:
    """One Matcher per rule, each run only on documents that hold words it requires.

    A token a pattern cannot skip (no "?", "*" or "{0,n}") must be in the document for the
    pattern to match. Each pattern keeps all such tokens, rarest first; when every
    pattern of a rule misses one, the rule cannot match and its Matcher is not run. The
    Matcher's cost grows with the number of patterns it tries, so a few set lookups save
    most of it, and no match is lost.

    A pattern of a word, up to n words that are not punctuation, and a word ("told ... the
    bot") is matched by ``_gap_matches`` over the document's columns, not by the Matcher,
    which keeps a state for each length of the gap at each start: that made "told_bot" the
    costliest rule. Its words are tested as the Matcher would test them (a set by its flag).
    """

    def __init__(self, vocab: Any, rules: dict[str, list[list[dict[str, Any]]]]) -> None:
        self.rules: list[_Rule] = []
        strings = vocab.strings
        classes = word_classes()
        classes.reserve(rules)
        # The columns a document is read in: norm, lemma, punctuation, then the gaps' flags.
        self.columns: list[int | str] = [NORM, LEMMA, IS_PUNCT]
        for name, patterns in rules.items():
            # Check the readable patterns against spaCy's schema; the flag form has int keys.
            Matcher(vocab, validate=True).add(name, patterns)
            gaps = [self._gap_of(p, classes, strings) for p in patterns]
            rest = [p for p, gap in zip(patterns, gaps, strict=True) if gap is None]
            matcher = None
            if rest:
                matcher = Matcher(vocab, validate=False)
                matcher.add(name, expand_first([classes.compile(p) for p in rest]))
            # Norms and lemmas are both string hashes; testing a word against either column
            # can only let more documents through, never fewer.
            needs = [
                [
                    frozenset(strings.add(w) for w in words)
                    for _col, words in sorted(
                        _required(pattern),
                        key=lambda g: (any(w in _COMMON for w in g[1]), len(g[1])),
                    )
                ]
                for pattern in patterns
            ]
            # One test rules out most rules: no pattern's rarest word is present.
            first = frozenset().union(*(need[0] for need in needs if need))
            if any(not need for need in needs):
                first = frozenset()
            self.rules.append(
                _Rule(strings.add(name), matcher, first, needs, [g for g in gaps if g])
            )

    def _gap_of(
        self, pattern: list[dict[str, Any]], classes: WordClasses, strings: Any
    ) -> _Gap | None:
        """Return ``pattern`` as a ``_Gap`` when it has that form, else None."""
        if len(pattern) != 3 or set(pattern[1]) != {"IS_PUNCT", "OP"}:
            return None
        most = _GAP_RE.fullmatch(str(pattern[1]["OP"]))
        ends = [_word_set(spec) for spec in (pattern[0], pattern[2])]
        if pattern[1]["IS_PUNCT"] is not False or most is None or None in ends:
            return None
        tests: list[tuple[int, frozenset[int] | None]] = []
        for name, words, is_set in ends:  # type: ignore[misc]
            flag = classes.flag(name, words) if is_set else None
            if flag is None:
                column = self.columns.index(NORM if name == "NORM" else LEMMA)
                tests.append((column, frozenset(strings.add(w) for w in words)))
            else:
                if flag not in self.columns:
                    self.columns.append(flag)
                tests.append((self.columns.index(flag), None))
        return _Gap(tests[0], int(most.group(1)), tests[1])

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        """Return every rule's (match_id, start, end) triples; match_id is the rule's name."""
        if not len(doc):
            return []
        present = words_present(doc)
        table: list[list[int]] | None = None
        found: list[tuple[int, int, int]] = []
        for rule in self.rules:
            if rule.first and rule.first.isdisjoint(present):
                continue
            # A rule runs where the words one of its patterns needs are all present.
            for need in rule.needs:
                for words in need:
                    if words.isdisjoint(present):
                        break
                else:
                    break
            else:
                continue
            if rule.gaps:
                table = doc.to_array(self.columns).tolist() if table is None else table
                for gap in rule.gaps:
                    found += _gap_matches(table, rule.key, gap)
            if rule.matcher is not None:
                # The lemma step always runs: no need to check for missing annotation.
                found.extend(rule.matcher(doc, allow_missing=True))
        return found


# One end of a gapped pattern: the column of a document's rows it reads, and the hashes that
# column must hold there (None: the column is a flag, which must be set).
_End = tuple[int, frozenset[int] | None]


@dataclass(frozen=True)
class _Gap:
    """A pattern of a word, at most ``most`` words that are not punctuation, and a word."""

    first: _End
    most: int
    last: _End


@dataclass(frozen=True)
class _Rule:
    """One rule of a ``GatedMatcher``: the words each pattern needs, its gapped patterns, and a
    Matcher for the others."""

    key: int
    matcher: Matcher | None
    first: frozenset[int]
    needs: list[list[frozenset[int]]]
    gaps: list[_Gap]


_GAP_RE = re.compile(r"\{0,(\d+)\}")


def _word_set(spec: dict[str, Any]) -> tuple[str, list[str], bool] | None:
    """Return (attribute name, words, whether a set) of a token spec that is one norm or lemma,
    or a set of them; None for any other spec."""
    if len(spec) != 1:
        return None
    [(name, value)] = spec.items()
    if name not in ("NORM", "LEMMA"):
        return None
    if isinstance(value, str):
        return name, [value], False
    if isinstance(value, dict) and list(value) == ["IN"]:
        return name, list(value["IN"]), True
    return None


def _holds(row: list[int], end: _End) -> bool:
    """Tell whether a token's row has what one end of a gapped pattern asks for."""
    column, words = end
    return bool(row[column]) if words is None else row[column] in words


def _gap_matches(table: list[list[int]], key: int, gap: _Gap) -> list[tuple[int, int, int]]:
    """Return every (key, start, end) of ``gap`` in a document's rows (``GatedMatcher.columns``)."""
    found = []
    for end, row in enumerate(table):
        if _holds(row, gap.last):
            start = end - 1
            while start >= 0 and end - start - 1 <= gap.most:
                if _holds(table[start], gap.first):
                    found.append((key, start, end + 1))
                if table[start][2]:
                    break  # punctuation cannot lie between the two words
                start -= 1
    return found


def _required(pattern: list[dict[str, Any]]) -> list[tuple[int, list[str]]]:
    """List the words each unskippable NORM or LEMMA token of ``pattern`` allows (0=NORM, 1=LEMMA)."""
    required = []
    for spec in pattern:
        if spec.get("OP") not in (None, "+"):
            continue
        for column, attr in enumerate(("NORM", "LEMMA")):
            value = spec.get(attr)
            if isinstance(value, str):
                required.append((column, [value]))
            elif isinstance(value, dict) and list(value) == ["IN"]:
                required.append((column, list(value["IN"])))
    return required


@lru_cache(maxsize=1)
def _steps() -> tuple[Any, ...]:
    """Return the shared pipeline's enabled components, in order."""
    return tuple(proc for _name, proc in get_nlp().pipeline)


def parse(text: str) -> Doc:
    """Run the shared pipeline on ``text``, as ``get_nlp()(text)`` does without spaCy's
    per-call bookkeeping (a frozen copy of the component list, error-handler lookups), which
    took longer than the lemma step itself."""
    doc = get_nlp().make_doc(text)
    for step in _steps():
        doc = step(doc)
    return doc


def get_nlp() -> Language:
    """Return the process-wide pipeline, building it on first use."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                _nlp = build_pipeline()
    return _nlp
