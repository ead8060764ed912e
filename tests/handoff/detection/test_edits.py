"""Texts read with spans replaced (handoff/detection/edits.py)."""

from __future__ import annotations

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
