"""The leads' QA review pages: go through the week's sampled bot conversations in the browser."""

from flask import Blueprint

bp = Blueprint(
    "review",
    __name__,
    url_prefix="/review",
    template_folder="templates",
)

from helpdesk_app.review import views  # noqa: E402,F401 - attaches the routes to bp
