"""Repetition findings per ticket, and which detector version last looked at each ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models.base import Base


class DetectionFinding(Base):
    """One piece of evidence: a repetition by the customer or a suggested re-ask by the agent."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    comment_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    kind: Mapped[str] = mapped_column(sa.String(40))
    cue: Mapped[str] = mapped_column(sa.String(80))
    matched_value: Mapped[str | None] = mapped_column(sa.Text)
    agent_turn: Mapped[int | None]
    evidence: Mapped[dict[str, Any]]
    detector_version: Mapped[str] = mapped_column(sa.String(32), index=True)
    created_at: Mapped[datetime]


class DetectionRun(Base):
    """The last detection pass over a ticket, kept even when it found nothing.

    Without it a ticket with no findings could not tell "clean" from "never checked",
    and a version bump could not find it again; it is also the repetition-rate denominator.
    """

    __tablename__ = "detection_runs"

    ticket_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    detector_version: Mapped[str] = mapped_column(sa.String(32), index=True)
    repetition: Mapped[bool]
    explicit_count: Mapped[int]
    implicit_count: Mapped[int]
    reask_count: Mapped[int]
    computed_at: Mapped[datetime]
