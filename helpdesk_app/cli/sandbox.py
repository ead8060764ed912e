"""``handoff sandbox``: serve the local Zendesk sandbox for demos and manual runs.

The sandbox is a top-level package of the source checkout (``sandbox/``), not part of the
installed product: this command finds it next to the ``helpdesk_app`` it was run from.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import click

CHECKOUT = Path(__file__).resolve().parents[2]


def _load_sandbox() -> Any:
    """Import the checkout's ``sandbox`` package, or fail with a clear message."""
    if (CHECKOUT / "sandbox" / "__init__.py").is_file() and str(CHECKOUT) not in sys.path:
        sys.path.insert(0, str(CHECKOUT))
    try:
        return importlib.import_module("sandbox")
    except ImportError:
        raise click.ClickException(
            f"the Zendesk sandbox ships with the source checkout only (no sandbox/ in {CHECKOUT})"
        ) from None


@click.group("sandbox")
def group() -> None:
    """Run a local, in-memory Zendesk that the real zenpy client can talk to."""


@group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8025, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--rate-limit", type=click.IntRange(1), default=None, help="Requests per minute before 429."
)
@click.option(
    "--plan",
    default="growth",
    show_default=True,
    type=click.Choice(["team", "growth", "professional", "enterprise", "high_volume"]),
    help="Whose documented limits to enforce.",
)
@click.option(
    "--api-token",
    envvar="SANDBOX_API_TOKEN",
    default="test-token",
    show_default=True,
    help="The account's API token; requests carry admin@sandbox.test/token:<it>.",
)
@click.option(
    "--update-limit",
    type=click.IntRange(1),
    default=None,
    help="Ticket updates per minute before 429, instead of the plan's (demos only).",
)
def serve(
    host: str, port: int, rate_limit: int | None, plan: str, api_token: str,
    update_limit: int | None,
) -> None:  # fmt: skip
    """Serve the sandbox until interrupted; point zenpy at it with ZENPY_FORCE_NETLOC."""
    from werkzeug.serving import run_simple

    sandbox = _load_sandbox()
    state = sandbox.SandboxState(api_token=api_token)
    state.configure_plan(plan)
    state.configure_rate_limit(rate_limit)
    state.configure_update_limit(update_limit)
    click.echo(
        f"sandbox: export ZENPY_FORCE_NETLOC={host}:{port} ZENPY_FORCE_SCHEME=http; "
        f"control endpoints under http://{host}:{port}/_sandbox/",
        err=True,
    )
    run_simple(host, port, sandbox.create_sandbox_app(state), threaded=True)
