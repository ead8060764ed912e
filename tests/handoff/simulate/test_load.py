"""Loading a simulated world through the front door: helpdesk API and our API, over HTTP."""

from __future__ import annotations

import sqlalchemy as sa

from handoff.models import BotConversation, OutboxItem, Packet
from handoff.models.flags import PacketAcknowledgement, ReaskFlag
from handoff.policy.hooks import OUTBOX_KIND as POLICY_KIND
from handoff.simulate import SimConfig, generate
from handoff.simulate.load import Endpoints, load
from handoff.tokens import create_token
from helpdesk_app.runtime import runtime as runtime_of
from sandbox.testing import running_sandbox, serve_wsgi

TINY = SimConfig(seed=11, baseline_weeks=1, weeks=2, contacts_per_week=15)


def test_a_world_arrives_whole_through_the_apis(make_app):
    """Does every user, ticket, rating, conversation, packet, read and flag arrive through the APIs?"""
    app = make_app(dev_sidebar=True)
    runtime = runtime_of(app)
    with runtime.sessions() as s:
        token = create_token(s, "sim", now=runtime.clock()).plaintext
        s.commit()
    world = generate(TINY)
    with running_sandbox() as (helpdesk_url, state), serve_wsgi(app) as app_url:
        report = load(
            world,
            Endpoints(helpdesk_url, "admin@sandbox.test", "test-token", app_url, token),
        )
        ticketed = [c for c in world.contacts if c.path != "ai_only"]
        assert report.tickets == len(ticketed) == len(report.ticket_ids)
        with state.lock:
            imported = {t["external_id"]: t for t in state.tickets.values()}
            assert all(f"sim-{c.key}" in imported for c in ticketed)
            first = next(c for c in ticketed if c.solved_at)
            # History keeps its timestamps: the import API, not "now".
            assert (
                abs((imported[f"sim-{first.key}"]["solved_at"] - first.solved_at).total_seconds())
                < 1
            )
            scores = sorted(r["score"] for r in state.ratings.values())
            assert scores == sorted(c.csat for c in ticketed if c.csat)

    sessions = runtime_of(app).sessions
    with sessions() as s:
        assert (
            s.scalar(sa.select(sa.func.count()).select_from(BotConversation))
            == report.conversations
        )
        packets = s.scalars(sa.select(Packet)).all()
        assert len(packets) == report.packets == sum(1 for c in world.contacts if c.packet)
        assert {p.ticket_id for p in packets} <= set(report.ticket_ids.values())
        flagged = s.scalars(sa.select(ReaskFlag)).all()
        assert len(flagged) == report.flags == sum(c.agent_flagged for c in world.contacts) > 0
        assert (
            s.scalar(sa.select(sa.func.count()).select_from(PacketAcknowledgement))
            == report.acknowledgements
        )
        # Each packet's note and each flag's mirror wait in the outbox for the worker, and each
        # packet and conversation's policy check beside them.
        writes = sa.select(sa.func.count()).select_from(OutboxItem)
        assert (
            s.scalar(writes.where(OutboxItem.kind != POLICY_KIND)) == report.packets + report.flags
        )
        assert (
            s.scalar(writes.where(OutboxItem.kind == POLICY_KIND))
            == report.packets + report.conversations
        )
