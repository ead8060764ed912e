"""A lead completes a week's QA sample in Debian's chromium, from the one-time link to "week complete"."""

from __future__ import annotations

import pytest

from handoff.db import transaction
from handoff.policy import review
from helpdesk_app.runtime import runtime as runtime_of
from sandbox.testing import serve_wsgi as serve
from tests.helpdesk_app.review.conftest import WEEK

pytestmark = pytest.mark.browser


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
    with transaction(runtime_of(app).sessions) as session:
        assert review.next_unreviewed(session, WEEK) is None
        forced = [s for s, _ in review.week_samples(session, WEEK) if s.reason == "incident"]
        item = review.review_item(session, forced[0])
        assert item.review.reviewer == "maria"
        assert [v.verdict for v in item.verdicts.values()] == ["hallucinated", "not_policy"]
