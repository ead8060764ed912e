"""The public delayed-CSAT page: a signed link shows a confirm button; the POST records the answer."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from werkzeug.wrappers import Response

from handoff import csat
from handoff.links import LinkRefused
from helpdesk_app.db import commit_retrying, now

bp = Blueprint("csat", __name__, url_prefix="/csat", template_folder="templates")


@bp.after_request
def headers(response: Response) -> Response:
    """Our own stylesheet only, no scripts, never framed, never cached (links carry a token)."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    )
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<token>")
def confirm(token: str) -> tuple[str, int]:
    """Show what the link will record, with one button (a GET never records: link previewers fetch)."""
    try:
        ticket_id, score = csat.read_token(current_app.config["SECRET_KEY"], token)
    except LinkRefused as exc:
        return render_template("csat/page.html", message=exc.message), 403
    return render_template("csat/page.html", ticket_id=ticket_id, score=score, token=token), 200


@bp.post("/<token>")
def answer(token: str) -> tuple[str, int]:
    """Record the answer once; a second click shows the answer that stands."""
    try:
        ticket_id, score = csat.read_token(current_app.config["SECRET_KEY"], token)
    except LinkRefused as exc:
        return render_template("csat/page.html", message=exc.message), 403
    moment = now()
    result = commit_retrying(
        lambda session: csat.record(session, ticket_id, score, source="link", now=moment)
    )
    return render_template("csat/page.html", answered=result), 200
