"""The panel's figures computed from the scenario and the panel spec alone.

Written from the spec by someone who did not read the metrics code. Every reading the spec left
open is written down in tests/truth/README.md; the numbers in comments refer to it.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tests.truth.scenario import (
    ARCHETYPES,
    BASELINE_END,
    BASELINE_START,
    END_OF_DATA,
    TIMEZONE,
    Contact,
    Scenario,
)

TZ = ZoneInfo(TIMEZONE)
# Every ticket the sandbox holds reports via.channel "api": the channel of a contact no bot
# touched is the ticket's channel as Zendesk reports it.
HUMAN_CHANNEL = "api"

RATE_FIGURES = (
    "deflection_rate",
    "deflection_attempt_rate",
    "containment_rate",
    "abandonment_rate",
    "escalation_rate",
    "context_loss_rate",
    "repetition_rate",
    "repeat_contact_24h",
    "repeat_contact_7d",
    "repeat_contact_30d",
)
CSAT_FIGURES = ("resolution_csat", "delayed_csat", "escalated_csat_delta")
MEDIAN_FIGURES = ("bot_handle_time", "escalated_handle_time")
SCOPES = ("all", "archetype", "segment", "channel", "path", "intent")


def week_of(moment: datetime) -> str:
    """ISO week of ``moment`` in the configured time zone, as 2026-W05."""
    y, w, _ = moment.astimezone(TZ).isocalendar()
    return f"{y}-W{w:02d}"


def weeks_between(first: date, last: date) -> list[str]:
    """Whole ISO weeks from the week of ``first`` to the week of ``last``."""
    out: list[str] = []
    d = first
    while d <= last:
        y, w, _ = d.isocalendar()
        key = f"{y}-W{w:02d}"
        if key not in out:
            out.append(key)
        d += timedelta(days=1)
    return out


def baseline_weeks() -> list[str]:
    """Whole ISO weeks inside the configured baseline period (R3)."""
    out = []
    d = BASELINE_START
    while d <= BASELINE_END:
        if d.weekday() == 0 and d + timedelta(days=6) <= BASELINE_END:
            y, w, _ = d.isocalendar()
            out.append(f"{y}-W{w:02d}")
        d += timedelta(days=1)
    return out


def parse(raw: str) -> datetime:
    return datetime.fromisoformat(raw.replace("Z", "+00:00"))


@dataclass
class Facts:
    """One contact as the spec sees it."""

    key: str
    archetype: str
    intent: str
    segment: str
    channel: str | None
    path: str  # ai_only | escalated | human_only
    time: datetime  # the customer's first message (R1)
    customer: int  # identity class
    outcome: str | None  # the first conversation's outcome
    resolved_at: datetime | None
    handoff: datetime | None
    bot_end: datetime | None
    csat: str | None  # latest good|bad
    csat_offered: bool
    delayed: str | None
    flagged: bool
    repetition: bool
    baseline: bool
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def week(self) -> str:
        return week_of(self.time)

    @property
    def engaged(self) -> bool:
        return self.path != "human_only"

    def key_for(self, scope: str) -> str | None:
        return {
            "all": "",
            "archetype": self.archetype,
            "segment": self.segment,
            "channel": self.channel,
            "path": self.path,
            "intent": self.intent,
        }[scope]


class _Identities:
    """Union-find over customer identities: bot customer id, Zendesk external_id, email (R5)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, *xs: str) -> None:
        roots = [self.find(x) for x in xs]
        for r in roots[1:]:
            self.parent[r] = roots[0]


def contact_facts(sc: Scenario) -> list[Facts]:
    users = sc.users
    ids = _Identities()
    for u in users.values():
        if u.role == "end-user":
            keys = [f"email:{u.email}"] if u.email else []
            if u.external_id:
                keys.append(f"id:{u.external_id}")
            if keys:
                ids.union(*keys)

    def ident(c: Contact) -> str:
        keys: list[str] = []
        for b in (*c.conversations, *c.packets):
            cust = b.body.get("customer") or {}
            if cust.get("id"):
                keys.append(f"id:{cust['id']}")
            if cust.get("email"):
                keys.append(f"email:{cust['email']}")
        if c.ticket:
            u = users[sc.tickets[c.ticket].requester]
            if u.external_id:
                keys.append(f"id:{u.external_id}")
            if u.email:
                keys.append(f"email:{u.email}")
        ids.union(*keys)
        return ids.find(keys[0])

    roots = {c.key: ident(c) for c in sc.contacts}
    numbering: dict[str, int] = {}
    out: list[Facts] = []
    for c in sc.contacts:
        root = ids.find(roots[c.key])
        cust_no = numbering.setdefault(root, len(numbering) + 1)
        out.append(_facts(sc, c, cust_no))
    return out


