"""Sidebar routes: the signed load, the ticket page, and the flag, unflag and read actions."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Response, jsonify, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers.response import Response as BaseResponse

from handoff import flags, jsonguard
from handoff.errors import HandoffError, NotFound, ValidationFailed
from handoff.models.base import MAX_BIGINT
from helpdesk_app.db import get_session, now
from helpdesk_app.errors import error_body, wants_json
from helpdesk_app.runtime import runtime
from helpdesk_app.sidebar import bp
from helpdesk_app.sidebar.auth import (
    DEV_ISSUER,
    Agent,
    SidebarDenied,
    check_csrf,
    csrf_token,
    current_agent,
    open_session,
    verify_token,
)
from helpdesk_app.sidebar.presenter import build_view

# Zendesk's query parameters the ZAF SDK needs; kept on every link and redirect.
ZAF_PARAMS = ("origin", "app_guid")
ZAF_SDK_URL = "https://static.zdassets.com/zendesk_app_framework_sdk/2.0/zaf_sdk.min.js"


def _settings() -> Any:
    return runtime().settings


def _zaf_query() -> dict[str, str]:
    """Return the ZAF parameters of this request, to keep them in the query string."""
    return {k: request.args[k] for k in ZAF_PARAMS if request.args.get(k)}


def _ticket_url(ticket_id: int, anchor: str = "") -> str:
    query = urlencode(_zaf_query())
    return url_for(".ticket", ticket_id=ticket_id) + (f"?{query}" if query else "") + anchor


def _render(template: str, code: int = 200, **context: Any) -> tuple[str, int]:
    """Render a sidebar page; the ZAF SDK only when Zendesk framed us (origin and app_guid)."""
    in_zendesk = all(request.args.get(k) for k in ZAF_PARAMS)
    sdk = ZAF_SDK_URL if in_zendesk else None
    return render_template(template, zaf_sdk=sdk, zaf_query=_zaf_query(), **context), code


def _check_ticket(ticket_id: int) -> None:
    """Refuse ticket 0, which ``<int:>`` routes accept (they already stop at 64 bits)."""
    if ticket_id < 1:
        raise NotFound(f"no ticket {ticket_id}")


@bp.after_request
def _headers(response: Response) -> Response:
    """Lock the sidebar down: our scripts only (plus Zendesk's SDK), framed by Zendesk only."""
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; script-src 'self' https://static.zdassets.com; "
        "style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'self' https://*.zendesk.com"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


def _json_error(status: int, code: str, message: str, details: list[Any] | None = None) -> Any:
    """Answer the sidebar's scripts in the app's one JSON error shape."""
    return jsonify(error_body(code, message, details)), status


@bp.errorhandler(HandoffError)
def _handoff_error(exc: HandoffError) -> Any:
    """Answer the sidebar's own pages with an HTML page, its scripts with the JSON shape."""
    if wants_json() or request.is_json:
        return _json_error(exc.status, exc.code, exc.message, exc.details)
    return _render("sidebar/error.html", exc.status, status=exc.status, message=exc.message)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException) -> Any:
    """Render werkzeug's errors (405, 413...) as the sidebar's HTML page."""
    status = exc.code or 500
    if wants_json() or request.is_json:
        return _json_error(
            status, (exc.name or "error").lower().replace(" ", "_"), str(exc.description)
        )
    return _render("sidebar/error.html", status, status=status, message=exc.description)


@bp.post("/")
def signed_load() -> Any:
    """Zendesk's first load: verify the signed token, open the session, find the ticket."""
    agent = verify_token(request.form.get("token", ""), _settings(), now())
    open_session(agent, now())
    return _render("sidebar/bootstrap.html")


@bp.get("/")
def unsigned_load() -> Any:
    """Refuse a plain GET of the app's entry: only Zendesk's signed POST opens a session."""
    raise SidebarDenied("open this app from a Zendesk ticket: no signed token was sent")


