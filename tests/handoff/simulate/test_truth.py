"""End to end: a simulated operation goes in through the APIs and the panel reports its truth."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import yaml

from handoff.metrics import panel
from handoff.productconfig import load as load_config
from handoff.simulate import SimConfig, generate
from handoff.simulate.load import Endpoints, load, load_delayed_csat
from handoff.tokens import create_token
from helpdesk_app.cli import main
from helpdesk_app.runtime import runtime as runtime_of
from sandbox.testing import running_sandbox, serve_wsgi
from tests.conftest import ROOT

# Two baseline weeks, then four weeks with the bot: ISO weeks 2026-W04..W07 (UTC).
SIM = SimConfig(seed=5, start=date(2026, 1, 5), baseline_weeks=2, weeks=4, contacts_per_week=40)
PERIOD_END = SIM.deploy_start + timedelta(weeks=SIM.weeks)


@pytest.fixture
def product_config(tmp_path):
    """Write the example config with the simulated baseline, UTC weeks and the worker's intent tags."""
    data = yaml.safe_load((ROOT / "config" / "product.example.yaml").read_text())
    data["timezone"] = "UTC"
    data["baseline"] = {
        "start": SIM.start.isoformat(),
        "end": (SIM.deploy_start - timedelta(days=1)).isoformat(),
    }
    data["ticket_intent"] = {"tag_prefix": "intent_"}
    path = tmp_path / "product.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.slow
def test_the_panel_reports_the_simulated_truth(make_app, clock, product_config):
    """Do context loss, deflection per archetype and CSAT by path match the world's truth, through the real pipeline?"""
    world = generate(SIM)
    truth = world.truth(until=PERIOD_END)
    clock.now = datetime.combine(PERIOD_END + timedelta(days=10), datetime.min.time(), UTC)
    with running_sandbox() as (helpdesk_url, zendesk):
        # A simulated account with no agents of its own: the product may use all of it.
        zendesk.configure_plan("high_volume")
        zendesk.configure_update_limit(2500)
        app = make_app(
            zendesk_plan="high_volume",
            zendesk_rpm=2400,
            zendesk_updates_per_minute=2400,
            dev_sidebar=True,
            product_config_path=product_config,
            zendesk_subdomain="sandbox",
            zendesk_email="admin@sandbox.test",
            zendesk_api_token="test-token",
        )
        runtime = runtime_of(app)
        with runtime.sessions() as s:
            token = create_token(s, "sim", now=clock()).plaintext
            survey_tool = create_token(s, "survey", now=clock(), scopes=("admin",)).plaintext
            s.commit()
        runner = app.test_cli_runner()

        def handoff(*args: str) -> str:
            result = runner.invoke(main, list(args), catch_exceptions=False)
            assert result.exit_code == 0, result.output
            return result.output

        with serve_wsgi(app) as app_url:
            handoff("zendesk", "setup", "--url", app_url)
            endpoints = Endpoints(
                helpdesk_url, "admin@sandbox.test", "test-token", app_url, token, survey_tool
            )
            loaded = load(world, endpoints)
            handoff("worker", "run", "--once")
            handoff("sync")
            # Survey answers name synced, solved tickets: they come after the sync.
            load_delayed_csat(world, endpoints, loaded)
        handoff("panel", "refresh")

    with runtime.sessions() as s:
        last_week = (PERIOD_END - timedelta(days=1)).isocalendar()
        report = panel.build(s, load_config(product_config), now=clock(), view="monthly",
                             end_week=f"{last_week.year}-W{last_week.week:02d}")  # fmt: skip

    def counts(figure_id: str, scope: str = "all", key: str = "") -> tuple[int, int]:
        figure = report.find(figure_id, scope, key)
        assert figure is not None and figure.rate is not None, (figure_id, scope, key)
        return figure.rate.numerator, figure.rate.denominator

    # Agent flags are exact: every simulated flag went through the sidebar.
    assert counts("context_loss_rate") == (truth.flagged, truth.escalations)
    # The detector reads the comments; it may differ from the truth by its own misses.
    found, escalations = counts("repetition_rate")
    assert escalations == truth.escalations
    assert abs(found - truth.repeated) <= max(2, round(0.15 * truth.repeated))
    # Top archetypes get their own line; the rest share the long-tail line.
    expected: dict[str, list[int]] = {}
    for intent, contacts in truth.contacts_by_intent.items():
        line = expected.setdefault(report.lines[intent], [0, 0])
        line[0] += truth.ai_only_resolved_by_intent.get(intent, 0)
        line[1] += contacts
    assert len(expected) > 2
    for line, (resolved, contacts) in expected.items():
        assert counts("deflection_rate", "archetype", line) == (resolved, contacts), line
    # Ratings of ticketed paths come from the helpdesk; ai_only ones from the bot's widget.
    for path in ("ai_only", "escalated", "human_only"):
        good, bad = truth.csat_by_path[path]
        assert counts("resolution_csat", "path", path) == (good, good + bad), path
        if path == "ai_only":
            continue
        delayed = [
            c.delayed_csat
            for c in world.contacts
            if c.path == path
            and c.delayed_csat
            and SIM.deploy_start <= c.started_at.date() < PERIOD_END
        ]
        assert counts("delayed_csat", "path", path) == (delayed.count("good"), len(delayed)), path
        # Surveys sent and never answered count: the response rate is answered / sent.
        sent = [
            c for c in world.contacts
            if c.path == path and c.solved_at is not None
            and SIM.deploy_start <= c.started_at.date() < PERIOD_END
        ]  # fmt: skip
        assert counts("delayed_csat_response_rate", "path", path) == (len(delayed), len(sent)), path


def test_the_run_command_config_matches_the_simulator():
    """Do the example config's archetypes cover every intent the simulator produces?"""
    config = load_config(ROOT / "config" / "product.example.yaml")
    from handoff.simulate.world import INTENTS

    assert all(config.archetype_of(i.name) == i.name for i in INTENTS)
