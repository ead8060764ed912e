"""The frozen hostile-request corpus: never a 5xx, the JSON error shape, nothing stored by mistake."""

from __future__ import annotations

import base64
import json
from dataclasses import replace

import pytest
import sqlalchemy as sa
from werkzeug.wrappers import Response

from handoff.config import Settings
from handoff.models.delivery_state import WebhookEvent
from helpdesk_app.runtime import runtime as runtime_of
from sandbox.webhooks import sign
from tests.conftest import FIXED_NOW
from tests.helpdesk_app.hostile_corpus import (
    Case,
    Credentials,
    NotStrictJson,
    Report,
    error_shape_problem,
    load_cases,
    matches,
    probe_expectation,
    refused_for_scope,
    request_for,
    run_corpus,
    stored_rows_problem,
    strict_json,
)

SECRET = "hostile-corpus-webhook-secret"


@pytest.fixture
def app(make_app):
    """Return the app with a webhook secret and the documented body limit (the corpus tests it)."""
    default_limit = Settings.from_env({"HANDOFF_ENV": "test"}).max_body_bytes
    return make_app(zendesk_webhook_secret=SECRET, max_body_bytes=default_limit)


def test_every_hostile_request_is_answered_cleanly(app, make_token, clock):
    """Does every corpus case, run in order, get its expected answer with nothing stored by mistake?"""
    cases = load_cases()
    assert len(cases) == 352
    settings = runtime_of(app).settings
    credentials = Credentials(
        bot_token=make_token(),
        admin_token=make_token("admin", name="hostile-admin"),
        webhook_secret=settings.zendesk_webhook_secret,
        now=clock,
    )
    client = app.test_client()

    def tick() -> None:
        # A second between requests, as in a real run: a retried webhook gets a new timestamp.
        clock.advance(seconds=1)

    def inbox_rows(case: Case) -> int | None:
        # The webhook cases have no probe: count the inbox instead.
        if not case.route.startswith("/webhooks/"):
            return None
        with runtime_of(app).sessions() as s:
            return s.scalar(sa.select(sa.func.count()).select_from(WebhookEvent))

    report = run_corpus(client, cases, credentials, before_each=tick, rows=inbox_rows)
    assert report.ran + len(report.skipped) == len(cases)
    # Then the cases stopped by a scope the corpus did not ask for, with an admin token.
    unreached = refused_for_scope(cases, report)
    admin = replace(credentials, bot_token=credentials.admin_token)
    report.extend(run_corpus(client, unreached, admin, before_each=tick, rows=inbox_rows))
    if report.findings or report.tracebacks:
        pytest.fail("\n" + report.table(), pytrace=False)
    if report.skipped:
        pytest.skip(f"{report.ran} cases passed, but some could not be run:\n{report.table()}")


def _case(**fields):
    """Return a minimal corpus case with the given fields changed."""
    base = {
        "id": "T-1",
        "route": "/api/v1/packets",
        "method": "POST",
        "auth": "bot",
        "content_type": "application/json",
        "body_b64": "e30=",
        "signed_webhook": False,
        "expect": "4xx",
        "why": "runner check",
    }
    return Case.from_json({**base, **fields})


CREDENTIALS = Credentials(
    bot_token="hf_bot", admin_token="hf_admin", webhook_secret="s3cret", now=lambda: FIXED_NOW
)


def test_the_request_is_sent_exactly_as_the_case_gives_it():
    """Are the route, raw body, missing content type and hostile headers sent untouched?"""
    case = _case(
        route="/api/v1/packets/%ED%A0%80?limit=%00",
        content_type="",
        body_b64=base64.b64encode(b"\xff\xfe{").decode(),
        authorization_header="Bearer {token}\x00x",
    )
    environ = request_for(case, CREDENTIALS).get_environ()
    assert environ["REQUEST_URI"] == "/api/v1/packets/%ED%A0%80?limit=%00"
    assert environ["QUERY_STRING"] == "limit=%00"
    assert "CONTENT_TYPE" not in environ
    assert environ["wsgi.input"].read() == b"\xff\xfe{"
    assert environ["HTTP_AUTHORIZATION"] == "Bearer hf_bot\x00x"


def test_a_signed_webhook_signs_the_hostile_timestamp_and_a_forged_header_wins():
    """Is the body signed over the case's timestamp, and does signature_header replace it?"""
    body = b'{"type": "x"}'
    signed = _case(
        route="/webhooks/zendesk",
        auth="none",
        body_b64=base64.b64encode(body).decode(),
        signed_webhook=True,
        timestamp_header="0",
    )
    environ = request_for(signed, CREDENTIALS).get_environ()
    assert "HTTP_AUTHORIZATION" not in environ
    assert environ["HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP"] == "0"
    assert environ["HTTP_X_ZENDESK_WEBHOOK_SIGNATURE"] == sign("s3cret", "0", body)
    forged = _case(route="/webhooks/zendesk", auth="none", signature_header="AAAA")
    environ = request_for(forged, CREDENTIALS).get_environ()
    assert environ["HTTP_X_ZENDESK_WEBHOOK_SIGNATURE"] == "AAAA"
    assert environ["HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP"] == "2026-03-02T09:30:00Z"


