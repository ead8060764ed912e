"""Zendesk's nav bar opens the reports: the sidebar's signed load, then the configured roles."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask

from handoff.config import ConfigError, Settings, parse_roles
from helpdesk_app.runtime import runtime as runtime_of


def test_an_admin_opens_the_reports_from_the_nav_bar(
    navbar_app: Flask, sign: Callable[..., str], zendesk_users: Any
) -> None:
    """Does a signed load for a Zendesk admin open a reports session named by the admin's email?"""
    client = navbar_app.test_client()
    assert client.get("/reports/overview").status_code == 401
    token = sign(sub=str(zendesk_users[1]["admin"]), context={"location": "nav_bar"})
    response = client.post("/reports/zendesk", data={"token": token})
    assert response.status_code == 303 and response.headers["Location"].endswith(
        "/reports/overview"
    )
    page = client.get("/reports/overview").get_data(as_text=True)
    assert "Signed in as ada.lead@example.com" in page


def test_other_roles_and_bad_tokens_are_refused(
    navbar_app: Flask, sign: Callable[..., str], zendesk_users: Any, other_keys: tuple[bytes, str]
) -> None:
    """Are an agent (role not configured), an unknown user, a forged token and a missing one refused?"""
    client = navbar_app.test_client()
    agent = client.post(
        "/reports/zendesk", data={"token": sign(sub=str(zendesk_users[1]["agent"]))}
    )
    assert agent.status_code == 403
    assert b"open to these Zendesk roles: admin; yours is agent" in agent.data
    assert client.post("/reports/zendesk", data={"token": sign(sub="999999")}).status_code == 403
    assert (
        client.post("/reports/zendesk", data={"token": sign(sub=None, context={})}).status_code
        == 403
    )
    assert (
        client.post("/reports/zendesk", data={"token": sign(key=other_keys[0])}).status_code == 401
    )
    assert client.post("/reports/zendesk", data={}).status_code == 401
    assert client.get("/reports/overview").status_code == 401


def test_configured_roles_let_agents_in(
    make_app: Callable[..., Flask], navbar_app: Flask, sign: Callable[..., str], zendesk_users: Any
) -> None:
    """With HANDOFF_REPORTS_ROLES=admin,agent, does an agent get in too?"""
    runtime = runtime_of(navbar_app)
    app = make_app(**{**runtime.settings.__dict__, "reports_roles": ("admin", "agent"),
                      "helpdesk": runtime.helpdesk})  # fmt: skip
    response = app.test_client().post(
        "/reports/zendesk", data={"token": sign(sub=str(zendesk_users[1]["agent"]))}
    )
    assert response.status_code == 303


def test_roles_setting_is_parsed_strictly() -> None:
    """Is a misspelt role an error at start, naming the variable?"""
    assert parse_roles(None) == ("admin",)
    assert parse_roles("Admin, agent") == ("admin", "agent")
    with pytest.raises(ConfigError, match="HANDOFF_REPORTS_ROLES"):
        parse_roles("admin,lead")
    assert Settings.from_env({"HANDOFF_REPORTS_ROLES": "agent"}).reports_roles == ("agent",)
    assert replace(Settings(), reports_roles=("admin",)).reports_roles == ("admin",)


def test_opening_the_reports_keeps_the_sidebar_session(
    navbar_app: Flask, sign: Callable[..., str], zendesk_users: Any
) -> None:
    """In Zendesk both frames share one cookie: does the nav bar leave an open sidebar signed in?"""
    client = navbar_app.test_client()
    admin = str(zendesk_users[1]["admin"])
    assert client.post("/sidebar/", data={"token": sign(sub=admin)}).status_code == 200
    assert client.get("/sidebar/ticket/1", headers={"Accept": "text/html"}).status_code != 401
    client.post(
        "/reports/zendesk", data={"token": sign(sub=admin, context={"location": "nav_bar"})}
    )
    assert client.get("/reports/overview").status_code == 200
    assert client.get("/sidebar/ticket/1", headers={"Accept": "text/html"}).status_code != 401
