"""The matcher gate only skips documents that could not have matched."""

from __future__ import annotations

import json
from pathlib import Path

from spacy.matcher import Matcher

from handoff.detection.cues import RULES, _matcher
from handoff.detection.nlp import get_nlp
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
