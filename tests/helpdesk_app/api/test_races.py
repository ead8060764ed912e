"""Real concurrency against gunicorn's worker processes: a lost race is a 200 or 409, never a 500 or a second row."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from handoff import webhooks
from handoff.db import transaction
from handoff.models import BotConversation, HelpdeskTicket, OutboxItem, Packet
from handoff.models.metrics import DelayedSurvey
from helpdesk_app.runtime import runtime as runtime_of
from tests import factories, hostile
from tests.conftest import FIXED_NOW
from tests.live import Live, gunicorn

CLIENTS = 20
ROUNDS = 3
SECRET = "races-webhook-secret"


@pytest.fixture(scope="module")
def server(database_url, tmp_path_factory) -> Iterator[Live]:
    """Serve the app with four worker processes on this backend's database, once per module."""
    instance = tmp_path_factory.mktemp("live")
    with gunicorn(database_url, instance, ZENDESK_WEBHOOK_SECRET=SECRET) as served:
        yield served


@pytest.fixture
def live(server, clean_db) -> Live:
    """Return the running server; the database is emptied after the test."""
    return server


@pytest.fixture
def headers(make_token) -> dict[str, str]:
    """Return headers of a token that may call every intake route."""
    token = make_token("admin", "packets:write", "conversations:write", "packets:read")
    return {"Authorization": f"Bearer {token}"}


def together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run every call at once (threads released by one barrier); return their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def count(engine: sa.Engine, model: Any, *where: Any) -> int:
    """Count rows of a model."""
    with engine.connect() as conn:
        return conn.execute(
            sa.select(sa.func.count()).select_from(model).where(*where)
        ).scalar_one()


def test_concurrent_posts_of_one_packet_store_it_once(live, headers, clean_db):
    """Do 20 simultaneous POSTs of one packet (same body) give one 201, the rest 200, one row, one delivery?"""
    for _ in range(ROUNDS):
        packet = factories.packet()
        statuses = together(
            [lambda p=packet: live.json("POST", "/api/v1/packets", p, headers)[0]] * CLIENTS
        )
        assert Counter(statuses) == {201: 1, 200: CLIENTS - 1}
        assert count(clean_db, Packet, Packet.packet_id == packet["packet_id"]) == 1
        key = f"packet_note:{packet['packet_id']}"
        assert count(clean_db, OutboxItem, OutboxItem.key == key) == 1


def test_concurrent_posts_of_one_packet_id_with_different_bodies_conflict(live, headers, clean_db):
    """Do 20 simultaneous different bodies under one packet_id give one 201 and 19 409s?"""
    for _ in range(ROUNDS):
        packet_id = factories.packet()["packet_id"]
        bodies = [factories.packet(packet_id=packet_id, ticket_id=2000 + i) for i in range(CLIENTS)]
        calls = [lambda b=b: live.json("POST", "/api/v1/packets", b, headers) for b in bodies]
        answers = together(calls)
        assert Counter(status for status, _ in answers) == {201: 1, 409: CLIENTS - 1}
        assert {a["error"]["code"] for s, a in answers if s == 409} == {"conflict"}
        assert count(clean_db, Packet, Packet.packet_id == packet_id) == 1


def test_concurrent_posts_of_one_conversation_store_it_once(live, headers, clean_db):
    """Do 20 simultaneous POSTs of one conversation give one 201 (created), the rest 200, one row?"""
    for _ in range(ROUNDS):
        conversation = factories.conversation()
        calls = [
            lambda c=conversation: live.json("POST", "/api/v1/conversations", c, headers)
        ] * CLIENTS
        answers = together(calls)
        assert Counter(status for status, _ in answers) == {201: 1, 200: CLIENTS - 1}
        assert {a["change"] for s, a in answers if s == 200} == {"unchanged"}
        cid = conversation["conversation_id"]
        assert count(clean_db, BotConversation, BotConversation.conversation_id == cid) == 1


def test_concurrent_survey_answers_record_the_first_only(live, headers, clean_db, app):
    """Do 20 simultaneous delayed answers (good and bad) for one ticket record one, and all report it?"""
    for round_ in range(ROUNDS):
        ticket_id = 7000 + round_
        with transaction(runtime_of(app).sessions) as s:
            s.add(HelpdeskTicket(id=ticket_id, status="solved", tags=[], custom_fields=[],
                                 created_at=FIXED_NOW, updated_at=FIXED_NOW, solved_at=FIXED_NOW))  # fmt: skip
        bodies = [
            {"ticket_id": ticket_id, "score": "good" if i % 2 else "bad", "source": f"tool-{i}"}
            for i in range(CLIENTS)
        ]
        calls = [lambda b=b: live.json("POST", "/api/v1/csat/delayed", b, headers) for b in bodies]
        answers = together(calls)
        assert Counter(status for status, _ in answers) == {201: 1, 200: CLIENTS - 1}
        winner = next(a for s, a in answers if s == 201)
        assert {a["score"] for _, a in answers} == {winner["score"]}
        with runtime_of(app).sessions() as s:
            survey = s.get(DelayedSurvey, ticket_id)
            assert survey is not None and survey.score == winner["score"]


def test_the_server_log_holds_no_traceback_after_the_hostile_corpus(live, headers):
    """After every hostile case on every JSON route and the webhook, does the live server's log hold no traceback?"""
    routes = [("POST", "/api/v1/packets"), ("POST", "/api/v1/packets/validate"),
              ("POST", "/api/v1/conversations"), ("POST", "/api/v1/escalation-check"),
              ("POST", "/api/v1/csat/delayed"), ("PUT", "/api/v1/policy/golden-set")]  # fmt: skip
    json_headers = {**headers, "Content-Type": "application/json"}
    for case in hostile.cases():
        for method, path in routes:
            assert live.request(method, path, case.body, json_headers)[0] == case.status, (
                path,
                case.name,
            )
        # The live server runs on the real clock: sign at the real time, or the request is stale.
        stamp = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        signed = {webhooks.TIMESTAMP_HEADER: stamp, "Content-Type": "application/json",
                  webhooks.SIGNATURE_HEADER: webhooks.sign(SECRET, stamp, case.body)}  # fmt: skip
        assert live.request("POST", "/webhooks/zendesk", case.body, signed)[0] == case.status, (
            case.name
        )
    status, response_headers, body = live.request(
        "GET", "/api/v1/packets/" + "a" * 10_000, headers=headers
    )
    assert status == 414 and b'"request_uri_too_long"' in body
    assert response_headers["Content-Type"] == "application/json"
    log = live.log.read_text()
    assert "Traceback" not in log
    assert " 500 " not in log
