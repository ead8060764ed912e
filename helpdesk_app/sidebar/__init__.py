"""The agent's sidebar: the Zendesk app's page showing the handoff packet and taking the flag."""

from flask import Blueprint

bp = Blueprint(
    "sidebar",
    __name__,
    url_prefix="/sidebar",
    template_folder="templates",
    static_folder="static",
)

from helpdesk_app.sidebar import views  # noqa: E402,F401 - attaches the routes to bp
