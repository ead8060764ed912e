"""Metrics: one derived row per contact, weekly rollups, refresh state, actions and delayed CSAT."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models.base import Base


def _code_point(length: int) -> sa.types.TypeEngine[str]:
    """An identifier column compared by code point on PostgreSQL (SQLite's BINARY already is).

    The full rebuild indexes these columns on every run; in a linguistic collation each
    comparison of the index sort goes through ``strcoll``.
    """
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


class ContactFact(Base):
    """One contact (a customer issue) with everything the figures need, rebuilt when a source changes.

    ``contact_key`` is ``c:<conversation_id>`` of the contact's first conversation, else
    ``p:<packet_id>`` of its first packet (the conversation never reached us), else
    ``t:<ticket_id>`` for a ticket no bot touched. ``customer_key`` is ``id:<customer id>``
    (the bot's customer id or the Zendesk user's external_id), else ``email:<email>``.
    Durations are seconds.
    """

    __tablename__ = "contact_facts"
    # The rollup key: a refresh reads the facts of the rollup rows it recomputes (and of whole
    # weeks, through the same index's leading column).
    __table_args__ = (
        sa.Index("ix_contact_facts_key", "week", "intent", "segment", "channel", "path"),
    )

    contact_key: Mapped[str] = mapped_column(_code_point(160), primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(sa.BigInteger, index=True)
    conversation_id: Mapped[str | None] = mapped_column(_code_point(128), index=True)
    customer_key: Mapped[str | None] = mapped_column(_code_point(320), index=True)
    customer_email: Mapped[str | None] = mapped_column(_code_point(320), index=True)
    intent: Mapped[str] = mapped_column(sa.String(120))
    segment: Mapped[str] = mapped_column(sa.String(80))
    channel: Mapped[str] = mapped_column(sa.String(40))
    path: Mapped[str] = mapped_column(sa.String(16))
    week: Mapped[str] = mapped_column(sa.String(8))
    started_at: Mapped[datetime]
    outcome: Mapped[str | None] = mapped_column(sa.String(16))
    handoff_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    bot_handle_s: Mapped[int | None]
    handle_s: Mapped[int | None]
    first_reply_s: Mapped[int | None]
    first_useful_reply_s: Mapped[int | None]
    csat: Mapped[str | None] = mapped_column(sa.String(8))
    csat_offered: Mapped[bool]
    delayed_csat: Mapped[str | None] = mapped_column(sa.String(8))
    delayed_sent: Mapped[bool]
    model_csat: Mapped[float | None]  # the sum of the contact's conversation scores
    model_csat_n: Mapped[int]
    flagged: Mapped[bool]
    checked: Mapped[bool]
    repeated: Mapped[bool]
    reask_suggested: Mapped[bool]
    packets: Mapped[int]
    packets_complete: Mapped[int]
    missing_fields: Mapped[list[Any]]
    acknowledged: Mapped[bool]
    refused_valid: Mapped[bool | None]
    tools: Mapped[list[Any]]
    repeat_24h: Mapped[bool]
    repeat_7d: Mapped[bool]
    repeat_30d: Mapped[bool]
    refreshed_at: Mapped[datetime]


class MetricRollup(Base):
    """Counts and sums of one week × intent × segment × channel × path; the panel reads only these.

    Medians cannot be summed, so durations are kept as histograms (``hist``): bucket lower
    edge in seconds -> count, with the bucket widths of ``handoff.metrics.buckets``.
    """

    __tablename__ = "metric_rollups"

    week: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    intent: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    segment: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    path: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    contacts: Mapped[int]
    engaged: Mapped[int]
    ai_resolved: Mapped[int]
    contained: Mapped[int]
    abandoned: Mapped[int]
    refused: Mapped[int]
    refused_valid: Mapped[int]
    refusals_judged: Mapped[int]
    escalated: Mapped[int]
    csat_good: Mapped[int]
    csat_bad: Mapped[int]
    csat_offered: Mapped[int]
    dcsat_good: Mapped[int]
    dcsat_bad: Mapped[int]
    dcsat_sent: Mapped[int]
    model_csat_sum: Mapped[float]
    model_csat_n: Mapped[int]
    flagged: Mapped[int]
    checked: Mapped[int]
    repeated: Mapped[int]
    reask_suggested: Mapped[int]
    packets: Mapped[int]
    packets_complete: Mapped[int]
    acknowledged: Mapped[int]
    resolved: Mapped[int]
    repeat_24h: Mapped[int]
    repeat_7d: Mapped[int]
    repeat_30d: Mapped[int]
    hist: Mapped[dict[str, Any]]
    missing: Mapped[dict[str, Any]]
    refreshed_at: Mapped[datetime]


class MetricState(Base):
    """The refresh cursor and the configuration digest the rollups were built with."""

    __tablename__ = "metric_state"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    cursor: Mapped[datetime | None]
    config_digest: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime]


class Action(Base):
    """An action a crossed threshold opened: evidence, one owner, a due date; closed by a decision."""

    __tablename__ = "actions"
    __table_args__ = (sa.UniqueConstraint("trigger_key", name="uq_actions_trigger_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    trigger: Mapped[str] = mapped_column(sa.String(64))
    trigger_key: Mapped[str] = mapped_column(sa.String(255))
    archetype: Mapped[str | None] = mapped_column(sa.String(120))
    intent: Mapped[str | None] = mapped_column(sa.String(120))
    window: Mapped[str] = mapped_column(sa.String(40))
    owner: Mapped[str] = mapped_column(sa.String(320))
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    evidence: Mapped[dict[str, Any]]
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class ActionDecision(Base):
    """One entry of an action's decision log: who decided what, and when."""

    __tablename__ = "action_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("actions.id"), index=True)
    decided_by: Mapped[str] = mapped_column(sa.String(320))
    decision: Mapped[str] = mapped_column(sa.Text)
    closes: Mapped[bool]
    created_at: Mapped[datetime]


class DelayedSurvey(Base):
    """The second CSAT survey, sent 48-72 h after solve, and its one-click answer."""

    __tablename__ = "delayed_csat"

    ticket_id: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    solved_at: Mapped[datetime]
    sent_at: Mapped[datetime] = mapped_column(index=True)
    score: Mapped[str | None] = mapped_column(sa.String(8))
    source: Mapped[str | None] = mapped_column(sa.String(40))
    answered_at: Mapped[datetime | None] = mapped_column(index=True)
    # When we last stored it (our clock): a tool may report a survey sent long ago.
    recorded_at: Mapped[datetime | None] = mapped_column(index=True)


class ReportLink(Base):
    """A one-time link that opens a reports session; ``used_at`` makes the second use fail."""

    __tablename__ = "report_links"

    nonce: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    who: Mapped[str] = mapped_column(sa.String(320))
    created_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class BrowserSession(Base):
    """A signed-in browser (reports or QA review): the cookie holds a token, the row its digest.

    A session is live until ``expires_at`` unless ``revoked_at`` is set (sign-out, or
    ``handoff reports revoke``); every request checks the row, so revoking takes effect at once.
    """

    __tablename__ = "browser_sessions"
    __table_args__ = (sa.Index("ix_browser_sessions_who", "who"),)

    digest: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    who: Mapped[str] = mapped_column(sa.String(320))
    kind: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class MetricWeekHistogram(Base):
    """Duration histograms of one week and path, for the weekly trend lines (one row each)."""

    __tablename__ = "metric_week_histograms"

    week: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    path: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    hist: Mapped[dict[str, Any]]
