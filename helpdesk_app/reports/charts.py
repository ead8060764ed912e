"""Inline SVG charts drawn on the server: no script, no CDN, readable at 390 px wide.

Labels never overlap: only the last value of each line is written out (every value is in the
table beside the chart and in each point's tooltip), x labels are thinned to fit, and a
configured threshold is a labelled dashed line. A baseline can be drawn as a shaded band.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

W, H = 480, 230
PAD_L, PAD_R, PAD_T, PAD_B = 54, 62, 16, 48
MARKERS = ("circle", "square", "triangle")
DASHES = ("", "7 4", "2 3")
MAX_X_LABELS = 6


@dataclass(frozen=True)
class Series:
    """One line: a name and one value (or a gap) per x label."""

    name: str
    values: Sequence[float | None]


def _marker(kind: str, x: float, y: float, tip: str, css: str = "mk") -> str:
    title = f"<title>{escape(tip)}</title>"
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" class="{css}">{title}</rect>'
    if kind == "triangle":
        return f'<path d="M{x:.1f} {y - 5:.1f} L{x + 5:.1f} {y + 4:.1f} L{x - 5:.1f} {y + 4:.1f} Z" class="{css}">{title}</path>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="{css}">{title}</circle>'


def _spaced(ys: list[float], gap: float) -> list[float]:
    """Move end labels apart vertically so none overlaps another."""
    order = sorted(range(len(ys)), key=lambda i: ys[i])
    out = list(ys)
    for a, b in zip(order, order[1:], strict=False):
        if out[b] - out[a] < gap:
            out[b] = out[a] + gap
    return out


def line_chart(title: str, labels: Sequence[str], series: Sequence[Series], *, unit: str = "%",
               threshold: float | None = None, threshold_label: str = "",
               band: tuple[float, float] | None = None, band_label: str = "") -> Markup:  # fmt: skip
    """Draw weekly lines with distinct markers and dashes, a threshold line and a baseline band."""
    values = [v for s in series for v in s.values if v is not None]
    extra = [threshold] if threshold is not None else []
    extra += list(band) if band else []
    top = _nice(max([*values, *extra, 1e-9]) * 1.1, unit)
    n = max(len(labels), 1)
    step = (W - PAD_L - PAD_R) / max(n - 1, 1)

    def x(i: int) -> float:
        return PAD_L + i * step

    def y(v: float) -> float:
        return PAD_T + (H - PAD_T - PAD_B) * (1 - v / top)

    parts = [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]  # fmt: skip
    if band:
        parts.append(f'<rect x="{PAD_L}" y="{y(band[1]):.1f}" width="{W - PAD_L - PAD_R}" '
                     f'height="{max(y(band[0]) - y(band[1]), 1):.1f}" class="band"/>')  # fmt: skip
        parts.append(f'<text x="{PAD_L + 4}" y="{y(band[1]) - 4:.1f}" class="tick">'
                     f"{escape(band_label or 'baseline')}</text>")  # fmt: skip
    parts += [f'<line x1="{PAD_L}" y1="{H - PAD_B}" x2="{W - PAD_R}" y2="{H - PAD_B}" class="axis"/>',
              f'<line x1="{PAD_L}" y1="{PAD_T}" x2="{PAD_L}" y2="{H - PAD_B}" class="axis"/>',
              f'<text x="{PAD_L - 6}" y="{PAD_T + 5}" class="tick" text-anchor="end">{_fmt(top, unit)}</text>',
              f'<text x="{PAD_L - 6}" y="{H - PAD_B + 4}" class="tick" text-anchor="end">0</text>']  # fmt: skip
    every = max(1, -(-n // MAX_X_LABELS))
    for i, label in enumerate(labels):
        if (n - 1 - i) % every == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{H - PAD_B + 18}" class="tick" text-anchor="middle">'
                         f"{escape(label[-3:])}</text>")  # fmt: skip
    if threshold is not None:
        ty = y(threshold)
        parts.append(
            f'<line x1="{PAD_L}" y1="{ty:.1f}" x2="{W - PAD_R}" y2="{ty:.1f}" class="limit"/>'
        )
        parts.append(f'<text x="{W - PAD_R + 4}" y="{ty + 4:.1f}" class="tick">'
                     f"{escape(threshold_label or 'limit')}</text>")  # fmt: skip
    ends: list[tuple[float, str]] = []
    for k, s in enumerate(series):
        dash = DASHES[k % len(DASHES)]
        segment: list[str] = []
        last: tuple[int, float] | None = None
        for i, v in enumerate(s.values):
            if v is None:
                if len(segment) > 1:
                    parts.append(_path(segment, dash))
                segment = []
                continue
            segment.append(f"{x(i):.1f} {y(v):.1f}")
            last = (i, v)
        if len(segment) > 1:
            parts.append(_path(segment, dash))
        for i, v in enumerate(s.values):
            if v is not None:
                tip = f"{s.name}, {labels[i] if i < len(labels) else ''}: {_fmt(v, unit)}"
                parts.append(_marker(MARKERS[k % len(MARKERS)], x(i), y(v), tip))
        if last is not None:
            ends.append((y(last[1]), _fmt(last[1], unit)))
    for (_, text), ly in zip(ends, _spaced([e[0] for e in ends], 15), strict=True):
        parts.append(f'<text x="{x(n - 1) + 8:.1f}" y="{ly + 4:.1f}" class="val">{text}</text>')
    legend_y = H - 8
    lx = float(PAD_L)
    for k, s in enumerate(series):
        parts.append(_marker(MARKERS[k % len(MARKERS)], lx, legend_y - 5, s.name))
        parts.append(f'<line x1="{lx + 8:.1f}" y1="{legend_y - 5}" x2="{lx + 28:.1f}" y2="{legend_y - 5}" class="line" '
                     f'stroke-dasharray="{DASHES[k % len(DASHES)]}"/>')  # fmt: skip
        parts.append(f'<text x="{lx + 32:.1f}" y="{legend_y}" class="tick">{escape(s.name)}</text>')
        lx += 44 + 8 * len(s.name)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text piece above is escaped


def sparkline(title: str, points: Sequence[tuple[str, float | None, bool]], *,
              fmt: Callable[[float], str], threshold: float | None = None,
              zero: bool = True) -> Markup:  # fmt: skip
    """Draw a card's small trend: one point per week, hollow grey where the sample is too small."""
    w, h, pad = 200, 44, 5
    values = [v for _, v, _ in points if v is not None]
    if not values:
        return Markup(  # noqa: S704 - the title is escaped
            f'<svg class="spark" viewBox="0 0 {w} {h}" role="img" aria-label="{escape(title)}: no data yet">'
            f'<text x="0" y="{h / 2 + 4}" class="tick">no weekly data yet</text></svg>'
        )
    lows = [*values, *([threshold] if threshold is not None else [])]
    lo = min([*lows, 0.0]) if zero else min(lows)
    hi = max(lows)
    span = (hi - lo) or 1.0
    n = max(len(points) - 1, 1)

    def px(i: int) -> float:
        return pad + (w - 2 * pad) * i / n

    def py(v: float) -> float:
        return pad + (h - 2 * pad) * (1 - (v - lo) / span)

    summary = ", ".join(
        f"{week}: {fmt(v) if v is not None else 'no data'}" for week, v, _ in points
    )
    parts = [f'<svg class="spark" viewBox="0 0 {w} {h}" preserveAspectRatio="none" role="img" '
             f'aria-label="{escape(title)}, week by week: {escape(summary)}">']  # fmt: skip
    if threshold is not None:
        parts.append(
            f'<line x1="0" y1="{py(threshold):.1f}" x2="{w}" y2="{py(threshold):.1f}" class="limit"/>'
        )
    segment: list[str] = []
    for i, (_, v, _) in enumerate(points):
        if v is None:
            if len(segment) > 1:
                parts.append(_path(segment, ""))
            segment = []
            continue
        segment.append(f"{px(i):.1f} {py(v):.1f}")
    if len(segment) > 1:
        parts.append(_path(segment, ""))
    for i, (week, v, sufficient) in enumerate(points):
        if v is not None:
            tip = f"{week}: {fmt(v)}" + ("" if sufficient else " (too few to judge)")
            parts.append(f'<circle cx="{px(i):.1f}" cy="{py(v):.1f}" r="2.5" class="mk{"" if sufficient else " thin"}">'
                         f"<title>{escape(tip)}</title></circle>")  # fmt: skip
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text piece above is escaped


