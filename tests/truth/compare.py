"""Compare the panel's exported figure rows with the oracle's rows.

Exact for counts and rates (the export rounds values to 4 decimals, deltas to 2); medians within
the histogram bucket the panel documents; repetition within the detector's stated error.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from tests.truth.oracle import Oracle, Row

# Figures compared, by how.
RATES = {
    "deflection_rate", "deflection_attempt_rate", "containment_rate", "abandonment_rate",
    "escalation_rate", "context_loss_rate", "repeat_contact_24h", "repeat_contact_7d",
    "repeat_contact_30d", "refusal_rate", "resolution_csat_response_rate",
    "delayed_csat_response_rate",
}  # fmt: skip
DETECTOR = {"repetition_rate"}
CSAT = {"resolution_csat": "resolution_csat", "delayed_csat": "delayed_csat"}
DELTAS = {
    "resolution_csat_delta": "resolution_csat",
    "delayed_csat_delta": "delayed_csat",
    "escalated_csat_delta": "escalated_csat_delta",
}
MEDIANS = {"bot_handle_time", "escalated_handle_time"}
MEANS = {"model_csat"}
COMPARED = RATES | DETECTOR | set(CSAT) | set(DELTAS) | MEDIANS | MEANS

VIEWS: list[tuple[str, str]] = [
    *(("weekly", f"2026-W{w:02d}") for w in range(36, 45)),
    ("monthly", "2026-W39"),
    ("monthly", "2026-W44"),
    ("quarterly", "2026-W44"),
]


def detector_tolerance(true_count: float) -> int:
    """The repetition detector's allowed error on a row's numerator (README, R14)."""
    return max(1, math.ceil(0.10 * true_count))


def bucket_floor(minutes: float) -> float:
    """Lower edge of the panel's histogram bucket holding ``minutes`` (documented in its notes)."""
    if minutes < 60:
        step = 1.0
    elif minutes < 24 * 60:
        step = 5.0
    elif minutes < 7 * 24 * 60:
        step = 60.0
    elif minutes < 35 * 24 * 60:
        step = 360.0
    else:
        step = 1440.0
    return math.floor(minutes / step) * step


@dataclass
class Mismatch:
    view: str
    figure: str
    window: str
    scope: str
    key: str
    expected: str
    got: str
    why: str


@dataclass
class Result:
    compared: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    not_compared: Counter[str] = field(default_factory=Counter)

    def table(self, limit: int | None = None) -> str:
        head = ("view", "figure", "window", "scope", "key", "expected", "got", "why")
        rows = [
            (m.view, m.figure, m.window, m.scope, m.key or "-", m.expected, m.got, m.why)
            for m in self.mismatches[:limit]
        ]
        widths = [max(len(str(r[i])) for r in [head, *rows]) for i in range(len(head))]
        lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True))
                 for r in [head, *rows]]  # fmt: skip
        if limit is not None and len(self.mismatches) > limit:
            lines.append(f"... and {len(self.mismatches) - limit} more")
        return "\n".join(lines)

    def summary(self) -> str:
        by_fig = Counter(m.figure for m in self.mismatches)
        by_why = Counter(m.why.split(":")[0] for m in self.mismatches)
        return (
            f"{self.compared} figure rows compared, {len(self.mismatches)} mismatch\n"
            f"  by figure: {dict(by_fig.most_common())}\n"
            f"  by kind:   {dict(by_why.most_common())}\n"
            f"  not compared (product rows of figures the oracle does not cover): "
            f"{dict(self.not_compared.most_common())}"
        )


def _nd(num: Any, den: Any) -> str:
    return f"{num}/{den}"


