"""A text with some of its spans replaced, and how to map offsets in it back to the original."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Edited:
    """A text read with spans replaced ("Ava" read as "the bot", "tlod" as "told")."""

    original: str
    text: str
    # (start, end) in ``text`` of each replacement, with the original (start, end).
    swaps: tuple[tuple[int, int, int, int], ...] = ()

    @cached_property
    def _starts(self) -> list[int]:
        return [new_start for new_start, _, _, _ in self.swaps]

    @cached_property
    def _ends(self) -> list[int]:
        return [new_end for _, new_end, _, _ in self.swaps]

    def back(self, start: int, end: int) -> tuple[int, int]:
        """Map a (start, end) in the edited text to the original text."""
        return self._one(start, left=True), self._one(end, left=False)

    def _one(self, offset: int, left: bool) -> int:
        # Swaps come in order and do not overlap, so two bisections find the swap that holds
        # ``offset`` or the last one before it: mapping every hit of a message with thousands
        # of edits stays n log n.
        if left:
            # A start at a swap that left nothing ("@Acme " before "sent") starts after it.
            i = bisect_right(self._ends, offset)
            if i < len(self.swaps) and self.swaps[i][0] < offset:
                return self.swaps[i][2]
        else:
            i = bisect_left(self._starts, offset)
            if i and offset < self.swaps[i - 1][1]:
                return self.swaps[i - 1][3]
        if i == 0:
            return offset
        _, new_end, _, old_end = self.swaps[i - 1]
        return offset + old_end - new_end


def edit(text: str, replacements: Iterable[tuple[int, int, str]]) -> Edited:
    """Return ``text`` with each (start, end, new) span replaced; spans come in order and do
    not overlap."""
    pieces: list[str] = []
    swaps: list[tuple[int, int, int, int]] = []
    last = length = 0
    for start, end, new in replacements:
        pieces.append(text[last:start])
        length += start - last
        swaps.append((length, length + len(new), start, end))
        pieces.append(new)
        length += len(new)
        last = end
    if not swaps:
        return Edited(text, text)
    pieces.append(text[last:])
    return Edited(text, "".join(pieces), tuple(swaps))
