"""The sandbox's behaviour and its /_sandbox control endpoints: limits, faults, log, seeding."""

from __future__ import annotations

from datetime import timedelta

import requests

from sandbox import SandboxState
from tests.sandbox.conftest import Raw


def test_requests_need_credentials(raw: Raw) -> None:
    """Is a request without credentials answered 401 like Zendesk?"""
    answer = requests.get(raw.base_url + "/api/v2/users/me.json", timeout=5)
    assert answer.status_code == 401
    assert answer.json() == {"error": "Couldn't authenticate you"}


def test_rate_limit_headers_and_429(raw: Raw) -> None:
    """Does a configured limit send X-Rate-Limit headers, then 429 with Retry-After?"""
    assert raw("POST", "/_sandbox/rate_limit", json={"per_minute": 2}).ok
    first = raw("GET", "/api/v2/users/me.json")
    assert first.headers["X-Rate-Limit"] == "2" and first.headers["X-Rate-Limit-Remaining"] == "1"
    raw("GET", "/api/v2/users/me.json")
    limited = raw("GET", "/api/v2/users/me.json")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["X-Rate-Limit-Remaining"] == "0"
    # Control endpoints are never limited, so a test can always lift the limit.
    assert raw("POST", "/_sandbox/rate_limit", json={"per_minute": None}).ok
    assert raw("GET", "/api/v2/users/me.json").ok


def test_rate_limit_window_resets(state: SandboxState, raw: Raw) -> None:
    """Does the window reopen once a minute has passed on the sandbox clock?"""
    moment = [state.now()]
    state.now = lambda: moment[0]
    state.configure_rate_limit(1)
    assert raw("GET", "/api/v2/users/me.json").ok
    assert raw("GET", "/api/v2/users/me.json").status_code == 429
    moment[0] += timedelta(minutes=1)
    assert raw("GET", "/api/v2/users/me.json").ok


def test_faults_apply_to_the_next_matching_requests(raw: Raw) -> None:
    """Do injected faults hit only the next N requests that match method and path?"""
    raw(
        "POST", "/_sandbox/faults", json={"status": 503, "count": 2, "path_prefix": "/api/v2/users"}
    )
    assert raw("GET", "/api/v2/ticket_fields.json").ok
    assert raw("GET", "/api/v2/users/me.json").status_code == 503
    assert raw("GET", "/api/v2/users/me.json").status_code == 503
    assert raw("GET", "/api/v2/users/me.json").ok


def test_timeout_after_write_applies_the_write(state: SandboxState, raw: Raw) -> None:
    """Does an after-write stall apply the update even though the client gives up?"""
    t, _ = state.create_ticket({"subject": "s", "comment": {"body": "x"}})
    raw("POST", "/_sandbox/faults", json={"timeout": 1.0, "after_write": True, "method": "PUT"})
    try:
        raw.session.put(
            f"{raw.base_url}/api/v2/tickets/{t['id']}.json",
            json={"ticket": {"comment": {"body": "late", "public": False}}},
            timeout=0.2,
        )
        timed_out = False
    except requests.Timeout:
        timed_out = True
    assert timed_out
    assert state.comments[t["id"]][-1]["body"] == "late"


def test_log_counts_requests(raw: Raw) -> None:
    """Does the request log list method, path and status of API calls only?"""
    raw("GET", "/api/v2/users/me.json")
    raw("GET", "/api/v2/tickets/999.json")
    log = raw("GET", "/_sandbox/log").json()["requests"]
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("GET", "/api/v2/users/me.json", 200),
        ("GET", "/api/v2/tickets/999.json", 404),
    ]


def test_seed_users_and_reset(raw: Raw, state: SandboxState) -> None:
    """Can a test seed users of each role over HTTP, and does reset forget them?"""
    seeded = raw("POST", "/_sandbox/users", json={"users": [
        {"name": "Ana", "email": "ana@example.com", "role": "agent"},
        {"name": "Cy", "email": "cy@example.com"},
    ]}).json()["users"]  # fmt: skip
    assert [u["role"] for u in seeded] == ["agent", "end-user"]
    assert raw("GET", f"/api/v2/users/{seeded[0]['id']}.json").ok
    raw("POST", "/_sandbox/reset")
    assert raw("GET", f"/api/v2/users/{seeded[0]['id']}.json").status_code == 404


