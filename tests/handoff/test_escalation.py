"""Escalation rules: each one fires when it should and stays quiet when it should not."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from handoff import escalation
from handoff.errors import ValidationFailed

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "escalation-rules.example.yaml"
RULES = escalation.build_rules()


def request(*customer_texts: str, **fields):
    """Build a calm, confident request; keyword arguments replace top-level fields."""
    transcript = [
        {"role": "customer", "text": t} for t in customer_texts or ("Where is my parcel?",)
    ]
    body = {"transcript": transcript, "intent": {"name": "order_status", "confidence": 0.92}}
    body.update(fields)
    return body


def fired(body, rules=RULES):
    decision = escalation.check(body, rules)
    return {r.id for r in decision.rules if r.fired}


def test_a_calm_confident_request_does_not_escalate():
    """Does an ordinary, confident first contact stay with the bot?"""
    decision = escalation.check(request(), RULES)
    assert decision.escalate is False and decision.reason is None
    assert len(decision.rules) == len(escalation.RULES)


@pytest.mark.parametrize(
    ("rule", "body"),
    [
        ("low_confidence", request(intent={"name": "returns", "confidence": 0.41})),
        ("customer_request", request("Can I speak to a human please?")),
        ("frustration", request("This is ridiculous.")),
        ("frustration", request("Where is my order A-10442?", "where is my order A-10442??")),
        ("frustration", request(sentiment={"score": -0.8})),
        ("regulated_topic", request(topics=["health"])),
        ("regulated_topic", request("Is this safe with my prescription?")),
        ("regulated_topic", request(topics=["refund_dispute"], amounts=[{"value": 250}])),
        ("vip", request(customer={"vip": True, "segment": "enterprise"})),
        ("repeated_ai_contact", request(prior_ai_contacts=2)),
        (
            "amount_threshold",
            request(amounts=[{"value": 900, "currency": "USD", "kind": "refund"}]),
        ),
        (
            "refund_dispute",
            request(intent={"name": "billing_dispute", "confidence": 0.9}, amounts=[{"value": 40}]),
        ),
        ("product_harm", request("The charger caught fire last night.")),
        ("third_party_claim", request("I'm writing on behalf of my mother.")),
        ("emotional", request("My husband passed away and the account is in his name.")),
        ("legal_threat", request("My lawyer will hear about this.")),
        ("review_threat", request("I'll leave a 1-star review everywhere.")),
        ("review_threat", request("Expect a review on Trustpilot about you.")),
    ],
)
def test_each_rule_fires(rule, body):
    """Does each rule fire on its own signal, and the decision escalate?"""
    assert rule in fired(body)
    assert escalation.check(body, RULES).escalate


@pytest.mark.parametrize(
    ("rule", "body"),
    [
        ("low_confidence", request(intent={"name": "returns", "confidence": 0.6})),
        ("customer_request", request("Is a human-readable receipt available?")),
        ("frustration", request("Thanks, that helps!", "Thanks, that helps!")),  # short, polite
        ("frustration", request("Where is my order?", "And can I change the address?")),
        ("regulated_topic", request(topics=["shipping"])),
        ("regulated_topic", request(topics=["refund_dispute"], amounts=[{"value": 150}])),
        ("vip", request(customer={"vip": True, "ai_opt_in": True})),
        ("vip", request(customer={"vip": False})),
        ("repeated_ai_contact", request(prior_ai_contacts=1)),
        ("amount_threshold", request(amounts=[{"value": 900, "kind": "mentioned"}])),
        ("amount_threshold", request(amounts=[{"value": 500, "kind": "refund"}])),
        (
            "refund_dispute",
            request(intent={"name": "billing_dispute", "confidence": 0.9}, amounts=[{"value": 20}]),
        ),
        ("refund_dispute", request(amounts=[{"value": 40, "kind": "refund"}])),  # not a dispute
        ("product_harm", request("The firmware update is on its way?")),
        ("third_party_claim", request("I want to know about the party package.")),
        ("emotional", request("I'm excited about the new plan.")),
        (
            "legal_threat",
            request(
                "Sue from your billing team said to write in.", "Is the flawless plan available?"
            ),
        ),
        ("review_threat", request("Can you review my order before it ships?")),
        (
            "review_threat",
            request("My refund has been under review for a week.", "Please review the charges."),
        ),
    ],
)
def test_each_rule_stays_quiet_on_look_alikes(rule, body):
    """Does each rule stay quiet on ordinary text and look-alikes ("review my order", "Sue from billing")?"""
    assert rule not in fired(body)


def test_the_reason_is_the_first_fired_rule_in_priority():
    """With low confidence and a lawyer both present, is the reason the legal one (higher priority)?"""
    body = request("I'm calling my lawyer.", intent={"name": "returns", "confidence": 0.2})
    decision = escalation.check(body, RULES)
    assert decision.reason == "regulated_topic"
    assert (
        escalation.check(request(intent={"name": "x", "confidence": 0.2}), RULES).reason
        == "low_confidence"
    )


def test_rules_are_configurable_one_by_one():
    """Can a rule be switched off or retuned without touching the others?"""
    rules = escalation.build_rules(
        {
            "schema_version": "1.0",
            "rules": {"vip": {"enabled": False}, "low_confidence": {"threshold": 0.3}},
        }
    )
    body = request(customer={"vip": True}, intent={"name": "returns", "confidence": 0.41})
    assert fired(body, rules) == set()
    assert "vip" in fired(body) and "low_confidence" in fired(body)


def test_a_bad_rule_file_names_the_path():
    """Is an unknown setting or a threshold out of range reported with its JSON path?"""
    with pytest.raises(ValidationFailed) as caught:
        escalation.build_rules(
            {"schema_version": "1.0", "rules": {"low_confidence": {"threshold": 2}}}
        )
    assert caught.value.details[0]["path"] == "$.rules.low_confidence.threshold"


def test_the_example_file_is_the_defaults():
    """Does the example rule file validate and equal the built-in defaults?"""
    document = yaml.safe_load(EXAMPLE.read_text())
    assert escalation.load_rules(EXAMPLE).config == escalation.DEFAULT_RULES == document
