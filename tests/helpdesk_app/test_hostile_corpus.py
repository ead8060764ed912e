"""The frozen hostile-request corpus: never a 5xx, the JSON error shape, nothing stored by mistake."""

from __future__ import annotations

import pytest

from handoff.config import Settings
from tests.helpdesk_app.hostile_corpus import Credentials, load_cases, run_corpus

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
    settings = app.extensions["handoff"].settings
    credentials = Credentials(
        bot_token=make_token(),
        admin_token=make_token("admin", name="hostile-admin"),
        webhook_secret=settings.zendesk_webhook_secret,
        now=clock,
    )
    # A second between requests, as in a real run: a retried webhook gets a new timestamp.
    report = run_corpus(
        app.test_client(), cases, credentials, before_each=lambda: clock.advance(seconds=1)
    )
    assert report.ran + len(report.skipped) == len(cases)
    if report.findings or report.tracebacks:
        pytest.fail("\n" + report.table(), pytrace=False)
    if report.skipped:
        pytest.skip(f"{report.ran} cases passed, but some could not be run:\n{report.table()}")
