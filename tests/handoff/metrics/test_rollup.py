"""Incremental refresh: only the weeks touched since the last refresh are recomputed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.metrics import rollup
from handoff.metrics.stats import bucket, merge, quantile
from handoff.models.metrics import MetricRollup
from handoff.productconfig import ProductConfig
from tests.handoff.metrics import scenario
from tests.handoff.metrics.conftest import World, at


def _rollups(session: Session) -> list[tuple[Any, ...]]:
    columns = [c for c in MetricRollup.__table__.c if c.name != "refreshed_at"]
    return [
        tuple(r)
        for r in session.execute(sa.select(*columns).order_by(*MetricRollup.__table__.primary_key))
    ]


def test_incremental_refresh_touches_one_week(
    session: Session, world: World, config: ProductConfig
) -> None:
    """Does a new conversation rebuild only its week, and agree with a full rebuild?"""
    scenario.build(world)
    session.commit()
    first = rollup.refresh(session, config, now=scenario.NOW)
    session.commit()
    assert first.full
    later = scenario.NOW + timedelta(hours=1)
    world.conversation(
        "C8", "returns", "2026-01-28 10:00", "2026-01-28 10:05", "resolved", email="q@x"
    )
    session.flush()
    session.execute(sa.text("UPDATE bot_conversations SET received_at = :t WHERE conversation_id = 'C8'"),
                    {"t": later.replace(tzinfo=None)})  # fmt: skip
    session.commit()
    second = rollup.refresh(session, config, now=later + timedelta(minutes=1))
    session.commit()
    assert not second.full
    assert second.weeks == ("2026-W05",)
    incremental = _rollups(session)
    rollup.refresh(session, config, now=later + timedelta(minutes=2), full=True)
    session.commit()
    assert _rollups(session) == incremental


def test_changed_configuration_rebuilds_everything(
    session: Session, world: World, config: ProductConfig
) -> None:
    """Does a new configuration digest force a full rebuild (weeks and archetypes depend on it)?"""
    scenario.build(world)
    session.commit()
    rollup.refresh(session, config, now=scenario.NOW)
    session.commit()
    from dataclasses import replace

    again = rollup.refresh(session, replace(config, digest="other"), now=scenario.NOW)
    assert again.full


def test_flag_cleared_later_is_picked_up(
    session: Session, world: World, config: ProductConfig
) -> None:
    """Does clearing an agent's flag after the refresh change the context-loss count?"""
    scenario.build(world)
    session.commit()
    rollup.refresh(session, config, now=scenario.NOW)
    session.commit()
    later = scenario.NOW + timedelta(hours=2)
    session.execute(sa.text("UPDATE reask_flags SET active = false, cleared_at = :t, updated_at = :t"),
                    {"t": later.replace(tzinfo=None)})  # fmt: skip
    session.commit()
    result = rollup.refresh(session, config, now=later + timedelta(minutes=1))
    session.commit()
    assert result.weeks == ("2026-W02",)
    flagged = session.scalar(sa.select(sa.func.sum(MetricRollup.flagged)))
    assert flagged == 0


def test_histogram_median_resolution() -> None:
    """Do bucket edges follow the stated resolution, and the median average the middle ranks?"""
    assert bucket(59) == 0 and bucket(61) == 60  # 1-minute buckets under 1 h
    assert bucket(3600 + 299) == 3600  # 5 minutes under a day
    assert bucket(2 * 86400 + 3599) == 2 * 86400  # 1 hour under a week
    assert quantile({600: 2, 1200: 2}, 0.5) == 900  # (600 + 1200) / 2
    assert quantile({600: 3}, 0.99) == 600
    assert at("2026-01-01 00:00").year == 2026


def test_merge_adds_string_and_integer_edges_as_one() -> None:
    """Does merging add a JSON edge ("60") and the same integer edge (60) into one bucket?"""
    merged = merge([{"60": 2, "120": 1}, {60: 3}, {}, {"120": 4, "0": 1}])
    assert merged == {60: 5, 120: 5, 0: 1}
    assert all(type(edge) is int for edge in merged)
