"""The shared spaCy pipeline: a blank English tokenizer, lookup lemmas and a typo-tolerant norm.

Nothing is downloaded: the tokenizer ships with spaCy and the lemma table with
``spacy-lookups-data``. The pipeline is built once per process, on first use.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import spacy
from rapidfuzz.distance import OSA
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc

# Spellings people type for cue words that an edit distance alone would miss or reach too far for.
SHORTHAND = {
    "u": "you",
    "ya": "you",
    "ur": "your",
    "yr": "your",
    "alr": "already",
    "allready": "already",
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
)

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
    }
)

_lock = threading.Lock()
_nlp: Language | None = None


@lru_cache(maxsize=65536)
def correct(lower: str) -> str:
    """Return the cue word ``lower`` is a misspelling of, or ``lower`` itself."""
    if lower in SHORTHAND:
        return SHORTHAND[lower]
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


class Normalizer:
    """Set each token's norm to its corrected lowercase form and its lemma from the lookup table."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def __call__(self, doc: Doc) -> Doc:
        """Normalize ``doc`` in place."""
        table = self.table
        for token in doc:
            norm = correct(token.lower_)
            token.norm_ = norm
            token.lemma_ = table.get(norm, norm)
        return doc


@Language.factory("handoff_normalizer")
def _make_normalizer(nlp: Language, name: str) -> Normalizer:
    """Build the normalizer over the lookup lemmatizer's English table."""
    lemmatizer = nlp.get_pipe("lemmatizer")
    if not isinstance(lemmatizer, Lemmatizer):
        raise TypeError("the pipeline's lemmatizer is not spaCy's Lemmatizer")
    return Normalizer(lemmatizer.lookups.get_table("lemma_lookup"))


def build_pipeline() -> Language:
    """Build the blank English pipeline: sentencizer, lookup lemmatizer, then the normalizer."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.add_pipe("handoff_normalizer")
    # The lemmatizer's own pass is redundant: the normalizer looks lemmas up after correcting
    # spelling and case, which the lemmatizer cannot do ("Told", "explaned").
    nlp.disable_pipe("lemmatizer")
    return nlp


def get_nlp() -> Language:
    """Return the process-wide pipeline, building it on first use."""
    global _nlp
    if _nlp is None:
        with _lock:
            if _nlp is None:
                _nlp = build_pipeline()
    return _nlp
