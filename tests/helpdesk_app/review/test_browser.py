"""A lead completes a week's QA sample in Debian's chromium, from the one-time link to "week complete"."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from handoff.db import transaction
from handoff.policy import review
from tests.helpdesk_app.review.conftest import WEEK

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 in a thread and yield its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Launch Debian's chromium headless once per module."""
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def test_a_lead_reviews_a_whole_week_in_the_browser(app, browser, sampled_week, open_link):
    """Can a lead open the link, classify every sampled conversation, and reach "week complete"?"""
    outside: list[str] = []
    with serve(app) as base:
        page = browser.new_page()
        # Every asset must come from us: record any request to another host.
        page.on("request", lambda r: None if r.url.startswith(base) else outside.append(r.url))
        page.goto(base + open_link("maria"))
        page.get_by_role("link", name="Review", exact=True).click()
        page.get_by_role("link", name="Start review").click()
        reviewed = 0
        while page.locator("fieldset.question").count():
            for fieldset in page.locator("fieldset.verdict").all():
                hint = fieldset.locator(".hint")
                if hint.count() and "hallucinated" in hint.inner_text():
                    fieldset.locator("input[value=hallucinated]").check()
                    fieldset.locator("select").select_option("refund_pricing")
                    fieldset.locator("input[name^=unwarranted]").check()
                else:
                    fieldset.locator("input[value=not_policy]").check()
            for question in page.locator("fieldset.question").all():
                question.locator("input[value='n/a']").check()
            page.get_by_role("button", name="Save and next").click()
            reviewed += 1
            assert reviewed <= len(sampled_week), "the review did not move on"
        assert page.get_by_role("status").inner_text().startswith("Week complete")
        assert page.locator("td", has_text="to review").count() == 0
    assert outside == []
    assert reviewed == len(sampled_week)
    with transaction(app.extensions["handoff"].sessions) as session:
        assert review.next_unreviewed(session, WEEK) is None
        forced = [s for s, _ in review.week_samples(session, WEEK) if s.reason == "incident"]
        item = review.review_item(session, forced[0])
        assert item.review.reviewer == "maria"
        assert [v.verdict for v in item.verdicts.values()] == ["hallucinated", "not_policy"]
