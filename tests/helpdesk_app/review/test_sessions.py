"""A QA review session can be revoked before it expires."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from helpdesk_app.cli import main


def test_revoke_all_closes_review_sessions(app: Flask, open_link: Callable[..., str]) -> None:
    """Does `--all` also close a QA review session opened by a review link?"""
    client = app.test_client()
    assert client.get(open_link()).status_code == 302
    assert client.get("/review/").status_code == 200
    result = app.test_cli_runner().invoke(main, ["reports", "revoke", "--all"])
    assert "revoked 1 session" in result.output
    assert client.get("/review/").status_code == 401
