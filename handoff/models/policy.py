"""Policy: the golden set's revisions and change log, checked statements, incidents, QA review."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models.base import Base


class PolicyGoldenSet(Base):
    """One loaded revision of the golden set; the highest revision is the one in use.

    Rows are never updated: a load adds a revision, so what the checks used is always known.
    """

    __tablename__ = "policy_golden_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(unique=True)
    document: Mapped[dict[str, Any]]
    digest: Mapped[str] = mapped_column(sa.String(64))
    source: Mapped[str | None] = mapped_column(sa.String(500))
    loaded_by: Mapped[str] = mapped_column(sa.String(200))
    loaded_at: Mapped[datetime]


class PolicyChange(Base):
    """Append-only change log: who changed which fact (or setting), when, from what to what."""

    __tablename__ = "policy_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    revision: Mapped[int] = mapped_column(index=True)
    key: Mapped[str] = mapped_column(sa.String(120), index=True)
    change: Mapped[str] = mapped_column(sa.String(24))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    changed_by: Mapped[str] = mapped_column(sa.String(200))
    changed_at: Mapped[datetime]


class PolicyCheck(Base):
    """One policy-citing bot statement compared with the version in force when it was said.

    A statement lives under one source: a packet wins over the conversation it came from, so
    an escalated conversation's quotes are not counted twice (``dedup_key`` ties them).
    """

    __tablename__ = "policy_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_kind: Mapped[str] = mapped_column(sa.String(16))
    source_id: Mapped[str] = mapped_column(sa.String(128))
    conversation_id: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    key: Mapped[str] = mapped_column(sa.String(120))
    policy_class: Mapped[str] = mapped_column(sa.String(32))
    origin: Mapped[str] = mapped_column(sa.String(16))
    matched: Mapped[bool]
    said_value: Mapped[str | None] = mapped_column(sa.String(200))
    policy_value: Mapped[str | None] = mapped_column(sa.String(200))
    version_from: Mapped[datetime | None]
    statement: Mapped[str | None] = mapped_column(sa.Text)
    said_at: Mapped[datetime] = mapped_column(index=True)
    week: Mapped[str] = mapped_column(sa.String(8), index=True)
    dedup_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    golden_revision: Mapped[int | None]
    checked_at: Mapped[datetime]
    __table_args__ = (sa.Index("ix_policy_checks_source", "source_kind", "source_id"),)


class PolicyIncident(Base):
    """A bot statement that contradicts the policy in force at that moment, or claims a tool it lacks."""

    __tablename__ = "policy_incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_kind: Mapped[str] = mapped_column(sa.String(16))
    source_id: Mapped[str] = mapped_column(sa.String(128))
    conversation_id: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    key: Mapped[str] = mapped_column(sa.String(120))
    policy_class: Mapped[str] = mapped_column(sa.String(32))
    severity: Mapped[str] = mapped_column(sa.String(4))
    said_value: Mapped[str | None] = mapped_column(sa.String(200))
    policy_value: Mapped[str | None] = mapped_column(sa.String(200))
    version_from: Mapped[datetime | None]
    statement: Mapped[str | None] = mapped_column(sa.Text)
    said_at: Mapped[datetime] = mapped_column(index=True)
    week: Mapped[str] = mapped_column(sa.String(8), index=True)
    dedup_key: Mapped[str] = mapped_column(sa.String(64), index=True)
    detected_at: Mapped[datetime]
    __table_args__ = (sa.Index("ix_policy_incidents_source", "source_kind", "source_id"),)


class PolicyCheckRun(Base):
    """The last check of one source, kept even when it found nothing (QA sampling reads it)."""

    __tablename__ = "policy_check_runs"

    source_kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    source_id: Mapped[str] = mapped_column(sa.String(128), primary_key=True)
    conversation_id: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    statements: Mapped[int]
    incidents: Mapped[int]
    uncited_factual: Mapped[int]
    golden_revision: Mapped[int | None]
    checked_at: Mapped[datetime]


class QaSample(Base):
    """A bot conversation drawn for this week's human review, and why it was drawn."""

    __tablename__ = "qa_samples"
    __table_args__ = (sa.UniqueConstraint("week", "conversation_id", name="uq_qa_samples_week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(sa.String(8), index=True)
    conversation_id: Mapped[str] = mapped_column(sa.String(128))
    stratum: Mapped[str] = mapped_column(sa.String(120))
    reason: Mapped[str] = mapped_column(sa.String(16))
    seed: Mapped[int]
    rate: Mapped[float]
    drawn_at: Mapped[datetime]


class QaReview(Base):
    """A lead's answers to the handoff review questions for one sampled conversation."""

    __tablename__ = "qa_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(unique=True)
    reviewer: Mapped[str] = mapped_column(sa.String(200))
    answers: Mapped[dict[str, Any]]
    notes: Mapped[str | None] = mapped_column(sa.Text)
    reviewed_at: Mapped[datetime]


class QaStatementVerdict(Base):
    """The reviewer's verdict on one bot message of a sampled conversation."""

    __tablename__ = "qa_statement_verdicts"
    __table_args__ = (
        sa.UniqueConstraint("sample_id", "position", name="uq_qa_statement_verdicts_sample_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sample_id: Mapped[int] = mapped_column(index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(sa.Text)
    verdict: Mapped[str] = mapped_column(sa.String(16))
    policy_class: Mapped[str | None] = mapped_column(sa.String(32))
    grounded: Mapped[bool]
    unwarranted_confidence: Mapped[bool]


class ReviewLink(Base):
    """A one-time review link: its nonce may open one browser session, once, before it expires."""

    __tablename__ = "review_links"

    nonce: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    lead: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