def _first_customer_at(body: dict[str, Any]) -> datetime | None:
    for m in body.get("transcript") or []:
        if m["role"] == "customer" and m.get("at"):
            return parse(m["at"])
    return None


def _facts(sc: Scenario, c: Contact, cust_no: int) -> Facts:
    users = sc.users
    t = sc.tickets.get(c.ticket) if c.ticket else None
    bodies = [*c.conversations, *c.packets]
    touched = bool(bodies)

    def is_agent(author: str) -> bool:
        u = users[author]
        return u.role == "agent" and not u.is_bot

    # Contact time (R1): the first customer message, else the conversation's start.
    if touched:
        firsts = [x for x in (_first_customer_at(b.body) for b in bodies) if x]
        if firsts:
            time = min(firsts)
        else:
            time = min(parse(b.body["started_at"]) for b in c.conversations)
    else:
        assert t is not None
        time = t.comments[0].at

    # Path (R2): from what happened on the ticket.
    human_public = []
    if t:
        human_public = [
            x for x in t.comments if x.public and is_agent(x.author) and x is not t.comments[0]
        ] if touched else [x for x in t.comments if x.public and is_agent(x.author)]  # fmt: skip
    if not touched:
        path = "human_only"
    elif human_public:
        path = "escalated"
    else:
        path = "ai_only"

    convs = sorted(c.conversations, key=lambda b: parse(b.body["started_at"]))
    outcome = convs[0].body["outcome"] if convs else ("escalated" if c.packets else None)

    # Handoff (R6): the first escalation as the conversation shows it; else the packet's moment;
    # else (bot said resolved, a human replied) the end of the bot's conversation. Never after
    # the first human reply.
    handoff: datetime | None = None
    if path == "escalated":
        esc = [parse(b.body["ended_at"]) for b in convs if b.body["outcome"] == "escalated"]
        if esc:
            handoff = min(esc)
        elif c.packets:
            handoff = min(parse(p.body["created_at"]) for p in c.packets)
        else:
            handoff = parse(convs[0].body["ended_at"])
        first_human = min(x.at for x in human_public)
        handoff = min(handoff, first_human)

    # The bot's end: resolution (ai_only resolved) or handoff.
    bot_end: datetime | None = None
    if path == "escalated":
        bot_end = handoff if outcome == "escalated" else parse(convs[0].body["ended_at"])
    elif path == "ai_only" and outcome == "resolved":
        bot_end = parse(convs[0].body["ended_at"])

    # Resolved (R8): ai_only by the bot's resolution; tickets at their last solve, if solved
    # at the end of the data.
    resolved_at: datetime | None = None
    if path == "ai_only":
        resolved_at = bot_end
    elif t and t.statuses and t.statuses[-1][1] in ("solved", "closed"):
        resolved_at = t.statuses[-1][0]

    csat = None
    offered = False
    if t and t.ratings:
        latest = t.ratings[-1][1]
        if latest in ("good", "bad"):
            csat = latest
        elif latest == "offered":
            offered = True
    delayed = t.delayed[1] if t and t.delayed else None
    flagged = bool(t and t.flags and t.flags[-1][1])

    repetition = False
    if path == "escalated" and t and handoff:
        turns = [x.at for x in t.comments if x.public and is_agent(x.author) and x.at > handoff]
        turns.sort()
        window_end = turns[3] if len(turns) >= 4 else None
        for x in t.comments:
            if x.author == t.requester and x.repetition and x.at > handoff:
                if window_end is None or x.at < window_end:
                    repetition = True

    return Facts(
        key=c.key,
        archetype=c.archetype,
        intent=c.intent,
        segment=c.segment,
        channel=c.channel if touched else HUMAN_CHANNEL,
        path=path,
        time=time,
        customer=cust_no,
        outcome=outcome,
        resolved_at=resolved_at,
        handoff=handoff,
        bot_end=bot_end,
        csat=csat,
        csat_offered=offered,
        delayed=delayed,
        flagged=flagged,
        repetition=repetition,
        baseline=c.baseline,
        extra={
            "ticket": c.ticket,
            "solved_at": resolved_at if path != "ai_only" else None,
            "created_at": t.created_at if t else None,
            "note": c.note,
            "model_csat": [b.body["model_csat"] for b in convs if "model_csat" in b.body],
        },
    )


@dataclass
class Row:
    id: str
    window: str
    scope: str
    key: str
    numerator: float | None
    denominator: int
    value: float | None
    baseline_value: float | None = None
    baseline_n: int | None = None
    kind: str = "rate"  # rate | csat | median
    lo: float | None = None  # medians: the lower and upper median (minutes)
    hi: float | None = None