def test_checkbox_and_dropdown_fields_mirror_tags(state: SandboxState, raw: Raw) -> None:
    """Do checkbox and dropdown values set and clear their tags, as in Zendesk?"""
    box = state.create_ticket_field({"type": "checkbox", "title": "B", "tag": "flag"})
    drop = state.create_ticket_field({"type": "tagger", "title": "D", "custom_field_options": [
        {"name": "One", "value": "opt_one"}, {"name": "Two", "value": "opt_two"}]})  # fmt: skip
    t, _ = state.create_ticket({"subject": "s", "comment": {"body": "x"}})
    url = f"/api/v2/tickets/{t['id']}.json"
    fields = [{"id": box["id"], "value": True}, {"id": drop["id"], "value": "opt_one"}]
    tags = raw("PUT", url, json={"ticket": {"custom_fields": fields}}).json()["ticket"]["tags"]
    assert set(tags) == {"flag", "opt_one"}
    fields = [{"id": box["id"], "value": False}, {"id": drop["id"], "value": "opt_two"}]
    tags = raw("PUT", url, json={"ticket": {"custom_fields": fields}}).json()["ticket"]["tags"]
    assert tags == ["opt_two"]
    bad = raw("PUT", url, json={"ticket": {"custom_fields": [{"id": drop["id"], "value": "nope"}]}})
    assert bad.status_code == 422 and bad.json()["error"] == "RecordInvalid"


def test_rating_requires_a_solved_ticket(state: SandboxState, raw: Raw) -> None:
    """Can a requester rate only a solved ticket, with good or bad?"""
    t, _ = state.create_ticket({"subject": "s", "comment": {"body": "x"}})
    url = f"/api/v2/tickets/{t['id']}/satisfaction_rating.json"
    assert raw("POST", url, json={"satisfaction_rating": {"score": "good"}}).status_code == 422
    state.update_ticket(t["id"], {"status": "solved"})
    assert raw("POST", url, json={"satisfaction_rating": {"score": "meh"}}).status_code == 422
    rated = raw("POST", url, json={"satisfaction_rating": {"score": "bad", "comment": "slow"}})
    assert rated.status_code == 201 and rated.json()["satisfaction_rating"]["score"] == "bad"
    ticket = raw("GET", f"/api/v2/tickets/{t['id']}.json").json()["ticket"]
    assert ticket["satisfaction_rating"]["score"] == "bad"


def test_closed_tickets_refuse_updates(state: SandboxState, raw: Raw) -> None:
    """Is an update to a closed ticket a 422, as in Zendesk?"""
    t, _ = state.create_ticket({"subject": "s", "comment": {"body": "x"}, "status": "closed"})
    answer = raw("PUT", f"/api/v2/tickets/{t['id']}.json", json={"ticket": {"status": "open"}})
    assert answer.status_code == 422


def test_endpoint_limit_applies_to_its_path_only(raw: Raw) -> None:
    """Can the incremental exports get their own, smaller limit without slowing other calls?"""
    raw("POST", "/_sandbox/rate_limit",
        json={"per_minute": 1, "path_prefix": "/api/v2/incremental/"})  # fmt: skip
    export = "/api/v2/incremental/tickets/cursor.json?start_time=0"
    assert raw("GET", export).ok
    assert raw("GET", export).status_code == 429
    assert raw("GET", "/api/v2/users/me.json").ok


def test_tags_are_normalised_like_zendesk(state: SandboxState, raw: Raw) -> None:
    """Are tags lower-cased, split on spaces, de-duplicated and returned sorted?"""
    t, _ = state.create_ticket({"subject": "s", "comment": {"body": "x"}, "tags": ["Zeta", "a b"]})
    assert t["tags"] == ["a", "b", "zeta"]
    answer = raw("PUT", f"/api/v2/tickets/{t['id']}/tags.json", json={"tags": ["Alpha", "a"]})
    assert answer.json() == {"tags": ["a", "alpha", "b", "zeta"]}
