"""``handoff policy``: load the golden set, show it as of a date, a fact's history, recheck, report."""

from __future__ import annotations

import getpass
import json
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from handoff.db import transaction
from handoff.errors import HandoffError
from handoff.models import BotConversation, Packet
from handoff.policy import golden
from handoff.policy.checks import check_conversation, check_packet
from handoff.policy.report import policy_accuracy, policy_incidents
from helpdesk_app.runtime import runtime


def fail(exc: HandoffError) -> None:
    """Print an error and each of its details (file, JSON path, problem) to stderr; exit 1."""
    click.echo(f"error: {exc.message}", err=True)
    for d in exc.details:
        where = ": ".join(str(d[k]) for k in ("file", "path") if d.get(k))
        click.echo(f"  {where}: {d.get('message')}", err=True)
    sys.exit(1)


def _day(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time.min, UTC)
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}") from None


@click.group("policy")
def group() -> None:
    """The policy golden set and the bot's policy incidents."""


@group.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", default=None, help="Who is loading it (default: the OS user).")
@with_appcontext
def load(file: Path, by: str | None) -> None:
    """Validate FILE (YAML or JSON) and make it the golden set; a bad file changes nothing."""
    rt = runtime()
    try:
        with transaction(rt.sessions) as session:
            loaded = golden.load_file(session, file, by=by or getpass.getuser(), now=rt.clock())
    except HandoffError as exc:
        fail(exc)
        return
    if not loaded.created:
        click.echo(f"unchanged: revision {loaded.revision} already has this content")
        return
    click.echo(f"loaded {file.name} as revision {loaded.revision}")
    for change in loaded.changes:
        click.echo(f"  {change.change}\t{change.key}")


@group.command("show")
@click.option("--at", "at", default=None, help="Date (YYYY-MM-DD); default: now.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def show(at: str | None, as_json: bool) -> None:
    """Show each fact's version in force at a date."""
    rt = runtime()
    moment = _day(at) or rt.clock()
    with transaction(rt.sessions) as session:
        current = golden.current(session)
    if current is None:
        click.echo("no golden set loaded yet: handoff policy load FILE", err=True)
        sys.exit(1)
    facts = golden.in_force(current, moment)
    if as_json:
        click.echo(
            json.dumps(
                {"revision": current.revision, "at": moment.isoformat(), "facts": facts}, indent=2
            )
        )
        return
    click.echo(f"revision {current.revision}, in force at {moment:%Y-%m-%d %H:%M} UTC")
    for f in facts:
        since = f"since {f['valid_from'][:10]}" if f["valid_from"] else "no version in force"
        click.echo(f"{f['key']}\t{f['value'] or '-'}\t{f['class']}\t{since}")


@group.command("history")
@click.argument("key")
@with_appcontext
def history(key: str) -> None:
    """Show every change of KEY: revision, when, who, what."""
    with transaction(runtime().sessions) as session:
        try:
            changes = golden.history(session, key)
        except HandoffError as exc:
            fail(exc)
            return
        for c in changes:
            versions = (c.after or {}).get("versions") if c.after else None
            what = json.dumps(versions if versions is not None else c.after, sort_keys=True)
            click.echo(
                f"r{c.revision}\t{c.changed_at:%Y-%m-%d %H:%M}\t{c.changed_by}\t{c.change}\t{what}"
            )


@group.command("recheck")
@click.option("--since", default=None, help="Only sources from this date (YYYY-MM-DD).")
@with_appcontext
def recheck(since: str | None) -> None:
    """Check stored packets and conversations again (after a golden-set change); idempotent."""
    rt = runtime()
    start = _day(since)
    counts = {"packets": 0, "conversations": 0, "incidents": 0}
    with transaction(rt.sessions) as session:
        query = sa.select(Packet)
        if start is not None:
            query = query.where(Packet.created_at >= start)
        for packet in session.scalars(query):
            counts["incidents"] += len(check_packet(session, packet, rt.clock()).incidents)
            counts["packets"] += 1
        cquery = sa.select(BotConversation)
        if start is not None:
            cquery = cquery.where(BotConversation.started_at >= start)
        for conv in session.scalars(cquery):
            counts["incidents"] += len(check_conversation(session, conv, rt.clock()).incidents)
            counts["conversations"] += 1
    click.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


@group.command("report")
@click.option("--since", default=None, help="From this date (YYYY-MM-DD).")
@click.option("--until", default=None, help="Before this date (YYYY-MM-DD).")
@with_appcontext
def report(since: str | None, until: str | None) -> None:
    """Print policy incidents by week, class and severity, and policy accuracy with its counts."""
    with transaction(runtime().sessions) as session:
        rows = policy_incidents(session, _day(since), _day(until))
        accuracy = policy_accuracy(session, _day(since), _day(until))
    click.echo("week\tclass\tseverity\tincidents")
    for r in rows:
        click.echo(f"{r.week}\t{r.policy_class}\t{r.severity}\t{r.count}")
    rate = "n/a" if accuracy.rate is None else f"{accuracy.rate:.2%}"
    click.echo(f"policy_accuracy\t{accuracy.matching}/{accuracy.statements}\t{rate}")
