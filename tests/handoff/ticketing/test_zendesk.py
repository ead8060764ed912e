"""Every adapter method, through the real zenpy client, against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handoff.config import Settings
from handoff.errors import ConfigError
from handoff.ticketing import Helpdesk
from handoff.ticketing.base import (
    FieldOption,
    ImportComment,
    ImportTicket,
    NewComment,
    NewTicketField,
    Requester,
)
from handoff.ticketing.errors import HelpdeskAuthError, HelpdeskNotFound
from handoff.ticketing.zendesk import ZendeskHelpdesk
from sandbox import SandboxState

HISTORY = datetime(2021, 3, 1, 9, 0, tzinfo=UTC)


def _ticket(state: SandboxState, **extra: object) -> int:
    customer = state.add_user("Casey", "casey@example.com")
    t, _ = state.create_ticket(
        {"subject": "Refund", "requester_id": customer["id"], "comment": {"body": "Hi"}, **extra}
    )
    return int(t["id"])


def test_adapter_implements_the_protocol(helpdesk: ZendeskHelpdesk) -> None:
    """Does ZendeskHelpdesk satisfy the Helpdesk Protocol the product codes against?"""
    assert isinstance(helpdesk, Helpdesk)


def test_from_settings_needs_credentials() -> None:
    """Is a missing subdomain or credential a configuration error rather than a late failure?"""
    with pytest.raises(ConfigError):
        ZendeskHelpdesk.from_settings(Settings())
    with pytest.raises(ConfigError):
        ZendeskHelpdesk.from_settings(Settings(zendesk_subdomain="acme"))
    built = ZendeskHelpdesk.from_settings(
        Settings(zendesk_subdomain="acme", zendesk_oauth_token="oauth")
    )
    assert isinstance(built, ZendeskHelpdesk)


def test_from_settings_reaches_the_sandbox(state: SandboxState) -> None:
    """Does an adapter built from Settings authenticate and read the API user?"""
    settings = Settings(
        zendesk_subdomain="acme", zendesk_email="admin@sandbox.test", zendesk_api_token="test-token"
    )
    assert ZendeskHelpdesk.from_settings(settings).me().role == "admin"


def test_wrong_credentials_are_an_auth_error(state: SandboxState) -> None:
    """Is a wrong API token, or an email that is no agent's, refused as HelpdeskAuthError?"""
    for email, token in (("admin@sandbox.test", "wrong"), ("nobody@sandbox.test", "test-token")):
        adapter = ZendeskHelpdesk.connect(subdomain="sandbox", email=email, token=token)
        with pytest.raises(HelpdeskAuthError):
            adapter.me()
    state.add_oauth_token("oauth-1")
    assert ZendeskHelpdesk.connect(subdomain="sandbox", oauth_token="oauth-1").me().role == "admin"
    with pytest.raises(HelpdeskAuthError):
        ZendeskHelpdesk.connect(subdomain="sandbox", oauth_token="oauth-2").me()


