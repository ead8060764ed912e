"""Deterministic policy checks: the version in force when the bot spoke, each class, units, storage."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handoff import conversations, packets
from handoff.policy import golden
from handoff.policy.checks import check_conversation, check_packet
from handoff.policy.report import incidents_for_ticket, policy_accuracy, policy_incidents
from handoff.policy.units import quantity, same
from tests import factories


def _packet(session, clock, *, text=None, citations=None, at="2026-03-02T08:57:30Z", **extra):
    transcript = [{"role": "customer", "text": "Can I send it back?", "at": at}]
    if text is not None:
        transcript.append({"role": "bot", "text": text, "at": at})
    doc = factories.packet(transcript=transcript, policy_citations=citations or [], **extra)
    if not doc["policy_citations"]:
        del doc["policy_citations"]
    row = packets.accept_packet(session, doc, now=clock()).packet
    return row, check_packet(session, row, clock())


def _cite(policy, value, at, **more):
    return {"policy": policy, "value": value, "at": at, **more}


def test_a_policy_change_mid_period_keeps_earlier_answers_correct(session, golden_doc, clock):
    """After the return window goes from 30 to 45 days, is the earlier "30 days" still correct and a later one caught?"""
    fact = golden_doc["facts"][0]
    fact["versions"] = [{"value": 30, "valid_from": "2020-01-01"}]
    golden.load(session, golden_doc, by="lead", now=clock())
    early, result = _packet(
        session,
        clock,
        citations=[_cite("return_window_days", 30, "2026-03-02T08:57:30Z", unit="days")],
    )
    assert result.incidents == ()
    # The policy changes on 9 March; the golden set records both versions.
    fact["versions"] = [
        {"value": 30, "valid_from": "2020-01-01", "valid_to": "2026-03-09"},
        {"value": 45, "valid_from": "2026-03-09"},
    ]
    clock.advance(days=10)
    golden.load(session, golden_doc, by="lead", now=clock())
    assert check_packet(session, early, clock()).incidents == ()  # rechecked: still right then
    _, wrong = _packet(
        session,
        clock,
        ticket_id=2002,
        citations=[_cite("return_window_days", 30, "2026-03-10T10:00:00Z")],
    )
    _, right = _packet(
        session,
        clock,
        ticket_id=2003,
        citations=[_cite("return_window_days", 45, "2026-03-10T10:00:00Z")],
    )
    assert [v.severity for v in wrong.incidents] == ["P0"] and right.incidents == ()
    [item] = incidents_for_ticket(session, 2002)
    assert (
        item.message
        == "the bot said 30 days; the policy in force then (in force since 2026-03-09) says 45 days"
    )


def test_the_moment_falls_back_to_the_message_then_the_packet(session, loaded, clock):
    """Without a citation time, is the bot message's time used, and without that the packet's created_at?"""
    _, by_message = _packet(
        session, clock, text="You can return items within 45 days.", at="2026-03-10T09:00:00Z"
    )
    assert by_message.incidents == ()
    doc_at = "2026-03-02T09:00:00Z"  # factory created_at: the 30-day window was in force
    _, by_packet = _packet(
        session,
        clock,
        ticket_id=7,
        citations=[{"policy": "return_window_days", "value": 45}],
        created_at=doc_at,
    )
    assert [v.statement.said.display() for v in by_packet.incidents] == ["45 days"]


@pytest.mark.parametrize(
    ("text", "policy_class", "severity"),
    [
        ("You can return items within 60 days of delivery.", "refund_pricing", "P0"),
        ("Good news: we'll refund the shipping fee.", "refund_pricing", "P0"),
        ("A 15% restocking fee applies to opened items.", "refund_pricing", "P0"),
        ("Express shipping costs $7.50.", "refund_pricing", "P0"),
        ("It comes with a 3-year warranty.", "warranty_service_level", "P1"),
        ("Standard shipping takes 2 business days.", "warranty_service_level", "P1"),
        ("Please email us at help@example.com.", "process_contact", "P2"),
        ("I've issued your refund, it will show in 3 days.", "capability", "P1"),
        ("I have shipped you a replacement.", "capability", "P1"),
    ],
)
def test_each_class_fires_on_a_wrong_statement(
    session, loaded, clock, text, policy_class, severity
):
    """Does a wrong quote of each class become an incident of that class and severity?"""
    _, result = _packet(session, clock, text=text)
    assert [(v.policy_class, v.severity) for v in result.incidents] == [(policy_class, severity)]


@pytest.mark.parametrize(
    "text",
    [
        "You can return items within 30 days of delivery.",
        "Shipping fees are non-refundable, sorry.",
        "A 10% restocking fee applies to opened items.",
        "Express shipping costs $5.00.",
        "It comes with a 2-year warranty.",
        "The warranty lasts 24 months.",
        "Standard shipping takes 5 business days.",
        "Please email us at Support@Example.com.",
        "Please review your order number.",
    ],
)
def test_a_correct_statement_is_no_incident(session, loaded, clock, text):
    """Does a quote matching the policy in force (in any spelling of its unit) stay clean?"""
    _, result = _packet(session, clock, text=text)
    assert result.incidents == ()


def test_a_refund_claim_backed_by_a_succeeded_tool_is_no_overreach(session, loaded, clock):
    """Is "I've issued your refund" fine when prior_actions has a succeeded refund_api action?"""
    actions = [{"action": "refund", "tool": "refund_api", "status": "succeeded"}]
    _, result = _packet(session, clock, text="I've issued your refund.", prior_actions=actions)
    assert result.incidents == () and [v.policy_class for v in result.verdicts] == ["capability"]
    failed = [{"action": "refund", "tool": "refund_api", "status": "failed"}]
    _, again = _packet(
        session, clock, ticket_id=9, text="I've issued your refund.", prior_actions=failed
    )
    assert [v.policy_class for v in again.incidents] == ["capability"]


def test_warranty_is_p0_in_a_regulated_sector(session, golden_doc, clock):
    """When the golden set says the sector is regulated, is a warranty mismatch P0?"""
    golden_doc["regulated_sector"] = True
    golden.load(session, golden_doc, by="lead", now=clock())
    _, result = _packet(session, clock, text="It comes with a 3-year warranty.")
    assert [v.severity for v in result.incidents] == ["P0"]


def test_units_are_normalised():
    """Are 2 years = 24 months, two weeks = 14 days, $5.00 = 5 USD and 10 percent = 10%?"""
    assert quantity("2 years", None, fact_unit="months").amount == 24
    assert quantity("two weeks", None, fact_unit="days").amount == 14
    assert same(
        quantity("$5.00", None, fact_unit="currency"), quantity(5, "USD", fact_unit="currency")
    )
    assert not same(
        quantity("€5.00", None, fact_unit="currency"), quantity(5, "USD", fact_unit="currency")
    )
    assert quantity("10 percent", None, fact_unit="percentage").amount == 10
    assert same(quantity("a month", None, fact_unit="days"), quantity(30, None, fact_unit="days"))


def test_rerun_replaces_and_a_citation_and_its_message_count_once(session, loaded, clock):
    """Is a rerun idempotent, and a cited quote also in the transcript one statement, not two?"""
    text = "You can return items within 60 days of delivery."
    row, first = _packet(
        session,
        clock,
        text=text,
        citations=[_cite("return_window_days", 60, "2026-03-02T08:57:30Z", statement=text)],
    )
    assert len(first.verdicts) == 1 and first.uncited_factual == 0
    check_packet(session, row, clock())
    assert policy_accuracy(session) == policy_accuracy(session).__class__(0, 1)
    assert sum(c.count for c in policy_incidents(session)) == 1


def test_a_conversation_and_its_packet_share_their_quotes(session, loaded, clock):
    """Is a quote in both the conversation and its escalation packet counted once, in either order?"""
    text = "You can return items within 60 days of delivery."
    transcript = [{"role": "bot", "text": text, "at": "2026-03-02T08:57:30Z"}]
    conv = conversations.record_conversation(
        session,
        factories.conversation(
            conversation_id="conv-1001", ticket_id=1001, outcome="escalated", transcript=transcript
        ),
        now=clock(),
    ).conversation
    assert len(check_conversation(session, conv, clock()).incidents) == 1
    _packet(session, clock, text=text)  # conversation_id conv-1001 as well
    assert check_conversation(
        session, conv, clock()
    ).incidents  # found, but stored under the packet
    assert [(c.week, c.policy_class, c.count) for c in policy_incidents(session)] == [
        ("2026-W10", "refund_pricing", 1)
    ]
    assert len(incidents_for_ticket(session, 1001)) == 1


def test_accuracy_and_weekly_counts_carry_counts(session, loaded, clock):
    """Does policy_accuracy give matching and total statements, and incidents group by week and class?"""
    _packet(session, clock, ticket_id=1, text="You can return items within 30 days of delivery.")
    _packet(
        session,
        clock,
        ticket_id=2,
        text="It comes with a 3-year warranty.",
        at="2026-03-10T09:00:00Z",
    )
    _packet(session, clock, ticket_id=3, text="I've issued your refund.")
    acc = policy_accuracy(session)
    assert (acc.matching, acc.statements) == (1, 2)
    counts = {(c.week, c.policy_class, c.severity): c.count for c in policy_incidents(session)}
    assert counts == {
        ("2026-W10", "capability", "P1"): 1,
        ("2026-W11", "warranty_service_level", "P1"): 1,
    }
    window = policy_accuracy(
        session, datetime(2026, 3, 9, tzinfo=UTC), datetime(2026, 3, 16, tzinfo=UTC)
    )
    assert (window.matching, window.statements) == (0, 1)


def test_without_a_golden_set_nothing_is_judged(session, clock):
    """Before any golden set is loaded, does a check store no statement and no incident?"""
    _, result = _packet(session, clock, text="You can return items within 60 days.")
    assert result.verdicts == () and result.golden_revision is None
