"""Run the product's queued work in a test, as ``handoff worker run`` would."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from handoff.delivery.worker import WorkerConfig, run
from handoff.models import OutboxItem
from helpdesk_app.runtime import runtime as runtime_of


def run_checks(app: Flask) -> list[OutboxItem]:
    """Run the worker over the queued policy checks once; return every policy-check item."""
    runtime = runtime_of(app)
    run(runtime.sessions, None, worker_id="test", clock=runtime.clock, config=WorkerConfig(),
        once=True, kinds=["policy_check"])  # fmt: skip
    with runtime.sessions() as session:
        return list(session.scalars(sa.select(OutboxItem).where(OutboxItem.kind == "policy_check")))