@bp.get("/dev/<int:ticket_id>")
def dev_load(ticket_id: int) -> BaseResponse:
    """Open the sidebar without Zendesk, for the demo and tests (HANDOFF_DEV_SIDEBAR only)."""
    if not _settings().dev_sidebar:
        raise NotFound("the development sidebar is off (handoff serve --dev)")
    _check_ticket(ticket_id)
    agent_id = request.args.get("agent_id", type=int)
    if agent_id is not None and not 0 < agent_id <= MAX_BIGINT:
        agent_id = None
    open_session(Agent(agent_id=agent_id, issuer=DEV_ISSUER), now())
    return redirect(_ticket_url(ticket_id), 303)


@bp.get("/ticket/<int:ticket_id>")
def ticket(ticket_id: int) -> Any:
    """Show the ticket's packet, findings and flag."""
    _check_ticket(ticket_id)
    agent, sid = current_agent(now())
    view = build_view(get_session(), ticket_id, agent.agent_id)
    return _render("sidebar/page.html", view=view, agent=agent, csrf=csrf_token(sid, ticket_id))


def _form() -> tuple[dict[str, Any], str | None]:
    """Return the posted fields and CSRF token, from JSON (header token) or a form."""
    if request.is_json:
        body = jsonguard.parse(request.get_data(cache=True), runtime().settings.json_limits)
        if not isinstance(body, dict):
            raise ValidationFailed(
                "expected a JSON object", details=[{"path": "", "message": "not an object"}]
            )
        return body, request.headers.get("X-CSRF-Token")
    data: dict[str, Any] = {"note": request.form.get("note")}
    if request.form.get("details"):
        data["missing_fields"] = request.form.getlist("missing_fields")
    return data, request.form.get("csrf_token")


def _write(ticket_id: int) -> tuple[Agent, dict[str, Any]]:
    """Authenticate a write: session, then the CSRF token of this session and ticket."""
    _check_ticket(ticket_id)
    agent, sid = current_agent(now())
    data, token = _form()
    check_csrf(sid, ticket_id, token)
    return agent, data


def _done(ticket_id: int, anchor: str) -> Any:
    """Answer a write: the new state as JSON for scripts, a redirect back for forms."""
    if request.is_json or wants_json():
        session = get_session()
        flag = flags.active_flag(session, ticket_id)
        return {
            "ticket_id": ticket_id,
            "flag": None
            if flag is None
            else {"id": flag.id, "missing_fields": flag.missing_fields, "note": flag.note},
        }
    return redirect(_ticket_url(ticket_id, anchor), 303)


@bp.post("/ticket/<int:ticket_id>/flag")
def flag(ticket_id: int) -> Any:
    """Set "had to re-ask" (one click), or save which sections were missing and a note."""
    agent, data = _write(ticket_id)
    fields = data.get("missing_fields")
    if fields is not None and not (
        isinstance(fields, list) and all(isinstance(f, str) for f in fields)
    ):
        raise ValidationFailed(
            "missing_fields must be a list of section names",
            details=[{"path": "missing_fields", "message": "expected a list of strings"}],
        )
    note = data.get("note")
    session = get_session()
    flags.set_flag(
        session,
        ticket_id=ticket_id,
        agent_id=agent.agent_id,
        now=now(),
        missing_fields=fields,
        note=note if isinstance(note, str) else None,
    )
    session.commit()
    return _done(ticket_id, "#flag")


@bp.post("/ticket/<int:ticket_id>/unflag")
def unflag(ticket_id: int) -> Any:
    """Undo the ticket's "had to re-ask" flag."""
    agent, _ = _write(ticket_id)
    session = get_session()
    flags.clear_flag(session, ticket_id=ticket_id, agent_id=agent.agent_id, now=now())
    session.commit()
    return _done(ticket_id, "#flag")


@bp.post("/ticket/<int:ticket_id>/ack")
def ack(ticket_id: int) -> Any:
    """Record "I read the packet"."""
    agent, _ = _write(ticket_id)
    session = get_session()
    flags.acknowledge(session, ticket_id=ticket_id, agent_id=agent.agent_id, now=now())
    session.commit()
    return _done(ticket_id, "#actions")
