"""``handoff actions``: list the actions thresholds opened, and log decisions on them."""

from __future__ import annotations

import json
from datetime import datetime

import click
from flask.cli import with_appcontext

from handoff.db import transaction
from handoff.errors import HandoffError
from handoff.metrics import actions
from helpdesk_app.runtime import runtime


@click.group("actions")
def group() -> None:
    """Actions opened by crossed thresholds: owner, due date, decision log."""


@group.command("list")
@click.option(
    "--status", type=click.Choice(["open", "closed", "all"]), default="open", show_default=True
)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def list_command(status: str, as_json: bool) -> None:
    """List actions with their owner and due date."""
    with runtime().sessions() as session:
        found = actions.list_actions(session, None if status == "all" else status)
        rows = [{**actions.as_dict(a), "decisions": [
            {"by": d.decided_by, "decision": d.decision, "closes": d.closes, "at": d.created_at.isoformat()}
            for d in actions.decisions(session, a.id)]} for a in found]  # fmt: skip
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        click.echo(f"#{r['id']} {r['status']} {r['kind']} {r['trigger']} [{r['archetype'] or r['intent'] or 'all'}] "
                   f"window {r['window']} owner {r['owner']} due {r['due_at'][:10]}")  # fmt: skip
        for d in r["decisions"]:
            click.echo(
                f"    {d['at'][:16]} {d['by']}: {d['decision']}{' (closed)' if d['closes'] else ''}"
            )


@group.command("decide")
@click.argument("action_id", type=int)
@click.option("--by", "decided_by", required=True, help="Who decided.")
@click.option("--decision", required=True, help="What was decided.")
@click.option("--note", default=None, help="A note kept with the decision.")
@click.option("--due", "due_on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Move the due date (YYYY-MM-DD).")  # fmt: skip
@click.option("--close", is_flag=True, help="Close the action with this decision.")
@with_appcontext
def decide(action_id: int, decided_by: str, decision: str, note: str | None,
           due_on: datetime | None, close: bool) -> None:  # fmt: skip
    """Log a decision on an action (closing needs one); the overview page logs the same way."""
    found = runtime()
    try:
        with transaction(found.sessions) as session:
            actions.decide(session, action_id, decided_by=decided_by, decision=decision, close=close,
                           note=note, due_on=due_on.date() if due_on else None, now=found.clock())  # fmt: skip
    except HandoffError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"action #{action_id}: decision logged{' and closed' if close else ''}")
