"""``handoff worker``: deliver the outbox to Zendesk, show its state, requeue failures."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
from datetime import timedelta
from typing import Any

import click
from flask.cli import with_appcontext

from handoff import webhooks
from handoff.db import transaction
from handoff.delivery import connect, worker
from helpdesk_app.runtime import runtime


@click.group("worker")
def group() -> None:
    """Deliver queued writes to Zendesk."""


@group.command("run")
@click.option("--once", is_flag=True, help="Stop when nothing is due instead of waiting.")
@click.option(
    "--batch",
    default=None,
    type=click.IntRange(1, 1000),
    help="Items claimed at once (default: what the update budget delivers within half a lease).",
)
@click.option(
    "--poll", default=1.0, show_default=True, type=float, help="Seconds between idle polls."
)
@click.option(
    "--kinds",
    default=None,
    help="Comma-separated outbox kinds this worker claims (default: all), e.g. policy_check.",
)
@with_appcontext
def run(once: bool, batch: int | None, poll: float, kinds: str | None) -> None:
    """Deliver due items; SIGTERM or Ctrl-C finishes the item in hand, then exits."""
    only = _kinds(kinds)
    rt = runtime()
    settings = rt.settings
    helpdesk = connect.throttled(settings, connect.helpdesk_for(settings, rt.helpdesk), rt.sessions)
    stop = threading.Event()

    def request_stop(signum: int, _frame: Any) -> None:
        click.echo(
            f"worker signal={signal.Signals(signum).name} finishing the current item", err=True
        )
        stop.set()

    previous = {
        sig: signal.signal(sig, request_stop)
        for sig in (signal.SIGTERM, signal.SIGINT)
        if threading.current_thread() is threading.main_thread()
    }
    worker_id = f"{socket.gethostname()}:{os.getpid()}"

    def inbox() -> None:
        # Webhook events the request could not process (crash, error) are retried here.
        webhooks.process_pending(rt.sessions, rt.clock(), older_than=timedelta(seconds=30))

    try:
        summary = worker.run(
            rt.sessions,
            helpdesk,
            worker_id=worker_id,
            clock=rt.clock,
            config=connect.worker_config(settings),
            batch=batch or connect.default_batch(settings),
            once=once,
            bucket=helpdesk.bucket,
            archetype_of=connect.archetype_lookup(settings),
            should_stop=stop.is_set,
            idle_sleep=stop.wait,
            poll_seconds=poll,
            before_pass=inbox,
            kinds=only,
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(
        f"worker id={worker_id} claimed={summary.claimed} delivered={summary.delivered} "
        f"retried={summary.retried} rate_limited={summary.rate_limited} failed={summary.failed} "
        f"released={summary.released} requests={helpdesk.calls}"
    )


def _kinds(text: str | None) -> list[str] | None:
    """Parse ``--kinds``: known outbox kinds, comma-separated; refuse an unknown one."""
    if text is None:
        return None
    from handoff.delivery.handlers import HANDLERS

    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = sorted(set(kinds) - set(HANDLERS))
    if not kinds or unknown:
        raise click.BadParameter(
            f"unknown kind(s) {', '.join(unknown) or '(none given)'}; known: {', '.join(sorted(HANDLERS))}",
            param_hint="--kinds",
        )
    return kinds


@group.command("prune")
@click.option(
    "--older-than-days",
    default=30,
    show_default=True,
    type=click.IntRange(1, 3650),
    help="Delete items delivered more than this many days ago.",
)
@with_appcontext
def prune(older_than_days: int) -> None:
    """Delete delivered items past their retention, in batches; pending and failed ones stay."""
    rt = runtime()
    total = 0
    while True:
        with transaction(rt.sessions) as session:
            deleted = worker.prune_delivered(
                session, now=rt.clock(), older_than=timedelta(days=older_than_days)
            )
        total += deleted
        if deleted == 0:
            break
    click.echo(f"pruned {total} delivered item(s) older than {older_than_days} day(s)")


@group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def status(as_json: bool) -> None:
    """Show counts by status, the oldest pending item's age and the latest errors."""
    rt = runtime()
    with transaction(rt.sessions) as session:
        state = worker.delivery_status(session, rt.clock())
        inbox = webhooks.inbox_counts(session)
    if as_json:
        click.echo(json.dumps({**state.as_dict(), "webhook_inbox": inbox}, indent=2))
        return
    click.echo(" ".join(f"{k}={v}" for k, v in state.counts.items()))
    age = state.oldest_pending_seconds
    click.echo(f"oldest_pending_seconds={'-' if age is None else f'{age:.0f}'}")
    click.echo("webhook_inbox " + " ".join(f"{k}={v}" for k, v in inbox.items()))
    for error in state.last_errors:
        click.echo(
            f"error id={error['id']} key={error['key']} status={error['status']} {error['error']}"
        )


@group.command("requeue")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-failed", is_flag=True, help="Requeue every failed item.")
@with_appcontext
def requeue(ids: tuple[int, ...], all_failed: bool) -> None:
    """Put failed items (by id, or all) back in the queue."""
    if not ids and not all_failed:
        raise click.UsageError("give item ids or --all-failed")
    rt = runtime()
    with transaction(rt.sessions) as session:
        count = worker.requeue(session, now=rt.clock(), ids=ids, all_failed=all_failed)
    click.echo(f"requeued {count} item(s)")
