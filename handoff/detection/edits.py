"""A text with some of its spans replaced, and how to map offsets in it back to the original."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Edited:
    """A text read with spans replaced ("Ava" read as "the bot", "tlod" as "told")."""

    original: str
    text: str
    # (start, end) in ``text`` of each replacement, with the original (start, end).
    swaps: tuple[tuple[int, int, int, int], ...] = ()

    def back(self, start: int, end: int) -> tuple[int, int]:
        """Map a (start, end) in the edited text to the original text."""
        return self._one(start, left=True), self._one(end, left=False)

    def _one(self, offset: int, left: bool) -> int:
        shift = 0
        for new_start, new_end, old_start, old_end in self.swaps:
            # A start at a swap that left nothing ("@Acme " before "sent") starts after it.
            if offset < new_start or (offset == new_start and (not left or new_end > new_start)):
                break
            if offset < new_end:
                return old_start if left else old_end
            shift = old_end - new_end
        return offset + shift


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
