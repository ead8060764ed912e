"""The full rebuild samples its temporary tables lightly and leaves the session's settings as they were."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.metrics import rebuild, rollup
from handoff.productconfig import ProductConfig
from tests.handoff.metrics.test_rebuild_equivalence import NOW, _world


def test_a_rebuild_leaves_the_statistics_target_as_it_found_it(
    session: Session, config: ProductConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Is the session's statistics target back after each temporary table's ANALYZE and the rebuild (PostgreSQL)?"""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("temporary tables are analyzed on PostgreSQL only")
    _world(session, 4)
    session.execute(sa.text("SET LOCAL default_statistics_target = 77"))
    seen: list[str] = []
    original = rebuild._analyze

    def analyze(s: Session, table: str) -> None:
        original(s, table)
        seen.append(s.scalar(sa.text("SHOW default_statistics_target")) or "")

    monkeypatch.setattr(rebuild, "_analyze", analyze)
    rollup.refresh(session, config, now=NOW, full=True)
    assert seen and set(seen) == {"77"}
    assert session.scalar(sa.text("SHOW default_statistics_target")) == "77"
