"""Human QA review of the weekly sample: the handoff questions, statement verdicts, trust figures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.errors import NotFound, ValidationFailed
from handoff.models import BotConversation
from handoff.models.policy import PolicyCheck, QaReview, QaSample, QaStatementVerdict
from handoff.packets import latest_packet_for_conversation
from handoff.policy.golden import CLASSES
from handoff.policy.judge import VERDICTS, Judge, NullJudge, Suggestion
from handoff.policy.sampling import RANDOM

# The handoff review questions, asked of every sampled conversation that reached a human.
QUESTIONS: tuple[tuple[str, str], ...] = (
    ("full_thread", "Did the agent have the full thread?"),
    ("knew_attempts", "Did the agent know what the bot had already tried?"),
    ("got_reason", "Did the agent get a reason for the handoff?"),
    ("customer_repeated", "Did the customer have to repeat themselves?"),
    ("first_reply_progress", "Did the first human reply move the case forward?"),
)
ANSWERS = ("yes", "no", "n/a")


@dataclass(frozen=True)
class StatementVerdict:
    """The reviewer's verdict on one bot message."""

    position: int
    verdict: str
    policy_class: str | None = None
    grounded: bool = False
    unwarranted_confidence: bool = False


@dataclass
class ReviewItem:
    """What the review page shows for one sampled conversation."""

    sample: QaSample
    conversation: dict[str, Any]
    transcript: list[dict[str, Any]]
    bot_positions: list[int]
    suggestions: dict[int, Suggestion] = field(default_factory=dict)
    review: QaReview | None = None
    verdicts: dict[int, QaStatementVerdict] = field(default_factory=dict)
    escalated: bool = False


@dataclass(frozen=True)
class Ratio:
    """A rate with its numerator and denominator (None without a denominator)."""

    numerator: int
    denominator: int

    @property
    def rate(self) -> float | None:
        """Return numerator / denominator, or None."""
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class TrustFigures:
    """The panel's trust figures from reviewed random samples, each with its counts."""

    sampled_hallucination_rate: Ratio
    grounding_citation_rate: Ratio
    unwarranted_confidence_rate: Ratio
    reviewed: int
    sampled: int


def get_sample(session: Session, sample_id: int) -> QaSample:
    """Return a sample or raise NotFound."""
    sample = session.get(QaSample, sample_id)
    if sample is None:
        raise NotFound(f"no QA sample {sample_id}")
    return sample


def week_samples(session: Session, week: str) -> list[tuple[QaSample, bool]]:
    """List a week's samples in review order, each with whether it has been reviewed."""
    reviewed = sa.exists().where(QaReview.sample_id == QaSample.id)
    rows = session.execute(
        sa.select(QaSample, reviewed).where(QaSample.week == week).order_by(QaSample.id)
    ).all()
    return [(sample, bool(done)) for sample, done in rows]


def weeks(session: Session) -> list[tuple[str, int, int]]:
    """List sampled weeks, newest first, with (week, samples, reviewed)."""
    reviewed = sa.func.count(QaReview.id)
    rows = session.execute(
        sa.select(QaSample.week, sa.func.count(QaSample.id), reviewed)
        .outerjoin(QaReview, QaReview.sample_id == QaSample.id)
        .group_by(QaSample.week)
        .order_by(QaSample.week.desc())
    ).all()
    return [(w, int(n), int(r)) for w, n, r in rows]


def next_unreviewed(session: Session, week: str) -> QaSample | None:
    """Return the week's first sample without a review, or None when the week is done."""
    return next((s for s, done in week_samples(session, week) if not done), None)


def review_item(session: Session, sample: QaSample, judge: Judge | None = None) -> ReviewItem:
    """Gather a sampled conversation, its transcript (the packet's when the conversation has none) and suggestions."""
    row = session.scalar(
        sa.select(BotConversation).where(BotConversation.conversation_id == sample.conversation_id)
    )
    body: dict[str, Any] = (
        dict(row.body) if row is not None else {"conversation_id": sample.conversation_id}
    )
    transcript = list(body.get("transcript") or [])
    if not transcript:
        packet = latest_packet_for_conversation(session, sample.conversation_id)
        transcript = list(packet.body.get("transcript") or []) if packet is not None else []
    bot_positions = [i for i, m in enumerate(transcript) if m.get("role") == "bot"]
    item = ReviewItem(
        sample, body, transcript, bot_positions, escalated=body.get("outcome") == "escalated"
    )
    # The deterministic check's verdicts come first; a judge only fills messages it left open.
    checks = session.scalars(
        sa.select(PolicyCheck).where(PolicyCheck.conversation_id == sample.conversation_id)
    )
    for check in checks:
        for i in bot_positions:
            if check.statement and transcript[i].get("text", "").strip() == check.statement.strip():
                item.suggestions[i] = Suggestion(
                    i,
                    "correct" if check.matched else "hallucinated",
                    None if check.matched else check.policy_class,
                    note=f"check: said {check.said_value}, policy {check.policy_value}",
                    source="check",
                )
    for suggestion in (judge or NullJudge()).prescreen({**body, "transcript": transcript}):
        if suggestion.position in bot_positions:
            item.suggestions.setdefault(suggestion.position, suggestion)
    item.review = session.scalar(sa.select(QaReview).where(QaReview.sample_id == sample.id))
    item.verdicts = {
        v.position: v
        for v in session.scalars(
            sa.select(QaStatementVerdict).where(QaStatementVerdict.sample_id == sample.id)
        )
    }
    return item


