"""From the bot's POST to the sandbox ticket, and the delivery state through the API and the CLI."""

from __future__ import annotations

import pytest

from handoff.delivery.note import packet_marker
from tests import factories
from tests.handoff.delivery.conftest import ENDPOINT, comments_with, ticket_for


@pytest.fixture
def app(make_app, helpdesk):
    """Return the app wired to the sandbox through the real adapter."""
    return make_app(helpdesk=helpdesk, zendesk_rpm=6000, zendesk_updates_per_minute=6000)


def test_a_posted_packet_shows_up_on_the_ticket_after_setup_and_a_worker_run(
    client, auth, cli, zendesk
):
    """After setup, does a packet posted to the API become a note with tags and fields on the sandbox ticket?"""
    setup = cli("zendesk", "setup", "--url", "https://handoff.example.test")
    assert setup.exit_code == 0, setup.output
    assert "field reask=" in setup.output and "webhook id=" in setup.output
    secret = next(iter(zendesk.webhook_secrets.values()))
    assert secret not in setup.output
    ticket_id = ticket_for(zendesk)
    body = factories.packet(ticket_id=ticket_id)
    assert client.post("/api/v1/packets", json=body, headers=auth).status_code == 201
    pending = client.get(f"/api/v1/packets/{body['packet_id']}/delivery", headers=auth)
    assert pending.status_code == 200 and pending.json["status"] == "pending"
    result = cli("worker", "run", "--once", "--batch", "10")
    assert result.exit_code == 0, result.output
    assert "delivered=2" in result.output  # the note and the queued policy check
    assert len(comments_with(zendesk, ticket_id, packet_marker(body["packet_id"]))) == 1
    ticket = zendesk.tickets[ticket_id]
    assert "intent_order_status" in ticket["tags"]
    assert "order_status" in ticket["custom_fields"].values()
    done = client.get(f"/api/v1/packets/{body['packet_id']}/delivery", headers=auth)
    assert done.json["status"] == "delivered" and done.json["result"]["ticket_id"] == ticket_id
    listed = client.get("/api/v1/deliveries?status=delivered", headers=auth)
    assert {i["key"] for i in listed.json["items"]} == {
        f"packet_note:{body['packet_id']}",
        f"policy_check:packet:{body['packet_id']}",
    }
    assert listed.json["summary"]["counts"]["delivered"] == 2


def test_setup_run_twice_creates_nothing_new(cli, zendesk):
    """Does a second ``zendesk setup`` find every field and the webhook instead of creating them?"""
    assert cli("zendesk", "setup", "--url", "https://handoff.example.test").exit_code == 0
    again = cli("zendesk", "setup", "--url", "https://handoff.example.test")
    assert again.exit_code == 0 and "(created)" not in again.output
    assert len(zendesk.webhooks) == 1


def test_setup_needs_a_public_url(cli):
    """Without --url or HANDOFF_PUBLIC_URL, does setup refuse to guess?"""
    result = cli("zendesk", "setup")
    assert result.exit_code != 0 and "HANDOFF_PUBLIC_URL" in result.output


def test_worker_status_and_requeue(client, auth, cli, zendesk, make_token):
    """Does ``worker status`` show a failure, and do ``worker requeue`` and the API put it back?"""
    cli("zendesk", "setup", "--url", ENDPOINT.removesuffix("/webhooks/zendesk"))
    body = factories.packet(ticket_id=987654)
    client.post("/api/v1/packets", json=body, headers=auth)
    cli("worker", "run", "--once")
    status = cli("worker", "status")
    assert "failed=1" in status.output and "HelpdeskNotFound" in status.output
    failed = client.get("/api/v1/deliveries?status=failed", headers=auth).json["items"]
    assert len(failed) == 1
    assert "requeued 1 item(s)" in cli("worker", "requeue", "--all-failed").output
    cli("worker", "run", "--once")
    admin = {"Authorization": f"Bearer {make_token('admin', name='lead')}"}
    item_id = failed[0]["id"]
    again = client.post(f"/api/v1/deliveries/{item_id}/requeue", headers=admin)
    assert again.status_code == 200 and again.json["status"] == "pending"
    assert client.post(f"/api/v1/deliveries/{item_id}/requeue", headers=auth).status_code == 403


def test_delivery_endpoints_need_a_token_and_validate_their_query(client, auth):
    """Are the delivery endpoints closed without a token, and is a bad status a 422?"""
    assert client.get("/api/v1/deliveries").status_code == 401
    assert client.get("/api/v1/deliveries?status=lost", headers=auth).status_code == 422
    assert client.get("/api/v1/deliveries?limit=0", headers=auth).status_code == 422
    assert client.get("/api/v1/packets/nope/delivery", headers=auth).status_code == 404
    assert client.get("/api/v1/packets/a%00b/delivery", headers=auth).status_code == 404
    assert client.get(f"/api/v1/packets/{'x' * 400}/delivery", headers=auth).status_code == 404


def test_worker_kinds_and_prune_from_the_cli(client, auth, cli, zendesk, clock):
    """Does ``worker run --kinds policy_check`` leave the note queued, refuse an unknown kind, and ``worker prune`` keep recent items?"""
    body = factories.packet(ticket_id=ticket_for(zendesk))
    assert client.post("/api/v1/packets", json=body, headers=auth).status_code == 201
    result = cli("worker", "run", "--once", "--kinds", "policy_check")
    assert result.exit_code == 0, result.output
    assert "delivered=1" in result.output
    pending = client.get(f"/api/v1/packets/{body['packet_id']}/delivery", headers=auth)
    assert pending.json["status"] == "pending"
    bad = cli("worker", "run", "--once", "--kinds", "policy_check,carrier_pigeon")
    assert bad.exit_code != 0 and "carrier_pigeon" in bad.output
    assert "pruned 0 delivered" in cli("worker", "prune").output
    clock.advance(days=31)
    assert "pruned 1 delivered item(s) older than 30 day(s)" in cli("worker", "prune").output
