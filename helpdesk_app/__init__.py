"""The Flask app: the bot's API, webhooks, the agent's sidebar and the leads' reports."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from handoff.config import Settings
from handoff.models.base import MAX_BIGINT
from helpdesk_app import runtime
from helpdesk_app.runtime import Clock, Runtime, utcnow


class Int64Converter(IntegerConverter):
    """Match ``<int:...>`` only up to 2**63 - 1, so a larger id is a 404, never a database overflow."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_BIGINT)
        super().__init__(url_map, *args, **kwargs)


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
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="None" if settings.is_production else "Lax",
        SESSION_COOKIE_SECURE=settings.is_production,
        # The sidebar lives in Zendesk's third-party iframe: a partitioned cookie survives there.
        SESSION_COOKIE_PARTITIONED=settings.is_production,
    )
    # Responses keep the order their views build (Flask 3 reads this, not JSON_SORT_KEYS).
    app.json.sort_keys = False  # type: ignore[attr-defined]
    runtime.init_app(app, Runtime(settings, clock, helpdesk))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)

    from helpdesk_app import api, csat, db, errors, reports, review, security, sidebar, webhooks

    db.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(csat.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(review.bp)
    app.register_blueprint(sidebar.bp)
    app.register_blueprint(webhooks.bp)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Answer liveness probes."""
        return {"status": "ok"}

    return app
