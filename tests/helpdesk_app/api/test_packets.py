"""The bot's packet API over HTTP."""

from __future__ import annotations

import json

import pytest

from tests import factories


def post(client, body, headers, **kw):
    """POST a packet as JSON."""
    return client.post(
        "/api/v1/packets",
        data=json.dumps(body),
        headers=headers,
        content_type="application/json",
        **kw,
    )


def test_post_then_read_back_by_id_and_ticket(client, auth):
    """Can a bot post a packet (201) and read it back by packet id and by ticket?"""
    doc = factories.packet()
    created = post(client, doc, auth)
    assert created.status_code == 201
    assert created.json["completeness"] == {"score": 1.0, "missing": []}
    by_id = client.get(f"/api/v1/packets/{doc['packet_id']}", headers=auth)
    by_ticket = client.get("/api/v1/tickets/1001/packet", headers=auth)
    assert by_id.status_code == by_ticket.status_code == 200
    assert by_id.json["summary"] == by_ticket.json["summary"] == doc["summary"]


def test_same_body_twice_is_200_other_body_is_409(client, auth):
    """Is a retried post idempotent (200), and a reused id with another body a 409?"""
    doc = factories.packet()
    assert post(client, doc, auth).status_code == 201
    assert post(client, doc, auth).status_code == 200
    clash = post(client, {**doc, "summary": "Something else happened here."}, auth)
    assert clash.status_code == 409 and clash.json["error"]["code"] == "conflict"


def test_schema_errors_are_422_with_every_path(client, auth):
    """Does a broken packet get 422 listing each error with its path, and store nothing?"""
    doc = factories.packet(summary="", channel="fax")
    doc["transcript"] = []
    response = post(client, doc, auth)
    assert response.status_code == 422
    assert [d["path"] for d in response.json["error"]["details"]] == [
        "$.channel",
        "$.summary",
        "$.transcript",
    ]
    assert client.get(f"/api/v1/packets/{doc['packet_id']}", headers=auth).status_code == 404


def test_dry_run_validates_without_storing(client, auth):
    """Does /packets/validate answer without storing anything?"""
    doc = factories.packet(identifiers=[])
    response = client.post("/api/v1/packets/validate", json=doc, headers=auth)
    assert response.status_code == 200 and "identifiers" in response.json["completeness"]["missing"]
    assert client.get(f"/api/v1/packets/{doc['packet_id']}", headers=auth).status_code == 404
    bad = client.post("/api/v1/packets/validate", json={"schema_version": "1.0"}, headers=auth)
    assert bad.status_code == 422


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"packet_id": ', "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"{}", "text/plain"),
    ],
)
def test_malformed_bodies_are_400(client, auth, body, content_type):
    """Are truncated JSON, non-UTF-8 bytes and a wrong content type each a 400 in the error shape?"""
    response = client.post("/api/v1/packets", data=body, headers=auth, content_type=content_type)
    assert response.status_code == 400 and response.json["error"]["code"] == "malformed_json"


def test_oversized_body_is_413(client, auth):
    """Is a body over the configured limit refused with 413 before parsing?"""
    doc = factories.packet(transcript=[{"role": "customer", "text": "x" * 9000}] * 40)
    response = post(client, doc, auth)
    assert (
        response.status_code == 413 and response.json["error"]["code"] == "request_entity_too_large"
    )


def test_missing_invalid_revoked_and_underscoped_tokens(client, make_token, cli):
    """Are requests without a token, with a bad or revoked one 401, and without the scope 403?"""
    doc = factories.packet()
    assert post(client, doc, {}).status_code == 401
    assert post(client, doc, {"Authorization": "Bearer hf_nope"}).status_code == 401
    reader = make_token("packets:read", name="reader")
    assert post(client, doc, {"Authorization": f"Bearer {reader}"}).status_code == 403
    writer = make_token(name="writer")
    assert cli("token", "revoke", "writer").exit_code == 0
    revoked = post(client, doc, {"Authorization": f"Bearer {writer}"})
    assert revoked.status_code == 401 and "revoked" in revoked.json["error"]["message"]


def test_a_token_revoked_by_another_process_is_refused_within_the_cache_ttl(
    app, client, make_token, clock
):
    """Is a used token revoked elsewhere accepted only until HANDOFF_TOKEN_CACHE_SECONDS pass?"""
    from handoff import tokens
    from helpdesk_app.runtime import runtime

    headers = {"Authorization": f"Bearer {make_token(name='writer')}"}
    assert post(client, factories.packet(), headers).status_code == 201
    rt = runtime(app)
    with rt.sessions() as s:  # as `handoff token revoke` in another process: this cache unaware
        tokens.revoke_token(s, "writer", now=clock())
        s.commit()
    assert post(client, factories.packet(), headers).status_code == 201
    clock.advance(seconds=rt.settings.token_cache_seconds)
    refused = post(client, factories.packet(), headers)
    assert refused.status_code == 401 and "revoked" in refused.json["error"]["message"]


