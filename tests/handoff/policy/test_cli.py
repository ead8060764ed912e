"""``handoff policy`` and ``handoff review`` commands."""

from __future__ import annotations

import json

from handoff import packets
from handoff.db import transaction
from helpdesk_app.runtime import runtime as runtime_of
from tests import factories
from tests.handoff.policy.conftest import EXAMPLE


def test_load_show_and_history(cli, tmp_path):
    """Can a lead load the file, see the values in force on a past date, and a fact's history?"""
    loaded = cli("policy", "load", str(EXAMPLE), "--by", "maria")
    assert loaded.exit_code == 0 and "revision 1" in loaded.output
    shown = cli("policy", "show", "--at", "2026-03-01", "--json")
    facts = {f["key"]: f["value"] for f in json.loads(shown.output)["facts"]}
    assert facts["return_window_days"] == "30 days" and facts["warranty_months"] == "24 months"
    later = cli("policy", "show", "--at", "2026-03-10")
    assert "return_window_days\t45 days" in later.output
    history = cli("policy", "history", "return_window_days")
    assert history.exit_code == 0 and "maria\tadded" in history.output


def test_a_bad_file_names_file_path_and_problem_and_changes_nothing(cli, tmp_path):
    """Does loading a bad file exit 1, print the file, JSON path and problem, and keep no golden set?"""
    bad = tmp_path / "policy.yaml"
    bad.write_text(EXAMPLE.read_text().replace("unit: days", "unit: fortnights", 1))
    result = cli("policy", "load", str(bad))
    assert result.exit_code == 1
    assert "policy.yaml: $.facts[0].unit:" in result.output
    assert cli("policy", "show").exit_code == 1
    broken = tmp_path / "broken.yaml"
    broken.write_text("facts: [\n")
    assert "broken.yaml: not valid YAML at line" in cli("policy", "load", str(broken)).output


def test_recheck_and_report(cli, app):
    """After a load, does recheck judge stored packets and report print counts and accuracy?"""
    runtime = runtime_of(app)
    transcript = [
        {"role": "bot", "text": "It comes with a 3-year warranty.", "at": "2026-03-02T08:00:00Z"}
    ]
    with transaction(runtime.sessions) as session:
        packets.accept_packet(session, factories.packet(transcript=transcript), now=runtime.clock())
    cli("policy", "load", str(EXAMPLE))
    assert "incidents=1" in cli("policy", "recheck").output
    report = cli("policy", "report")
    assert "2026-W10\twarranty_service_level\tP1\t1" in report.output
    assert "policy_accuracy\t1/2" in report.output  # the factory's 5-day shipping citation matched


def test_review_draw_link_and_figures(cli, app):
    """Do draw, open-link and figures work from the command line?"""
    drawn = cli("review", "draw", "--week", "2026-W10", "--rate", "0.02", "--seed", "3")
    assert drawn.exit_code == 0 and "0 of 0 conversations" in drawn.output
    assert cli("review", "draw", "--week", "2026-W10", "--rate", "0.5").exit_code == 2
    link = cli("review", "open-link", "--lead", "maria", "--base-url", "https://qa.example.com")
    assert link.exit_code == 0 and link.stdout.startswith("https://qa.example.com/review/open?t=")
    figures = cli("review", "figures", "--week", "2026-W10")
    assert "sampled_hallucination_rate\t0/0\tn/a" in figures.output
