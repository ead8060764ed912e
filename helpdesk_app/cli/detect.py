"""``handoff detect``: run the detectors over JSON lines, without the app or a database."""

from __future__ import annotations

import sys

import click

from handoff.detection import jsonl


@click.group("detect")
def group() -> None:
    """Run detectors over JSON lines on stdin."""


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