def save_review(
    session: Session,
    sample: QaSample,
    *,
    reviewer: str,
    answers: Mapping[str, str],
    statements: Sequence[StatementVerdict],
    notes: str | None,
    now: datetime,
) -> QaReview:
    """Validate and store (or replace) the review of one sample; flush only."""
    item = review_item(session, sample)
    problems = []
    for key, _question in QUESTIONS:
        if answers.get(key) not in ANSWERS:
            problems.append(
                {"path": f"$.answers.{key}", "message": f"answer one of {', '.join(ANSWERS)}"}
            )
    given = {s.position for s in statements}
    for position in item.bot_positions:
        if position not in given:
            problems.append(
                {"path": f"$.statements[{position}]", "message": "classify every bot message"}
            )
    for s in statements:
        where = f"$.statements[{s.position}]"
        if s.position not in item.bot_positions:
            problems.append({"path": where, "message": "not a bot message of this conversation"})
        if s.verdict not in VERDICTS:
            problems.append(
                {"path": f"{where}.verdict", "message": f"one of {', '.join(VERDICTS)}"}
            )
        if s.verdict == "hallucinated" and s.policy_class not in CLASSES:
            problems.append(
                {
                    "path": f"{where}.class",
                    "message": f"a hallucination needs a class: {', '.join(CLASSES)}",
                }
            )
    if problems:
        raise ValidationFailed(f"the review has {len(problems)} problem(s)", details=problems)
    review = item.review or QaReview(sample_id=sample.id)
    if item.review is None:
        session.add(review)
    review.reviewer = reviewer
    review.answers = {key: answers[key] for key, _q in QUESTIONS}
    review.notes = (notes or "").strip() or None
    review.reviewed_at = now
    session.execute(sa.delete(QaStatementVerdict).where(QaStatementVerdict.sample_id == sample.id))
    for s in sorted(statements, key=lambda s: s.position):
        session.add(
            QaStatementVerdict(
                sample_id=sample.id,
                position=s.position,
                text=str(item.transcript[s.position].get("text", "")),
                verdict=s.verdict,
                policy_class=s.policy_class if s.verdict == "hallucinated" else None,
                grounded=s.grounded,
                unwarranted_confidence=s.unwarranted_confidence,
            )
        )
    session.flush()
    return review


def trust_figures(session: Session, weeks_: Sequence[str]) -> TrustFigures:
    """Compute the trust figures over reviewed RANDOM samples of ``weeks_`` (forced ones would bias them).

    sampled hallucination rate = reviewed conversations with a hallucinated statement / reviewed;
    grounding citation rate = policy/factual claims (correct or hallucinated) with a source / claims;
    unwarranted confidence rate = bot messages marked unwarranted / bot messages reviewed.
    """
    base = (
        sa.select(QaSample.id)
        .join(QaReview, QaReview.sample_id == QaSample.id)
        .where(QaSample.week.in_(list(weeks_)), QaSample.reason == RANDOM)
    )
    reviewed_ids = [r for r in session.scalars(base)]
    sampled = session.scalar(
        sa.select(sa.func.count(QaSample.id)).where(
            QaSample.week.in_(list(weeks_)), QaSample.reason == RANDOM
        )
    )
    verdicts = QaStatementVerdict
    in_reviewed = verdicts.sample_id.in_(reviewed_ids)
    hallucinated_convs = session.scalar(
        sa.select(sa.func.count(sa.distinct(verdicts.sample_id))).where(
            in_reviewed, verdicts.verdict == "hallucinated"
        )
    )
    claims = sa.select(sa.func.count(verdicts.id)).where(
        in_reviewed, verdicts.verdict.in_(("correct", "hallucinated"))
    )
    grounded = session.scalar(claims.where(verdicts.grounded.is_(True)))
    all_claims = session.scalar(claims)
    statements = sa.select(sa.func.count(verdicts.id)).where(in_reviewed)
    unwarranted = session.scalar(statements.where(verdicts.unwarranted_confidence.is_(True)))
    total = session.scalar(statements)
    return TrustFigures(
        sampled_hallucination_rate=Ratio(int(hallucinated_convs or 0), len(reviewed_ids)),
        grounding_citation_rate=Ratio(int(grounded or 0), int(all_claims or 0)),
        unwarranted_confidence_rate=Ratio(int(unwarranted or 0), int(total or 0)),
        reviewed=len(reviewed_ids),
        sampled=int(sampled or 0),
    )
