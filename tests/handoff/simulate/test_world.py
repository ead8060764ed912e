"""The simulator: deterministic, schema-valid, and carrying its planted problems."""

from __future__ import annotations

from handoff import schemas
from handoff.packets import validate_packet
from handoff.simulate import SimConfig, generate

SMALL = SimConfig(seed=3, baseline_weeks=2, weeks=10, contacts_per_week=60)


def test_the_same_seed_gives_the_same_world_and_another_seed_another():
    """Is generation deterministic for a seed and different across seeds?"""
    assert generate(SMALL).truth() == generate(SMALL).truth()
    assert (
        generate(SimConfig(seed=4, baseline_weeks=2, weeks=10, contacts_per_week=60)).truth()
        != generate(SMALL).truth()
    )


def test_every_packet_and_conversation_is_valid():
    """Does every generated packet and conversation pass the product's own schemas?"""
    world = generate(SMALL)
    packets = [c.packet for c in world.contacts if c.packet]
    conversations = [c.conversation for c in world.contacts if c.conversation]
    assert packets and conversations
    assert [e for p in packets for e in validate_packet(p)] == []
    assert [e for c in conversations for e in schemas.validate(schemas.CONVERSATION, c)] == []


def test_paths_follow_the_definitions():
    """Are baseline contacts all human-only, escalations the only contacts with both a packet and a ticket?"""
    world = generate(SMALL)
    for c in world.contacts:
        if c.started_at.date() < SMALL.deploy_start:
            assert c.path == "human_only" and c.conversation is None
        assert (c.packet is not None) == (c.path == "escalated")
        assert (c.path == "ai_only") == (not c.comments)


def test_repetition_truth_counts_only_the_window():
    """Do late repetitions (after the 4th agent reply) stay out of the in-window truth?"""
    world = generate(SMALL)
    late = [c for c in world.contacts if c.repeated_late]
    assert late, "the world should hold some late repetitions to test the window edge"
    for c in late:
        agent_replies = [i for i, m in enumerate(c.comments) if m.author != "customer"]
        last_customer = max(i for i, m in enumerate(c.comments) if m.author == "customer")
        assert last_customer > agent_replies[3]


def test_planted_problems_are_visible_in_the_raw_world():
    """Is the context-loss spike week clearly worse than the rest, so a trigger has something to find?"""
    world = generate(SMALL)
    deploy = SMALL.deploy_start

    def week(c):
        return (c.started_at.date() - deploy).days // 7

    esc = [c for c in world.contacts if c.path == "escalated"]
    spike = [c for c in esc if week(c) == SMALL.context_loss_spike_week]
    rest = [c for c in esc if week(c) != SMALL.context_loss_spike_week]
    assert sum(c.context_lost for c in spike) / len(spike) > 2 * sum(
        c.context_lost for c in rest
    ) / len(rest)
