"""POST /api/v1/escalation-check."""

from __future__ import annotations


def test_the_bot_gets_rules_and_a_reason(client, auth):
    """Does the endpoint answer every rule's verdict and the packet's reason code?"""
    body = {
        "transcript": [{"role": "customer", "text": "I want to talk to a human, this is useless"}],
        "intent": {"name": "returns", "confidence": 0.9},
        "customer": {"vip": False, "segment": "pro"},
        "amounts": [{"value": 12.5, "currency": "USD", "kind": "refund"}],
        "prior_ai_contacts": 0,
        "topics": ["returns"],
    }
    response = client.post("/api/v1/escalation-check", json=body, headers=auth)
    assert response.status_code == 200
    assert response.json["escalate"] is True and response.json["reason"] == "customer_request"
    assert {r["id"] for r in response.json["rules"] if r["fired"]} == {
        "customer_request",
        "frustration",
    }


def test_a_bad_request_is_422_and_anonymous_is_401(client, auth):
    """Is a request without intent refused with its path, and one without a token refused?"""
    response = client.post("/api/v1/escalation-check", json={"transcript": []}, headers=auth)
    assert response.status_code == 422
    assert response.json["error"]["details"][0]["path"] == "$"
    assert client.post("/api/v1/escalation-check", json={}).status_code == 401


def test_a_configured_rule_file_is_used(make_app, make_token, tmp_path):
    """Does HANDOFF_ESCALATION_RULES' file change the verdict (threshold 0.95)?"""
    rules = tmp_path / "rules.yaml"
    rules.write_text('schema_version: "1.0"\nrules:\n  low_confidence: {threshold: 0.95}\n')
    app = make_app(escalation_rules_path=rules)
    headers = {"Authorization": f"Bearer {make_token()}"}
    body = {
        "transcript": [{"role": "customer", "text": "hi"}],
        "intent": {"name": "x", "confidence": 0.9},
    }
    response = app.test_client().post("/api/v1/escalation-check", json=body, headers=headers)
    assert response.json["reason"] == "low_confidence"
