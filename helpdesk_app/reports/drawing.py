"""Turn a Panel into what the templates draw: archetype lines and the SVG charts."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from handoff.metrics.overview import Card
from handoff.metrics.panel import Panel
from helpdesk_app.reports import charts


def archetypes(panel: Panel) -> list[str]:
    """Return the archetype lines shown in the window, in report order."""
    return [
        f.key
        for f in panel.deflection.figures
        if f.id == "deflection_rate" and f.scope == "archetype"
    ]


def _rate_series(panel: Panel, figure_id: str, name: str) -> charts.Series:
    by_week = {
        f.key: f.rate.value for f in panel.series() if f.id == figure_id and f.rate is not None
    }
    return charts.Series(name, [by_week.get(w) for w in panel_weeks(panel)])


def _median_series(panel: Panel, figure_id: str, name: str) -> charts.Series:
    by_week = {
        f.key: f.quantile.seconds for f in panel.leading.series if f.id == figure_id and f.quantile
    }
    return charts.Series(name, [by_week.get(w) for w in panel_weeks(panel)])


def panel_weeks(panel: Panel) -> list[str]:
    """Return the weeks of the trend lines."""
    return [p.week for p in panel.handoff.weeks]


def panel_charts(panel: Panel) -> dict[str, Markup]:
    """Draw every chart of the panel and the handoff report."""
    weeks = panel_weeks(panel)
    bars: list[tuple[str, float | None, tuple[float, float] | None]] = []
    for f in panel.deflection.figures:
        if f.id == "deflection_rate" and f.scope == "archetype" and f.rate is not None:
            bars.append((f.key, f.rate.value, f.rate.interval))
    bands = {a: (lo, hi) for a, _tier, lo, hi, _verdict in panel.deflection.bands}
    base = panel.find("resolution_csat_delta")
    band = base.delta.baseline.interval if base is not None and base.delta is not None else None
    return {
        "deflection": charts.bar_chart(
            "Deflection per archetype: bar with its 95% interval, target band shaded",
            bars,
            bands=bands,
        ),
        "csat": charts.line_chart(
            "Weekly CSAT at resolution and after 2-3 days, with the baseline band",
            weeks,
            [
                _rate_series(panel, "resolution_csat", "at resolution"),
                _rate_series(panel, "delayed_csat", "after 2-3 days"),
            ],
            band=band,
            band_label="baseline",
        ),
        "deflection_trend": charts.line_chart(
            "Weekly deflection", weeks, [_rate_series(panel, "deflection_rate", "deflection")]
        ),
        "handle": charts.line_chart(
            "Weekly median handle times",
            weeks,
            [
                _median_series(panel, "bot_handle_time", "bot"),
                _median_series(panel, "escalated_handle_time", "escalated"),
            ],  # fmt: skip
            unit="h",
        ),
    }


def fidelity_chart(panel: Panel, limit: float) -> Markup:
    """Draw context loss and repetition per week with the context-loss limit."""
    return charts.line_chart(
        "Weekly context loss (agent flags) and customer repetition (detector), with the context-loss limit",
        panel_weeks(panel),
        [
            _rate_series(panel, "context_loss_rate", "context loss"),
            _rate_series(panel, "repetition_rate", "repetition"),
        ],
        threshold=limit,
        threshold_label=f"limit {limit * 100:g}%",
    )


def extras(panel: Panel, limit: float) -> dict[str, Any]:
    """Return the template context shared by the panel and the handoff report."""
    return {
        "archs": archetypes(panel),
        "ch": {**panel_charts(panel), "fidelity": fidelity_chart(panel, limit)},
    }


def card_sparkline(card: Card) -> Markup:
    """Draw a KPI card's weekly trend with its threshold line where the unit allows one."""
    fmt = {"rate": lambda v: f"{v * 100:.1f}%", "points": lambda v: f"{v:+.1f} pts",
           "duration": lambda v: f"{v / 3600:.1f} h"}[card.kind]  # fmt: skip
    limit = card.threshold if card.kind in ("rate", "points") else None
    points = [(p.week, p.value, p.sufficient) for p in card.trend]
    return charts.sparkline(card.name, points, fmt=fmt, threshold=limit, zero=card.kind != "points")
