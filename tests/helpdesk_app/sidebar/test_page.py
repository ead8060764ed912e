"""What the sidebar shows for a ticket, and that nothing from the bot or customer runs as code."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from handoff.db import transaction
from handoff.models.detection import DetectionFinding
from handoff.packets import accept_packet
from handoff.policy import golden
from handoff.policy import hooks as policy_hooks
from handoff.policy import report as policy_report
from helpdesk_app.runtime import runtime as runtime_of
from tests import factories
from tests.helpdesk_app.queued import run_checks
from tests.helpdesk_app.sidebar.conftest import open_dev, store_packet

GOLDEN_EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "policy-golden-set.example.yaml"

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def test_a_full_packet_shows_every_section_most_important_first(dev_app):
    """Are reason, intent, summary, mood, identifiers, account, actions, policy, transcript and completeness shown in order?"""
    store_packet(dev_app, ticket_id=1001)
    html = open_dev(dev_app.test_client(), 1001)
    order = [
        "The bot was not confident enough to answer",
        "carrier data stale",
        "Order status",
        "low confidence (0.42)",
        "Order A-10442 shows in transit for nine days",
        "Had to re-ask",
        "negative",
        "waited 9 days",
        'data-copy="A-10442"',
        "dana@example.com",
        "Plan",
        "Order A-10442</dt><dd>in_transit",
        "looked up tracking",
        "last scan 9 days ago",
        "Shipping days standard",
        "Let me check the carrier for you.",
        "Where is order A-10442?",
        "Packet completeness",
        "100%",
    ]
    positions = [html.find(text) for text in order]
    assert -1 not in positions, [t for t, p in zip(order, positions, strict=True) if p == -1]
    assert positions == sorted(positions)


def test_the_transcript_is_collapsed_and_latest_first(dev_app):
    """Is the transcript inside a closed <details>, newest message first?"""
    store_packet(dev_app, ticket_id=1001)
    html = open_dev(dev_app.test_client(), 1001)
    section = html[html.index('id="transcript"') :]
    assert "<details>" in section[:200]
    assert section.index("Let me check the carrier") < section.index("Where is order A-10442?")


def test_a_poor_packet_says_what_is_missing(dev_app):
    """Does a bare packet say, plainly, which parts are missing?"""
    store_packet(
        dev_app,
        ticket_id=1002,
        account_state=None,
        prior_actions=None,
        identifiers=None,
        sentiment=None,
        policy_citations=None,
        customer=None,
        intent={"name": "refund_request"},
    )
    html = open_dev(dev_app.test_client(), 1002)
    assert "confidence not given" in html
    assert "Thin packet (" in html
    assert (
        "Not in the packet:</strong> mood · details the customer gave · account · what the bot tried · policy statements."
        in html
    )
    assert "Check the transcript before asking the customer for anything." in html
    assert "missing: " in html and "details the customer gave" in html and "account state" in html


def test_a_ticket_without_a_packet_says_so(dev_app):
    """Does a ticket with no packet say so plainly, and still offer the flag?"""
    html = open_dev(dev_app.test_client(), 555)
    assert "No handoff packet" in html
    assert "The bot sent no packet for ticket #555." in html
    assert 'id="set-flag"' in html
    assert 'id="ack"' not in html


def test_hostile_text_is_escaped_everywhere(dev_app):
    """Do a summary, transcript, identifier and account value holding HTML render as text?"""
    store_packet(
        dev_app,
        ticket_id=1003,
        summary=f"Summary {HOSTILE}",
        identifiers=[{"kind": "other", "value": HOSTILE}],
        account_state={"note": HOSTILE},
        transcript=[{"role": "customer", "text": HOSTILE}],
        escalation={"reason": "other", "detail": HOSTILE},
    )
    html = open_dev(dev_app.test_client(), 1003)
    assert "<script>window.__pwned" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert 'data-copy="&lt;script&gt;' in html


def test_repetition_findings_are_shown(dev_app):
    """Are the detector's findings for the ticket worded for the agent?"""
    store_packet(dev_app, ticket_id=1004)
    runtime = runtime_of(dev_app)
    with transaction(runtime.sessions) as session:
        for kind, cue, value, snippet in [
            ("explicit_repetition", "as_i_told", None, "as I told the bot"),
            ("agent_reask", "ask:order_id", "A-10442", "Could you send your order number?"),
        ]:
            session.add(
                DetectionFinding(
                    ticket_id=1004,
                    kind=kind,
                    cue=cue,
                    matched_value=value,
                    evidence={"snippet": snippet},
                    detector_version="1.0.0",
                    created_at=runtime.clock(),
                )  # fmt: skip
            )
    html = open_dev(dev_app.test_client(), 1004)
    assert "Customer repeated:</strong> “as I told the bot”" in html
    assert "Suggested re-ask:</strong> the agent asked for A-10442" in html


def _store_checked_packet(app: Flask, ticket_id: int) -> None:
    """Load the example golden set, store a packet whose bot misquotes it, and run the check."""
    runtime = runtime_of(app)
    with transaction(runtime.sessions) as session:
        golden.load(session, golden.read_file(GOLDEN_EXAMPLE), by="test", now=runtime.clock())
        body = factories.packet(
            ticket_id=ticket_id,
            transcript=[
                {
                    "role": "bot",
                    "text": "You can return items within 60 days.",
                    "at": "2026-03-02T08:57:30Z",
                }
            ],
        )
        accepted = accept_packet(session, body, now=runtime.clock())
        policy_hooks.after_packet(session, accepted.packet, runtime.clock())
    run_checks(app)  # the check is queued work: run it as the worker does


def test_policy_mismatches_are_shown(dev_app):
    """Is a policy incident the check stored for the ticket worded in the policy section?"""
    _store_checked_packet(dev_app, 1005)
    html = open_dev(dev_app.test_client(), 1005)
    assert (
        "Return window: the bot said 60 days; the policy in force then "
        "(in force since 2020-01-01) says 30 days"
    ) in html
    assert ">P0<" in html


def test_a_failing_policy_query_does_not_hide_the_packet(dev_app, monkeypatch):
    """If reading the ticket's policy incidents raises, is the packet still shown?"""

    def broken(session, ticket_id):
        raise RuntimeError("policy store down")

    monkeypatch.setattr(policy_report, "incidents_for_ticket", broken)
    _store_checked_packet(dev_app, 1006)
    html = open_dev(dev_app.test_client(), 1006)
    assert "Order A-10442 shows in transit" in html
    assert "Return window" not in html
