"""The panel on a hand-checked operation (tests/handoff/metrics/scenario.py), on both backends.

Every expected value below is worked out by hand from the scenario table; the arithmetic is in
the comments. Nothing here is computed with the code under test.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from handoff.metrics import panel as panel_mod
from handoff.metrics import rollup
from handoff.productconfig import ProductConfig
from tests.handoff.metrics import scenario
from tests.handoff.metrics.conftest import World


@pytest.fixture
def panel(session: Session, world: World, config: ProductConfig) -> panel_mod.Panel:
    """Build the scenario, refresh the rollups and compute the monthly panel."""
    scenario.build(world)
    session.commit()
    rollup.refresh(session, config, now=scenario.NOW)
    session.commit()
    return panel_mod.build(session, config, now=scenario.NOW, view="monthly")


def rate(p: panel_mod.Panel, fid: str, scope: str = "all", key: str = "") -> tuple[int, int]:
    f = p.find(fid, scope, key)
    assert f is not None and f.rate is not None, (fid, scope, key)
    return (f.rate.numerator, f.rate.denominator)


def points(p: panel_mod.Panel, fid: str, scope: str = "all", key: str = "") -> float | None:
    f = p.find(fid, scope, key)
    assert f is not None and f.delta is not None, (fid, scope, key)
    return f.delta.points


def seconds(p: panel_mod.Panel, fid: str, scope: str = "all", key: str = "") -> float | None:
    f = p.find(fid, scope, key)
    assert f is not None and f.quantile is not None, (fid, scope, key)
    return f.quantile.seconds


def test_window_and_lines(panel: panel_mod.Panel) -> None:
    """Does the monthly view on Wed 2026-02-04 cover W02..W05 with the top 2 archetypes named?"""
    # Last complete week before 2026-02-04 is W05 (Jan 26 - Feb 1); monthly = 4 weeks.
    assert panel.window == ("2026-W02", "2026-W03", "2026-W04", "2026-W05")
    assert panel.baseline == ("2026-W01",)
    # Contacts in view: order_status C1 C2 C6 = 3, returns C3 C4 = 2, billing_dispute t:105 = 1.
    assert panel.lines == {
        "order_status": "order_status",
        "returns": "returns",
        "billing_dispute": "long_tail",
    }


def test_deflection_family(panel: panel_mod.Panel) -> None:
    """Are deflection, attempt, containment and abandonment the hand counts, per slice?"""
    # Six contacts in view (C1 C2 C3 C4 t:105 C6; C7 is W06 in Berlin); AI-resolved: C1, C6.
    assert rate(panel, "deflection_rate") == (2, 6)
    assert rate(panel, "deflection_rate", "archetype", "order_status") == (2, 3)
    assert rate(panel, "deflection_rate", "archetype", "returns") == (0, 2)
    assert rate(panel, "deflection_rate", "archetype", "long_tail") == (0, 1)
    # Segments: pro = C1 C4 t:105 (C1 resolved); free = C2 C3; C6 has none -> unknown.
    assert rate(panel, "deflection_rate", "segment", "pro") == (1, 3)
    assert rate(panel, "deflection_rate", "segment", "free") == (0, 2)
    assert rate(panel, "deflection_rate", "segment", "unknown") == (1, 1)
    # Channels: chat = C1 C2 C6, web = C3 C4, email = t:105.
    assert rate(panel, "deflection_rate", "channel", "chat") == (2, 3)
    assert rate(panel, "deflection_rate", "channel", "web") == (0, 2)
    assert rate(panel, "deflection_rate", "channel", "email") == (0, 1)
    # Engaged = every bot contact = 5 of 6.
    assert rate(panel, "deflection_attempt_rate") == (5, 6)
    assert rate(panel, "deflection_attempt_rate", "archetype", "long_tail") == (0, 1)
    # Contained = resolved by the bot (C1, C6) of 5 engaged; abandoned = C3.
    assert rate(panel, "containment_rate") == (2, 5)
    assert rate(panel, "abandonment_rate") == (1, 5)
    assert rate(panel, "abandonment_rate", "archetype", "returns") == (1, 2)
    # Bands: order_status 2/3 = 66.7% is above repetitive 40-60%; returns has 0/2 vs faq 15-30%.
    bands = {b[0]: b[4] for b in panel.deflection.bands}
    assert bands == {"order_status": "above band", "returns": "below band"}


def test_csat_at_three_latencies(panel: panel_mod.Panel) -> None:
    """Do resolution, delayed and model CSAT, their response rates and deltas match by hand?"""
    # Ratings in view: 101 good, 102 bad, 104 good; 105 offered only. Baseline W01: good, good, bad.
    assert rate(panel, "resolution_csat") == (2, 3)
    assert rate(panel, "resolution_csat_response_rate") == (3, 4)
    assert points(panel, "resolution_csat_delta") == pytest.approx(0.0)  # 2/3 - 2/3
    # order_status: 1/2 now vs 2/2 in baseline = 50 - 100 = -50 points.
    assert points(panel, "resolution_csat_delta", "archetype", "order_status") == pytest.approx(
        -50.0
    )
    # returns: 1/1 vs 0/1 = +100 points; n=1 < min 2, so it says the sample is too small.
    delta = panel.find("resolution_csat_delta", "archetype", "returns")
    assert delta is not None and delta.delta is not None
    assert delta.delta.points == pytest.approx(100.0)
    assert not delta.delta.sufficient
    assert "sample too small" in delta.delta.as_dict()["note"]
    # Segment pro: C1 good, C4 good = 2/2 vs t:1 good, t:3 bad = 1/2 -> +50.
    assert points(panel, "resolution_csat_delta", "segment", "pro") == pytest.approx(50.0)
    # Path escalated: C2 bad, C4 good = 1/2 vs the whole baseline 2/3 -> 50 - 66.67 = -16.67.
    assert points(panel, "resolution_csat_delta", "path", "escalated") == pytest.approx(-100 / 6)
    # Delayed: 102 bad, 104 good; 101 sent, unanswered. Baseline: t:1 good.
    assert rate(panel, "delayed_csat") == (1, 2)
    assert rate(panel, "delayed_csat_response_rate") == (2, 3)
    assert points(panel, "delayed_csat_delta") == pytest.approx(-50.0)  # 50 - 100
    assert points(panel, "delayed_csat_delta", "archetype", "order_status") == pytest.approx(-100.0)
    assert points(panel, "delayed_csat_delta", "archetype", "returns") is None  # no baseline answer
    # Model CSAT: (0.9 + 0.3 + 0.7 + 0.5) / 4 = 0.6 (C3 has none).
    model = panel.find("model_csat")
    assert model is not None and model.count == 4
    assert model.amount == pytest.approx(0.6)


def test_headline(panel: panel_mod.Panel) -> None:
    """Is order_status shown as not protected, and returns left unjudged on too few ratings?"""
    lines = {h.archetype: h for h in panel.headline}
    assert lines["order_status"].protected is False  # -50 and -100 points, both <= -2
    assert lines["order_status"].text == (
        "order_status: deflection 66.7% with resolution CSAT delta -50.0 pts "
        "and delayed CSAT delta -100.0 pts"
    )
    assert lines["returns"].protected is None  # delayed delta has no baseline
    assert lines["long_tail"].protected is None


def test_context_fidelity(panel: panel_mod.Panel) -> None:
    """Are context loss, repetition, re-asks and escalated CSAT the hand counts, week by week?"""
    # Escalations in view: C2 (flagged, repetition, re-ask) and C4 (clean).
    assert rate(panel, "context_loss_rate") == (1, 2)
    assert rate(panel, "context_loss_rate", "archetype", "order_status") == (1, 1)
    assert rate(panel, "context_loss_rate", "archetype", "returns") == (0, 1)
    assert rate(panel, "repetition_rate") == (1, 2)
    assert rate(panel, "suggested_reasks") == (1, 2)
    # Wilson 95% for 1/2: centre (0.5 + 1.96^2/4) / (1 + 1.96^2/2) = 0.5;
    # half = 1.96 * sqrt(0.25/2 + 1.96^2/16) / 2.9207 = 0.4054 -> 0.0945 .. 0.9055.
    loss = panel.find("context_loss_rate")
    assert loss is not None and loss.rate is not None and loss.rate.interval is not None
    assert loss.rate.interval[0] == pytest.approx(0.0945, abs=1e-4)
    assert loss.rate.interval[1] == pytest.approx(0.9055, abs=1e-4)
    # Escalated CSAT 1/2 vs baseline 2/3 -> -16.67; order_status 0/1 vs 2/2 -> -100.
    assert points(panel, "escalated_csat_delta") == pytest.approx(-100 / 6)
    assert points(panel, "escalated_csat_delta", "archetype", "order_status") == pytest.approx(
        -100.0
    )
    assert points(panel, "escalated_csat_delta", "archetype", "returns") == pytest.approx(100.0)
    weeks = {p.week: p for p in panel.handoff.weeks}
    assert (weeks["2026-W02"].gap_points, weeks["2026-W02"].tracks) == (0.0, True)  # 1/1 vs 1/1
    assert weeks["2026-W03"].gap_points is None  # the empty week has no escalations
    assert weeks["2026-W04"].gap_points == 0.0  # 0/1 vs 0/1


def test_leading_indicators(panel: panel_mod.Panel) -> None:
    """Are the handle-time medians, the baseline comparison and repeat contacts right by hand?"""
    # Bot handle: C1 600 s, C2 1200 s, C4 600 s, C6 600 s (C3 abandoned) -> median 600.
    assert seconds(panel, "bot_handle_time") == 600
    # Escalated handle: C2 6 h = 21600, C4 4 h = 14400 -> median 18000.
    assert seconds(panel, "escalated_handle_time") == 18000
    handle = panel.find("escalated_handle_time")
    assert handle is not None and handle.baseline is not None
    # Baseline W01: 4 h, 6 h, 2 h -> median 4 h = 14400; 18000 / 14400 - 1 = +25%.
    assert (handle.baseline.seconds, handle.baseline.n) == (14400, 3)
    assert handle.note is not None and handle.note.startswith("+25.0%")
    # order_status: 21600 vs median(14400, 21600) = 18000 -> +20%.
    os_handle = panel.find("escalated_handle_time", "archetype", "order_status")
    assert (
        os_handle is not None and os_handle.note is not None and os_handle.note.startswith("+20.0%")
    )
    # Repeat 24 h over W02..W05 (matured by Feb 2 23:00 UTC): resolved C1 C2 C4 t:105 C6;
    # C6 is followed by C7 50 minutes later.
    assert rate(panel, "repeat_contact_24h") == (1, 5)
    assert rate(panel, "repeat_contact_24h", "path", "ai_only") == (1, 2)
    assert rate(panel, "repeat_contact_24h", "path", "escalated") == (0, 2)
    # Repeat 7 d over W01..W04 (W05 has not had 7 days yet): resolved t:1 t:2 t:3 C1 C2 C4 t:105;
    # t:1 (a@x, solved Dec 29 14:00) is followed by C1 (Jan 5 09:00), 6 d 19 h later.
    assert rate(panel, "repeat_contact_7d") == (1, 7)
    # Repeat 30 d over 2025-W50..2026-W01: t:1 t:2 t:3 resolved, t:1 repeated.
    assert rate(panel, "repeat_contact_30d") == (1, 3)
    # Weekly bot handle medians: W02 (600 + 1200) / 2 = 900, W04 600, W05 600: no rise.
    series = {
        f.key: f.quantile.seconds
        for f in panel.leading.series
        if f.id == "bot_handle_time" and f.quantile
    }
    assert (series["2026-W02"], series["2026-W03"], series["2026-W04"]) == (900, None, 600)
    assert panel.leading.bot_handle_rising_weeks == 0


def test_operational(panel: panel_mod.Panel) -> None:
    """Are escalation, packet, reply-time and cost figures the hand values?"""
    assert rate(panel, "escalation_rate") == (2, 5)
    assert rate(panel, "escalation_rate", "intent", "order_status") == (1, 3)
    assert rate(panel, "escalation_rate", "intent", "returns") == (1, 2)
    assert rate(panel, "escalation_rate", "intent", "billing_dispute") == (0, 0)
    assert panel.operational.intent_alerts == ("order_status", "returns")  # 33% and 50% > 25%
    assert rate(panel, "refusal_rate") == (0, 5)
    # C2 lacks identifiers, which order_status requires; C4 misses nothing.
    assert rate(panel, "packet_completeness") == (1, 2)
    assert panel.operational.most_missing == (("identifiers", 1),)
    assert rate(panel, "packet_acknowledged_rate") == (1, 2)  # C4
    # First useful reply: C2 60 min (its 30-min reply was a re-ask), C4 30 min -> 2700 s.
    assert seconds(panel, "first_useful_reply_time") == 2700
    # First reply: C2 1800, C4 1800, t:105 900 -> p50 1800; p99 = rank ceil(2.97) = 3 -> 1800.
    assert seconds(panel, "first_response_latency_p50") == 1800
    assert seconds(panel, "first_response_latency_p99") == 1800
    assert seconds(panel, "first_response_latency_p50", "path", "human_only") == 900
    # AI: 3 ai_only conversations x 0.60 / 2 resolved = 0.90.
    ai = panel.find("cost_per_resolved", "path", "ai_only")
    assert ai is not None and ai.amount == pytest.approx(0.9)
    # Human: (2 escalated + 1 human_only) x 7.50 + 2 bot conversations x 0.60 = 23.70 / 3 solved.
    human = panel.find("cost_per_resolved", "path", "human")
    assert human is not None and human.amount == pytest.approx(7.9)
    assert panel.operational.unavailable == ()
    # No QA review in the window: the trust figures are there, with nothing reviewed.
    for name in (
        "grounding_citation_rate",
        "unwarranted_confidence_rate",
        "sampled_hallucination_rate",
    ):
        assert rate(panel, name) == (0, 0)


def test_empty_week_has_no_rows(panel: panel_mod.Panel) -> None:
    """Does the empty week W03 show no deflection point rather than a zero?"""
    weeks = {f.key for f in panel.deflection.series}
    assert "2026-W03" not in weeks
    assert {"2026-W02", "2026-W04", "2026-W05"} <= weeks


def test_every_row_has_an_id(panel: panel_mod.Panel) -> None:
    """Does every exported row carry a spec id and the counts behind it?"""
    rows = panel.rows()
    assert rows and all(r["id"] for r in rows)
    loss = next(r for r in rows if r["id"] == "context_loss_rate" and r["scope"] == "all")
    assert (loss["numerator"], loss["denominator"], loss["sufficient"]) == (1, 2, True)
