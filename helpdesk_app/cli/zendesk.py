"""``handoff zendesk``: create our custom fields and webhook in Zendesk, once."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from handoff import productconfig
from handoff.db import transaction
from handoff.delivery import connect, objects
from helpdesk_app.runtime import runtime


@click.group("zendesk")
def group() -> None:
    """Set up the Zendesk account for handoff fidelity."""


@group.command("setup")
@click.option(
    "--url",
    "public_url",
    help="Our public base URL (default: HANDOFF_PUBLIC_URL); the webhook posts to URL/webhooks/zendesk.",
)
@with_appcontext
def setup(public_url: str | None) -> None:
    """Create (or find) the custom ticket fields and the webhook; store their ids and the secret."""
    rt = runtime()
    base = (public_url or rt.settings.public_url or "").rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise click.UsageError("give --url https://... or set HANDOFF_PUBLIC_URL")
    helpdesk = connect.helpdesk_for(rt.settings, rt.helpdesk)
    with transaction(rt.sessions) as session:
        report = objects.setup(
            session,
            helpdesk,
            endpoint=base + objects.WEBHOOK_PATH,
            now=rt.clock(),
            bot_user_ids=productconfig.load_for(rt.settings.product_config_path).bot_user_ids,
        )
        ids = objects.field_ids(session)
    for name, zendesk_id in sorted(ids.items()):
        state = "created" if objects.field_key(name) in report.created else "found"
        click.echo(f"field {name}={zendesk_id} ({state})")
    for key in report.found:
        if key.startswith(objects.NONAGENT_PREFIX):
            click.echo(f"never an agent: {key.removeprefix(objects.NONAGENT_PREFIX)}")
    state = "created" if objects.WEBHOOK_KEY in report.created else "found"
    # The signing secret is stored, never printed.
    click.echo(f"webhook id={report.webhook_id} ({state}) endpoint={base}{objects.WEBHOOK_PATH}")
