"""``handoff detect``: run the detectors over JSON lines, and refresh stored findings."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from handoff.db import transaction
from handoff.detection import DETECTOR_VERSION, jsonl, store
from helpdesk_app.runtime import runtime


@click.group("detect")
def group() -> None:
    """Run detectors over JSON lines on stdin, or refresh stored findings."""


@group.command("repetition")
@click.option(
    "--strict/--no-strict",
    default=False,
    help="Exit with status 1 when any line was malformed (each is reported either way).",
)
def repetition(strict: bool) -> None:
    """Read messages or tickets as JSON lines on stdin; write one result line per input."""
    summary = jsonl.run(sys.stdin, sys.stdout.write)
    click.echo(f"detect repetition: {summary.lines} lines, {summary.errors} malformed", err=True)
    if strict and summary.errors:
        sys.exit(1)


@group.command("recompute")
@click.argument("ticket_ids", nargs=-1, type=int)
@click.option("--stale", is_flag=True, help="Every ticket not yet computed by this version.")
@click.option("--limit", type=click.IntRange(1), help="With --stale: at most this many tickets.")
@with_appcontext
def recompute(ticket_ids: tuple[int, ...], stale: bool, limit: int | None) -> None:
    """Recompute the stored findings of TICKET_IDS, or of every stale ticket."""
    if bool(ticket_ids) == stale:
        raise click.UsageError("give ticket ids or --stale, not both")
    rt = runtime()
    with transaction(rt.sessions) as session:
        if stale:
            sweep = store.recompute_stale(session, rt.clock(), limit=limit)
            tickets, findings = sweep.tickets, sweep.findings
        else:
            tickets = len(ticket_ids)
            findings = sum(len(store.recompute_ticket(session, t, rt.clock())) for t in ticket_ids)
    click.echo(f"detector {DETECTOR_VERSION}: {tickets} tickets, {findings} findings")
