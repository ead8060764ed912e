"""Turn a Panel into what the templates draw: archetype lines and the SVG charts."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

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
    return {
        "deflection": charts.bar_chart("Deflection rate per archetype, with 95% interval", bars),
        "csat": charts.line_chart(
            "Weekly resolution and delayed CSAT",
            weeks,
            [
                _rate_series(panel, "resolution_csat", "resolution CSAT"),
                _rate_series(panel, "delayed_csat", "delayed CSAT"),
            ],
        ),
        "deflection_trend": charts.line_chart(
            "Weekly deflection rate", weeks, [_rate_series(panel, "deflection_rate", "deflection")]
        ),
        "handle": charts.line_chart(
            "Weekly median handle times",
            weeks,
            [
                _median_series(panel, "bot_handle_time", "bot handle"),
                _median_series(panel, "escalated_handle_time", "escalated handle"),
            ],  # fmt: skip
            unit="h",
        ),
    }


def fidelity_chart(panel: Panel, limit: float) -> Markup:
    """Draw context loss and repetition per week with the context-loss limit."""
    return charts.line_chart(
        "Weekly context loss (agent flags) and repetition (detector)",
        panel_weeks(panel),
        [
            _rate_series(panel, "context_loss_rate", "context loss"),
            _rate_series(panel, "repetition_rate", "repetition"),
        ],
        threshold=limit,
        threshold_label="limit",
    )


def extras(panel: Panel, limit: float) -> dict[str, Any]:
    """Return the template context shared by the panel and the handoff report."""
    return {
        "archs": archetypes(panel),
        "ch": {**panel_charts(panel), "fidelity": fidelity_chart(panel, limit)},
    }
