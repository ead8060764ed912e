"""Policy checks on the simulated operation: incidents found vs planted wrong quotes, and the
false alarms a check against today's policy (instead of the version in force then) would raise.

Run: .venv/bin/python scripts/eval_policy.py [--seed 7]
"""

from __future__ import annotations

import argparse
import copy
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from handoff import conversations, db, packets
from handoff.models.policy import PolicyIncident
from handoff.policy import golden
from handoff.policy.checks import check_conversation, check_packet
from handoff.policy.report import policy_accuracy
from handoff.simulate import SimConfig, generate

EXAMPLE = Path(__file__).resolve().parent.parent / "config" / "policy-golden-set.example.yaml"


def golden_for(world, *, today_only: bool) -> dict:
    """Build the golden set from the world's policy history (or only today's values)."""
    doc = golden.read_file(EXAMPLE)
    by_key = {f["key"]: f for f in doc["facts"]}
    for key, history in world.policy_versions.items():
        if today_only:
            history = [(history[0][0], history[-1][1])]
        versions = []
        for i, (since, value) in enumerate(history):
            version = {"value": value, "valid_from": since.isoformat()}
            if i + 1 < len(history):
                version["valid_to"] = history[i + 1][0].isoformat()
            versions.append(version)
        by_key[key]["versions"] = versions
    return doc


def run(seed: int, today_only: bool) -> dict[str, float]:
    world = generate(SimConfig(seed=seed))
    now = datetime(2026, 6, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/eval.db"
        db.upgrade(url)
        factory = db.make_session_factory(db.make_engine(url))
        with db.transaction(factory) as session:
            golden.load(
                session, copy.deepcopy(golden_for(world, today_only=today_only)), by="eval", now=now
            )
            for c in world.contacts:
                if c.conversation is not None:
                    row = conversations.record_conversation(
                        session, c.conversation, now=now
                    ).conversation
                    check_conversation(session, row, now)
                if c.packet is not None:
                    accepted = packets.accept_packet(session, c.packet, now=now).packet
                    check_packet(session, accepted, now)
            flagged = set(session.scalars(sa.select(PolicyIncident.conversation_id)))
            accuracy = policy_accuracy(session)
    truth = {
        c.conversation["conversation_id"]
        for c in world.contacts
        if c.wrong_policy and c.conversation
    }
    return {
        "statements": accuracy.statements,
        "planted": len(truth),
        "found": len(flagged & truth),
        "false_alarms": len(flagged - truth),
        "missed": len(truth - flagged),
        "accuracy": accuracy.rate or 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, action="append", default=None)
    seeds = parser.parse_args().seed or [7, 11, 23]
    print(
        f"{'seed':>5} {'checked against':<22} {'statements':>10} {'planted':>7} {'found':>5} {'false alarms':>12} {'missed':>6} {'accuracy':>8}"
    )
    for seed in seeds:
        for today_only, label in ((False, "version in force then"), (True, "today's policy")):
            r = run(seed, today_only)
            print(
                f"{seed:>5} {label:<22} {r['statements']:>10} {r['planted']:>7} {r['found']:>5} "
                f"{r['false_alarms']:>12} {r['missed']:>6} {r['accuracy']:>8.2%}"
            )


if __name__ == "__main__":
    main()
