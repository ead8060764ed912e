"""Fixtures of the review page tests: a week with sampled conversations and a way to open a link."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handoff import conversations, links
from handoff.db import transaction
from handoff.policy import golden, sampling
from handoff.policy.checks import check_conversation
from helpdesk_app.runtime import runtime as runtime_of
from tests import factories
from tests.handoff.policy.conftest import EXAMPLE

WEEK = "2026-W10"


@pytest.fixture
def sampled_week(app):
    """Store 60 conversations in week 2026-W10 (one quoting a wrong return window) and draw 3%."""
    runtime = runtime_of(app)
    with transaction(runtime.sessions) as session:
        golden.load(session, golden.read_file(EXAMPLE), by="test", now=runtime.clock())
        for i in range(60):
            transcript = [
                {"role": "customer", "text": "Can I send my <b>boots</b> back?", "at": "2026-03-03T10:00:00Z"},
                {"role": "bot", "text": f"You can return items within {60 if i == 7 else 30} days.", "at": "2026-03-03T10:00:30Z"},
                {"role": "bot", "text": "Anything else I can help with?", "at": "2026-03-03T10:01:00Z"},
            ]  # fmt: skip
            # Correct answers cite the policy; conv-007 quotes a wrong window without a citation.
            cited = [
                {"policy": "return_window_days", "value": 30, "statement": transcript[1]["text"]}
            ]
            doc = factories.conversation(
                **({} if i == 7 else {"policy_citations": cited}),
                conversation_id=f"conv-{i:03d}",
                intent={"name": "returns" if i % 2 else "order_status", "confidence": 0.9},
                started_at="2026-03-03T10:00:00Z",
                outcome="escalated" if i % 3 == 0 else "resolved",
                transcript=transcript,
            )
            row = conversations.record_conversation(session, doc, now=runtime.clock()).conversation
            check_conversation(session, row, runtime.clock())
        drawn = sampling.draw_sample(session, week=WEEK, rate=0.03, seed=5, now=runtime.clock())
        return [s.id for s in drawn.samples]


@pytest.fixture
def open_link(app):
    """Return a function making a one-time review link URL path for a lead."""

    def make(lead: str = "lea", minutes: int = 30) -> str:
        runtime = runtime_of(app)
        with transaction(runtime.sessions) as session:
            token = links.issue_review_link(
                session, runtime.settings.secret_key, lead, now=runtime.clock(),
                ttl=timedelta(minutes=minutes),
            )  # fmt: skip
        return f"/review/open?t={token}"

    return make
