"""The overview's card statuses: ok, watch, act, or not enough data, against the thresholds."""

from __future__ import annotations

from handoff.metrics.actions import Candidate
from handoff.metrics.overview import (
    ACT,
    NOT_ENOUGH,
    OK,
    WATCH,
    Card,
    _delta_status,
    _rate_status,
    _with_actions,
)
from handoff.metrics.stats import Delta, Rate


def test_rate_status_against_its_limit() -> None:
    """Is a rate over its limit "act", within a fifth of it "watch", and a small sample never judged?"""
    assert _rate_status(Rate(6, 100, 30), 0.05)[0] == ACT
    assert _rate_status(Rate(5, 100, 30), 0.05)[0] == WATCH  # 5.0% is not over 5%, but close
    assert _rate_status(Rate(3, 100, 30), 0.05)[0] == OK
    status, reason = _rate_status(Rate(5, 7, 30), 0.05)
    assert status == NOT_ENOUGH and reason == "n=7, too few to judge (minimum 30)"
    assert _rate_status(None, 0.05)[0] == NOT_ENOUGH


def test_csat_delta_status() -> None:
    """Is -2 points "act", a small drop "watch", no drop "ok", and a thin sample not judged?"""
    base = Rate(800, 1000, 30)
    assert _delta_status(Delta(Rate(78, 100, 30), base, "b"), -2)[0] == ACT
    assert _delta_status(Delta(Rate(79, 100, 30), base, "b"), -2)[0] == WATCH
    assert _delta_status(Delta(Rate(81, 100, 30), base, "b"), -2)[0] == OK
    assert _delta_status(Delta(Rate(1, 7, 30), base, "b"), -2)[0] == NOT_ENOUGH
    assert _delta_status(Delta(Rate(80, 100, 30), Rate(0, 0, 30), "b"), -2) == (
        NOT_ENOUGH,
        "no baseline to compare with",
    )


def _card(figure_id: str, status: str, reason: str) -> Card:
    return Card(figure_id, "n", "d", "rate", 0.07, None, 200, 30, None, None, "b", 0.05, "t",
                status, reason, ())  # fmt: skip


def _fired(trigger: str, key: str) -> Candidate:
    return Candidate("integration", trigger, "archetype", key, "w", {}, True)


def test_act_only_where_an_action_is_warranted() -> None:
    """Does a card say "act" only when its trigger fired for some archetype on enough data, and
    name where; and fall back to "watch", saying why, when it is over its limit overall only?"""
    over = _card("context_loss_rate", ACT, "above the 5% limit")
    fired = [_fired("context_loss_rate>0.05", "order_status"), _fired("repetition_rate>0.08", "x")]
    acted = _with_actions(over, fired)
    assert (acted.status, acted.reason) == (ACT, "above the 5% limit; action for order status")
    alone = _with_actions(over, [_fired("repetition_rate>0.08", "x")])
    assert alone.status == WATCH
    assert alone.reason == (
        "above the 5% limit overall; no archetype crosses it with enough contacts to open an action"
    )
    # Under its limit overall, but one archetype crossed it: there is an action to take.
    under = _with_actions(_card("context_loss_rate", OK, "below the 5% limit"), fired)
    assert under.status == ACT and under.reason.endswith("action for order status")
    # A figure the cadence has no trigger for never says act.
    csat = _with_actions(_card("escalated_csat_delta", ACT, "at or below -2 points"), fired)
    assert csat.status == WATCH and "opens no action on this figure" in csat.reason
    assert _with_actions(_card("repetition_rate", NOT_ENOUGH, "n=7"), []).status == NOT_ENOUGH
