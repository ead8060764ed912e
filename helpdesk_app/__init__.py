"""The Flask app: the bot's API, webhooks, the agent's sidebar and the leads' reports."""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from handoff.config import Settings
from handoff.db import make_engine, make_session_factory
from handoff.models.base import MAX_BIGINT

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """Return the current instant in UTC (the default clock)."""
    return datetime.now(UTC)


class Runtime:
    """What the views need, built once per app: settings, database and clock."""

    def __init__(self, settings: Settings, clock: Clock, helpdesk: Any | None) -> None:
        self.settings = settings
        self.clock = clock
        self.engine = make_engine(settings.database_url)
        self.sessions = make_session_factory(self.engine)
        self.helpdesk = helpdesk


class Int64Converter(IntegerConverter):
    """Match ``<int:...>`` only up to 2**63 - 1, so a larger id is a 404, never a database overflow."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_BIGINT)
        super().__init__(url_map, *args, **kwargs)


# Subpackages that are not parts of the served app.
_NOT_BLUEPRINTS = {"cli", "sandbox", "zendesk_app", "templates", "static"}


def _blueprints() -> list[Any]:
    """Return the ``bp`` of every subpackage (api, webhooks, sidebar, reports...), sorted by name."""
    found = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if module.ispkg and module.name not in _NOT_BLUEPRINTS:
            package = importlib.import_module(f"{__name__}.{module.name}")
            if hasattr(package, "bp"):
                found.append(package.bp)
    return found


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock = utcnow,
    helpdesk: Any | None = None,
) -> Flask:
    """Build the app from ``settings`` (read from the environment when not given)."""
    settings = settings or Settings.from_env()
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.url_map.converters["int"] = Int64Converter
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="None" if settings.is_production else "Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        # The sidebar lives in Zendesk's third-party iframe: a partitioned cookie survives there.
        SESSION_COOKIE_PARTITIONED=settings.is_production,
    )
    app.extensions["handoff"] = Runtime(settings, clock, helpdesk)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    from helpdesk_app import db, errors

    db.init_app(app)
    errors.init_app(app)
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Answer liveness probes."""
        return {"status": "ok"}

    return app
