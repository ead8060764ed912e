"""Texts read with spans replaced (handoff/detection/edits.py)."""

from __future__ import annotations

import random

from handoff.detection.edits import Edited, edit


def test_an_edit_maps_offsets_back_to_the_original() -> None:
    """Does a span of the edited text map back to the words it came from, longer or shorter?"""
    edited = edit("as i tlod Ava, ok", [(5, 9, "told"), (10, 13, "the bot")])
    assert edited.text == "as i told the bot, ok"
    assert edited.back(0, edited.text.index(",")) == (0, 13)
    assert edited.back(edited.text.index("ok"), len(edited.text)) == (15, 17)


def test_no_replacement_leaves_the_text_as_it_was() -> None:
    """Is a text with nothing to replace its own reading, offsets unchanged?"""
    assert edit("sent it", []) == Edited("sent it", "sent it")
    assert Edited("sent it", "sent it").back(0, 4) == (0, 4)


def _walk_back(edited: Edited, offset: int, left: bool) -> int:
    """Map one offset back by walking every swap in order (the first form of ``back``)."""
    shift = 0
    for new_start, new_end, old_start, old_end in edited.swaps:
        if offset < new_start or (offset == new_start and (not left or new_end > new_start)):
            break
        if offset < new_end:
            return old_start if left else old_end
        shift = old_end - new_end
    return offset + shift


def test_each_offset_maps_back_as_walking_every_swap_would() -> None:
    """Does the bisection map every start and end as a walk over the swaps does, with swaps that
    leave nothing, several at one place, and swaps that touch?"""
    rng = random.Random(16)
    for _ in range(500):
        text = "".join(rng.choice("ab @") for _ in range(rng.randint(0, 24)))
        replacements, at = [], 0
        while at < len(text):
            start = rng.randint(at, len(text))
            end = rng.randint(start, min(len(text), start + 3))
            if rng.random() < 0.6:
                replacements.append((start, end, rng.choice(["", "you", "the bot"])))
            at = end + (end == start or rng.random() < 0.5)
        edited = edit(text, replacements)
        for offset in range(len(edited.text) + 1):
            expected = (_walk_back(edited, offset, True), _walk_back(edited, offset, False))
            assert edited.back(offset, offset) == expected, (text, replacements, offset)


class _CountingSwaps(tuple):  # type: ignore[type-arg]
    """Swaps that count how many of them are looked at."""

    seen = 0

    def __getitem__(self, index):  # type: ignore[no-untyped-def]
        _CountingSwaps.seen += 1
        return super().__getitem__(index)

    def __iter__(self):  # type: ignore[no-untyped-def]
        for item in super().__iter__():
            _CountingSwaps.seen += 1
            yield item


def test_mapping_back_looks_at_a_few_swaps_however_many_there_are() -> None:
    """Does mapping a hit back in a message of 10,000 corrected words look at a few swaps, not
    all of them (2.11.3 walked them all for every hit: 4 s for 3,400 misspelt claims)?"""
    text = "tlod " * 10_000
    edited = edit(text, [(5 * i, 5 * i + 4, "told") for i in range(10_000)])
    counted = Edited(edited.original, edited.text, _CountingSwaps(edited.swaps))
    counted.back(0, 4)  # the first call reads the swaps' starts and ends once
    _CountingSwaps.seen = 0
    assert counted.back(len(text) - 5, len(text) - 1) == (len(text) - 5, len(text) - 1)
    assert _CountingSwaps.seen <= 4
