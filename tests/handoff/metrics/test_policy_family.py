"""Policy incidents and accuracy come from the policy area; a P0 opens an incident at once."""

from __future__ import annotations

from sqlalchemy.orm import Session

from handoff.metrics import actions, rollup
from handoff.metrics import panel as panel_mod
from handoff.models.policy import PolicyCheck, PolicyIncident
from handoff.productconfig import ProductConfig
from tests.handoff.metrics import scenario
from tests.handoff.metrics.conftest import World, at


def _check(session: Session, n: int, when: str, matched: bool) -> None:
    session.add(PolicyCheck(source_kind="conversation", source_id=f"C{n}", conversation_id=f"C{n}", ticket_id=None,
                            key="return_window_days", policy_class="refund_pricing", origin="citation",
                            matched=matched, said_value="30", policy_value="14", version_from=None, statement="...",
                            said_at=at(when), week="2026-W04", dedup_key=f"d{n}", golden_revision=1,
                            checked_at=at(when)))  # fmt: skip


def test_p0_incident_counts_and_opens_an_incident(
    session: Session, world: World, config: ProductConfig
) -> None:
    """Is a P0 counted by week and class, accuracy = matching / checked, and an incident opened?"""
    scenario.build(world)
    session.add(PolicyIncident(source_kind="conversation", source_id="C4", conversation_id="C4", ticket_id=104,
                               key="return_window_days", policy_class="refund_pricing", severity="P0",
                               said_value="30", policy_value="14", version_from=None, statement="30 days",
                               said_at=at("2026-01-20 10:05"), week="2026-W04", dedup_key="d1",
                               detected_at=at("2026-01-20 11:00")))  # fmt: skip
    # Three policy-citing statements in the window, two right: accuracy 2/3.
    _check(session, 1, "2026-01-20 10:05", False)
    _check(session, 2, "2026-01-21 10:05", True)
    _check(session, 3, "2026-01-22 10:05", True)
    _check(session, 4, "2025-12-01 10:05", False)  # before the window: not counted
    session.commit()
    rollup.refresh(session, config, now=scenario.NOW)
    panel = panel_mod.build(session, config, now=scenario.NOW, view="rolling")
    assert panel.policy.available and panel.policy.p0 == 1
    incidents = [f for f in panel.policy.figures if f.id == "policy_incidents"]
    assert [(f.key, f.count) for f in incidents] == [("2026-W04/refund_pricing/P0", 1)]
    accuracy = panel.find("policy_accuracy")
    assert accuracy is not None and accuracy.rate is not None
    assert (accuracy.rate.numerator, accuracy.rate.denominator) == (2, 3)
    opened = actions.evaluate(session, config, panel, now=scenario.NOW).opened
    incident = [a for a in opened if a.kind == "incident"]
    assert (
        len(incident) == 1 and incident[0].owner == "lead@example.com"
    )  # no incident owner in the test config
    assert incident[0].due_at == incident[0].opened_at + config.due_in("incident")


def test_incident_weeks_are_cut_in_the_configured_zone(
    session: Session, world: World, config: ProductConfig
) -> None:
    """Is an incident said Sunday 23:30 Berlin (22:30 UTC) in that Sunday's week, whatever week it was stored with?"""
    scenario.build(world)
    session.add(PolicyIncident(source_kind="conversation", source_id="C6", conversation_id="C6", ticket_id=None,
                               key="return_window_days", policy_class="refund_pricing", severity="P0",
                               said_value="30", policy_value="14", version_from=None, statement="30 days",
                               said_at=at("2026-02-01 22:30"), week="2026-W06", dedup_key="late",
                               detected_at=at("2026-02-01 23:00")))  # fmt: skip
    session.commit()
    rollup.refresh(session, config, now=scenario.NOW)
    panel = panel_mod.build(session, config, now=scenario.NOW, view="monthly", end_week="2026-W05")
    incidents = [f.key for f in panel.policy.figures if f.id == "policy_incidents"]
    assert incidents == ["2026-W05/refund_pricing/P0"]