def _median(values: list[float]) -> tuple[float | None, float | None, float | None]:
    if not values:
        return None, None, None
    s = sorted(values)
    n = len(s)
    return statistics.median(s), s[(n - 1) // 2], s[n // 2]


class Oracle:
    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        self.facts = contact_facts(sc)
        self.base_weeks = set(baseline_weeks())
        self.baseline = [f for f in self.facts if f.week in self.base_weeks]
        self._repeat = {w: self._repeats(w) for w in (1, 7, 30)}

    # ---- helpers ---------------------------------------------------------------------------
    def _repeats(self, days: int) -> dict[str, bool]:
        """Contact key -> a new contact of the same customer and archetype followed (R9)."""
        out: dict[str, bool] = {}
        by_cust: dict[tuple[int, str], list[Facts]] = defaultdict(list)
        for f in self.facts:
            by_cust[(f.customer, f.archetype)].append(f)
        for f in self.facts:
            if f.resolved_at is None:
                continue
            limit = f.resolved_at + timedelta(days=days)
            out[f.key] = any(
                g.key != f.key and f.resolved_at < g.time <= limit
                for g in by_cust[(f.customer, f.archetype)]
            )
        return out

    @staticmethod
    def _slices(
        facts: list[Facts], scope: str, lines: dict[str, str] | None = None
    ) -> dict[str, list[Facts]]:
        out: dict[str, list[Facts]] = defaultdict(list)
        for f in facts:
            k = f.key_for(scope)
            if k is None:
                continue
            if lines:
                k = lines.get(k, k)
            out[k].append(f)
        return out

    # ---- figures ---------------------------------------------------------------------------
    def rows(self, weeks: list[str], archetype_lines: dict[str, str] | None = None) -> list[Row]:
        """Every figure, scope and key for the window made of ``weeks``.

        ``archetype_lines`` maps an archetype to the line it is shown on (itself, or
        ``long_tail`` beyond the configured top N); archetype rows are computed per line.
        """
        window = weeks[0] if len(weeks) == 1 else f"{weeks[0]}..{weeks[-1]}"
        inside = [f for f in self.facts if f.week in set(weeks)]
        out: list[Row] = []
        for scope in SCOPES:
            lines = archetype_lines if scope == "archetype" else None
            cur = self._slices(inside, scope, lines)
            base = self._slices(self.baseline, scope, lines)
            for key, fs in sorted(cur.items()):
                # Path slices compare with the whole pre-deployment baseline: before the bot
                # there were no paths, every contact was the humans' (R3).
                ref = self.baseline if scope == "path" else base.get(key, [])
                out.extend(self._figures(window, scope, key, fs, ref))
        return out

    def _figures(
        self, window: str, scope: str, key: str, fs: list[Facts], base: list[Facts]
    ) -> list[Row]:
        out: list[Row] = []

        def rate(fid: str, num: int, den: int) -> None:
            out.append(Row(fid, window, scope, key, num, den, num / den if den else None))

        engaged = [f for f in fs if f.engaged]
        escalated = [f for f in fs if f.path == "escalated"]
        ai = [f for f in fs if f.path == "ai_only"]
        rate("deflection_rate", sum(f.outcome == "resolved" for f in ai), len(fs))
        rate("deflection_attempt_rate", len(engaged), len(fs))
        rate("containment_rate", sum(f.outcome == "resolved" for f in ai), len(engaged))
        rate("abandonment_rate", sum(f.outcome == "abandoned" for f in ai), len(engaged))
        rate("escalation_rate", len(escalated), len(engaged))
        rate("context_loss_rate", sum(f.flagged for f in escalated), len(escalated))
        rate("repetition_rate", sum(f.repetition for f in escalated), len(escalated))
        for days, fid in ((1, "repeat_contact_24h"), (7, "repeat_contact_7d"),
                          (30, "repeat_contact_30d")):  # fmt: skip
            resolved = [f for f in fs if f.resolved_at is not None]
            rate(fid, sum(self._repeat[days][f.key] for f in resolved), len(resolved))

        def csat(fid: str, cur: list[str | None], ref: list[str | None], delta: bool) -> None:
            good = sum(s == "good" for s in cur)
            n = sum(s in ("good", "bad") for s in cur)
            bgood = sum(s == "good" for s in ref)
            bn = sum(s in ("good", "bad") for s in ref)
            value = 100.0 * good / n if n else None
            bvalue = 100.0 * bgood / bn if bn else None
            if delta:
                value = value - bvalue if value is not None and bvalue is not None else None
            out.append(Row(fid, window, scope, key, good, n, value, bvalue, bn, kind="csat"))

        csat("resolution_csat", [f.csat for f in fs], [f.csat for f in base], False)
        csat("delayed_csat", [f.delayed for f in fs], [f.delayed for f in base], False)
        csat("escalated_csat_delta", [f.csat for f in escalated], [f.csat for f in base], True)

        # Response rate beside each CSAT: answered / surveys offered (answered + `offered`).
        answered = sum(f.csat is not None for f in fs)
        rate("resolution_csat_response_rate", answered,
             answered + sum(f.csat_offered for f in fs))  # fmt: skip
        # Delayed surveys: only answers have a way in, so every survey sent was answered.
        n_delayed = sum(f.delayed is not None for f in fs)
        rate("delayed_csat_response_rate", n_delayed, n_delayed)
        rate("refusal_rate", sum(f.outcome == "refused" for f in ai), len(engaged))
        scores = [s for f in fs for s in f.extra.get("model_csat", [])]
        out.append(Row("model_csat", window, scope, key, None, len(scores),
                       sum(scores) / len(scores) if scores else None, kind="mean"))  # fmt: skip

        def median(fid: str, values: list[float], ref: list[float]) -> None:
            m, lo, hi = _median(values)
            bm = _median(ref)[0]
            out.append(Row(fid, window, scope, key, None, len(values), m, bm, len(ref) or None,
                           kind="median", lo=lo, hi=hi))  # fmt: skip

        bot = [(f.bot_end - f.time).total_seconds() / 60 for f in fs if f.bot_end is not None]
        median("bot_handle_time", bot, [])
        esc = [
            (f.resolved_at - f.handoff).total_seconds() / 60
            for f in escalated
            if f.handoff is not None and f.resolved_at is not None
        ]
        base_ht = [
            (f.resolved_at - f.extra["created_at"]).total_seconds() / 60
            for f in base
            if f.resolved_at is not None and f.extra["created_at"] is not None
        ]
        median("escalated_handle_time", esc, base_ht)
        return out

    # ---- the ways the product slices time --------------------------------------------------
    def live_weeks(self) -> list[str]:
        from tests.truth.scenario import LIVE_START, LIVE_WEEKS

        return weeks_between(
            LIVE_START, LIVE_START + timedelta(weeks=LIVE_WEEKS) - timedelta(days=1)
        )

    def window_rows(self, window: str, archetype_lines: dict[str, str] | None = None) -> list[Row]:
        """Rows for a window label as the product writes it: 2026-W40 or 2026-W37..2026-W40."""
        if ".." in window:
            a, b = window.split("..")
            all_weeks = self._all_weeks()
            weeks = all_weeks[all_weeks.index(a) : all_weeks.index(b) + 1]
        else:
            weeks = [window]
        return self.rows(weeks, archetype_lines)

    def window_weeks(self, window: str) -> list[str]:
        a, b = window.split("..")
        all_weeks = self._all_weeks()
        return all_weeks[all_weeks.index(a) : all_weeks.index(b) + 1]

    @staticmethod
    def _all_weeks() -> list[str]:
        return weeks_between(date(2026, 1, 1), END_OF_DATA.date() + timedelta(days=60))


def tier(archetype: str) -> str:
    return ARCHETYPES[archetype][0]


def members(oracle: Oracle, fid: str, weeks: list[str]) -> dict[str, bool]:
    """Contact key -> in the numerator, for the contacts in ``fid``'s denominator (scope all)."""
    out: dict[str, bool] = {}
    rep = {"repeat_contact_24h": 1, "repeat_contact_7d": 7, "repeat_contact_30d": 30}
    for f in oracle.facts:
        if f.week not in weeks:
            continue
        ai_res = f.path == "ai_only" and f.outcome == "resolved"
        if fid == "deflection_rate":
            out[f.key] = ai_res
        elif fid == "deflection_attempt_rate":
            out[f.key] = f.engaged
        elif fid in ("containment_rate", "abandonment_rate", "escalation_rate", "refusal_rate"):
            if f.engaged:
                out[f.key] = {
                    "containment_rate": ai_res,
                    "abandonment_rate": f.path == "ai_only" and f.outcome == "abandoned",
                    "escalation_rate": f.path == "escalated",
                    "refusal_rate": f.path == "ai_only" and f.outcome == "refused",
                }[fid]
        elif fid in ("context_loss_rate", "repetition_rate"):
            if f.path == "escalated":
                out[f.key] = f.flagged if fid == "context_loss_rate" else f.repetition
        elif fid in rep:
            if f.resolved_at is not None:
                out[f.key] = oracle._repeat[rep[fid]][f.key]
        elif fid in ("resolution_csat", "escalated_csat_delta"):
            if f.csat and (fid == "resolution_csat" or f.path == "escalated"):
                out[f.key] = f.csat == "good"
        elif fid == "delayed_csat":
            if f.delayed:
                out[f.key] = f.delayed == "good"
        elif fid == "bot_handle_time":
            if f.bot_end is not None:
                out[f.key] = True
        elif fid == "escalated_handle_time":
            if f.path == "escalated" and f.handoff and f.resolved_at:
                out[f.key] = True
    return out
