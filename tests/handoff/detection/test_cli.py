"""``handoff detect repetition``: JSON lines in, one result or error line out per input."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from click.testing import CliRunner
from flask import Flask

from helpdesk_app.cli.detect import group
from helpdesk_app.runtime import runtime as runtime_of
from tests.handoff.detection.conftest import agent, customer


def _run(*lines: str, args: tuple[str, ...] = ()) -> tuple[list[dict[str, Any]], int]:
    result = CliRunner().invoke(group, ["repetition", *args], input="\n".join(lines) + "\n")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    return out, result.exit_code


def test_message_lines_get_a_verdict_each() -> None:
    """Does each message line yield its id, a repetition flag and the findings?"""
    out, code = _run(
        json.dumps({"id": "m1", "text": "like i said, it's late"}),
        json.dumps({"id": "m2", "text": "I already paid"}),
    )
    assert code == 0
    assert [(o["id"], o["repetition"]) for o in out] == [("m1", True), ("m2", False)]
    assert out[0]["findings"][0]["cue"] == "as_i_said"


def test_ticket_line_reports_every_kind(packet: dict[str, Any]) -> None:
    """Does a whole ticket yield re-asks, explicit and implicit findings with comment ids?"""
    comments = [
        agent(1, "Hi! What's your order number?", 1),
        customer(2, "A-10442, as I told the bot.", 2),
    ]
    out, _ = _run(json.dumps({"id": 7, "packet": packet, "comments": comments}))
    (result,) = out
    assert result["repetition"] is True and result["suggested_reask"] is True
    kinds = {(f["kind"], f["comment_id"], f["agent_turn"]) for f in result["findings"]}
    assert kinds == {
        ("agent_reask", 1, 1),
        ("explicit_repetition", 2, 1),
        ("implicit_repetition", 2, 1),
    }


def test_a_reask_alone_is_not_repetition(packet: dict[str, Any]) -> None:
    """Is a ticket with only a suggested re-ask reported as no repetition?"""
    line = json.dumps({"id": 1, "packet": packet, "comments": [agent(1, "Your email, please?", 1)]})
    (result,) = _run(line)[0]
    assert (result["repetition"], result["suggested_reask"]) == (False, True)


def test_malformed_lines_are_reported_and_processing_continues(packet: dict[str, Any]) -> None:
    """Does each bad line yield an error naming its line number and what is wrong?"""
    bad_comment = {"id": 5, "author_role": "robot", "body": "hi"}
    out, code = _run(
        "{not json",
        json.dumps({"text": "no id"}),
        json.dumps({"id": 3, "text": "x", "packet": packet}),
        json.dumps({"id": 4, "packet": packet, "comments": [bad_comment]}),
        json.dumps({"id": 5, "packet": {**packet, "created_at": "yesterday"}, "comments": []}),
        "",
        json.dumps({"id": 6, "text": "I already explained this"}),
    )
    assert code == 0
    assert [o.get("line") for o in out[:5]] == [1, 2, 3, 4, 5]
    assert "not valid JSON" in out[0]["error"]
    assert out[1]["error"] == "id: missing"
    assert "exactly one" in out[2]["error"]
    assert out[3]["error"].startswith("comments[0].author_role") and out[3]["id"] == 4
    assert out[4]["error"].startswith("packet.created_at")
    assert out[5] == {**out[5], "id": 6, "repetition": True}


def test_strict_mode_fails_on_a_malformed_line() -> None:
    """Does --strict exit non-zero when any line was malformed, after writing every result?"""
    out, code = _run("[]", json.dumps({"id": 1, "text": "ok"}), args=("--strict",))
    assert code == 1
    assert len(out) == 2


def test_recompute_stale_command_fills_findings(
    app: Flask, cli: Callable[..., Any], packet: dict[str, Any]
) -> None:
    """Does ``handoff detect recompute --stale`` compute and commit an escalated ticket's findings?"""
    import sqlalchemy as sa

    from handoff.models.detection import DetectionFinding
    from tests.handoff.detection.test_store import TICKET, _add_ticket

    runtime = runtime_of(app)
    with runtime.sessions() as session:
        _add_ticket(session, packet, [customer(12, "like I said, it's late", 2)])
        session.commit()
    result = cli("detect", "recompute", "--stale")
    assert result.exit_code == 0, result.output
    assert "1 tickets, 1 findings" in result.output
    with runtime.sessions() as session:
        rows = session.scalars(sa.select(DetectionFinding.ticket_id)).all()
    assert rows == [TICKET]
    assert cli("detect", "recompute").exit_code != 0
