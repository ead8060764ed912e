"""A full rebuild does not stop the panel: readers keep the previous facts and rollups until it commits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.errors import Busy
from handoff.metrics import rebuild, rollup
from handoff.models.metrics import ContactFact, MetricRollup
from handoff.productconfig import ProductConfig
from tests.handoff.metrics.test_rebuild_equivalence import NOW, _world

READ = (
    "SELECT (SELECT COUNT(*) FROM contact_facts), "
    "(SELECT COALESCE(SUM(contacts), 0) FROM metric_rollups)"
)


def _reader(engine: sa.Engine) -> tuple[int, int]:
    """Read facts and rollups on a second connection, giving up after 2 s of waiting for a lock."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SET lock_timeout = '2s'"))
        facts, contacts = conn.execute(sa.text(READ)).one()
        conn.rollback()
    return int(facts), int(contacts)


def _during(name: str, engine: sa.Engine, seen: list[tuple[int, int]]) -> Callable[..., Any]:
    """Wrap a step of the rebuild so that a second connection reads before the step runs."""
    original = getattr(rebuild, name)

    def step(*args: Any, **kwargs: Any) -> Any:
        seen.append(_reader(engine))
        return original(*args, **kwargs)

    return step


def test_readers_keep_the_old_figures_while_a_full_rebuild_runs(
    session: Session, config: ProductConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Does a second connection read the previous facts and rollups, unblocked, mid-rebuild?"""
    _world(session, 5)
    rollup.refresh(session, config, now=NOW, full=True)
    session.commit()
    engine = session.get_bind()
    assert isinstance(engine, sa.Engine)
    before = _reader(engine)
    assert before[0] > 20 and before[1] == before[0]
    # Half of the old facts go: the rebuild must give fewer, and readers the old count meanwhile.
    keys = list(session.scalars(sa.select(ContactFact.contact_key)))
    session.execute(sa.delete(ContactFact).where(ContactFact.contact_key.in_(keys[::2])))
    session.execute(sa.update(MetricRollup).values(contacts=MetricRollup.contacts + 1))
    session.commit()
    old = _reader(engine)
    seen: list[tuple[int, int]] = []
    for name in ("remark_repeats", "rebuild_weeks"):
        monkeypatch.setattr(rebuild, name, _during(name, engine, seen))
    rollup.refresh(session, config, now=NOW, full=True)
    assert seen == [old, old]
    session.commit()
    assert _reader(engine) == before


def test_the_swapped_in_facts_keep_their_key_and_indexes(
    session: Session, config: ProductConfig
) -> None:
    """After a rebuild, are the primary key and every index of the facts there, by their names?"""
    _world(session, 2)
    engine = session.get_bind()
    inspector = sa.inspect(engine)
    indexes = sorted(
        (i["name"], tuple(i["column_names"])) for i in inspector.get_indexes("contact_facts")
    )
    primary = inspector.get_pk_constraint("contact_facts")
    rollup.refresh(session, config, now=NOW, full=True)
    session.commit()
    rollup.refresh(session, config, now=NOW, full=True)
    session.commit()
    inspector = sa.inspect(engine)
    assert (
        sorted(
            (i["name"], tuple(i["column_names"])) for i in inspector.get_indexes("contact_facts")
        )
        == indexes
    )
    assert inspector.get_pk_constraint("contact_facts") == primary
    assert not inspector.has_table(rebuild.STAGING)
    # The key is enforced: the same contact cannot go in twice.
    key = session.scalars(sa.select(ContactFact.contact_key).limit(1)).one()
    row = session.execute(
        sa.select(ContactFact.__table__).where(ContactFact.contact_key == key)
    ).one()
    with pytest.raises(sa.exc.IntegrityError):
        session.execute(sa.insert(ContactFact.__table__).values(**row._mapping))
    session.rollback()


def test_other_roles_keep_their_privileges_on_the_new_facts(
    session: Session, config: ProductConfig
) -> None:
    """Does a reporting role's SELECT on the facts survive the swap (PostgreSQL)?"""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("privileges are PostgreSQL's")
    grants = (
        "SELECT privilege_type FROM information_schema.role_table_grants "
        "WHERE table_name = 'contact_facts' AND grantee = 'PUBLIC'"
    )
    _world(session, 4)
    session.execute(sa.text("GRANT SELECT ON contact_facts TO PUBLIC"))
    session.commit()
    try:
        rollup.refresh(session, config, now=NOW, full=True)
        session.commit()
        assert list(session.scalars(sa.text(grants))) == ["SELECT"]
    finally:
        session.rollback()
        session.execute(sa.text("REVOKE ALL ON contact_facts FROM PUBLIC"))
        session.commit()


def test_a_long_reader_cannot_stall_the_swap_forever(
    session: Session, config: ProductConfig
) -> None:
    """Does the swap give up after its bounded waits with a clear error, changing nothing (PostgreSQL)?"""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("the staging swap is PostgreSQL's")
    _world(session, 3)
    rollup.refresh(session, config, now=NOW, full=True)
    session.commit()
    engine = session.get_bind()
    assert isinstance(engine, sa.Engine)
    before = _reader(engine)
    with engine.connect() as reader:
        reader.execute(sa.text("BEGIN"))
        reader.execute(sa.text("SELECT COUNT(*) FROM contact_facts")).one()  # holds ACCESS SHARE
        with pytest.raises(Busy, match="run the refresh again"):
            rebuild.full(session, config, NOW, swap_wait=0.2, swap_tries=2)
        session.rollback()
        reader.rollback()
    assert _reader(engine) == before
    assert not sa.inspect(engine).has_table(rebuild.STAGING)
    # Once the reader is gone the same rebuild swaps in.
    rollup.refresh(session, config, now=NOW, full=True)
    session.commit()
    assert _reader(engine) == before
