"""The report pages are framed only by Zendesk (the nav bar) and never sniffed."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from werkzeug.test import TestResponse


def assert_locked(response: TestResponse, what: str) -> None:
    """Check the page may be framed by Zendesk alone and is never sniffed."""
    policy = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'self' https://*.zendesk.com" in policy, (what, policy)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what


def test_reports_pages_cannot_be_framed(reports_app: Flask, open_link: Callable[[], str]) -> None:
    """Does every reports page (signed in or not, and the link itself) refuse framing outside Zendesk?"""
    client = reports_app.test_client()
    assert_locked(client.get("/reports/panel"), "unauthenticated panel")
    link = open_link()
    assert_locked(client.get(link), "the one-time link")
    for path in ("/reports/panel", "/reports/handoff?view=monthly",
                 "/reports/drill/context_loss_rate?scope=all&view=monthly"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200, path
        assert_locked(response, path)
