"""Inline SVG charts drawn on the server: labelled axes, markers and dash patterns, no colour needed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

W, H = 640, 220
PAD_L, PAD_R, PAD_T, PAD_B = 52, 16, 24, 44
MARKERS = ("circle", "square", "triangle")
DASHES = ("", "6 4", "2 3")


@dataclass(frozen=True)
class Series:
    """One line: a name and one value (or a gap) per x label."""

    name: str
    values: Sequence[float | None]


def _marker(kind: str, x: float, y: float) -> str:
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" class="mk"/>'
    if kind == "triangle":
        return f'<path d="M{x:.1f} {y - 5:.1f} L{x + 5:.1f} {y + 4:.1f} L{x - 5:.1f} {y + 4:.1f} Z" class="mk"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="mk"/>'


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, unit: str = "%",
               threshold: float | None = None, threshold_label: str = "") -> Markup:  # fmt: skip
    """Draw weekly lines with value labels, distinct markers and dashes, and a labelled threshold."""
    values = [v for s in series for v in s.values if v is not None]
    top = max([*values, threshold or 0, 1e-9]) * 1.15
    n = max(len(labels), 1)
    step = (W - PAD_L - PAD_R) / max(n - 1, 1)

    def x(i: int) -> float:
        return PAD_L + i * step

    def y(v: float) -> float:
        return PAD_T + (H - PAD_T - PAD_B) * (1 - v / top)

    parts = [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - PAD_R}" y2="{H - PAD_B}" class="axis"/>',
             f'<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{H - PAD_B}" class="axis"/>',
             f'<text x="{PAD_L - 6}" y="{PAD_T + 4}" class="tick" text-anchor="end">{_fmt(top, unit)}</text>',
             f'<text x="{PAD_L - 6}" y="{H - PAD_B}" class="tick" text-anchor="end">0</text>']  # fmt: skip
    for i, label in enumerate(labels):
        if n <= 13 or i % 2 == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{H - PAD_B + 16}" class="tick" text-anchor="middle">'
                         f"{escape(label[-3:])}</text>")  # fmt: skip
    if threshold is not None:
        parts.append(
            f'<line x1="{PAD_L}" y1="{y(threshold):.1f}" x2="{W - PAD_R}" y2="{y(threshold):.1f}" class="threshold"/>'
        )
        parts.append(f'<text x="{W - PAD_R}" y="{y(threshold) - 4:.1f}" class="tick" text-anchor="end">'
                     f"{escape(threshold_label or 'threshold')} {_fmt(threshold, unit)}</text>")  # fmt: skip
    for k, s in enumerate(series):
        dash = DASHES[k % len(DASHES)]
        segment: list[str] = []
        for i, v in enumerate(s.values):
            if v is None:
                if len(segment) > 1:
                    parts.append(_path(segment, dash))
                segment = []
                continue
            segment.append(f"{x(i):.1f} {y(v):.1f}")
            parts.append(_marker(MARKERS[k % len(MARKERS)], x(i), y(v)))
            parts.append(
                f'<text x="{x(i):.1f}" y="{y(v) - 8:.1f}" class="val" text-anchor="middle">{_fmt(v, unit)}</text>'
            )
        if len(segment) > 1:
            parts.append(_path(segment, dash))
    legend_y = H - 8
    for k, s in enumerate(series):
        lx = PAD_L + k * 200
        parts.append(_marker(MARKERS[k % len(MARKERS)], lx, legend_y - 4))
        parts.append(f'<line x1="{lx + 8}" y1="{legend_y - 4}" x2="{lx + 30}" y2="{legend_y - 4}" class="line" '
                     f'stroke-dasharray="{DASHES[k % len(DASHES)]}"/>')  # fmt: skip
        parts.append(f'<text x="{lx + 34}" y="{legend_y}" class="tick">{escape(s.name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text piece above is escaped


def bar_chart(title: str, bars: Sequence[tuple[str, float | None, tuple[float, float] | None]], *,
              unit: str = "%", band: tuple[float, float] | None = None) -> Markup:  # fmt: skip
    """Draw one horizontal bar per label with its value and interval whiskers written out."""
    row = 26
    height = PAD_T + row * max(len(bars), 1) + 20
    label_w = 150
    values = [v for _, v, _ in bars if v is not None] + [
        hi for _, _, ci in bars if ci for hi in ci[1:]
    ]
    top = max([*values, 1e-9]) * 1.1
    span = W - label_w - 90

    def sx(v: float) -> float:
        return label_w + span * v / top

    parts = [f'<svg class="chart" viewBox="0 0 {W} {height}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]  # fmt: skip
    for i, (label, value, ci) in enumerate(bars):
        yy = PAD_T + i * row
        parts.append(
            f'<text x="{label_w - 6}" y="{yy + 14}" class="tick" text-anchor="end">{escape(label)}</text>'
        )
        if value is None:
            parts.append(f'<text x="{label_w + 4}" y="{yy + 14}" class="tick">no data</text>')
            continue
        parts.append(
            f'<rect x="{label_w}" y="{yy + 3}" width="{max(sx(value) - label_w, 1):.1f}" height="14" class="bar"/>'
        )
        if ci:
            parts.append(
                f'<line x1="{sx(ci[0]):.1f}" y1="{yy + 10}" x2="{sx(ci[1]):.1f}" y2="{yy + 10}" class="whisker"/>'
            )
        parts.append(f'<text x="{sx(max(value, ci[1] if ci else value)) + 6:.1f}" y="{yy + 14}" class="val">'
                     f"{_fmt(value, unit)}</text>")  # fmt: skip
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text piece above is escaped


def _path(points: list[str], dash: str) -> str:
    return f'<path d="M{" L".join(points)}" class="line" fill="none" stroke-dasharray="{dash}"/>'


def _fmt(v: float, unit: str) -> str:
    if unit == "%":
        return f"{v * 100:.1f}%"
    if unit == "h":
        return f"{v / 3600:.1f} h"
    return f"{v:g}"
