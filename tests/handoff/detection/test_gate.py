"""The matcher gate only skips documents that could not have matched."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from spacy.attrs import LEMMA, NORM
from spacy.matcher import Matcher

from handoff.detection import cues
from handoff.detection.cues import RULES, _matcher
from handoff.detection.nlp import expand_first, get_nlp, word_classes
from handoff.detection.reask import FIELD_PATTERNS, PROBLEM, PROBLEM_PATTERNS
from handoff.detection.reask import _matcher as _ask_matcher

DATA = Path(__file__).resolve().parents[2] / "data" / "detection"


def _texts() -> list[str]:
    texts = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            texts.append(record.get("text", ""))
            texts += [c["body"] for c in record.get("comments", [])]
            texts += [t["text"] for t in record.get("packet", {}).get("transcript", [])]
    return [t for t in texts if t]


def test_gated_matchers_find_what_plain_matchers_find() -> None:
    """Do the gated, flag-compiled matchers find every match the readable patterns find?

    Flags may match a little more (a word's every norm counts); the rule checks sort that
    out. They must never match less.
    """
    nlp = get_nlp()
    for gated, rules in [
        (_matcher(), {name: rule[0] for name, rule in RULES.items()}),
        (_ask_matcher(), {**FIELD_PATTERNS, PROBLEM: PROBLEM_PATTERNS}),
    ]:
        plain = Matcher(nlp.vocab)
        for name, patterns in rules.items():
            plain.add(name, patterns)
        for text in _texts():
            doc = nlp(text)
            assert set(plain(doc)) <= set(gated(doc)), text


def test_earlier_contact_gates_skip_only_what_could_not_match(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Does earlier contact find the same with every pattern's word gate open, on the
    evaluation messages and every batch of training turns (contact.jsonl, indep-4 to indep-24)?"""
    texts = _texts()
    for path in [
        DATA / "train" / "contact.jsonl",
        *sorted(DATA.glob("train/indep-*/thread.jsonl")),
    ]:
        texts += [
            json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()
        ]
    gated = [cues.earlier_contact(text) for text in texts]
    everything = frozenset(cues._GATES)
    monkeypatch.setattr(cues, "_open_gates", lambda lowered: everything)
    assert [cues.earlier_contact(text) for text in texts] == gated


def test_the_gate_scan_finds_what_the_word_alternation_finds() -> None:
    """Does the one-letter-at-a-time gate scan find, at each word start, the longest gate word
    there, as the alternation of the gate words longest first does?"""
    import re

    alternation = re.compile(r"\b(?:" + "|".join(map(re.escape, cues._GATE_WORDS)) + ")")
    texts = [text.lower() for text in _texts()]
    # Prefixes of longer words end a word of their own: "call", "callback", "call back".
    texts += ["call callback call back calls c ca cal", "complaint i complaint we complaints"]
    for text in texts:
        assert cues._TRIGGER_RE.findall(text) == alternation.findall(text), text


def test_trie_prefers_the_longest_word() -> None:
    """Does a trie pattern match the longest listed word at a position, and a shorter one where
    the longer fails partway?"""
    pattern = re.compile(cues._trie(["ab", "abcd", "abce", "x"]))
    assert [pattern.match(s).group() for s in ("abcd", "abce", "abcz", "ab", "xy")] == [  # type: ignore[union-attr]
        "abcd",
        "abce",
        "ab",
        "ab",
        "x",
    ]


def test_gapped_patterns_match_what_the_matcher_matched() -> None:
    """Do the rules with patterns read natively (a word, a gap of words, a word) find exactly
    what one flag-compiled Matcher of all their patterns finds, wherever the rule runs?"""
    nlp = get_nlp()
    gated = _matcher()
    classes = word_classes()
    gapped = {rule.key for rule in gated.rules if rule.gaps}
    names = {nlp.vocab.strings.add(name): name for name in RULES}
    assert {names[key] for key in gapped} >= {"told_bot", "said_before", "again"}
    reference = Matcher(nlp.vocab, validate=False)
    for key in gapped:
        patterns = RULES[names[key]][0]
        reference.add(names[key], expand_first([classes.compile(p) for p in patterns]))
    needs = {rule.key: rule.needs for rule in gated.rules}
    for text in _texts():
        doc = nlp(text)
        present = set(doc.to_array([NORM, LEMMA]).ravel().tolist())
        expected = {
            m
            for m in reference(doc)
            if any(all(not w.isdisjoint(present) for w in need) for need in needs[m[0]])
        }
        assert {m for m in gated(doc) if m[0] in gapped} == expected, text


def test_a_gap_holds_at_most_its_words_and_no_punctuation() -> None:
    """Does "told ... bot" match across up to eight words, not nine, and not across a comma?"""
    gated = _matcher()
    key = get_nlp().vocab.strings.add("told_bot")

    def spans(text: str) -> set[tuple[int, int]]:
        return {(s, e) for k, s, e in gated(get_nlp()(text)) if k == key}

    assert spans("I told the bot") == {(1, 4)}
    assert spans("I told a b c d e f g the bot") == {(1, 11)}
    assert spans("I told a b c d e f g h the bot") == set()
    assert spans("I told them, the bot") == set()
