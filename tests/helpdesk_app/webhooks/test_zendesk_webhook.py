"""POST /webhooks/zendesk: only genuine, fresh, first-time requests are stored, each event once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from handoff import flags, webhooks
from handoff.delivery.objects import WEBHOOK_KEY, field_key
from handoff.models.delivery_state import HelpdeskObject, WebhookEvent
from handoff.models.helpdesk import HelpdeskComment, HelpdeskTicket, HelpdeskUser
from helpdesk_app.runtime import runtime as runtime_of
from sandbox import SandboxState, sign

SECRET = "webhook-test-secret"
URL = "/webhooks/zendesk"


@pytest.fixture
def app(make_app):
    """Return the app with a configured signing secret."""
    return make_app(zendesk_webhook_secret=SECRET)


@pytest.fixture
def zendesk(clock):
    """Return a sandbox whose clock is the test clock, subscribed to ticket events with SECRET."""
    state = SandboxState(now=clock)
    state.configure_webhook_target(f"http://testserver{URL}", secret=SECRET)
    state.agent = state.add_user("Sam Agent", "sam@support.test", "agent")
    state.customer = state.add_user("Dana Reyes", "dana@example.com", "end-user")
    return state


def send(client, data, headers):
    """Post a webhook request and close the response, as a server does once it is sent."""
    response = client.post(URL, data=data, headers=headers)
    response.close()  # runs the processing queued for after the answer
    return response


def post(client, delivery):
    """Send one signed webhook request the sandbox produced."""
    return send(client, delivery.body, dict(delivery.headers))


def flush(client, zendesk):
    """Post every pending sandbox webhook in order; return the status codes."""
    pending = zendesk.pending_webhooks()
    zendesk.outbox.clear()
    return [post(client, d).status_code for d in pending]


def rows(app, model):
    """Return every row of a table."""
    with runtime_of(app).sessions() as s:
        return list(s.scalars(sa.select(model)))


def signed(body: dict, timestamp: str, secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    """Sign a body as Zendesk would."""
    raw = json.dumps(body).encode()
    return raw, {
        webhooks.TIMESTAMP_HEADER: timestamp,
        webhooks.SIGNATURE_HEADER: sign(secret, timestamp, raw),
        "Content-Type": "application/json",
    }


def iso(moment) -> str:
    """Format a time as Zendesk does."""
    return moment.isoformat().replace("+00:00", "Z")


def comment_event(ticket_id: int, comment_id: int, event_id: str = "evt-1") -> dict:
    """Return a comment_added envelope."""
    return {
        "type": webhooks.COMMENT_ADDED,
        "id": event_id,
        "time": "2026-03-02T09:29:00Z",
        "subject": f"zen:ticket:{ticket_id}",
        "detail": {"id": str(ticket_id), "status": "OPEN", "requester_id": "7"},
        "event": {
            "comment": {
                "id": str(comment_id),
                "body": "As I told the bot, order A-10442.",
                "is_public": True,
                "author": {"id": "7", "is_staff": False, "name": "Dana"},
            }
        },
    }


def test_genuine_comments_are_stored_once_with_their_authors_roles(client, app, zendesk):
    """Do a customer's and an agent's comments arrive in hd_comments with their roles and ticket?"""
    ticket, _ = zendesk.create_ticket(
        {
            "requester_id": zendesk.customer["id"],
            "comment": {"body": "Where is my order?", "author_id": zendesk.customer["id"]},
        }
    )
    zendesk.update_ticket(
        ticket["id"],
        {
            "comment": {
                "body": "Could you give me the order number?",
                "author_id": zendesk.agent["id"],
            }
        },
    )
    assert all(code == 200 for code in flush(client, zendesk))
    comments = sorted(rows(app, HelpdeskComment), key=lambda c: c.id)
    assert [(c.ticket_id, c.author_role) for c in comments] == [
        (ticket["id"], "end-user"),
        (ticket["id"], "agent"),
    ]
    roles = {u.id: u.role for u in rows(app, HelpdeskUser)}
    assert roles[zendesk.agent["id"]] == "agent"
    assert roles[zendesk.customer["id"]] == "end-user"
    (mirrored,) = rows(app, HelpdeskTicket)
    assert mirrored.id == ticket["id"] and mirrored.status == "new"
    assert all(e.status == "processed" for e in rows(app, WebhookEvent))


def test_a_forged_signature_is_refused_and_nothing_is_stored(client, app, clock):
    """Is a body signed with another secret refused with 401 and left unstored?"""
    raw, headers = signed(comment_event(5, 50), iso(clock()), secret="not-our-secret")
    response = send(client, raw, headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "webhook_signature_invalid"
    assert rows(app, WebhookEvent) == []


def test_a_tampered_body_is_refused(client, app, clock):
    """Does changing one byte of a signed body break the signature?"""
    raw, headers = signed(comment_event(5, 50), iso(clock()))
    response = client.post(URL, data=raw.replace(b"A-10442", b"A-10443"), headers=headers)
    assert response.status_code == 401
    assert rows(app, WebhookEvent) == []


def test_an_unsigned_request_is_refused(client, app):
    """Is a request without the signature headers refused?"""
    response = client.post(URL, json=comment_event(5, 50))
    assert response.status_code == 401
    assert rows(app, WebhookEvent) == []


@pytest.mark.parametrize("skew", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_a_stale_timestamp_is_refused(client, app, clock, skew):
    """Is a correctly signed request whose timestamp is over five minutes off refused?"""
    raw, headers = signed(comment_event(5, 50), iso(clock() + skew))
    response = send(client, raw, headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "webhook_stale"
    assert rows(app, WebhookEvent) == []


def test_the_allowed_skew_is_configurable(make_app, clock):
    """With a 60-second window, is a request two minutes old refused?"""
    client = make_app(zendesk_webhook_secret=SECRET, webhook_max_skew_seconds=60).test_client()
    raw, headers = signed(comment_event(5, 50), iso(clock() - timedelta(minutes=2)))
    assert send(client, raw, headers).status_code == 401


def test_a_replayed_request_is_refused(client, app, clock):
    """Is the very same signed request sent twice refused the second time, and stored once?"""
    raw, headers = signed(comment_event(5, 50), iso(clock()))
    assert send(client, raw, headers).status_code == 200
    again = send(client, raw, headers)
    assert again.status_code == 409
    assert again.json["error"]["code"] == "webhook_replayed"
    assert len(rows(app, WebhookEvent)) == 1
    assert len(rows(app, HelpdeskComment)) == 1


def test_a_retried_event_is_stored_once(client, app, clock):
    """When Zendesk retries an event (same id, new signature), is it answered 200 and kept once?"""
    first = send(client, *signed(comment_event(5, 50), iso(clock())))
    clock.advance(seconds=30)
    retry = send(client, *signed(comment_event(5, 50), iso(clock())))
    assert (first.status_code, retry.status_code) == (200, 200)
    assert (first.json["status"], retry.json["status"]) == ("stored", "duplicate")
    assert len(rows(app, WebhookEvent)) == 1
    assert len(rows(app, HelpdeskComment)) == 1


def test_without_any_secret_webhooks_are_refused(make_app, clock):
    """Before setup stores a secret (and with none configured), is every request refused?"""
    client = make_app(zendesk_webhook_secret=None).test_client()
    raw, headers = signed(comment_event(5, 50), iso(clock()))
    assert send(client, raw, headers).status_code == 503


def test_the_secret_stored_by_setup_verifies(make_app, clock):
    """Is a request signed with the secret setup stored accepted when no setting overrides it?"""
    app = make_app(zendesk_webhook_secret=None)
    with runtime_of(app).sessions() as s:
        s.add(
            HelpdeskObject(
                key=WEBHOOK_KEY,
                zendesk_id="01HX",
                secret="stored-secret",
                detail={},
                updated_at=clock(),
            )
        )
        s.commit()
    raw, headers = signed(comment_event(5, 50), iso(clock()), secret="stored-secret")
    assert send(app.test_client(), raw, headers).status_code == 200


def test_status_changes_update_the_mirrored_ticket(client, app, zendesk):
    """Does solving a ticket set its status and solved_at, and reopening clear it?"""
    ticket, _ = zendesk.create_ticket(
        {"requester_id": zendesk.customer["id"], "comment": {"body": "Hello"}}
    )
    zendesk.update_ticket(ticket["id"], {"status": "solved"})
    flush(client, zendesk)
    (mirrored,) = rows(app, HelpdeskTicket)
    assert mirrored.status == "solved" and mirrored.solved_at is not None
    zendesk.update_ticket(ticket["id"], {"status": "open"})
    flush(client, zendesk)
    (mirrored,) = rows(app, HelpdeskTicket)
    assert mirrored.status == "open" and mirrored.solved_at is None


def test_ticking_the_reask_checkbox_in_zendesk_records_a_flag(client, app, zendesk, clock):
    """When an agent ticks our "had to re-ask" field in Zendesk, is a flag recorded, and unticking clears it?"""
    field = zendesk.create_ticket_field(
        {"type": "checkbox", "title": "Had to re-ask the customer", "tag": "handoff_reask"}
    )
    with runtime_of(app).sessions() as s:
        s.add(
            HelpdeskObject(
                key=field_key("reask"), zendesk_id=str(field["id"]), detail={}, updated_at=clock()
            )
        )
        s.commit()
    ticket, _ = zendesk.create_ticket(
        {"requester_id": zendesk.customer["id"], "comment": {"body": "Hello"}}
    )
    zendesk.update_ticket(ticket["id"], {"custom_fields": [{"id": field["id"], "value": True}]})
    flush(client, zendesk)
    with runtime_of(app).sessions() as s:
        assert flags.active_flag(s, ticket["id"]) is not None
    zendesk.update_ticket(ticket["id"], {"custom_fields": [{"id": field["id"], "value": False}]})
    flush(client, zendesk)
    with runtime_of(app).sessions() as s:
        assert flags.active_flag(s, ticket["id"]) is None


def test_a_trigger_body_in_the_documented_form_is_applied(client, app, clock):
    """Is a trigger-connected body (no event id) stored once and applied to the ticket's status?"""
    body = {"type": "trigger:ticket.updated", "ticket_id": "77", "status": "solved",
            "updated_at": "2026-03-02T09:29:00Z"}  # fmt: skip
    raw, headers = signed(body, iso(clock()))
    assert send(client, raw, headers).status_code == 200
    clock.advance(seconds=5)
    raw, headers = signed(body, iso(clock()))
    assert send(client, raw, headers).json["status"] == "duplicate"
    (mirrored,) = rows(app, HelpdeskTicket)
    assert (mirrored.id, mirrored.status) == (77, "solved")


