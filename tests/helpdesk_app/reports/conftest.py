"""The reports app on the hand-checked scenario, with its configuration file and clock."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask

from handoff import productconfig
from handoff.db import transaction
from handoff.metrics import actions, rollup
from handoff.metrics import panel as panel_mod
from helpdesk_app.runtime import runtime as runtime_of
from tests.handoff.metrics import scenario
from tests.handoff.metrics.conftest import CONFIG, World
from tests.helpdesk_app.sidebar.conftest import (  # noqa: F401 - shared fixtures
    AUDIENCE,
    SUBDOMAIN,
    other_keys,
    sign,
    zendesk_keys,
)


@pytest.fixture
def reports_app(make_app: Callable[..., Flask], clock: Any, tmp_path: Path) -> Flask:
    """Build the app on the scenario: rows stored, rollups refreshed, actions evaluated."""
    path = tmp_path / "product.yaml"
    path.write_text(yaml.safe_dump(CONFIG), encoding="utf-8")
    clock.now = scenario.NOW
    app = make_app(product_config_path=path)
    runtime = runtime_of(app)
    config = productconfig.load(path)
    with transaction(runtime.sessions) as session:
        scenario.build(World(session))
    with transaction(runtime.sessions) as session:
        rollup.refresh(session, config, now=scenario.NOW)
        built = panel_mod.build(session, config, now=scenario.NOW, view="rolling")
        actions.evaluate(session, config, built, now=scenario.NOW)
    return app


@pytest.fixture
def open_link(reports_app: Flask) -> Callable[[], str]:
    """Return a function issuing a one-time link path through the CLI."""
    from helpdesk_app.cli import main

    def issue() -> str:
        result = reports_app.test_cli_runner().invoke(
            main, ["reports", "open-link", "lead@example.com"]
        )
        assert result.exit_code == 0, result.output
        return re.search(r"(/reports/open/\S+)", result.output).group(1)  # type: ignore[union-attr]

    return issue


@pytest.fixture
def zendesk_users() -> Iterator[tuple[Any, dict[str, int]]]:
    """Serve the local Zendesk sandbox with an admin and an agent; yield the real adapter on it."""
    from handoff.ticketing.zendesk import ZendeskHelpdesk
    from sandbox.testing import running_sandbox

    with running_sandbox() as (_, zendesk):
        ids = {
            "admin": zendesk.add_user("Ada Lead", "ada.lead@example.com", "admin")["id"],
            "agent": zendesk.add_user("Sam Agent", "sam@example.com", "agent")["id"],
        }
        helpdesk = ZendeskHelpdesk.connect(
            subdomain="sandbox", email="admin@sandbox.test", token="test-token", timeout=2
        )
        yield helpdesk, ids


@pytest.fixture
def navbar_app(
    make_app: Callable[..., Flask],
    zendesk_keys: tuple[bytes, str],  # noqa: F811 - the sidebar's fixture, imported above
    zendesk_users: Any,
    tmp_path: Path,
) -> Flask:
    """Return the app as Zendesk's nav bar reaches it: signed loads checked, roles looked up."""
    path = tmp_path / "product.yaml"
    path.write_text(yaml.safe_dump(CONFIG), encoding="utf-8")
    return make_app(
        product_config_path=path,
        zendesk_subdomain=SUBDOMAIN,
        zendesk_app_public_key=zendesk_keys[1],
        zendesk_app_audience=AUDIENCE,
        helpdesk=zendesk_users[0],
    )
