"""The report pages, their access, the JSON/CSV exports and the terminal commands."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Flask

from handoff import tokens
from handoff.db import transaction
from helpdesk_app.cli import main
from helpdesk_app.runtime import runtime as runtime_of


def test_pages_need_a_session(reports_app: Flask) -> None:
    """Is a visitor without a session sent away with 401?"""
    response = reports_app.test_client().get("/reports/panel")
    assert response.status_code == 401
    assert b"open-link" in response.data


def test_link_opens_once(reports_app: Flask, open_link: Callable[[], str]) -> None:
    """Does a link open a session once, and refuse a second use and a forgery?"""
    link = open_link()
    client = reports_app.test_client()
    assert client.get(link).status_code == 302
    assert client.get("/reports/panel").status_code == 200
    other = reports_app.test_client()
    assert other.get(link).status_code == 403
    assert other.get(link[:-3] + "abc").status_code == 403


def test_panel_shows_headline_and_actions(reports_app: Flask, open_link: Callable[[], str]) -> None:
    """Does the panel show the protected-deflection line, families, charts and open actions?"""
    client = reports_app.test_client()
    client.get(open_link())
    page = client.get("/reports/panel?view=monthly").get_data(as_text=True)
    assert "deflection 66.7% with resolution CSAT delta -50.0 pts" in page
    assert "not protected" in page
    assert page.count("<svg") >= 4
    assert "Investigate the intent" in page and "head@example.com" in page  # open actions
    assert "Wrong policy statements" in page and "Not computed" in page
    # Plain names head the columns; the ids stay beside them, quieter.
    assert '<th scope="col" title="Share of escalations where the agent flagged' in page
    assert 'Context loss<span class="fid">context_loss_rate</span>' in page
    # A small sample is greyed and said once, never boxed.
    assert "too few to judge" in page and "small sample" not in page
    for view in ("weekly", "quarterly"):
        assert client.get(f"/reports/panel?view={view}").status_code == 200
    assert client.get("/reports/panel?view=yearly").status_code == 400


def test_handoff_report_and_drill(reports_app: Flask, open_link: Callable[[], str]) -> None:
    """Does the handoff report link each number to the tickets behind it in Zendesk?"""
    client = reports_app.test_client()
    client.get(open_link())
    page = client.get("/reports/handoff?view=monthly").get_data(as_text=True)
    assert "2026-W02" in page and "identifiers" in page
    drill = client.get("/reports/drill/context_loss_rate?scope=all&view=monthly").get_data(
        as_text=True
    )
    assert 'href="https://acme.zendesk.com/agent/tickets/102"' in drill
    assert "1 of 2 contacts" in drill


def _token(app: Flask, *scopes: str) -> dict[str, str]:
    runtime = runtime_of(app)
    with transaction(runtime.sessions) as s:
        issued = tokens.create_token(s, "lead", now=runtime.clock(), scopes=scopes)
    return {"Authorization": f"Bearer {issued.plaintext}"}


def test_api_exports_json_and_csv(reports_app: Flask) -> None:
    """Do the exports carry the spec ids in JSON and CSV, for reports:read tokens only?"""
    client = reports_app.test_client()
    headers = _token(reports_app, "reports:read")
    panel = client.get("/api/v1/reports/panel?view=monthly", headers=headers).get_json()
    loss = next(
        f for f in panel["figures"] if f["id"] == "context_loss_rate" and f["scope"] == "all"
    )
    assert (loss["rate"]["numerator"], loss["rate"]["denominator"]) == (1, 2)
    csv = client.get(
        "/api/v1/reports/tables/figures?view=monthly&format=csv", headers=headers
    ).get_data(as_text=True)
    assert csv.startswith("id,name,scope,key,window,value,numerator,denominator")
    assert "\ncontext_loss_rate,Context loss,all,,2026-W02..2026-W05,0.5,1,2," in csv
    rows = client.get("/api/v1/reports/tables/actions", headers=headers).get_json()["rows"]
    assert {r["kind"] for r in rows} == {"rollback", "investigate_intent"}
    drill = client.get("/api/v1/reports/drill/deflection_rate?view=monthly&scope=archetype&key=order_status",
                       headers=headers).get_json()  # fmt: skip
    assert (drill["numerator"], drill["total"]) == (2, 3)
    assert client.get("/api/v1/reports/panel?week=2026-W99", headers=headers).status_code == 422
    assert (
        client.get("/api/v1/reports/panel", headers=_token(reports_app, "packets:read")).status_code
        == 403
    )


def test_cli_panel_and_actions(reports_app: Flask) -> None:
    """Do ``handoff panel`` and ``handoff actions`` print and decide as documented?"""
    runner = reports_app.test_cli_runner()
    table = runner.invoke(main, ["panel", "--view", "monthly"])
    assert table.exit_code == 0, table.output
    assert "[NOT protected] order_status" in table.output
    as_json = json.loads(
        runner.invoke(main, ["panel", "--view", "monthly", "--format", "json"]).output
    )
    assert as_json["window"] == "2026-W02..2026-W05"
    csv = runner.invoke(
        main, ["panel", "--view", "monthly", "--format", "csv", "--table", "headline"]
    ).output
    assert csv.splitlines()[0].startswith("archetype,text,protected")
    refresh = runner.invoke(main, ["panel", "refresh"])
    assert refresh.exit_code == 0 and "refreshed full=False" in refresh.output
    listed = json.loads(runner.invoke(main, ["actions", "list", "--json"]).output)
    first = listed[0]["id"]
    refused = runner.invoke(
        main, ["actions", "decide", str(first), "--by", "head", "--decision", " ", "--close"]
    )
    assert refused.exit_code != 0
    moved = runner.invoke(main, ["actions", "decide", str(first), "--by", "head", "--decision",
                                 "waiting for the vendor", "--note", "ticket 88", "--due", "2026-02-27"])  # fmt: skip
    assert moved.exit_code == 0, moved.output
    done = runner.invoke(
        main,
        ["actions", "decide", str(first), "--by", "head", "--decision", "rolled back", "--close"],
    )
    assert done.exit_code == 0, done.output
    closed = json.loads(
        runner.invoke(main, ["actions", "list", "--status", "closed", "--json"]).output
    )
    assert closed[0]["due_at"].startswith("2026-02-27")
    assert [d["decision"] for d in closed[0]["decisions"]] == [
        "waiting for the vendor\nNote: ticket 88\nDue date moved from "
        + listed[0]["due_at"][:10]
        + " to 2026-02-27",
        "rolled back",
    ]