def test_an_event_that_fails_to_process_is_kept_and_processed_later(
    client, app, clock, monkeypatch
):
    """If processing fails after the event is stored, is it kept pending and applied by a later pass?"""
    original = webhooks.PROCESSORS[webhooks.COMMENT_ADDED]

    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setitem(webhooks.PROCESSORS, webhooks.COMMENT_ADDED, broken)
    raw, headers = signed(comment_event(5, 50), iso(clock()))
    assert send(client, raw, headers).status_code == 200
    (event,) = rows(app, WebhookEvent)
    assert event.status == "pending" and "database hiccup" in event.last_error
    assert rows(app, HelpdeskComment) == []
    monkeypatch.setitem(webhooks.PROCESSORS, webhooks.COMMENT_ADDED, original)
    assert webhooks.process_pending(runtime_of(app).sessions, clock()) == 1
    (event,) = rows(app, WebhookEvent)
    assert event.status == "processed"
    assert len(rows(app, HelpdeskComment)) == 1


def test_field_change_values_are_read_as_objects_or_bare() -> None:
    """Is a custom_field_changed side read from the object Zendesk sends, and from a bare value?"""
    from handoff.webhooks import checkbox_value, field_event_value

    wrapped = {"value": True, "id": None, "relationship_target": None}
    assert checkbox_value(field_event_value(wrapped)) is True
    assert checkbox_value(field_event_value({"value": "false", "id": None})) is False
    assert checkbox_value(field_event_value("true")) is True
    assert field_event_value(None) is None


