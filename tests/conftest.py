"""Shared fixtures: the app on each database backend, a fresh database per test, a fixed clock.

Backends come from ``TEST_BACKENDS`` (default ``sqlite,postgresql``). PostgreSQL is the server at
``TEST_POSTGRES_URL`` (default 127.0.0.1:5432, database ``test``); each pytest run makes its own
database there and drops it at the end, so concurrent runs never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import Session, sessionmaker

from handoff import db as core_db
from handoff import tokens
from handoff.config import Settings
from handoff.models import Base
from helpdesk_app.runtime import runtime as runtime_of

BACKENDS = [
    b.strip() for b in os.environ.get("TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()
]
POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
FIXED_NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CHROMIUM = "/usr/bin/chromium"
# Headless, and quiet on a machine whose network is closed (no background fetches).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent


class Clock:
    """A clock tests can set and move."""

    def __init__(self, now: datetime = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward by a timedelta's keyword arguments."""
        from datetime import timedelta

        self.now += timedelta(**delta)
        return self.now


def _postgres_database() -> Iterator[str]:
    """Create a database for this run on the PostgreSQL server and drop it afterwards."""
    name = f"handoff_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Yield a migrated database URL for each backend, once per test session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        core_db.upgrade(url)
        yield url
    elif request.param == "postgresql":
        generator = _postgres_database()
        url = next(generator)
        core_db.upgrade(url)
        yield url
        next(generator, None)
    else:
        raise ValueError(f"unknown test backend {request.param!r}")


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[sa.Engine]:
    """Yield one engine per backend for the session."""
    engine = core_db.make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def clean_db(engine: sa.Engine) -> Iterator[sa.Engine]:
    """Give the test an empty database: every table is emptied after it."""
    yield engine
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def sessions(clean_db: sa.Engine) -> sessionmaker[Session]:
    """Return a session factory on the fresh database."""
    return core_db.make_session_factory(clean_db)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session on the fresh database."""
    with sessions() as s:
        yield s


@pytest.fixture
def clock() -> Clock:
    """Return a settable clock starting at a fixed instant."""
    return Clock()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Return test settings on the backend's database."""
    return replace(
        Settings.from_env({"HANDOFF_ENV": "test"}),
        database_url=database_url,
        instance_path=tmp_path / "instance",
        max_body_bytes=262_144,
    )


@pytest.fixture
def make_app(
    settings: Settings, clock: Clock, clean_db: sa.Engine
) -> Iterator[Callable[..., Flask]]:
    """Return a factory building the app with overridable settings; engines are disposed after."""
    from helpdesk_app import create_app

    built: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        helpdesk = overrides.pop("helpdesk", None)
        app = create_app(replace(settings, **overrides), clock=clock, helpdesk=helpdesk)
        app.config["TESTING"] = True
        built.append(app)
        return app

    yield factory
    for app in built:
        runtime_of(app).dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """Return the app on a fresh database."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """Return a CLI runner bound to the app."""
    return app.test_cli_runner()


@pytest.fixture
def cli(runner: FlaskCliRunner) -> Callable[..., Any]:
    """Return a function running ``handoff ARGS...`` against the test app."""
    from helpdesk_app.cli import main

    def invoke(*args: str, **kwargs: Any) -> Any:
        return runner.invoke(main, list(args), **kwargs)

    return invoke


@pytest.fixture
def make_token(app: Flask) -> Callable[..., str]:
    """Return a function creating an API token with the given scopes."""

    def create(*scopes: str, name: str = "test-bot") -> str:
        runtime = runtime_of(app)
        with core_db.transaction(runtime.sessions) as s:
            issued = tokens.create_token(
                s, name, now=runtime.clock(), scopes=scopes or tokens.DEFAULT_SCOPES
            )
        return issued.plaintext

    return create


@pytest.fixture
def auth(make_token: Callable[..., str]) -> dict[str, str]:
    """Return headers carrying a bot token with the default scopes."""
    return {"Authorization": f"Bearer {make_token()}"}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Launch Debian's chromium headless once per run (scripts/setup.sh installs it)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run scripts/setup.sh --system (Debian's chromium package)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[str, Any]]:
    """Serve one local Zendesk sandbox for the module and point zenpy at it."""
    from sandbox.testing import running_sandbox

    with running_sandbox() as served:
        yield served