def _close(a: float | None, b: float | None, tol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol


def _fmt(v: float | None, digits: int = 4) -> str:
    return "None" if v is None else f"{v:.{digits}f}"


def compare_rows(
    view: str, product: list[dict[str, Any]], oracle: Oracle, archetype_lines: dict[str, str],
    result: Result,
) -> None:  # fmt: skip
    """Compare one exported table (figures or series) with the oracle, into ``result``."""
    cache: dict[str, dict[tuple[str, str, str], Row]] = {}

    def expected(window: str) -> dict[tuple[str, str, str], Row]:
        if window not in cache:
            cache[window] = {
                (r.id, r.scope, r.key): r for r in oracle.window_rows(window, archetype_lines)
            }
        return cache[window]

    seen: set[tuple[str, str, str, str]] = set()
    scopes_reported: set[tuple[str, str, str]] = set()
    for p in product:
        fid, scope, key, window = p["id"], p["scope"], p["key"], p["window"]
        if fid not in COMPARED:
            result.not_compared[fid] += 1
            continue
        if scope == "week":  # the series: one row per week
            scope, key, window = "all", "", p["key"]
        scopes_reported.add((fid, scope, window))
        oracle_id = CSAT.get(fid) or DELTAS.get(fid) or fid
        exp = expected(window).get((oracle_id, scope, key))
        seen.add((oracle_id, scope, key, window))
        result.compared += 1

        def bad(e: str, g: str, why: str, fid: str = fid, window: str = window, p: Any = p) -> None:
            result.mismatches.append(Mismatch(view, fid, window, p["scope"], p["key"], e, g, why))

        got_nd = _nd(p.get("numerator"), p.get("denominator"))
        if exp is None:
            if (p.get("denominator") or p.get("n") or 0) != 0:
                bad("0/0", got_nd if p.get("denominator") is not None else f"n={p.get('n')}",
                    "unexpected: no such contacts in the truth")  # fmt: skip
            continue
        if fid in RATES or fid in DETECTOR or fid in CSAT or fid in DELTAS:
            num, den = p.get("numerator"), p.get("denominator")
            exp_nd = _nd(int(exp.numerator or 0), exp.denominator)
            if den != exp.denominator:
                bad(exp_nd, got_nd, "count: denominator")
                continue
            if fid in DETECTOR:
                tol = detector_tolerance(exp.numerator or 0)
                if num is None or abs(num - (exp.numerator or 0)) > tol:
                    bad(exp_nd, got_nd, f"count: numerator beyond detector error (+-{tol})")
                continue
            if num != exp.numerator:
                bad(exp_nd, got_nd, "count: numerator")
                continue
            if fid in DELTAS:
                if p.get("baseline_n") != exp.baseline_n and (
                    exp.baseline_n or p.get("baseline_n")
                ):
                    bad(f"baseline n={exp.baseline_n}", f"baseline n={p.get('baseline_n')}",
                        "baseline: count")  # fmt: skip
                    continue
                bv = None if exp.baseline_value is None else exp.baseline_value / 100
                if not _close(p.get("baseline_value"), bv, 6e-5):
                    bad(f"baseline {_fmt(bv)}", f"baseline {_fmt(p.get('baseline_value'))}",
                        "baseline: value")  # fmt: skip
                    continue
                delta = exp.value
                if oracle_id != "escalated_csat_delta":  # the oracle's row holds the CSAT itself
                    delta = (
                        exp.value - exp.baseline_value
                        if exp.value is not None and exp.baseline_value is not None
                        else None
                    )
                if not _close(p.get("value"), delta, 0.006):
                    bad(_fmt(delta, 2), _fmt(p.get("value"), 2), "value: delta points")
                continue
            want = exp.value / 100 if fid in CSAT and exp.value is not None else exp.value
            if not _close(p.get("value"), want, 6e-5):
                bad(_fmt(want), _fmt(p.get("value")), "value")
            continue
        if fid in MEDIANS:
            n = p.get("n")
            if n != exp.denominator:
                bad(f"n={exp.denominator}", f"n={n}", "count: n")
                continue
            v = p.get("value")
            if exp.lo is None:
                if v is not None:
                    bad("None", str(v), "value: median")
                continue
            lo, hi = bucket_floor(exp.lo) * 60, exp.hi * 60  # seconds
            if v is None or not (lo - 1e-6 <= v <= hi + 1e-6):
                bad(f"{lo:.0f}..{hi:.0f}s", str(v), "value: median outside its bucket")
            continue
        if fid in MEANS:
            n = p.get("n")
            if n != exp.denominator:
                bad(f"n={exp.denominator}", f"n={n}", "count: n")
                continue
            if not _close(p.get("value"), exp.value, 6e-3):
                bad(_fmt(exp.value), str(p.get("value")), "value: mean")

    # Rows the truth has (with contacts) that the product leaves out, for figure/scope/window
    # combinations the product does report.
    for window in {w for (_, _, w) in scopes_reported}:
        for (oid, scope, key), r in expected(window).items():
            if not r.denominator:
                continue
            pids = [oid] if oid not in ("resolution_csat", "delayed_csat", "escalated_csat_delta") else [
                k for k, v in {**CSAT, **DELTAS}.items() if v == oid
            ]  # fmt: skip
            if oid.startswith("repeat_contact_") and scope == "path" and key == "human_only":
                continue  # the spec reports repeat contact per path: ai_only vs escalated
            for pid in pids:
                if (pid, scope, window) in scopes_reported and (
                    oid,
                    scope,
                    key,
                    window,
                ) not in seen:
                    result.compared += 1
                    result.mismatches.append(
                        Mismatch(
                            view,
                            pid,
                            window,
                            scope,
                            key,
                            _nd(r.numerator if r.numerator is not None else "-", r.denominator),
                            "absent",
                            "missing row",
                        )  # fmt: skip
                    )


def compare_exports(exports: dict[str, dict[str, Any]], oracle: Oracle) -> Result:
    """``exports[view_label] = {"rows": [...], "archetype_lines": {...}}``."""
    result = Result()
    for label, e in exports.items():
        compare_rows(label, e["rows"], oracle, e["archetype_lines"], result)
        if e.get("headline") is not None:
            compare_headline(
                label, e["window"], e["headline"], oracle, e["archetype_lines"], result
            )
    return result


def export_all(fed: Any) -> dict[str, dict[str, Any]]:
    """Every view the comparison reads: weekly per live week, monthly, quarterly, the series."""
    out: dict[str, dict[str, Any]] = {}
    for view, week in VIEWS:
        panel = fed.panel(view, week)
        rows = fed.table("figures", view, week)
        out[f"{view} {week}"] = {
            "rows": rows,
            "archetype_lines": panel.get("archetype_lines") or {},
            "headline": fed.table("headline", view, week),
            "window": next(r["window"] for r in rows if r["id"] == "deflection_rate"),
        }
    panel = fed.panel("weekly", "2026-W44")
    out["series 2026-W44"] = {
        "rows": fed.table("series", "weekly", "2026-W44"),
        "archetype_lines": panel.get("archetype_lines") or {},
    }
    return out


DRILLED = [
    "deflection_rate", "deflection_attempt_rate", "containment_rate", "abandonment_rate",
    "escalation_rate", "refusal_rate", "context_loss_rate", "repetition_rate",
    "repeat_contact_24h", "repeat_contact_7d", "repeat_contact_30d", "resolution_csat",
    "delayed_csat", "escalated_csat_delta", "bot_handle_time", "escalated_handle_time",
]  # fmt: skip


def drill_diff(fed: Any, oracle: Oracle, scenario: Any, view: str, week: str) -> list[str]:
    """Contact-level differences behind each drilled figure (scope all) of one view."""
    from tests.truth.oracle import members

    by_conv: dict[str, str] = {}
    by_ticket: dict[int, str] = {}
    for c in scenario.contacts:
        for b in c.conversations:
            by_conv[b.body["conversation_id"]] = c.key
        for b in c.packets:
            by_conv[b.body["packet_id"]] = c.key
        if c.ticket:
            by_ticket[fed.ticket_ids[c.ticket]] = c.key
    notes = {c.key: c.note for c in scenario.contacts}
    lines: list[str] = []
    for fid in DRILLED:
        r = fed.client.get(
            f"/api/v1/reports/drill/{fid}?scope=all&view={view}&week={week}",
            headers={"Authorization": f"Bearer {fed.reports_token}"},
        )
        if r.status_code != 200:
            lines.append(f"{fid}: drill answered {r.status_code}")
            continue
        data = r.get_json()
        weeks = list(data.get("weeks") or [week])
        window = weeks[0] if len(weeks) == 1 else f"{weeks[0]}..{weeks[-1]}"
        truth = members(oracle, fid, weeks)
        got: dict[str, list[bool]] = {}
        for pc in data.get("contacts", []):
            key = by_ticket.get(pc.get("ticket_id") or -1) or by_conv.get(
                str(pc.get("contact_key", "")).split(":", 1)[-1], pc.get("contact_key")
            )
            got.setdefault(str(key), []).append(bool(pc.get("in_numerator")))
        for key, flags in sorted(got.items()):
            label = f"{key} {notes.get(key, '')}".strip()
            if len(flags) > 1:
                lines.append(f"{fid} {window}: {label} counted {len(flags)} times")
            if key not in truth:
                lines.append(f"{fid} {window}: {label} in the product's denominator only")
            elif flags[0] != truth[key]:
                lines.append(
                    f"{fid} {window}: {label} numerator product={flags[0]} truth={truth[key]}"
                )
        for key in sorted(set(truth) - set(got)):
            label = f"{key} {notes.get(key, '')}".strip()
            lines.append(f"{fid} {window}: {label} in the truth's denominator only")
    return lines


def min_sample() -> int:
    """The configured minimum sample (the product configuration the feed uses)."""
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    data = yaml.safe_load((root / "config" / "product.example.yaml").read_text())
    return int(data.get("min_sample", 1))


def compare_headline(
    view: str, window: str, lines_rows: list[dict[str, Any]], oracle: Oracle,
    archetype_lines: dict[str, str], result: Result,
) -> None:  # fmt: skip
    """CSAT-protected deflection, one line per archetype: deflection and the verdict.

    A delta is judged only when it has a baseline and both its current and baseline ratings
    reach the configured minimum; any judged delta at or below the protected threshold makes the
    line "not protected"; both deltas judged and above it make it "protected"; otherwise the
    line is "not judged" (protected = None).
    """
    minimum = min_sample()
    rows = {
        (r.id, r.key): r
        for r in oracle.window_rows(window, archetype_lines)
        if r.scope == "archetype"
    }
    for line in lines_rows:
        key = line["archetype"]
        defl = rows.get(("deflection_rate", key))
        result.compared += 2

        def bad(e: str, g: str, why: str, key: str = key) -> None:
            result.mismatches.append(
                Mismatch(view, "headline", window, "archetype", key, e, g, why)
            )

        want = defl.value if defl else None
        if not _close(line.get("deflection_rate"), want, 6e-5):
            bad(_fmt(want), _fmt(line.get("deflection_rate")), "value: headline deflection")
        verdicts = []
        for fid in ("resolution_csat", "delayed_csat"):
            r = rows.get((fid, key))
            if r is None or r.value is None or r.baseline_value is None:
                verdicts.append(None)
                continue
            judged = r.denominator >= minimum and (r.baseline_n or 0) >= minimum
            verdicts.append((r.value - r.baseline_value) if judged else None)
        if any(v is not None and v <= -2 for v in verdicts):
            expected: bool | None = False
        elif all(v is not None for v in verdicts):
            expected = True
        else:
            expected = None
        if line.get("protected") != expected:
            label = {None: "not judged", True: "protected", False: "not protected"}
            bad(label[expected], label.get(line.get("protected"), str(line.get("protected"))),
                "verdict: CSAT-protected line")  # fmt: skip
