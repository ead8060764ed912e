"""``handoff sandbox serve`` is a thin command over the sandbox app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from helpdesk_app.cli import sandbox as sandbox_cli


def test_serve_runs_the_sandbox_on_the_given_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """Does serve hand a sandbox app, with the asked rate limit, to werkzeug on host:port?"""
    served: dict[str, Any] = {}

    def fake_run_simple(host: str, port: int, app: Any, **kwargs: Any) -> None:
        served.update(host=host, port=port, state=app.extensions["sandbox"], **kwargs)

    monkeypatch.setattr("werkzeug.serving.run_simple", fake_run_simple)
    result = CliRunner().invoke(
        sandbox_cli.group, ["serve", "--host", "127.0.0.1", "--port", "8111", "--rate-limit", "5"]
    )
    assert result.exit_code == 0, result.output
    assert (served["host"], served["port"], served["threaded"]) == ("127.0.0.1", 8111, True)
    assert served["state"].rate.per_minute == 5
    assert "ZENPY_FORCE_NETLOC=127.0.0.1:8111" in result.output


def test_group_is_registered_in_the_main_command() -> None:
    """Is the sandbox group reachable as ``handoff sandbox``?"""
    from helpdesk_app.cli import main

    assert main.commands["sandbox"] is sandbox_cli.group


def test_the_product_never_imports_the_sandbox() -> None:
    """Do the product's app and CLI load without the sandbox, which stays out of the wheel?"""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import helpdesk_app.cli\n"
        "from helpdesk_app import create_app\n"
        "assert not [m for m in sys.modules if m == 'sandbox' or m.startswith('sandbox.')]\n"
    )
    root = str(Path(__file__).resolve().parents[2])
    subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], check=True, env={"PYTHONPATH": root}, cwd="/"
    )


def test_the_wheel_leaves_the_sandbox_out() -> None:
    """Does the package list of pyproject.toml name only the product's packages?"""
    import tomllib

    root = Path(__file__).resolve().parents[2]
    found = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    assert all(not p.startswith("sandbox") for p in found["find"]["include"])
