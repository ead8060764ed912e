"""``handoff panel``: print the panel (table, JSON or CSV) and refresh the weekly rollups."""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from handoff import productconfig
from handoff.db import transaction
from handoff.errors import Busy
from handoff.metrics import actions, export, rollup
from handoff.metrics import panel as panel_mod
from helpdesk_app.runtime import runtime


def _config() -> productconfig.ProductConfig:
    return productconfig.load_for(runtime().settings.product_config_path)


@click.group("panel", invoke_without_command=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option(
    "--view",
    type=click.Choice(["weekly", "monthly", "quarterly"]),
    default="weekly",
    show_default=True,
)
@click.option(
    "--week",
    default=None,
    help="Last ISO week of the view, e.g. 2026-W05 (default: last complete week).",
)
@click.option("--table", "table_name", type=click.Choice(export.TABLES), default="figures", show_default=True,
              help="Which table to print as CSV.")  # fmt: skip
@with_appcontext
def group(fmt: str, view: str, week: str | None, table_name: str) -> None:
    """Print the panel; ``handoff panel refresh`` updates the rollups it reads."""
    if click.get_current_context().invoked_subcommand is not None:
        return
    rt = runtime()
    config = _config()
    with rt.sessions() as session:
        built = panel_mod.build(session, config, now=rt.clock(), view=view, end_week=week)
        tables = export.tables(built, actions.list_actions(session, actions.OPEN))
    if fmt == "json":
        click.echo(json.dumps(built.as_dict(), indent=2, default=str))
    elif fmt == "csv":
        click.echo(export.to_csv(tables[table_name]), nl=False)
    else:
        click.echo(
            f"{view} view {built.window[0]}..{built.window[-1]} (baseline {', '.join(built.baseline)})"
        )
        for h in built.headline:
            verdict = {True: "protected", False: "NOT protected", None: "not judged"}[h.protected]
            click.echo(f"  [{verdict}] {h.text}")
        click.echo(f"{'figure':34} {'scope':10} {'key':18} {'value':>10} {'n':>7}  id / note")
        for row in tables["figures"]:
            value = "" if row["value"] is None else f"{row['value']:.4g}"
            n = "" if row["n"] is None else str(row["n"])
            click.echo(
                f"{row['name'][:34]:34} {row['scope']:10} {row['key'][:18]:18} {value:>10} {n:>7}  "
                f"{row['id']}{'; ' + row['note'] if row['note'] else ''}"
            )
        for a in tables["actions"]:
            click.echo(
                f"open action #{a['id']} {a['kind']} {a['trigger']} owner {a['owner']} due {a['due_at'][:10]}"
            )


@group.command("refresh")
@click.option("--full", is_flag=True, help="Rebuild every contact and week, not just what changed.")
@click.option("--no-actions", is_flag=True, help="Do not evaluate thresholds after refreshing.")
@with_appcontext
def refresh(full: bool, no_actions: bool) -> None:
    """Rebuild the facts and weekly rollups touched since the last refresh, then open due actions."""
    rt = runtime()
    config = _config()
    try:
        with transaction(rt.sessions) as session:
            result = rollup.refresh(session, config, now=rt.clock(), full=full)
    except Busy as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"refreshed full={result.full} contacts={result.contacts} weeks={len(result.weeks)}")
    if no_actions:
        return
    with transaction(rt.sessions) as session:
        built = panel_mod.build(session, config, now=rt.clock(), view="rolling")
        evaluation = actions.evaluate(session, config, built, now=rt.clock())
    for a in evaluation.opened:
        click.echo(
            f"opened action #{a.id} {a.kind} {a.trigger} ({a.archetype or a.intent or 'all'}) owner {a.owner}"
        )
    for c in evaluation.insufficient:
        click.echo(f"not evaluated (sample too small): {c.trigger} {c.scope} {c.key}")
    for key in evaluation.withdrawn:
        click.echo(f"closed (the refreshed data no longer crosses it): {key}")
