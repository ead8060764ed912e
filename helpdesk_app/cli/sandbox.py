"""``handoff sandbox``: serve the local Zendesk sandbox for demos and manual runs."""

from __future__ import annotations

import click


@click.group("sandbox")
def group() -> None:
    """Run a local, in-memory Zendesk that the real zenpy client can talk to."""


@group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8025, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--rate-limit", type=click.IntRange(1), default=None, help="Requests per minute before 429."
)
def serve(host: str, port: int, rate_limit: int | None) -> None:
    """Serve the sandbox until interrupted; point zenpy at it with ZENPY_FORCE_NETLOC."""
    from werkzeug.serving import run_simple

    from helpdesk_app.sandbox import SandboxState, create_sandbox_app

    state = SandboxState()
    state.configure_rate_limit(rate_limit)
    click.echo(
        f"sandbox: export ZENPY_FORCE_NETLOC={host}:{port} ZENPY_FORCE_SCHEME=http; "
        f"control endpoints under http://{host}:{port}/_sandbox/",
        err=True,
    )
    run_simple(host, port, create_sandbox_app(state), threaded=True)