def test_get_ticket_reads_fresh(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Does a second read see a change made in Zendesk meanwhile (no zenpy cache)?"""
    tid = _ticket(state)
    assert helpdesk.get_ticket(tid).status == "new"
    state.update_ticket(tid, {"status": "pending"})
    ticket = helpdesk.get_ticket(tid)
    assert ticket.status == "pending"
    assert ticket.subject == "Refund" and ticket.channel == "api"
    assert ticket.created_at is not None and ticket.created_at.tzinfo is not None


def test_update_ticket_writes_tags_through_the_tags_endpoint(
    helpdesk: ZendeskHelpdesk, state: SandboxState
) -> None:
    """Do the note and fields go in one PUT and the tags through the tags endpoint, keeping the
    tags an agent set (a single-ticket PUT would replace the whole list)?"""
    field = state.create_ticket_field({"type": "text", "title": "Packet"})
    tid = _ticket(state, tags=["agent_edit", "bot"])
    state.log.clear()
    write = helpdesk.update_ticket(
        tid,
        comment=NewComment("Handoff packet [hf:abc]", public=False),
        add_tags=["handoff"],
        remove_tags=["bot"],
        custom_fields={field["id"]: "p-1"},
    )
    assert [(e.method, e.path) for e in state.requests()] == [
        ("PUT", f"/api/v2/tickets/{tid}.json"),
        ("PUT", f"/api/v2/tickets/{tid}/tags.json"),
        ("DELETE", f"/api/v2/tickets/{tid}/tags.json"),
    ]
    assert set(write.ticket.tags) == {"agent_edit", "handoff"}
    assert set(state.tickets[tid]["tags"]) == {"agent_edit", "handoff"}
    assert write.ticket.custom_fields[field["id"]] == "p-1"
    assert write.audit_id is not None and write.comment_id is not None
    comment = state.comments[tid][-1]
    assert comment["id"] == write.comment_id
    assert comment["public"] is False and comment["body"] == "Handoff packet [hf:abc]"


def test_update_ticket_public_comment_and_status(
    helpdesk: ZendeskHelpdesk, state: SandboxState
) -> None:
    """Can the adapter post a public reply and change the status?"""
    tid = _ticket(state)
    write = helpdesk.update_ticket(tid, comment=NewComment("Done", public=True), status="solved")
    assert write.ticket.status == "solved"
    assert state.comments[tid][-1]["public"] is True


def test_create_ticket_for_requester(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Does creating a ticket for an unknown email create that end-user with the first internal note?"""
    box = state.create_ticket_field({"type": "checkbox", "title": "Escalated", "tag": "esc"})
    write = helpdesk.create_ticket(
        Requester(email="new@example.com", name="New Person", external_id="cust-9"),
        subject="Order late",
        comment=NewComment("Packet [hf:1]"),
        tags=["handoff"],
        custom_fields={box["id"]: True},
        external_id="conv-1",
    )
    (requester,) = helpdesk.get_users([write.ticket.requester_id or 0])
    assert (requester.email, requester.name, requester.role) == (
        "new@example.com",
        "New Person",
        "end-user",
    )
    assert requester.external_id == "cust-9"
    assert write.ticket.external_id == "conv-1"
    assert set(write.ticket.tags) == {"handoff", "esc"}  # a checkbox sets its tag, as in Zendesk
    (first,) = helpdesk.list_comments(write.ticket.id)
    assert first.public is False and first.id == write.comment_id


def test_create_ticket_reuses_known_requester(
    helpdesk: ZendeskHelpdesk, state: SandboxState
) -> None:
    """Is an existing user found by email instead of duplicated?"""
    known = state.add_user("Kim", "kim@example.com")
    write = helpdesk.create_ticket(
        Requester(email="KIM@example.com"), subject="s", comment=NewComment("x")
    )
    assert write.ticket.requester_id == known["id"]


def test_tags(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Do set, add and remove tags return the ticket's tags after each call?"""
    tid = _ticket(state)
    assert set(helpdesk.set_tags(tid, ["a", "b"])) == {"a", "b"}
    assert set(helpdesk.add_tags(tid, ["c"])) == {"a", "b", "c"}
    assert set(helpdesk.remove_tags(tid, ["a"])) == {"b", "c"}
    assert set(helpdesk.get_ticket(tid).tags) == {"b", "c"}


def test_list_comments_follows_every_page(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Are all comments returned, in order, when they span several cursor pages?"""
    tid = _ticket(state)
    for n in range(230):
        state.update_ticket(tid, {"comment": {"body": f"reply {n}", "public": n % 2 == 0}})
    state.log.clear()
    comments = helpdesk.list_comments(tid)
    assert len(comments) == 231
    assert [c.body for c in comments[1:4]] == ["reply 0", "reply 1", "reply 2"]
    assert len(state.requests("GET", f"/api/v2/tickets/{tid}/comments")) == 3


def test_find_comment(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Does find_comment find a marker on a later page, and return None when absent?"""
    tid = _ticket(state)
    for n in range(120):
        state.update_ticket(tid, {"comment": {"body": f"note {n}", "public": False}})
    state.update_ticket(tid, {"comment": {"body": "packet [hf:key-7]", "public": False}})
    found = helpdesk.find_comment(tid, "[hf:key-7]")
    assert found is not None and found.body == "packet [hf:key-7]"
    assert helpdesk.find_comment(tid, "[hf:other]") is None


def test_get_users_roles_and_batches(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Are users of every role returned, more than 100 ids split into show_many calls?"""
    agent = state.add_user("Ana", "ana@example.com", "agent")
    customers = [state.add_user(f"C{n}", f"c{n}@example.com") for n in range(150)]
    state.log.clear()
    users = helpdesk.get_users([agent["id"], state.api_user_id, *(c["id"] for c in customers)])
    roles = {u.id: u.role for u in users}
    assert roles[agent["id"]] == "agent" and roles[state.api_user_id] == "admin"
    assert sum(1 for r in roles.values() if r == "end-user") == 150
    assert len(state.requests("GET", "/api/v2/users/show_many")) == 2
    assert helpdesk.get_users([]) == []


def test_me(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Does me() return the API user?"""
    me = helpdesk.me()
    assert me.id == state.api_user_id and me.is_staff


def test_ticket_fields(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Can the adapter create checkbox, text and dropdown fields and list them?"""
    box = helpdesk.create_ticket_field(
        NewTicketField(type="checkbox", title="Had to re-ask", tag="hf_reask")
    )
    text = helpdesk.create_ticket_field(NewTicketField(type="text", title="Packet id"))
    drop = helpdesk.create_ticket_field(
        NewTicketField(
            type="tagger",
            title="Archetype",
            options=(FieldOption("Billing", "arch_billing"), FieldOption("FAQ", "arch_faq")),
        )
    )
    assert box.tag == "hf_reask" and text.type == "text"
    assert [o.value for o in drop.options] == ["arch_billing", "arch_faq"]
    listed = {f.id: f for f in helpdesk.list_ticket_fields()}
    assert {box.id, text.id, drop.id} <= set(listed)
    assert any(f.type == "status" for f in listed.values())  # system fields are listed too


def test_satisfaction_ratings_since_with_cursor(
    helpdesk: ZendeskHelpdesk, state: SandboxState
) -> None:
    """Are ratings since a time returned page by page until the cursor runs out?"""
    ids = []
    for n in range(5):
        tid = (
            _ticket(state)
            if n == 0
            else state.create_ticket({"subject": f"t{n}", "comment": {"body": "x"}})[0]["id"]
        )
        ids.append(tid)
        state.rate_ticket(tid, "good" if n % 2 else "bad", created_at=HISTORY + timedelta(days=n),
                          force=True)  # fmt: skip
    seen, cursor = [], None
    while True:
        page = helpdesk.satisfaction_ratings(
            HISTORY + timedelta(days=1), cursor=cursor, page_size=2
        )
        seen.extend(page.items)
        if not page.has_more:
            break
        cursor = page.after_cursor
    assert [r.ticket_id for r in seen] == ids[1:]
    assert {r.score for r in seen} == {"good", "bad"}


def test_ticket_metrics(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Do metrics count agent replies and resolution time, for one ticket and the list?"""
    state.set_time(HISTORY)
    tid = _ticket(state)
    state.advance(minutes=30)
    state.update_ticket(tid, {"comment": {"body": "On it", "public": True}})
    state.advance(minutes=90)
    state.update_ticket(tid, {"status": "solved"})
    metric = helpdesk.ticket_metric(tid)
    assert metric.ticket_id == tid and metric.replies == 1 and metric.reopens == 0
    assert metric.reply_time is not None and metric.reply_time.calendar == 30
    assert metric.full_resolution_time is not None and metric.full_resolution_time.calendar == 120
    assert metric.solved_at == HISTORY + timedelta(minutes=120)
    page = helpdesk.ticket_metrics()
    assert [m.ticket_id for m in page.items] == [tid] and not page.has_more


def test_export_tickets_pages_with_cursor(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Does the cursor export walk every ticket once, ending with end_of_stream?"""
    ids = [_ticket(state)] + [
        state.create_ticket({"subject": f"t{n}", "comment": {"body": "x"}})[0]["id"]
        for n in range(6)
    ]
    page = helpdesk.export_tickets(start_time=datetime(2000, 1, 1, tzinfo=UTC), page_size=3)
    seen = list(page.tickets)
    while not page.end_of_stream:
        page = helpdesk.export_tickets(cursor=page.cursor, page_size=3)
        seen.extend(page.tickets)
    assert sorted(t.id for t in seen) == sorted(ids)
    # A later run resumes from the saved cursor and sees only what changed since.
    state.update_ticket(ids[2], {"status": "open"})
    again = helpdesk.export_tickets(cursor=page.cursor)
    assert [t.id for t in again.tickets] == [ids[2]] and again.end_of_stream


def test_export_ticket_events_with_comments(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Do ticket events carry their comments (include=comment_events) and field changes?"""
    tid = _ticket(state)
    state.update_ticket(tid, {"comment": {"body": "internal", "public": False}, "status": "open"})
    page = helpdesk.export_ticket_events(datetime(2000, 1, 1, tzinfo=UTC))
    assert page.end_of_stream
    bodies = [(c.body, c.public) for e in page.events for c in e.comments]
    assert bodies == [("Hi", True), ("internal", False)]
    changes = [c for e in page.events for c in e.child_events if c.get("field_name") == "status"]
    assert changes[-1]["status"] == "open" and changes[-1]["previous_value"] == "new"
    assert page.end_time is not None


def test_import_keeps_history_and_shows_in_exports(
    helpdesk: ZendeskHelpdesk, state: SandboxState
) -> None:
    """Does an imported ticket keep its historical timestamps in the ticket and event exports?"""
    customer = state.add_user("Old", "old@example.com")
    agent = state.add_user("Agent", "agent@example.com", "agent")
    ticket = helpdesk.import_ticket(
        ImportTicket(
            requester_id=customer["id"],
            subject="Old question",
            comments=(
                ImportComment(customer["id"], "Where is my order?", HISTORY),
                ImportComment(agent["id"], "Shipped.", HISTORY + timedelta(hours=2)),
            ),
            created_at=HISTORY,
            solved_at=HISTORY + timedelta(hours=3),
            updated_at=HISTORY + timedelta(hours=3),
            status="solved",
            tags=("imported",),
        )
    )
    assert ticket.created_at == HISTORY and ticket.status == "solved"
    page = helpdesk.export_tickets(start_time=HISTORY - timedelta(days=1))
    exported = {t.id: t for t in page.tickets}
    assert exported[ticket.id].created_at == HISTORY
    assert exported[ticket.id].updated_at == HISTORY + timedelta(hours=3)
    events = helpdesk.export_ticket_events(HISTORY - timedelta(days=1))
    comments = [c for e in events.events if e.ticket_id == ticket.id for c in e.comments]
    assert [(c.body, c.created_at) for c in comments] == [
        ("Where is my order?", HISTORY),
        ("Shipped.", HISTORY + timedelta(hours=2)),
    ]
    # Imported tickets have no metrics in Zendesk: times must come from the comments above.
    with pytest.raises(HelpdeskNotFound):
        helpdesk.ticket_metric(ticket.id)
    sideloaded = helpdesk.export_tickets(
        start_time=HISTORY - timedelta(days=1), sideload=("metric_sets",)
    )
    assert ticket.id not in {m.ticket_id for m in sideloaded.metrics}


def test_the_export_side_loads_each_tickets_comment_count(
    helpdesk: ZendeskHelpdesk, state: SandboxState
) -> None:
    """With include=comment_count, does each exported ticket say how many comments it has, and
    without it, nothing (None, not 0)?"""
    customer = state.add_user("Counted", "counted@example.com")
    ticket, _ = state.create_ticket({"requester_id": customer["id"], "comment": {"body": "hi"}})
    state.update_ticket(ticket["id"], {"comment": {"body": "note", "public": False}})
    start = datetime(2000, 1, 1, tzinfo=UTC)
    counted = helpdesk.export_tickets(start_time=start, sideload=("comment_count",))
    assert {t.id: t.comment_count for t in counted.tickets}[ticket["id"]] == 2
    plain = helpdesk.export_tickets(start_time=start)
    assert {t.id: t.comment_count for t in plain.tickets}[ticket["id"]] is None


def test_import_many_is_a_job(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Does create_many answer with a queued job whose status later lists the new tickets?"""
    customer = state.add_user("Old", "old@example.com")
    batch = [
        ImportTicket(
            requester_id=customer["id"],
            subject=f"old {n}",
            comments=(ImportComment(customer["id"], "q", HISTORY),),
            created_at=HISTORY,
        )
        for n in range(3)
    ]
    job = helpdesk.import_tickets(batch)
    assert job.status == "queued" and not job.done
    done = helpdesk.job_status(job.id)
    assert done.done and done.status == "completed"
    ids = [r["id"] for r in done.results]
    assert [helpdesk.get_ticket(i).created_at for i in ids] == [HISTORY] * 3


def test_webhook_secret_and_trigger(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Can the adapter create a webhook, read its signing secret, and create a trigger for it?"""
    hook = helpdesk.create_webhook(
        name="handoff", endpoint="https://handoff.example/webhooks/zendesk",
        subscriptions=["conditional_ticket_events"],
    )  # fmt: skip
    assert hook.status == "active" and hook.subscriptions == ("conditional_ticket_events",)
    assert helpdesk.webhook_signing_secret(hook.id) == state.webhook_secrets[hook.id]
    trigger = helpdesk.create_trigger(
        title="Notify handoff on update",
        conditions={"all": [{"field": "update_type", "operator": "is", "value": "Change"}]},
        actions=[{"field": "notification_webhook", "value": [hook.id, '{"id": "{{ticket.id}}"}']}],
    )
    assert trigger.active and trigger.conditions["all"][0]["field"] == "update_type"
    assert state.triggers[trigger.id]["actions"][0]["value"][0] == hook.id


def test_export_ticket_events_pages_by_time(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Does following end_time page by page reach every event (duplicates are the caller's)?"""
    state.set_time(HISTORY)
    tid = _ticket(state)
    for n in range(4):
        state.advance(minutes=1)
        state.update_ticket(tid, {"comment": {"body": f"c{n}", "public": False}})
    seen: dict[int, object] = {}
    page = helpdesk.export_ticket_events(HISTORY, page_size=2)
    pages = 1
    while True:
        seen.update({e.id: e for e in page.events})
        if page.end_of_stream or page.end_time is None:
            break
        page = helpdesk.export_ticket_events(page.end_time, page_size=2)
        pages += 1
    assert len(seen) == 5 and pages > 1


def test_find_tickets_by_external_id(helpdesk: ZendeskHelpdesk, state: SandboxState) -> None:
    """Does the lookup by external id find the ticket an earlier create opened, and only it?"""
    wanted = _ticket(state, external_id="handoff-packet-p1")
    state.create_ticket({"subject": "Other", "comment": {"body": "Hi"}, "external_id": "x-2"})
    found = helpdesk.find_tickets_by_external_id("handoff-packet-p1")
    assert [t.id for t in found] == [wanted]
    assert helpdesk.find_tickets_by_external_id("handoff-packet-none") == []
    assert "external_id=handoff-packet-none" in state.requests("GET", "/api/v2/tickets")[-1].query
