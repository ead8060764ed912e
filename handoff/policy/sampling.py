"""Weekly QA sample of bot conversations: seeded, stratified by archetype, plus every risky one."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.errors import ValidationFailed
from handoff.models import BotConversation
from handoff.models.policy import PolicyCheckRun, PolicyIncident, QaSample

MIN_RATE, MAX_RATE = 0.01, 0.03
RANDOM, INCIDENT, UNCITED = "random", "incident", "uncited"


@dataclass(frozen=True)
class Drawn:
    """A week's sample, and whether this call drew it or found it already drawn."""

    week: str
    samples: tuple[QaSample, ...]
    population: int
    created: bool


def week_bounds(week: str, zone: tzinfo = UTC) -> tuple[datetime, datetime]:
    """Return [monday 00:00, next monday 00:00) of an ISO week like ``2026-W10`` in ``zone``."""
    try:
        year, number = week.split("-W")
        monday = date.fromisocalendar(int(year), int(number), 1)
    except ValueError:
        raise ValidationFailed(
            f"week: expected an ISO week like 2026-W10, got {week!r}",
            details=[{"path": "$.week", "message": "not an ISO week"}],
        ) from None
    start = datetime.combine(monday, time.min, zone)
    return start.astimezone(UTC), (start + timedelta(days=7)).astimezone(UTC)


def _allocate(total: int, sizes: dict[str, int]) -> dict[str, int]:
    """Split ``total`` over strata in proportion to their size (largest remainder, ties by name)."""
    population = sum(sizes.values())
    if not population:
        return {}
    exact = {s: total * n / population for s, n in sizes.items()}
    quota = {s: min(sizes[s], math.floor(q)) for s, q in exact.items()}
    order = sorted(sizes, key=lambda s: (-(exact[s] - math.floor(exact[s])), s))
    for stratum in order:
        if sum(quota.values()) >= total:
            break
        if quota[stratum] < sizes[stratum]:
            quota[stratum] += 1
    return quota


def draw_sample(
    session: Session,
    *,
    week: str,
    rate: float,
    seed: int,
    now: datetime,
    archetype_of: Callable[[str], str | None] | None = None,
    zone: tzinfo = UTC,
) -> Drawn:
    """Draw the week's sample once: ``rate`` of its conversations by stratum, plus all risky ones.

    Risky: a policy incident, or a factual bot answer without a citation. The same seed and data
    give the same sample; drawing a week again returns the stored sample.
    """
    if not MIN_RATE <= rate <= MAX_RATE:
        raise ValidationFailed(
            f"rate: expected between {MIN_RATE} and {MAX_RATE}, got {rate}",
            details=[{"path": "$.rate", "message": "a weekly QA sample is 1-3% of conversations"}],
        )
    start, end = week_bounds(week, zone)
    rows = session.execute(
        sa.select(BotConversation.conversation_id, BotConversation.intent).where(
            BotConversation.started_at >= start, BotConversation.started_at < end
        )
    ).all()
    existing = list(
        session.scalars(sa.select(QaSample).where(QaSample.week == week).order_by(QaSample.id))
    )
    if existing:
        return Drawn(week, tuple(existing), len(rows), created=False)
    classify = archetype_of or (lambda intent: intent)
    stratum_of = {cid: classify(intent) or intent for cid, intent in rows}
    ids = set(stratum_of)
    incident: set[str] = {
        c
        for c in session.scalars(
            sa.select(PolicyIncident.conversation_id).where(PolicyIncident.conversation_id.in_(ids))
        )
        if c
    }
    uncited: set[str] = {
        c
        for c in session.scalars(
            sa.select(PolicyCheckRun.conversation_id).where(
                PolicyCheckRun.conversation_id.in_(ids), PolicyCheckRun.uncited_factual > 0
            )
        )
        if c and c not in incident
    }
    forced = incident | uncited
    strata: dict[str, list[str]] = {}
    for cid in sorted(ids - forced):
        strata.setdefault(stratum_of[cid], []).append(cid)
    total = max(1, round(rate * len(rows))) if rows else 0
    quotas = _allocate(total, {s: len(m) for s, m in strata.items()})
    chosen: list[tuple[str, str]] = []
    for stratum in sorted(strata):
        # One generator per stratum, so adding conversations elsewhere does not reshuffle this one.
        rng = random.Random(f"{seed}:{week}:{stratum}")
        chosen.extend(
            (cid, RANDOM) for cid in sorted(rng.sample(strata[stratum], quotas.get(stratum, 0)))
        )
    chosen.extend((cid, INCIDENT) for cid in sorted(incident))
    chosen.extend((cid, UNCITED) for cid in sorted(uncited))
    samples = [
        QaSample(
            week=week,
            conversation_id=cid,
            stratum=stratum_of[cid],
            reason=reason,
            seed=seed,
            rate=rate,
            drawn_at=now,
        )
        for cid, reason in chosen
    ]
    session.add_all(samples)
    session.flush()
    return Drawn(week, tuple(samples), len(rows), created=True)
