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
@click.option(
    "--with-trigger",
    is_flag=True,
    help="Also make a trigger (with a second webhook of its own, as Zendesk requires).",
)
@with_appcontext
def setup(public_url: str | None, with_trigger: bool) -> None:
    """Create (or find, by name) the custom ticket fields and the webhook(s); store their ids and
    signing secrets. Safe to run again."""
    rt = runtime()
    base = (public_url or rt.settings.public_url or "").rstrip("/")
    if not base.startswith(("http://", "https://")):
        raise click.UsageError("give --url https://... or set HANDOFF_PUBLIC_URL")
    helpdesk = connect.helpdesk_for(rt.settings, rt.helpdesk)
    try:
        with transaction(rt.sessions) as session:
            report = objects.setup(
                session,
                helpdesk,
                endpoint=base + objects.WEBHOOK_PATH,
                now=rt.clock(),
                sealing_key=rt.settings.secret_key,
                with_trigger=with_trigger,
                bot_user_ids=productconfig.load_for(rt.settings.product_config_path).bot_user_ids,
            )
            ids = objects.field_ids(session)
    except objects.SetupConflict as exc:
        raise click.ClickException(str(exc)) from None
    for name, zendesk_id in sorted(ids.items()):
        state = "created" if objects.field_key(name) in report.created else "found"
        click.echo(f"field {name}={zendesk_id} ({state})")
    for key in report.found:
        if key.startswith(objects.NONAGENT_PREFIX):
            click.echo(f"never an agent: {key.removeprefix(objects.NONAGENT_PREFIX)}")
    state = "created" if objects.WEBHOOK_KEY in report.created else "found"
    # The signing secret is stored, never printed.
    click.echo(f"webhook id={report.webhook_id} ({state}) endpoint={base}{objects.WEBHOOK_PATH}")
    if report.trigger_id is not None:
        state = "created" if objects.TRIGGER_WEBHOOK_KEY in report.created else "found"
        click.echo(f"trigger webhook id={report.trigger_webhook_id} ({state})")
        state = "created" if objects.TRIGGER_KEY in report.created else "found"
        click.echo(f"trigger id={report.trigger_id} ({state}) title={objects.TRIGGER_TITLE!r}")