def test_the_trigger_webhook_is_verified_with_its_own_secret(client, app, clock):
    """Does a body sent by our trigger's webhook (a second secret, set by setup) get accepted,
    and its re-ask placeholder ticked by an agent record a flag?"""
    from handoff.delivery import objects

    state = SandboxState(now=clock)
    agent = state.add_user("Sam Agent", "sam@support.test", "agent")
    runtime = runtime_of(app)
    with runtime.sessions() as s:
        report = objects.setup(
            s,
            _Local(state),
            endpoint=f"http://testserver{URL}",
            now=clock(),
            with_trigger=True,
            sealing_key=runtime.settings.secret_key,
        )
        s.commit()
        reask = objects.field_ids(s)["reask"]
    state.outbox.clear()
    ticket, _ = state.create_ticket({"subject": "s", "comment": {"body": "Hello"}})
    state.outbox.clear()
    state.update_ticket(
        ticket["id"],
        {"custom_fields": [{"id": reask, "value": True}], "comment": {
            "body": "Re-asked", "author_id": agent["id"], "public": False}},
    )  # fmt: skip
    from_trigger = [
        d for d in state.pending_webhooks() if d.webhook_id == report.trigger_webhook_id
    ]
    assert len(from_trigger) == 1
    assert from_trigger[0].json()["type"] == "trigger:ticket.updated"
    assert post(client, from_trigger[0]).status_code == 200
    with runtime.sessions() as s:
        assert flags.active_flag(s, ticket["id"]) is not None