def test_revoking_in_this_process_refuses_the_token_at_once(client, make_token, cli):
    """Does `handoff token revoke` forget the token in its own process's cache?"""
    headers = {"Authorization": f"Bearer {make_token(name='writer')}"}
    assert post(client, factories.packet(), headers).status_code == 201
    result = cli("token", "revoke", "writer")
    assert result.exit_code == 0 and "within 30 s" in result.output
    assert post(client, factories.packet(), headers).status_code == 401


def test_unknown_route_and_method_use_the_error_shape(client, auth):
    """Do 404 and 405 come back as JSON errors, never HTML?"""
    missing = client.get("/api/v1/nothing", headers=auth)
    wrong_method = client.delete("/api/v1/packets", headers=auth)
    for response, status, code in (
        (missing, 404, "not_found"),
        (wrong_method, 405, "method_not_allowed"),
    ):
        assert response.status_code == status
        assert response.mimetype == "application/json"
        error = response.json["error"]
        assert set(error) == {"code", "message", "details"}
        assert error["code"] == code and error["message"] and error["details"] == []


def test_an_unexpected_failure_is_a_500_without_traceback(client, auth, monkeypatch):
    """Does a crash inside the core answer 500 in the error shape with no traceback?"""
    from handoff import packets

    def boom(*_a, **_k):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(packets, "intake", boom)
    response = post(client, factories.packet(), auth)
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_conversations_are_created_then_updated(client, auth):
    """Is a conversation created (201), updated when it ends (200), and unchanged on replay?"""
    doc = factories.conversation(outcome="escalated")
    del doc["ended_at"]
    first = client.post("/api/v1/conversations", json=doc, headers=auth)
    ended = client.post(
        "/api/v1/conversations", json={**doc, "ended_at": "2026-03-02T09:00:00Z"}, headers=auth
    )
    replay = client.post(
        "/api/v1/conversations", json={**doc, "ended_at": "2026-03-02T09:00:00Z"}, headers=auth
    )
    assert (first.status_code, ended.status_code, replay.status_code) == (201, 200, 200)
    assert (first.json["change"], ended.json["change"], replay.json["change"]) == (
        "created",
        "updated",
        "unchanged",
    )
    stored = client.get(f"/api/v1/conversations/{doc['conversation_id']}", headers=auth)
    assert stored.json["ended_at"] == "2026-03-02T09:00:00Z"


