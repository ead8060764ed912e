"""``handoff reports open-link``: a one-time, expiring link that opens the reports pages."""

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
