"""The policy golden-set API and the check run when packets and conversations arrive."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from handoff.policy import golden
from helpdesk_app.runtime import runtime as runtime_of
from tests import factories
from tests.helpdesk_app.queued import run_checks

EXAMPLE = Path(__file__).resolve().parents[3] / "config" / "policy-golden-set.example.yaml"


@pytest.fixture
def doc():
    """Return the example golden set."""
    return copy.deepcopy(golden.read_file(EXAMPLE))


@pytest.fixture
def admin(make_token):
    """Return headers with an admin token."""
    return {"Authorization": f"Bearer {make_token('admin', name='lead-admin')}"}


@pytest.fixture
def reader(make_token):
    """Return headers with a reports:read token."""
    return {"Authorization": f"Bearer {make_token('reports:read', name='panel')}"}


def test_admin_replaces_and_reader_reads_as_of_a_date(client, doc, admin, reader):
    """Can an admin PUT the golden set and a reader GET the version in force on a past date?"""
    put = client.put("/api/v1/policy/golden-set", json=doc, headers=admin)
    assert put.status_code == 201 and put.json["revision"] == 1
    assert client.put("/api/v1/policy/golden-set", json=doc, headers=admin).status_code == 200
    got = client.get("/api/v1/policy/golden-set?at=2026-03-01", headers=reader)
    values = {f["key"]: f["value"] for f in got.json["in_force"]}
    assert got.status_code == 200 and values["return_window_days"] == "30 days"
    history = client.get("/api/v1/policy/golden-set/history/return_window_days", headers=reader)
    assert history.json["changes"][0]["changed_by"] == "token:lead-admin"


def test_writing_needs_admin_and_reading_needs_a_token(client, doc, reader, auth):
    """Is a reader refused the PUT (403) and an anonymous caller the GET (401)?"""
    assert client.put("/api/v1/policy/golden-set", json=doc, headers=reader).status_code == 403
    assert client.put("/api/v1/policy/golden-set", json=doc, headers=auth).status_code == 403
    assert client.get("/api/v1/policy/golden-set").status_code == 401


def test_a_bad_document_is_422_with_paths_and_changes_nothing(client, doc, admin, reader):
    """Does an invalid golden set answer 422 naming each path, leaving no golden set behind?"""
    doc["facts"][0]["versions"][0]["value"] = "thirty"
    response = client.put("/api/v1/policy/golden-set", json=doc, headers=admin)
    assert response.status_code == 422
    assert response.json["error"]["details"][0]["path"] == "$.facts[0].versions[0].value"
    assert client.get("/api/v1/policy/golden-set", headers=reader).status_code == 404


def test_a_posted_packet_is_checked_and_its_incident_stored(app, client, doc, admin, auth):
    """Does posting a packet with a wrong quote leave an incident for its ticket?"""
    from handoff.policy.report import incidents_for_ticket

    client.put("/api/v1/policy/golden-set", json=doc, headers=admin)
    packet = factories.packet(
        transcript=[
            {
                "role": "bot",
                "text": "You can return items within 60 days.",
                "at": "2026-03-02T08:57:30Z",
            }
        ]
    )
    assert client.post("/api/v1/packets", json=packet, headers=auth).status_code == 201
    with runtime_of(app).sessions() as session:
        assert incidents_for_ticket(session, 1001) == []  # checked after the answer, not in it
    [queued] = run_checks(app)
    assert queued.status == "delivered" and queued.result["incidents"] == 1
    with runtime_of(app).sessions() as session:
        [item] = incidents_for_ticket(session, 1001)
    assert item.said == "60 days" and item.policy == "30 days"


def test_a_posted_conversation_is_checked(app, client, doc, admin, auth):
    """Does posting a conversation run the check and record what it found?"""
    from handoff.policy.report import policy_accuracy

    client.put("/api/v1/policy/golden-set", json=doc, headers=admin)
    conv = factories.conversation(
        transcript=[
            {
                "role": "bot",
                "text": "It comes with a 2-year warranty.",
                "at": "2026-03-02T08:51:00Z",
            }
        ]
    )
    assert client.post("/api/v1/conversations", json=conv, headers=auth).status_code == 201
    assert [i.status for i in run_checks(app)] == ["delivered"]
    with runtime_of(app).sessions() as session:
        accuracy = policy_accuracy(session)
    assert (accuracy.matching, accuracy.statements) == (1, 1)


def test_a_broken_check_does_not_lose_the_packet(app, client, auth, monkeypatch):
    """When the policy check raises, is the packet still accepted and the failure kept, visible, for a retry?"""
    from handoff.delivery import handlers

    def boom(*_a, **_k):
        raise RuntimeError("bug in the check")

    monkeypatch.setattr(handlers, "check_packet", boom)
    assert client.post("/api/v1/packets", json=factories.packet(), headers=auth).status_code == 201
    [queued] = run_checks(app)
    assert queued.status == "pending" and queued.last_error == "RuntimeError: bug in the check"


@pytest.mark.parametrize("week", ["2026-W05\x00", "2026-W5", "2026-W54", "٢٠٢٦-W05", "2026-W05\n"])
def test_a_week_that_is_not_an_iso_week_is_422_naming_it(client, reader, week):
    """Is a report asked for a malformed week (NUL, short, nonexistent, non-ASCII digits,
    trailing newline) refused with 422 naming which value, never sent to the database?"""
    answer = client.get("/api/v1/policy/report", query_string={"week": ["2026-W05", week]},
                        headers=reader)  # fmt: skip
    assert answer.status_code == 422, answer.data
    (detail,) = answer.json["error"]["details"]
    assert detail["path"] == "week[1]" and repr(week) in detail["message"]
    assert client.get("/api/v1/policy/report?week=2026-W05", headers=reader).status_code == 200
