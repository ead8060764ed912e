"""Weekly QA sampling and the review's stored verdicts and trust figures."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from handoff import conversations, links
from handoff.errors import ValidationFailed
from handoff.models.policy import QaSample
from handoff.policy import review, sampling
from handoff.policy.checks import check_conversation
from handoff.policy.judge import Judge, NullJudge, Suggestion
from tests import factories

SECRET = "a-test-secret-of-at-least-32-characters"

WEEK = "2026-W10"  # 2 to 8 March 2026


def _conversations(session, clock, counts, *, transcript=None):
    rows = []
    for intent, n in counts.items():
        for i in range(n):
            doc = factories.conversation(
                conversation_id=f"{intent}-{i:03d}",
                intent={"name": intent, "confidence": 0.9},
                started_at="2026-03-03T10:00:00Z",
                ended_at="2026-03-03T10:05:00Z",
                **({"transcript": transcript} if transcript else {}),
            )
            rows.append(conversations.record_conversation(session, doc, now=clock()).conversation)
    session.flush()
    return rows


def _ids(drawn):
    return [(s.conversation_id, s.reason) for s in drawn.samples]


def test_the_sample_is_stratified_and_reproducible(session, clock):
    """Does a 2% sample split over intents by size, and the same seed draw the same conversations?"""
    _conversations(session, clock, {"returns": 200, "order_status": 60, "billing": 40})
    first = sampling.draw_sample(session, week=WEEK, rate=0.02, seed=11, now=clock())
    strata = sorted(s.stratum for s in first.samples)
    assert first.population == 300 and strata == ["billing", "order_status"] + ["returns"] * 4
    ids = _ids(first)
    session.execute(sa.delete(QaSample))
    again = sampling.draw_sample(session, week=WEEK, rate=0.02, seed=11, now=clock())
    assert _ids(again) == ids
    assert (
        sampling.draw_sample(session, week=WEEK, rate=0.02, seed=99, now=clock()).created is False
    )
    session.execute(sa.delete(QaSample))
    other = sampling.draw_sample(session, week=WEEK, rate=0.02, seed=99, now=clock())
    assert _ids(other) != ids


def test_archetypes_group_intents(session, clock):
    """Are strata the archetypes returned by archetype_of rather than raw intents?"""
    _conversations(session, clock, {"returns": 50, "exchanges": 50})
    drawn = sampling.draw_sample(
        session, week=WEEK, rate=0.01, seed=1, now=clock(), archetype_of=lambda i: "returns_family"
    )
    assert {s.stratum for s in drawn.samples} == {"returns_family"}


def test_risky_conversations_are_always_included(session, loaded, clock):
    """Are conversations with an incident or an uncited factual answer drawn, whatever the seed?"""
    _conversations(session, clock, {"order_status": 100})
    wrong = [
        {
            "role": "bot",
            "text": "You can return items within 60 days.",
            "at": "2026-03-03T10:01:00Z",
        }
    ]
    right = [
        {
            "role": "bot",
            "text": "You can return items within 30 days.",
            "at": "2026-03-03T10:01:00Z",
        }
    ]
    for rows in (_conversations(session, clock, {"returns": 1}, transcript=wrong),
                 _conversations(session, clock, {"refunds": 1}, transcript=right)):  # fmt: skip
        check_conversation(session, rows[0], clock())
    for seed in (1, 2, 3):
        session.execute(sa.delete(QaSample))
        reasons = dict(
            _ids(sampling.draw_sample(session, week=WEEK, rate=0.01, seed=seed, now=clock()))
        )
        assert reasons["returns-000"] == "incident" and reasons["refunds-000"] == "uncited"


def test_the_rate_must_be_one_to_three_percent(session, clock):
    """Is a 10% sample refused?"""
    with pytest.raises(ValidationFailed):
        sampling.draw_sample(session, week=WEEK, rate=0.10, seed=1, now=clock())


def _sampled(session, clock, transcript):
    _conversations(session, clock, {"returns": 1}, transcript=transcript)
    return sampling.draw_sample(session, week=WEEK, rate=0.03, seed=1, now=clock()).samples[0]


ANSWERS = {k: "yes" for k, _ in review.QUESTIONS}


def test_a_review_needs_every_answer_and_a_class_for_a_hallucination(session, clock):
    """Is a review refused without all answers, or with a hallucination that has no class?"""
    sample = _sampled(
        session, clock, [{"role": "customer", "text": "hi"}, {"role": "bot", "text": "Hello"}]
    )
    with pytest.raises(ValidationFailed) as caught:
        review.save_review(
            session, sample, reviewer="lea", answers={"full_thread": "yes"}, now=clock(), notes=None,
            statements=[review.StatementVerdict(1, "hallucinated")],
        )  # fmt: skip
    paths = {d["path"] for d in caught.value.details}
    assert "$.answers.got_reason" in paths and "$.statements[1].class" in paths


def test_trust_figures_count_numerators_and_denominators(session, clock):
    """Do the trust figures give hallucination, grounding and unwarranted-confidence counts?"""
    transcript = [
        {"role": "customer", "text": "Can I return it?"},
        {"role": "bot", "text": "Yes, within 60 days."},
        {"role": "bot", "text": "Anything else?"},
    ]
    sample = _sampled(session, clock, transcript)
    review.save_review(
        session, sample, reviewer="lea", answers=ANSWERS, notes="quoted an old window", now=clock(),
        statements=[
            review.StatementVerdict(1, "hallucinated", "refund_pricing", grounded=False, unwarranted_confidence=True),
            review.StatementVerdict(2, "not_policy"),
        ],
    )  # fmt: skip
    figures = review.trust_figures(session, [WEEK])
    assert figures.sampled_hallucination_rate == review.Ratio(1, 1)
    assert figures.grounding_citation_rate == review.Ratio(0, 1)
    assert figures.unwarranted_confidence_rate == review.Ratio(1, 2)
    assert review.next_unreviewed(session, WEEK) is None


class _Judge:
    def prescreen(self, conversation):
        return [Suggestion(1, "hallucinated", "refund_pricing", note="model says so")]


def test_a_judge_can_prefill_and_the_null_judge_suggests_nothing(session, clock):
    """Does a plugged-in judge's suggestion reach the review item, and NullJudge add none?"""
    sample = _sampled(
        session, clock, [{"role": "customer", "text": "?"}, {"role": "bot", "text": "Sure."}]
    )
    assert isinstance(NullJudge(), Judge) and isinstance(_Judge(), Judge)
    assert review.review_item(session, sample).suggestions == {}
    assert review.review_item(session, sample, _Judge()).suggestions[1].verdict == "hallucinated"


