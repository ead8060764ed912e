"""The report pages in Debian's chromium: the overview at desktop and phone sizes, deciding an
action, the nav-bar signed load, and following a number to its tickets."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask

from sandbox.testing import serve_wsgi as serve

pytestmark = pytest.mark.browser
KPI_NAMES = [
    "Context loss",
    "Customer repetition",
    "Escalated CSAT vs baseline",
    "Escalated handle time",
]


@contextmanager
def page_at(browser: Any, base: str, width: int, height: int) -> Iterator[tuple[Any, list[str]]]:
    """Open a page of this size that may load nothing from outside our server."""
    context = browser.new_context(viewport={"width": width, "height": height})
    outside: list[str] = []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                  else (outside.append(route.request.url), route.abort()))  # fmt: skip
    try:
        yield context.new_page(), outside
    finally:
        context.close()


def test_overview_fits_a_laptop_screen(
    browser: Any, reports_app: Flask, open_link: Callable[[], str]
) -> None:
    """At 1366x768, are the headline and the four KPI cards (name, value, status, trend) visible unscrolled?"""
    with serve(reports_app) as base, page_at(browser, base, 1366, 768) as (page, outside):
        page.goto(base + open_link())
        assert page.url == base + "/reports/overview"
        headline = page.locator("#headline")
        assert "33.3%" in headline.inner_text() and "not protected" in headline.inner_text()
        cards = page.locator("#kpis article.kpi")
        assert cards.count() == 4
        for i, name in enumerate(KPI_NAMES):
            card = cards.nth(i)
            assert card.locator("h3").inner_text() == name
            assert card.locator(".def").inner_text().endswith(".")
            assert card.locator(".status").inner_text() in {"OK", "Watch", "Act", "Not enough data"}
            assert card.locator("svg.spark").count() == 1
            box = card.bounding_box()
            assert box is not None and box["y"] + box["height"] <= 768, f"{name} is below the fold"
        assert cards.nth(0).locator(".value").inner_text() == "50.0%"
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366
        # Open actions and what changed follow below the cards.
        assert page.locator("#actions li").count() == 3 and page.locator("#changes li").count() >= 1
        assert outside == []


def test_overview_reads_on_a_phone(
    browser: Any, reports_app: Flask, open_link: Callable[[], str]
) -> None:
    """At 390x844, do the cards stack in one column with nothing wider than the screen?"""
    with serve(reports_app) as base, page_at(browser, base, 390, 844) as (page, outside):
        page.goto(base + open_link())
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        cards = page.locator("#kpis article.kpi")
        boxes = [cards.nth(i).bounding_box() for i in range(4)]
        assert all(b is not None and b["width"] <= 390 for b in boxes)
        assert [b["x"] for b in boxes] == [boxes[0]["x"]] * 4  # type: ignore[index]
        assert all(boxes[i]["y"] < boxes[i + 1]["y"] for i in range(3))  # type: ignore[index]
        first = cards.nth(0)
        assert (
            first.locator("h3").inner_text() == "Context loss"
            and first.locator(".value").is_visible()
        )
        for svg in page.locator("svg").all():
            box = svg.bounding_box()
            assert box is None or box["x"] + box["width"] <= 390
        assert outside == []


def test_owner_decides_an_action_with_the_keyboard(
    browser: Any, reports_app: Flask, open_link: Callable[[], str]
) -> None:
    """Can the owner open an action's form, fill it by label, submit, and see it recorded?"""
    with serve(reports_app) as base, page_at(browser, base, 1366, 768) as (page, _):
        page.goto(base + open_link())
        item = page.locator("#actions li", has_text="Investigate the intent").first
        item.locator("summary").focus()
        page.keyboard.press("Enter")
        item.get_by_label("Decision").fill("routing order status to billing")
        item.get_by_label("Note").fill("checked with the bot team")
        item.get_by_label("New due date").fill("2026-02-25")
        item.get_by_role("button", name="Record decision").click()
        assert "Decision on action" in page.locator(".flash").inner_text()
        assert "due 2026-02-25" in page.locator("#actions").inner_text()
        # The rollback belongs to head@example.com: no form for this lead.
        rollback = page.locator("#actions li", has_text="Roll back")
        assert (
            rollback.locator("form").count() == 0
            and "Decided by its owner" in rollback.inner_text()
        )


def test_nav_bar_signed_load_opens_the_overview(
    browser: Any, navbar_app: Flask, sign: Callable[..., str], zendesk_users: Any
) -> None:
    """Does Zendesk's signed POST (as the nav bar sends it) open the overview for an admin only?"""
    with serve(navbar_app) as base, page_at(browser, base, 1366, 768) as (page, _):
        for who, expected in (("agent", "Not allowed"), ("admin", "Overview")):
            token = sign(sub=str(zendesk_users[1][who]), context={"location": "nav_bar"})
            page.goto(base + "/healthz")
            page.set_content(f'<form method="post" action="{base}/reports/zendesk">'
                             f'<input type="hidden" name="token" value="{token}"><button>open</button></form>')  # fmt: skip
            page.click("button")
            assert page.locator("h1").inner_text().startswith(expected)
        assert page.url == base + "/reports/overview"
        assert "Signed in as ada.lead@example.com" in page.locator("header").inner_text()


def test_pages_render_and_drill_down(
    browser: Any, reports_app: Flask, open_link: Callable[[], str]
) -> None:
    """Can a lead go from the overview to every figure and the handoff report, and follow a number to its tickets?"""
    with serve(reports_app) as base, page_at(browser, base, 1280, 900) as (page, outside):
        page.goto(base + open_link())
        page.click("#nav-panel")
        page.click("text=last 4 weeks")
        assert "2026-W02–2026-W05" in page.locator("h1").inner_text()
        assert page.locator("#headline").inner_text().count("not protected") == 1
        assert page.locator("svg.chart").count() >= 4
        page.click("#nav-handoff")
        assert page.locator("h1").inner_text().startswith("Handoff report")
        assert page.locator("#side-by-side table tbody tr").count() == 12
        page.locator('#per-archetype a[data-figure="context_loss_rate"]').first.click()
        assert "Behind Context loss" in page.locator("h1").inner_text()
        link = page.locator("#drill a.ticket").first
        assert link.get_attribute("href") == "https://acme.zendesk.com/agent/tickets/102"
        assert page.locator("#drill tbody tr").first.locator("td").first.inner_text() == "yes"
        assert outside == []
