"""``handoff sync``: pull Zendesk's history into the mirror, incrementally; ``status``, ``reset``."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask.cli import with_appcontext

from handoff import productconfig
from handoff import sync as core
from handoff.db import transaction
from handoff.delivery import connect
from handoff.errors import HandoffError, HelpdeskError
from helpdesk_app.runtime import runtime


@click.group("sync", invoke_without_command=True)
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="Where a stream with no saved cursor starts (UTC; default: the beginning).",
)
@click.option(
    "--stream",
    "streams",
    multiple=True,
    type=click.Choice(core.STREAMS),
    help="Repeat to run only these streams (default: tickets, ticket_events, ticket_metrics; "
    "ratings come with the tickets, the satisfaction_ratings listing only when named).",
)
@with_appcontext
@click.pass_context
def group(ctx: click.Context, since: datetime | None, streams: tuple[str, ...]) -> None:
    """Pull tickets, comments, users' roles, ratings and metrics changed since the last run."""
    if ctx.invoked_subcommand is not None:
        return
    rt = runtime()
    settings = rt.settings
    helpdesk = connect.throttled(settings, connect.helpdesk_for(settings, rt.helpdesk), rt.sessions)
    try:
        config = productconfig.load_for(settings.product_config_path)
    except HandoffError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from None
    try:
        summary = core.sync(
            rt.sessions,
            helpdesk,
            now=rt.clock,
            since=since.replace(tzinfo=UTC) if since else core.EPOCH,
            segments=core.SegmentSource.parse(settings.sync_segment_source),
            streams=streams or core.DEFAULT_STREAMS,
            unmeasured_since=core.baseline_start(config),
        )
    except HelpdeskError as exc:
        # Refusals that waiting cannot mend (credentials, a non-admin token): say what to do.
        raise click.ClickException(f"{exc.code}: {exc.message}") from None
    counts = " ".join(f"{k}={v}" for k, v in summary.as_dict().items() if k != "stuck")
    click.echo(f"sync {counts} requests={helpdesk.calls}")
    for problem in summary.stuck:
        click.echo(f"stuck {problem}", err=True)


@group.command("status")
@with_appcontext
def status() -> None:
    """Show where each stream resumes."""
    with transaction(runtime().sessions) as session:
        rows = core.cursors(session)
    if not rows:
        click.echo("no stream has run yet")
    for row in rows:
        position = row["position"].isoformat() if row["position"] else "-"
        click.echo(
            f"stream={row['name']} position={position} cursor={'set' if row['cursor'] else '-'} "
            f"updated_at={row['updated_at'].isoformat()}"
        )


@group.command("reset")
@click.option("--stream", "streams", multiple=True, type=click.Choice(core.STREAMS))
@click.confirmation_option(prompt="Forget the saved cursors? The next sync re-reads from --since.")
@with_appcontext
def reset(streams: tuple[str, ...]) -> None:
    """Forget saved cursors (rows stay; a re-read upserts them)."""
    with transaction(runtime().sessions) as session:
        count = core.reset(session, streams or core.STREAMS)
    click.echo(f"forgot {count} cursor(s)")