def test_a_review_link_opens_once_and_expires(session, clock):
    """Can a review link be redeemed once only, and never after it expires?"""
    token = links.issue_review_link(session, SECRET, "lea", now=clock(), ttl=timedelta(minutes=15))
    assert links.redeem_review_link(session, SECRET, token, now=clock()).lead == "lea"
    assert links.redeem_review_link(session, SECRET, token, now=clock()) is None
    late = links.issue_review_link(session, SECRET, "lea", now=clock(), ttl=timedelta(minutes=15))
    assert links.redeem_review_link(session, SECRET, late, now=clock.advance(minutes=16)) is None


def test_the_panel_shows_the_reviewed_trust_figures(session, clock):
    """Does the weekly panel report the QA review's hallucination, grounding and confidence counts?"""
    from handoff.metrics import panel as panel_mod
    from handoff.productconfig import parse
    from tests.handoff.metrics.conftest import CONFIG

    transcript = [
        {"role": "customer", "text": "Can I return it?"},
        {"role": "bot", "text": "Yes, within 60 days."},
    ]
    sample = _sampled(session, clock, transcript)
    review.save_review(
        session, sample, reviewer="lea", answers=ANSWERS, notes=None, now=clock(),
        statements=[review.StatementVerdict(1, "hallucinated", "refund_pricing", grounded=True)],
    )  # fmt: skip
    config = parse({**CONFIG, "timezone": "UTC"})
    report = panel_mod.build(session, config, now=clock(), view="weekly", end_week=WEEK)
    found = {
        name: (f.rate.numerator, f.rate.denominator)
        for name in ("sampled_hallucination_rate", "grounding_citation_rate")
        if (f := report.find(name)) is not None and f.rate is not None
    }
    assert found == {"sampled_hallucination_rate": (1, 1), "grounding_citation_rate": (1, 1)}
