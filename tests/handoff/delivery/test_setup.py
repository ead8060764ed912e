"""``handoff zendesk setup``: what it makes in Zendesk, found again by name, and the trigger rule."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from handoff.delivery import objects
from handoff.models.delivery_state import HelpdeskObject
from handoff.ticketing.errors import HelpdeskRejected

ENDPOINT = "https://h.example/webhooks/zendesk"
KEY = "the-application-secret-key"


def test_a_fresh_database_finds_the_objects_by_name(session, helpdesk, zendesk, clock):
    """With our own table emptied (a new database), does setup find the fields, webhooks and
    trigger in Zendesk by name instead of making second copies?"""
    first = objects.setup(session, helpdesk, endpoint=ENDPOINT, now=clock(), sealing_key=KEY,
                           with_trigger=True)  # fmt: skip
    session.commit()
    session.execute(sa.delete(HelpdeskObject))
    session.commit()
    again = objects.setup(session, helpdesk, endpoint=ENDPOINT, now=clock(), sealing_key=KEY,
                           with_trigger=True)  # fmt: skip
    session.commit()
    assert again.created == () and len(first.created) == 8
    assert len(zendesk.webhooks) == 2 and len(zendesk.triggers) == 1
    assert objects.webhook_secret(session, KEY) == zendesk.webhook_secrets[first.webhook_id]
    assert set(objects.webhook_secrets(session, KEY)) == set(zendesk.webhook_secrets.values())


def test_the_trigger_uses_a_webhook_of_its_own(session, helpdesk, zendesk, clock):
    """Is the trigger connected to a second webhook subscribed to conditional_ticket_events,
    with its own secret, while the event webhook keeps its event subscriptions?"""
    report = objects.setup(session, helpdesk, endpoint=ENDPOINT, now=clock(), sealing_key=KEY,
                           with_trigger=True)  # fmt: skip
    events = zendesk.webhooks[report.webhook_id]
    trigger_hook = zendesk.webhooks[report.trigger_webhook_id]
    assert trigger_hook["subscriptions"] == ["conditional_ticket_events"]
    assert "zen:event-type:ticket.comment_added" in events["subscriptions"]
    assert (
        zendesk.webhook_secrets[report.webhook_id]
        != zendesk.webhook_secrets[report.trigger_webhook_id]
    )
    (action,) = zendesk.triggers[report.trigger_id]["actions"]
    assert action["value"][0] == report.trigger_webhook_id


def test_zendesk_refuses_a_trigger_on_the_event_webhook(session, helpdesk, zendesk, clock):
    """Does connecting a trigger to the event-subscribed webhook fail, as it does in Zendesk?"""
    report = objects.setup(session, helpdesk, endpoint=ENDPOINT, now=clock(), sealing_key=KEY)
    with pytest.raises(HelpdeskRejected) as refused:
        helpdesk.create_trigger(
            title="t",
            conditions={"all": [{"field": "update_type", "operator": "is", "value": "Change"}]},
            actions=[{"field": "notification_webhook", "value": [report.webhook_id, "{}"]}],
        )
    assert refused.value.http_status == 422
    assert "cannot be used in triggers" in str(refused.value.details)


def test_a_webhook_of_ours_with_another_endpoint_is_a_clear_error(
    session, helpdesk, zendesk, clock
):
    """When a webhook with our name posts elsewhere, does setup say which and how to fix it?"""
    helpdesk.create_webhook(
        name=objects.WEBHOOK_NAME,
        endpoint="https://old.example/x",
        subscriptions=["zen:event-type:ticket.created"],
    )
    with pytest.raises(objects.SetupConflict, match="old.example"):
        objects.setup(session, helpdesk, endpoint=ENDPOINT, now=clock(), sealing_key=KEY)


def test_secrets_are_sealed_at_rest(session, helpdesk, zendesk, clock):
    """Is each webhook secret stored sealed, a clear one from an older install sealed on first
    use, and a secret sealed under an old key fetched again by the next setup?"""
    report = objects.setup(session, helpdesk, endpoint=ENDPOINT, now=clock(), sealing_key=KEY)
    session.commit()
    plain = zendesk.webhook_secrets[report.webhook_id]
    row = session.get(HelpdeskObject, objects.WEBHOOK_KEY)
    assert row.secret.startswith("sealed:v1:") and plain not in row.secret

    row.secret = plain  # as an older version stored it
    session.commit()
    assert objects.webhook_secret(session, KEY) == plain
    session.commit()
    assert session.get(HelpdeskObject, objects.WEBHOOK_KEY).secret.startswith("sealed:v1:")

    assert objects.webhook_secret(session, "a-new-secret-key") is None
    objects.setup(session, helpdesk, endpoint=ENDPOINT, now=clock(), sealing_key="a-new-secret-key")
    session.commit()
    assert objects.webhook_secret(session, "a-new-secret-key") == plain
