"""Second-tier figures we can compute from our data, and the ones that need data we lack."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.sql import Select

from handoff.metrics.context import (
    Context,
    Figure,
    Row,
    agg_key,
    rollup_query,
    sliced,
    sliced_hist,
)

COLUMNS = (
    "contacts", "engaged", "escalated", "refused", "refused_valid", "refusals_judged",
    "ai_resolved", "resolved", "packets", "packets_complete", "acknowledged",
)  # fmt: skip
SCOPES = ("all", "archetype", "segment", "channel")

# The trust figures come from the weekly QA sample's human review (random draws only).
TRUST_FIGURES = (
    "sampled_hallucination_rate",
    "grounding_citation_rate",
    "unwarranted_confidence_rate",
)
UNAVAILABLE: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Trust:
    """One trust figure's counts from the QA review: (id, numerator, denominator)."""

    id: str
    numerator: int
    denominator: int


def _refusal_note(refused: int, judged: int) -> str | None:
    """Say how many refusals nobody judged; they count as refusals of valid questions."""
    unjudged = refused - judged
    if unjudged <= 0:
        return None
    return (
        f"{unjudged} refusal(s) not judged valid or not by the bot; counted as refusals of valid "
        "questions, so this is an upper bound"
    )


def query(weeks: Iterable[str], **grouping: Any) -> Select[Any]:
    """Sum engagement, escalation, packet and resolution counts per rollup key over ``weeks``."""
    return rollup_query(COLUMNS, weeks, **grouping)


@dataclass(frozen=True)
class Operational:
    """Second-tier figures, the most-missing packet fields, and what cannot be computed."""

    figures: tuple[Figure, ...]
    most_missing: tuple[tuple[str, int], ...]
    intent_alerts: tuple[str, ...]
    unavailable: tuple[tuple[str, str], ...]


def compute(
    ctx: Context,
    rows: Sequence[Row],
    hist_rows: Sequence[Row],
    missing_rows: Sequence[Row],
    trust: Sequence[Trust] = (),
) -> Operational:
    """Turn rollup rows into escalation, packet, reply-time, refusal and cost figures."""
    figures: list[Figure] = []
    limit = ctx.config.threshold("intent_escalation_rate")
    alerts = []
    for (scope, key), s in sliced(ctx, rows, COLUMNS, ctx.window, (*SCOPES, "intent")).items():
        escalation = ctx.rate(s["escalated"], s["engaged"])
        figures.append(Figure("escalation_rate", scope, key, ctx.label, rate=escalation))
        if scope == "intent":
            if escalation.value is not None and escalation.value > limit and escalation.sufficient:
                alerts.append(key)
            continue
        # A refusal the bot did not judge counts as a refusal of a valid question.
        refused_valid = s["refused_valid"] + s["refused"] - s["refusals_judged"]
        figures += [
            Figure("refusal_rate", scope, key, ctx.label, rate=ctx.rate(refused_valid, s["engaged"]),
                   note=_refusal_note(int(s["refused"]), int(s["refusals_judged"]))),
            Figure("packet_completeness", scope, key, ctx.label, rate=ctx.rate(s["packets_complete"], s["packets"])),
            Figure("packet_acknowledged_rate", scope, key, ctx.label, rate=ctx.rate(s["acknowledged"], s["escalated"])),
        ]  # fmt: skip
    escalated = lambda r: r["path"] == "escalated"  # noqa: E731
    helpdesk = lambda r: r["path"] != "ai_only"  # noqa: E731
    for (scope, key), h in sliced_hist(
        ctx, hist_rows, "first_useful_reply", ctx.window, SCOPES, escalated
    ).items():
        figures.append(
            Figure("first_useful_reply_time", scope, key, ctx.label, quantile=ctx.quantile(h))
        )
    for (scope, key), h in sliced_hist(
        ctx, hist_rows, "first_reply", ctx.window, ("all", "path"), helpdesk
    ).items():
        figures.append(
            Figure(
                "first_response_latency_p50", scope, key, ctx.label, quantile=ctx.quantile(h, 0.5)
            )
        )
        figures.append(
            Figure(
                "first_response_latency_p99", scope, key, ctx.label, quantile=ctx.quantile(h, 0.99)
            )
        )
    figures += _costs(ctx, rows)
    figures += [
        Figure(t.id, "all", "", ctx.label, rate=ctx.rate(t.numerator, t.denominator),
               note="QA review of the random weekly sample")
        for t in trust
    ]  # fmt: skip
    missing: Counter[str] = Counter()
    wanted = {*ctx.window, agg_key(ctx.window)}
    for row in missing_rows:
        if row["week"] in wanted:
            missing.update({k: int(v) for k, v in (row["missing"] or {}).items()})
    return Operational(
        tuple(figures),
        tuple(sorted(missing.items(), key=lambda kv: (-kv[1], kv[0]))),
        tuple(sorted(alerts)),
        UNAVAILABLE,
    )


def _costs(ctx: Context, rows: Sequence[Row]) -> list[Figure]:
    """Cost per resolved contact, AI path and human paths, from the configured unit costs."""
    costs = ctx.config.unit_costs
    bot, human = costs.get("bot_conversation"), costs.get("human_ticket")
    if bot is None or human is None:
        return [Figure("cost_per_resolved", "all", "", ctx.label, note="unit costs not configured")]
    s = sliced(ctx, rows, COLUMNS, ctx.window, ("path",))
    ai = s.get(("path", "ai_only"), dict.fromkeys(COLUMNS, 0))
    esc = s.get(("path", "escalated"), dict.fromkeys(COLUMNS, 0))
    hum = s.get(("path", "human_only"), dict.fromkeys(COLUMNS, 0))
    currency = costs.get("currency", "")
    out = []
    # AI: every bot conversation that ended on the ai_only path costs a bot conversation.
    if ai["ai_resolved"]:
        out.append(Figure("cost_per_resolved", "path", "ai_only", ctx.label,
                          amount=ai["engaged"] * bot / ai["ai_resolved"], count=int(ai["ai_resolved"]),
                          note=f"{currency} per resolved contact"))  # fmt: skip
    resolved = esc["resolved"] + hum["resolved"]
    if resolved:
        spent = (esc["contacts"] + hum["contacts"]) * human + esc["engaged"] * bot
        out.append(Figure("cost_per_resolved", "path", "human", ctx.label, amount=spent / resolved,
                          count=int(resolved), note=f"{currency} per solved ticket (escalated and human_only)"))  # fmt: skip
    return out
