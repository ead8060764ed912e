"""The frozen hostile-request corpus (tests/data/hostile), run in order against the app on each backend.

Each case must never get a 5xx, must get its expected class of answer (or one its ``also_ok``
allows), every 4xx must be in the one error shape, and each storage probe must find the
request stored or not as the case says. The corpus was written from the public contract only.
"""

from __future__ import annotations

import base64
import gzip
import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from handoff import webhooks
from tests.conftest import ROOT

CORPUS = Path(
    os.environ.get("HOSTILE_CORPUS", ROOT / "tests" / "data" / "hostile" / "cases.jsonl.gz")
)
SECRET = "corpus-webhook-secret"


def load() -> list[dict[str, Any]]:
    """Read every case, in file order."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def outcome(status: int) -> str:
    """Name the class of an HTTP status as the corpus does."""
    return f"{status // 100}xx"


def allowed(case: dict[str, Any], status: int) -> bool:
    """Tell whether ``status`` is what the case expects or one of the outcomes it also allows."""
    accepted = {case["expect"], *case.get("also_ok", [])}
    return outcome(status) in accepted or str(status) in accepted


@pytest.fixture
def app(make_app):
    """Return the app with the product's default body limit and a webhook secret."""
    return make_app(max_body_bytes=1_048_576, zendesk_webhook_secret=SECRET)


def send(client, case: dict[str, Any], tokens: dict[str, str], now: str):
    """Send one case exactly as written: raw bytes, its headers, its signature."""
    body = base64.b64decode(case["body_b64"])
    headers: dict[str, str] = {}
    if case["content_type"]:
        headers["Content-Type"] = case["content_type"]
    # The delayed-CSAT API is documented as scope admin, like the golden set.
    admin = case.get("needs_scope") == "admin" or case["route"].startswith("/api/v1/csat/")
    token = tokens["admin" if admin else "bot"]
    if "authorization_header" in case:
        headers["Authorization"] = case["authorization_header"].replace("{token}", token)
    elif case["auth"] == "bot":
        headers["Authorization"] = f"Bearer {token}"
    elif case["auth"] == "bad":
        headers["Authorization"] = "Bearer hf_not-a-real-token"
    stamp = case.get("timestamp_header", now)
    if case.get("signed_webhook"):
        headers[webhooks.TIMESTAMP_HEADER] = stamp
        headers[webhooks.SIGNATURE_HEADER] = webhooks.sign(SECRET, stamp, body)
    elif "timestamp_header" in case:
        headers[webhooks.TIMESTAMP_HEADER] = stamp
    if "signature_header" in case:
        headers[webhooks.SIGNATURE_HEADER] = case["signature_header"]
        headers.setdefault(webhooks.TIMESTAMP_HEADER, stamp)
    try:
        response = client.open(case["route"], method=case["method"], data=body, headers=headers)
    except ValueError:  # the test client refuses a header value (NUL): the corpus says skip
        return None
    response.close()  # runs what a webhook queues for after the answer
    return response


def test_the_frozen_hostile_corpus(app, client, make_token, clock, caplog):
    """Does every corpus case get an allowed answer, never a 5xx, errors in the one shape, storage as probed?"""
    caplog.set_level(logging.INFO)
    tokens = {"bot": make_token(), "admin": make_token("admin", name="corpus-admin")}
    failures: list[str] = []
    for case in load():
        # Each request is signed a second after the last, as Zendesk's retries are.
        now = clock.advance(seconds=1).isoformat().replace("+00:00", "Z")
        response = send(client, case, tokens, now)
        if response is None:
            continue
        status = response.status_code
        where = f"{case['id']} {case['method']} {case['route'][:60]} ({case['why'][:70]})"
        if status >= 500 or not allowed(case, status):
            failures.append(f"{where}: got {status} {response.get_data()[:160]!r}")
            continue
        if 400 <= status < 500:
            error = (response.get_json(silent=True) or {}).get("error")
            if not isinstance(error, dict) or set(error) != {"code", "message", "details"}:
                failures.append(
                    f"{where}: {status} not in the error shape: {response.get_data()[:160]!r}"
                )
        if "probe" in case:
            # The probe states what the expected answer stores; an answer the case also allows
            # must store exactly when it is a 2xx.
            wanted = case["probe_expect"]
            if outcome(status) != case["expect"]:
                wanted = "2xx" if outcome(status) == "2xx" else "404"
            probe = client.get(case["probe"], headers={"Authorization": f"Bearer {tokens['bot']}"})
            if not allowed({"expect": wanted}, probe.status_code):
                failures.append(
                    f"{where}: probe {case['probe']} got {probe.status_code}, wanted {wanted}"
                )
            elif case.get("probe_body_contains") and case[
                "probe_body_contains"
            ] not in probe.get_data(as_text=True):
                failures.append(f"{where}: probe lacks {case['probe_body_contains']!r}")
    assert failures == [], "\n".join(failures)
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
