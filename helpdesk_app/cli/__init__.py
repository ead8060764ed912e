"""The ``handoff`` command: a thin click group over the core, one subgroup per noun."""

from __future__ import annotations

import os
import sys

import click
from flask.cli import FlaskGroup, with_appcontext

from handoff import db as core_db
from handoff import tokens
from handoff.db import transaction
from helpdesk_app import create_app
from helpdesk_app.runtime import runtime


@click.group(
    cls=FlaskGroup, create_app=create_app, add_version_option=False, add_default_commands=False
)
def main() -> None:
    """Handoff packets and context-fidelity metrics for bots escalating to Zendesk agents."""


@main.command()
@click.option("--bind", default="127.0.0.1:8000", show_default=True, help="host:port to listen on")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--threads",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Requests each worker serves at once (gunicorn's gthread workers; 1: sync workers). "
    "Packets arriving together share one commit.",
)
@click.option(
    "--dev", is_flag=True, help="Open the sidebar without Zendesk (refused in production)."
)
@click.option(
    "--upgrade/--no-upgrade", default=True, show_default=True, help="Apply migrations first."
)
@click.option(
    "--access-log",
    is_flag=True,
    help="Write a line per request to standard output (off by default: it costs CPU per request).",
)
def serve(
    bind: str, workers: int, threads: int, dev: bool, upgrade: bool, access_log: bool
) -> None:
    """Serve the app with gunicorn."""
    if dev:
        os.environ["HANDOFF_DEV_SIDEBAR"] = "true"
    from handoff.config import Settings

    settings = Settings.from_env()  # fail here, before gunicorn forks, on a bad setting
    try:
        core_db.check_reachable(settings.database_url)
        if upgrade:
            core_db.upgrade(settings.database_url)
    except core_db.DatabaseUnreachable as exc:
        raise click.ClickException(str(exc)) from None
    argv = [sys.executable, "-m", "gunicorn", "--bind", bind, "--workers", str(workers),
            "--threads", str(threads),
            "--no-control-socket",
            # gunicorn's own 414 is an HTML page: let long URIs (up to 1 MB) reach the app's JSON one.
            "--limit-request-line", "0", "helpdesk_app.wsgi:app"]  # fmt: skip
    if access_log:
        argv[-1:-1] = ["--access-logfile", "-"]
    os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with gunicorn


@main.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply every migration to the configured database."""
    core_db.upgrade(runtime().settings.database_url)
    click.echo("database is at the latest revision")


@main.group()
def token() -> None:
    """Create, list and revoke API tokens."""


@token.command("create")
@click.argument("name")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(tokens.SCOPES),
              help="Repeat for several; default: the bot's scopes.")  # fmt: skip
@with_appcontext
def token_create(name: str, scopes: tuple[str, ...]) -> None:
    """Create a token called NAME and print it once."""
    rt = runtime()
    with transaction(rt.sessions) as session:
        issued = tokens.create_token(
            session, name, now=rt.clock(), scopes=scopes or tokens.DEFAULT_SCOPES
        )
    click.echo(issued.plaintext)
    click.echo(
        f"# {name}: scopes {', '.join(issued.token.scopes)}; shown once, stored hashed", err=True
    )


@token.command("list")
@with_appcontext
def token_list() -> None:
    """List tokens (prefix, name, scopes, state)."""
    with transaction(runtime().sessions) as session:
        for t in tokens.list_tokens(session):
            state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "live"
            click.echo(f"{t.prefix}…\t{t.name}\t{','.join(t.scopes)}\t{state}")


@token.command("revoke")
@click.argument("name_or_prefix")
@with_appcontext
def token_revoke(name_or_prefix: str) -> None:
    """Revoke the live tokens with this name or prefix."""
    rt = runtime()
    with transaction(rt.sessions) as session:
        revoked = tokens.revoke_token(session, name_or_prefix, now=rt.clock())
    rt.tokens.forget()
    click.echo(f"revoked {len(revoked)} token(s)")
    click.echo(
        f"# running servers refuse it within {rt.settings.token_cache_seconds} s "
        "(HANDOFF_TOKEN_CACHE_SECONDS)",
        err=True,
    )


# One subgroup per noun, each in its own module.
from helpdesk_app.cli import (  # noqa: E402
    actions,
    app_package,
    csat,
    detect,
    panel,
    policy,
    reports,
    review,
    sandbox,
    sync,
    worker,
    zendesk,
)

main.add_command(actions.group)
main.add_command(app_package.group)
main.add_command(csat.group)
main.add_command(detect.group)
main.add_command(panel.group)
main.add_command(policy.group)
main.add_command(reports.group)
main.add_command(review.group)
main.add_command(sandbox.group)
main.add_command(sync.group)
main.add_command(worker.group)
main.add_command(zendesk.group)
