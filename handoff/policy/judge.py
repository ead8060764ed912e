"""A pluggable pre-screen for QA review: an LLM (or anything) may suggest verdicts; none is required."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

VERDICTS = ("correct", "hallucinated", "not_policy")


@dataclass(frozen=True)
class Suggestion:
    """A suggested verdict for the bot message at ``position`` of the transcript; the reviewer decides."""

    position: int
    verdict: str
    policy_class: str | None = None
    grounded: bool | None = None
    unwarranted_confidence: bool | None = None
    note: str = ""
    source: str = "judge"


@runtime_checkable
class Judge(Protocol):
    """Pre-screens a sampled conversation before a lead reviews it."""

    def prescreen(self, conversation: Mapping[str, Any]) -> list[Suggestion]:
        """Return suggestions for the conversation (``conversation_id``, ``intent``, ``transcript``...)."""
        ...


class NullJudge:
    """The default judge: suggests nothing and calls nothing (no network)."""

    def prescreen(self, conversation: Mapping[str, Any]) -> list[Suggestion]:
        """Return no suggestions."""
        return []
