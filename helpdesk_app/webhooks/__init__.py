"""Webhooks from Zendesk: verified, stored in the inbox, processed after the response."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

from helpdesk_app.webhooks import views  # noqa: E402,F401 - attaches the routes to bp