def test_admin_cases_use_the_admin_token_and_bad_ones_an_unknown_token():
    """Does needs_scope pick the admin token, and auth 'bad' a token that was never issued?"""
    admin = request_for(_case(needs_scope="admin"), CREDENTIALS).get_environ()
    assert admin["HTTP_AUTHORIZATION"] == "Bearer hf_admin"
    bad = request_for(_case(auth="bad"), CREDENTIALS).get_environ()
    assert bad["HTTP_AUTHORIZATION"] not in ("Bearer hf_bot", "Bearer hf_admin")
    assert "HTTP_AUTHORIZATION" not in request_for(_case(auth="none"), CREDENTIALS).get_environ()


@pytest.mark.parametrize(
    ("status", "outcome", "expected"),
    [
        (404, "4xx", True),
        (409, "409", True),
        (500, "4xx", False),
        (201, "2xx", True),
        (413, "4xx", True),
        (400, "413", False),
    ],
)
def test_outcomes_match_by_class_or_exact_code(status, outcome, expected):
    """Does ``4xx`` match any 4xx and ``409`` only 409?"""
    assert matches(status, outcome) is expected


def test_the_probe_follows_the_answer_the_case_allowed():
    """Must a 2xx allowed by also_ok be stored, a refusal or a 5xx store nothing, a 409 keep the first?"""
    case = _case(also_ok=["2xx"], probe="/api/v1/packets/x", probe_expect="404")
    assert probe_expectation(case, 422) == "404"
    assert probe_expectation(case, 201) == "2xx"
    assert probe_expectation(case, 500) == "404"
    forbidden = _case(probe="/api/v1/packets/x", probe_expect="404")
    assert probe_expectation(forbidden, 201) == "404"  # wrongly accepted: the probe shows if stored
    reuse = _case(expect="2xx", also_ok=["409"], probe="/api/v1/packets/x", probe_expect="2xx")
    assert probe_expectation(reuse, 409) == "2xx"
    assert (
        probe_expectation(_case(expect="2xx", also_ok=["413"], probe="/p", probe_expect="2xx"), 413)
        == "404"
    )


@pytest.mark.parametrize("raw", [b'{"a": NaN}', b"[Infinity]", b"-Infinity", b'"\xff"', b"{", b""])
def test_strict_json_refuses_what_rfc_8259_does_not_allow(raw):
    """Are NaN, Infinity, invalid UTF-8 and broken documents refused?"""
    with pytest.raises(NotStrictJson):
        strict_json(raw)


@pytest.mark.parametrize(
    ("body", "mimetype", "problem"),
    [
        ({"error": {"code": "bad", "message": "m", "details": []}}, "application/json", None),
        ({"error": {"code": "bad", "message": "m"}}, "application/json", "error lacks details"),
        ({"message": "m"}, "application/json", "no 'error' object"),
        ({"error": {"code": "", "message": "m", "details": []}}, "application/json", "error.code"),
        ({"error": {"code": "c", "message": "m", "details": ["x"]}}, "application/json", "details"),
        ({"error": {"code": "c", "message": "m", "details": []}}, "text/html", "content type"),
    ],
)
def test_the_error_shape_is_checked(body, mimetype, problem):
    """Is only ``{"error": {"code", "message", "details"}}`` as JSON accepted on a 4xx?"""
    response = Response(json.dumps(body), status=400, mimetype=mimetype)
    found = error_shape_problem(response)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_only_cases_stopped_by_an_unasked_scope_are_rerun():
    """Are 403s rerun with an admin token, but not auth cases or cases that chose their token?"""
    cases = [
        _case(id="A"),
        _case(id="B", category="auth"),
        _case(id="C", needs_scope="admin"),
        _case(id="D", authorization_header="Token {token}"),
        _case(id="E"),
    ]
    report = Report(answers={"A": 403, "B": 403, "C": 403, "D": 403, "E": 422})
    assert [case.id for case in refused_for_scope(cases, report)] == ["A+admin"]


def test_a_refused_request_adds_no_row_and_an_accepted_one_at_most_one():
    """Is a row added by a 401 caught, and a second row for one accepted request?"""
    case = _case(route="/webhooks/zendesk")
    assert stored_rows_problem(case, 401, 3, 4) == "stored despite a 401 answer"
    assert stored_rows_problem(case, 500, 3, 4) == "stored despite a 500 answer"
    assert stored_rows_problem(case, 200, 3, 4) == "stored a rejected request"
    accepted = _case(route="/webhooks/zendesk", expect="2xx")
    assert stored_rows_problem(accepted, 200, 3, 5) == "stored more than once"
    assert stored_rows_problem(accepted, 200, 3, 4) is None
    assert stored_rows_problem(accepted, 200, 3, 3) is None  # a retried event is a duplicate
    assert stored_rows_problem(case, 409, 3, 3) is None
