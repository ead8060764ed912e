"""The repetition window: customer messages after the handoff, before the agent's 4th public reply."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from handoff.detection.known import parse_time

CUSTOMER_ROLES = frozenset({"end-user"})
AGENT_ROLES = frozenset({"agent", "admin"})
# "Within the first three agent turns": the window closes at the 4th public agent reply.
AGENT_TURNS_IN_WINDOW = 3


@dataclass(frozen=True)
class Comment:
    """A ticket comment reduced to what the detector reads."""

    id: int | str | None
    author_role: str
    public: bool
    body: str
    created_at: datetime | None
    position: int
    author_id: int | None = None


@dataclass(frozen=True)
class WindowItem:
    """A comment inside the window; ``agent_turn`` is how many agent replies came before it,
    or, for an agent reply, which turn it is (1-3)."""

    comment: Comment
    is_agent: bool
    agent_turn: int


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def to_comment(obj: Any, position: int) -> Comment:
    """Read a comment from a mapping or an ORM row (``HelpdeskComment``)."""
    public = _get(obj, "public")
    body = _get(obj, "body")
    author = _get(obj, "author_id")
    return Comment(
        id=_get(obj, "id"),
        author_role=str(_get(obj, "author_role") or ""),
        public=True if public is None else bool(public),
        body=body if isinstance(body, str) else "",
        created_at=parse_time(_get(obj, "created_at")),
        position=position,
        author_id=author if isinstance(author, int) and not isinstance(author, bool) else None,
    )


def ordered(comments: Iterable[Comment]) -> list[Comment]:
    """Order comments by time, then by their given order; keep the given order if any lacks a time."""
    items = list(comments)
    if any(c.created_at is None for c in items):
        return sorted(items, key=lambda c: c.position)
    return sorted(items, key=lambda c: (c.created_at, c.position))


def window(
    comments: Iterable[Comment],
    handoff_at: datetime | None,
    non_agents: Collection[int] = frozenset(),
) -> list[WindowItem]:
    """Return the customer messages and agent replies (turns 1-3) inside the repetition window.

    ``non_agents`` are author ids that are never an agent turn (the bot's Zendesk user, the
    product's own): their comments neither count as turns nor close the window.
    """
    items: list[WindowItem] = []
    turns = 0
    for comment in ordered(comments):
        # A comment without a time cannot be placed before the handoff; count it as after.
        if handoff_at is not None and comment.created_at is not None:
            if comment.created_at <= handoff_at:
                continue
        if comment.author_id is not None and comment.author_id in non_agents:
            continue
        if comment.author_role in AGENT_ROLES and comment.public:
            turns += 1
            if turns > AGENT_TURNS_IN_WINDOW:
                break
            items.append(WindowItem(comment, True, turns))
        elif comment.author_role in CUSTOMER_ROLES:
            items.append(WindowItem(comment, False, turns))
    return items