class _Local:
    """The adapter's setup calls, answered by a sandbox state in-process."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def me(self):
        from handoff.ticketing.zendesk import parse_user

        return parse_user(self.state.render_user(self.state.users[self.state.api_user_id], ""))

    def list_ticket_fields(self):
        from handoff.ticketing.zendesk import parse_ticket_field

        return [
            parse_ticket_field(self.state.render_ticket_field(f, ""))
            for f in self.state.ticket_fields.values()
        ]

    def create_ticket_field(self, spec):
        from handoff.ticketing.zendesk import parse_ticket_field

        body = {"type": spec.type, "title": spec.title, "tag": spec.tag}
        return parse_ticket_field(
            self.state.render_ticket_field(self.state.create_ticket_field(body), "")
        )

    def list_webhooks(self, name_contains=None):
        from handoff.ticketing.zendesk import parse_webhook

        return [parse_webhook(self.state.render_webhook(w)) for w in self.state.webhooks.values()]

    def create_webhook(self, *, name, endpoint, subscriptions):
        from handoff.ticketing.zendesk import parse_webhook

        body = {
            "name": name,
            "endpoint": endpoint,
            "http_method": "POST",
            "request_format": "json",
            "status": "active",
            "subscriptions": list(subscriptions),
        }
        return parse_webhook(self.state.render_webhook(self.state.create_webhook(body)))

    def webhook_signing_secret(self, webhook_id):
        return self.state.webhook_secrets[webhook_id]

    def list_triggers(self):
        return []

    def create_trigger(self, *, title, conditions, actions):
        from handoff.ticketing.zendesk import parse_trigger

        t = self.state.create_trigger(
            {"title": title, "conditions": conditions, "actions": actions}
        )
        return parse_trigger(self.state.render_trigger(t, ""))
