"""A support operation small enough to check every figure by hand (see test_panel_fixture.py).

Weeks are ISO weeks in Europe/Berlin (UTC+1 in winter). Baseline = 2026-W01 (no bot).
The monthly view on 2026-02-04 covers 2026-W02..2026-W05; 2026-W03 is empty on purpose.

| contact | week | path | intent | notes |
|---|---|---|---|---|
| t:1 | W01 | human_only | order_status | a@x, solved after 4 h, rated good, delayed good |
| t:2 | W01 | human_only | order_status | z@x, solved after 6 h, rated good |
| t:3 | W01 | human_only | returns | y@x, solved after 2 h, rated bad |
| c:C1 | W02 | ai_only | order_status | a@x, resolved in 10 min, ticket 101 rated good, delayed sent, no answer, segment pro |
| c:C2 | W02 | escalated | order_status | b@x, handoff after 20 min, solved 6 h later, rated bad, delayed bad, flagged, repetition, re-ask, packet lacks identifiers, segment free |
| c:C3 | W04 | ai_only | returns | c@x, abandoned, web, segment free (from the conversation) |
| c:C4 | W04 | escalated | returns | d@x, handoff after 10 min, solved 4 h later, rated good, delayed good, acknowledged, web, segment pro |
| t:105 | W04 | human_only | billing_dispute | e@x, email, solved after 2 h, survey offered but unanswered, segment pro |
| c:C6 | W05 | ai_only | order_status | a@x, Sunday 23:30 Berlin, resolved in 10 min, segment unknown |
| c:C7 | W06 | ai_only | order_status | a@x, Monday 00:30 Berlin: next week, outside the view |
"""

from __future__ import annotations

from datetime import UTC, datetime

from tests.handoff.metrics.conftest import World

NOW = datetime(2026, 2, 4, 9, 30, tzinfo=UTC)


def build(w: World) -> None:
    """Write the scenario's source rows (the caller commits)."""
    w.user(11, "a@x")
    w.user(12, "z@x")
    w.user(13, "y@x")
    w.user(15, "e@x")
    # Baseline week 2026-W01: human-only tickets, intent from a tag.
    w.ticket(1, "2025-12-29 10:00", solved="2025-12-29 14:00", requester=11, segment="pro",
             tags=["intent:order_status"])  # fmt: skip
    w.rating(1, "good", "2025-12-29 15:00")
    w.delayed(1, "2025-12-29 14:00", "good")
    w.ticket(2, "2025-12-30 10:00", solved="2025-12-30 16:00", requester=12, segment="free",
             tags=["intent:order_status"])  # fmt: skip
    w.rating(2, "good", "2025-12-30 17:00")
    w.ticket(3, "2025-12-31 10:00", solved="2025-12-31 12:00", requester=13, segment="pro",
             tags=["intent:returns"])  # fmt: skip
    w.rating(3, "bad", "2025-12-31 13:00")
    for tid, when in ((1, "2025-12-29 11:00"), (2, "2025-12-30 11:00"), (3, "2025-12-31 11:00")):
        w.comment(tid, when)
    # Week 2026-W02.
    w.conversation("C1", "order_status", "2026-01-05 09:00", "2026-01-05 09:10", "resolved",
                   email="a@x", ticket=101, model_csat=0.9)  # fmt: skip
    w.ticket(101, "2026-01-05 09:00", solved="2026-01-05 09:10", segment="pro")
    w.rating(101, "good", "2026-01-05 10:00")
    w.delayed(101, "2026-01-05 09:10", None)
    w.conversation("C2", "order_status", "2026-01-06 09:00", "2026-01-06 09:20", "escalated",
                   email="b@x", ticket=102, model_csat=0.3)  # fmt: skip
    w.packet("C2", 102, "order_status", "2026-01-06 09:20", email="b@x", missing=["identifiers"])
    w.ticket(102, "2026-01-06 09:00", solved="2026-01-06 15:20", segment="free")
    w.comment(102, "2026-01-06 09:05", public=False)  # internal note: not a reply
    reask = w.comment(102, "2026-01-06 09:50")  # first reply, a re-ask: 30 min after handoff
    w.comment(102, "2026-01-06 09:55", role="end-user")
    w.comment(102, "2026-01-06 10:20")  # first useful reply: 60 min after handoff
    w.rating(102, "bad", "2026-01-06 16:00")
    w.delayed(102, "2026-01-06 15:20", "bad")
    w.detection(102, repetition=True, reask_comment=reask)
    w.flag(102, "2026-01-06 10:00")
    # Week 2026-W03: nothing.
    # Week 2026-W04.
    w.conversation("C3", "returns", "2026-01-19 10:00", "2026-01-19 10:05", "abandoned",
                   email="c@x", channel="web", segment="free", model_csat=None)  # fmt: skip
    w.conversation("C4", "returns", "2026-01-20 10:00", "2026-01-20 10:10", "escalated",
                   email="d@x", ticket=104, channel="web", model_csat=0.7)  # fmt: skip
    w.packet("C4", 104, "returns", "2026-01-20 10:10", email="d@x", channel="web")
    w.ticket(104, "2026-01-20 10:00", solved="2026-01-20 14:10", segment="pro", channel="web")
    w.comment(104, "2026-01-20 10:40")  # 30 min after handoff, useful
    w.rating(104, "good", "2026-01-20 15:00")
    w.delayed(104, "2026-01-20 14:10", "good")
    w.detection(104, repetition=False)
    w.ack(104, "2026-01-20 10:20")
    w.ticket(105, "2026-01-21 10:00", solved="2026-01-21 12:00", requester=15, segment="pro",
             channel="email", tags=["intent:billing_dispute"])  # fmt: skip
    w.comment(105, "2026-01-21 10:15")  # 15 min after creation
    w.rating(105, "offered", "2026-01-21 12:05")
    # Week 2026-W05: Sunday 2026-02-01 22:30 UTC is 23:30 in Berlin, still W05.
    w.conversation("C6", "order_status", "2026-02-01 22:30", "2026-02-01 22:40", "resolved",
                   email="a@x", model_csat=0.5)  # fmt: skip
    # 23:30 UTC is 00:30 Monday in Berlin: W06, outside the view, but a repeat of C6 within 24 h.
    w.conversation("C7", "order_status", "2026-02-01 23:30", "2026-02-01 23:35", "resolved",
                   email="a@x")  # fmt: skip
