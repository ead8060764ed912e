"""``handoff csat send-delayed``: queue the second survey on tickets solved 48-72 h ago."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from handoff import csat
from handoff.db import transaction
from helpdesk_app.runtime import runtime


@click.group("csat")
def group() -> None:
    """Delayed CSAT surveys."""


@group.command("send-delayed")
@click.option("--base-url", envvar="HANDOFF_PUBLIC_URL", default="http://127.0.0.1:8000", show_default=True,
              help="Public address of this app, for the survey links (env HANDOFF_PUBLIC_URL).")  # fmt: skip
@with_appcontext
def send_delayed(base_url: str) -> None:
    """Queue a one-click survey comment on every ticket solved 48-72 h ago that has none."""
    rt = runtime()
    with transaction(rt.sessions) as session:
        sent = csat.send_due(
            session, secret=current_app.config["SECRET_KEY"], base_url=base_url, now=rt.clock()
        )
    for survey in sent:
        click.echo(f"queued delayed CSAT survey ticket={survey.ticket_id}")
    click.echo(f"{len(sent)} survey(s) queued")
