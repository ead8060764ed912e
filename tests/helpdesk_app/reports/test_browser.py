"""The report pages in Debian's chromium: open each page and follow one drill-down to a ticket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from sandbox.testing import serve_wsgi as serve

pytestmark = pytest.mark.browser


def test_pages_render_and_drill_down(
    browser: Any, reports_app: Flask, open_link: Callable[[], str]
) -> None:
    """Can a lead open the panel and the handoff report, and follow a number to its tickets?"""
    with serve(reports_app) as base:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        # Nothing outside our server may load: no CDN, no fonts, no scripts from elsewhere.
        outside: list[str] = []
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                      else (outside.append(route.request.url), route.abort()))  # fmt: skip
        page = context.new_page()
        page.goto(base + open_link())
        assert page.url.startswith(base + "/reports/panel")
        assert "weekly view, 2026-W05" in page.locator("h1").inner_text()
        page.click("text=monthly")
        assert "monthly view, 2026-W02..2026-W05" in page.locator("h1").inner_text()
        assert page.locator("#headline").inner_text().count("NOT PROTECTED") == 1
        assert page.locator("svg.chart").count() >= 4
        page.click("#nav-handoff")
        assert page.locator("h1").inner_text().startswith("Handoff report")
        assert page.locator("#side-by-side table tbody tr").count() == 12
        page.locator('#per-archetype a[data-figure="context_loss_rate"]').first.click()
        assert "Behind context_loss_rate" in page.locator("h1").inner_text()
        link = page.locator("#drill a.ticket").first
        assert link.get_attribute("href") == "https://acme.zendesk.com/agent/tickets/102"
        assert page.locator("#drill tbody tr").first.locator("td").first.inner_text() == "yes"
        assert outside == []
        context.close()
