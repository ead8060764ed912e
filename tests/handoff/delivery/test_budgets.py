"""Budgets kept in the database: every process draws on the same ones, per documented limit."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from handoff.config import Settings
from handoff.delivery import connect
from handoff.delivery.throttle import (
    ACCOUNT,
    EXPORTS,
    TICKET_UPDATES,
    SharedBudgets,
    ThrottledHelpdesk,
    default_budgets,
)
from handoff.errors import ConfigError


class FakeTime:
    """One clock both "processes" read; sleeping moves it."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _pair(sessions: sessionmaker[Session], t: FakeTime, **rates: float) -> list[SharedBudgets]:
    per_minute = {ACCOUNT: 600.0, TICKET_UPDATES: 30.0, EXPORTS: 8.0, **rates}
    burst = {name: 1.0 for name in per_minute}
    return [
        SharedBudgets(sessions, per_minute, clock=t.clock, sleep=t.sleep, burst=burst)
        for _ in range(2)
    ]


def test_two_processes_share_one_update_budget(sessions: sessionmaker[Session]) -> None:
    """Do two processes at 30 updates a minute together make 30 in a minute, not 60?"""
    t = FakeTime()
    first, second = _pair(sessions, t)
    start = t.now
    for n in range(31):
        (first if n % 2 else second).acquire((ACCOUNT, TICKET_UPDATES))
    assert t.now - start == pytest.approx(60.0, abs=0.05)


def test_a_pause_in_one_process_holds_the_other(sessions: sessionmaker[Session]) -> None:
    """After one process meets a 429 on an export, does the other wait out its Retry-After,
    while calls on other limits go on?"""
    t = FakeTime()
    first, second = _pair(sessions, t, exports=600.0)
    first.acquire((ACCOUNT, EXPORTS))
    first.pause(30)
    start = t.now
    second.acquire((ACCOUNT, TICKET_UPDATES))
    assert t.now - start < 1.0
    second.acquire((ACCOUNT, EXPORTS))
    assert t.now - start >= 30.0


def test_a_note_with_tags_draws_three_ticket_updates(sessions: sessionmaker[Session]) -> None:
    """Does update_ticket with a comment, added and removed tags count its three requests?"""
    t = FakeTime()
    budgets, _ = _pair(sessions, t, ticket_updates=60.0)
    calls: list[str] = []

    class Fake:
        def update_ticket(self, ticket_id: int, **kwargs: Any) -> None:
            calls.append("update")

    throttled = ThrottledHelpdesk(Fake(), budgets)
    start = t.now
    throttled.update_ticket(1, comment=object(), add_tags=["a"], remove_tags=["b"])
    throttled.update_ticket(1, comment=object(), add_tags=["a"], remove_tags=["b"])
    assert calls == ["update", "update"] and t.now - start == pytest.approx(5.0, abs=0.05)


def test_defaults_leave_most_of_each_limit_to_others() -> None:
    """On a Growth plan, does the product take 200 of 400 requests, 30 of 100 updates, 8 of 10
    exports by default, and exactly what is configured otherwise?"""
    assert default_budgets("growth") == {ACCOUNT: 200.0, TICKET_UPDATES: 30.0, EXPORTS: 8.0}
    assert default_budgets("high_volume")[TICKET_UPDATES] == 90.0
    assert default_budgets("team", ticket_updates=10)[TICKET_UPDATES] == 10.0


def test_plan_and_budgets_are_read_strictly() -> None:
    """Is an unknown plan or a non-positive budget a configuration error?"""
    settings = Settings.from_env({"HANDOFF_ZENDESK_PLAN": "Enterprise"})
    assert settings.zendesk_plan == "enterprise" and settings.zendesk_rpm is None
    with pytest.raises(ConfigError, match="HANDOFF_ZENDESK_PLAN"):
        Settings.from_env({"HANDOFF_ZENDESK_PLAN": "gold"})
    with pytest.raises(ConfigError, match="HANDOFF_ZENDESK_UPDATES_PER_MINUTE"):
        Settings.from_env({"HANDOFF_ZENDESK_UPDATES_PER_MINUTE": "0"})


def test_the_cli_budgets_come_from_the_settings(sessions: sessionmaker[Session]) -> None:
    """Are the budgets the worker and sync use sized from the plan and overrides?"""
    built = connect.budgets(Settings(zendesk_plan="team", zendesk_exports_per_minute=5), sessions)
    assert built.rates == {ACCOUNT: 100 / 60, TICKET_UPDATES: 30 / 60, EXPORTS: 5 / 60}


def test_the_default_batch_fits_within_a_lease() -> None:
    """Is the default batch what the update budget delivers in half a lease (2 updates a note)?"""
    assert connect.default_batch(Settings()) == 15  # 2 min x 30 updates/min / 2 a note / 2
    assert connect.default_batch(Settings(zendesk_updates_per_minute=6000)) == 50
    assert connect.default_batch(Settings(zendesk_updates_per_minute=1)) == 1