def bar_chart(title: str, bars: Sequence[tuple[str, float | None, tuple[float, float] | None]], *,
              unit: str = "%", bands: dict[str, tuple[float, float]] | None = None) -> Markup:  # fmt: skip
    """Draw one bar per label, its interval as a whisker, and its target band shaded behind it."""
    row = 34
    height = PAD_T + row * max(len(bars), 1) + 8
    label_w = 130
    values = [v for _, v, _ in bars if v is not None]
    values += [hi for _, _, ci in bars if ci for hi in ci[1:]]
    values += [hi for b in (bands or {}).values() for hi in b[1:]]
    top = max([*values, 1e-9]) * 1.05
    span = W - label_w - 70

    def sx(v: float) -> float:
        return label_w + span * v / top

    parts = [f'<svg class="chart" viewBox="0 0 {W} {height}" role="img" aria-label="{escape(title)}">',
             f"<title>{escape(title)}</title>"]  # fmt: skip
    for i, (label, value, ci) in enumerate(bars):
        yy = PAD_T + i * row
        short = label if len(label) <= 16 else label[:15] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{yy + 17}" class="tick" text-anchor="end">{escape(short)}<title>{escape(label)}</title></text>'
        )
        target = (bands or {}).get(label)
        if target:
            parts.append(f'<rect x="{sx(target[0]):.1f}" y="{yy}" width="{sx(target[1]) - sx(target[0]):.1f}" '
                         f'height="26" class="target"><title>target band {_fmt(target[0], unit)}–{_fmt(target[1], unit)}</title></rect>')  # fmt: skip
        if value is None:
            parts.append(f'<text x="{label_w + 4}" y="{yy + 17}" class="tick">no data</text>')
            continue
        parts.append(
            f'<rect x="{label_w}" y="{yy + 6}" width="{max(sx(value) - label_w, 1):.1f}" height="14" class="bar"/>'
        )
        if ci:
            parts.append(
                f'<line x1="{sx(ci[0]):.1f}" y1="{yy + 13}" x2="{sx(ci[1]):.1f}" y2="{yy + 13}" class="whisker"/>'
            )
        parts.append(f'<text x="{sx(max(value, ci[1] if ci else value)) + 6:.1f}" y="{yy + 18}" class="val">'
                     f"{_fmt(value, unit)}</text>")  # fmt: skip
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text piece above is escaped


def _nice(top: float, unit: str) -> float:
    """Round an axis top up to a readable value; a share never goes past 100%."""
    if unit == "%":
        return min(1.0, math.ceil(top * 20) / 20)
    if unit == "h":
        return math.ceil(top / 3600) * 3600.0
    return top


def _path(points: list[str], dash: str) -> str:
    return f'<path d="M{" L".join(points)}" class="line" fill="none" stroke-dasharray="{dash}"/>'


def _fmt(v: float, unit: str) -> str:
    if unit == "%":
        return f"{v * 100:.1f}%"
    if unit == "h":
        return f"{v / 3600:.1f} h"
    if unit == "pts":
        return f"{v:+.1f} pts"
    return f"{v:g}"