def test_browser_pages_get_an_escaped_html_error(app, client):
    """Does a browser page get an HTML error page, with any text in it escaped?"""
    from helpdesk_app.errors import error_response

    response = client.get("/nothing", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    with app.test_request_context("/sidebar/x", headers={"Accept": "text/html"}):
        page, status = error_response(400, "bad_request", "<img src=x onerror=alert(1)>")
    body = page.get_data(as_text=True)
    assert status == 400 and "<img" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body


def test_ids_beyond_64_bits_are_not_found(client, auth):
    """Is a ticket id too large for any database column a 404 rather than a crash?"""
    response = client.get(f"/api/v1/tickets/{2**64}/packet", headers=auth)
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"


def _outbox_keys(app, packet_id):
    """Return the outbox keys queued for ``packet_id``, and whether the packet row exists."""
    import sqlalchemy as sa

    from handoff.models import OutboxItem, Packet
    from helpdesk_app.runtime import runtime

    with runtime(app).sessions() as s:
        keys = s.scalars(sa.select(OutboxItem.key).where(OutboxItem.key.contains(packet_id)))
        stored = s.scalar(sa.select(Packet.id).where(Packet.packet_id == packet_id))
        return sorted(keys), stored is not None


def test_a_packet_is_stored_with_its_delivery_and_policy_check_or_not_at_all(app, client, auth):
    """When the outbox refuses a row, is the packet refused too (nothing half-written), and kept once it can be?"""
    import sqlalchemy as sa

    from handoff.models import OutboxItem
    from helpdesk_app.runtime import runtime

    doc = factories.packet()
    key = f"policy_check:packet:{doc['packet_id']}"
    with runtime(app).sessions() as s:  # a stray row holding the check's unique key
        s.add(OutboxItem(**_stray_row(key, runtime(app).clock())))
        s.commit()
    assert post(client, doc, auth).status_code == 500
    assert _outbox_keys(app, doc["packet_id"]) == ([key], False)
    with runtime(app).sessions() as s:
        s.execute(sa.delete(OutboxItem).where(OutboxItem.key == key))
        s.commit()
    assert post(client, doc, auth).status_code == 201
    assert _outbox_keys(app, doc["packet_id"]) == (
        [f"packet_note:{doc['packet_id']}", key],
        True,
    )


def _stray_row(key, now):
    from handoff.outbox import Queued

    return Queued("policy_check", key, {"source": "packet", "id": "x"}).row(now)


def test_intake_survives_a_restarted_database(app, client, auth, database_url):
    """After the database drops the pooled connection, is the next packet still stored (201)?"""
    if not database_url.startswith("postgresql"):
        pytest.skip("the intake's own pool exists on PostgreSQL only")
    import sqlalchemy as sa

    from helpdesk_app.runtime import runtime

    assert post(client, factories.packet(), auth).status_code == 201
    intake = runtime(app).statement_engine
    with intake.connect(), intake.connect():
        pass  # two idle connections in the intake's pool, as a threaded server keeps
    admin = sa.create_engine(database_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:  # what a restart does to every open connection
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    doc = factories.packet()
    assert post(client, doc, auth).status_code == 201
    assert _outbox_keys(app, doc["packet_id"])[1]


def test_queued_rows_are_new_items_due_when_the_packet_arrived(app, client, auth, clock):
    """Are the note and policy-check items stored exactly as Queued.row(now) describes them?"""
    import sqlalchemy as sa

    from handoff.models import OutboxItem
    from handoff.packets import delivery_of
    from handoff.policy.hooks import packet_follow_ups
    from helpdesk_app.runtime import runtime

    doc = factories.packet()
    assert post(client, doc, auth).status_code == 201
    expected = [delivery_of(doc["packet_id"], doc["ticket_id"]),
                *packet_follow_ups(doc["packet_id"])]  # fmt: skip
    columns = list(expected[0].row(clock()))
    with runtime(app).sessions() as s:
        rows = s.execute(
            sa.select(*(getattr(OutboxItem, c) for c in columns)).order_by(OutboxItem.key)
        ).all()
    wanted = sorted((tuple(q.row(clock()).values()) for q in expected), key=lambda r: r[1])
    assert [tuple(r) for r in rows] == wanted


def test_a_token_lookup_records_when_the_token_was_used(app, client, make_token, clock):
    """Is a token's last_used_at stored when a packet request looks it up, though intake has no session?"""
    import sqlalchemy as sa

    from handoff.models import ApiToken
    from helpdesk_app.runtime import runtime

    headers = {"Authorization": f"Bearer {make_token(name='writer')}"}
    assert post(client, factories.packet(), headers).status_code == 201
    with runtime(app).sessions() as s:
        assert s.scalar(sa.select(ApiToken.last_used_at)) == clock()


def test_error_bodies_keep_their_documented_key_order(client, auth):
    """Does an error read code, message, details in that order, as the views build it?"""
    response = post(client, {"packet_id": "x"}, auth)
    assert response.status_code == 422
    assert list(json.loads(response.get_data(as_text=True))["error"]) == [
        "code",
        "message",
        "details",
    ]


def test_packets_posted_together_share_a_commit_and_one_refused_fails_only_itself(
    app, client, auth, clock
):
    """Do packets posted together commit as one batch, and when one is refused is no other acknowledged by that commit, but stored on its own retry (201)?"""
    import threading
    import time

    import sqlalchemy as sa

    from handoff import packets
    from handoff.groupcommit import GroupCommit
    from handoff.models import OutboxItem
    from helpdesk_app.runtime import runtime

    rt = runtime(app)
    started, release, batches = threading.Event(), threading.Event(), []

    def write(connection, batch):  # the app's write, holding the first batch until released
        batches.append([new.values["packet_id"] for new in batch])
        if len(batches) == 1:
            started.set()
            release.wait(10)
        return packets.insert_batch(connection, batch)

    rt._committer = committer = GroupCommit(rt.statement_engine or rt.engine, write)
    docs = [factories.packet() for _ in range(4)]
    doomed = docs[2]["packet_id"]
    with rt.sessions() as s:  # a stray row holding the doomed packet's policy-check key
        s.add(OutboxItem(**_stray_row(f"policy_check:packet:{doomed}", clock())))
        s.commit()
    statuses: dict[str, int] = {}

    def send(doc):
        statuses[doc["packet_id"]] = post(app.test_client(), doc, auth).status_code

    threads = [threading.Thread(target=send, args=(doc,)) for doc in docs]
    threads[0].start()
    assert started.wait(10)
    for thread in threads[1:]:
        thread.start()
    while committer.waiting() < 3:
        time.sleep(0.001)
    release.set()
    for thread in threads:
        thread.join(10)
    ids = [doc["packet_id"] for doc in docs]
    assert batches[0] == ids[:1] and sorted(batches[1]) == sorted(ids[1:])
    assert all(len(batch) == 1 for batch in batches[2:])  # retries, each alone
    assert statuses == {ids[0]: 201, ids[1]: 201, doomed: 500, ids[3]: 201}
    with rt.sessions() as s:
        stored = set(s.scalars(sa.text("SELECT packet_id FROM packets")))
    assert stored == {ids[0], ids[1], ids[3]}


@pytest.mark.parametrize(
    "where", [("transcript", 0, "text"), ("customer", "name"), ("bot", "a\u0000key")]
)
def test_a_nul_anywhere_in_a_posted_packet_is_refused_with_its_path(client, auth, where):
    """Is a NUL (``\\u0000``) in any string or key of a posted packet a 422 naming its path, nothing stored?"""
    doc = factories.packet()
    *parents, last = where
    target = doc
    for part in parents:
        target = target[part]
    if "\u0000" in str(last):
        target[last] = "x"
    else:
        target[last] = "where is\u0000 my order"
    response = post(client, doc, auth)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "nul_character"
    assert response.json["error"]["details"][0]["path"].startswith("$." + str(parents[0]))
    assert client.get(f"/api/v1/packets/{doc['packet_id']}", headers=auth).status_code == 404
