"""``handoff reports open-link`` and ``revoke``: who may open the reports pages, and for how long."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from handoff import links
from handoff.db import transaction
from helpdesk_app.runtime import runtime


@click.group("reports")
def group() -> None:
    """Access to the leads' report pages."""


@group.command("open-link")
@click.argument("who")
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True)
@with_appcontext
def open_link(who: str, base_url: str) -> None:
    """Print a link that opens one reports session for WHO (valid 30 minutes, once)."""
    rt = runtime()
    with transaction(rt.sessions) as session:
        token = links.issue_report_link(
            session, current_app.config["SECRET_KEY"], who, now=rt.clock()
        )
    click.echo(f"{base_url.rstrip('/')}/reports/open/{token}")


@group.command("revoke")
@click.option("--who", help="Revoke only this person's sessions (as named in open-link).")
@click.option("--all", "everyone", is_flag=True, help="Revoke every open session.")
@with_appcontext
def revoke(who: str | None, everyone: bool) -> None:
    """Close open reports and review sessions at once (e.g. a lost laptop, someone leaving)."""
    if (who is None) == (not everyone):
        raise click.UsageError("give either --who NAME or --all")
    rt = runtime()
    with transaction(rt.sessions) as session:
        count = links.revoke_sessions(session, now=rt.clock(), who=who)
    click.echo(f"revoked {count} session(s)")
