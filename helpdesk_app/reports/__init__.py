"""The leads' pages: the handoff report, the panel and drill-downs, server-rendered, no CDN."""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import date, timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from handoff import links, productconfig
from handoff.errors import HandoffError, ValidationFailed
from handoff.metrics import actions, drilldown, names, overview
from handoff.metrics import panel as panel_mod
from handoff.models.metrics import Action
from handoff.productconfig import ProductConfig
from handoff.tokens import Forbidden
from handoff.weeks import is_week
from helpdesk_app.db import get_session, now
from helpdesk_app.errors import error_response, wants_json
from helpdesk_app.reports import drawing
from helpdesk_app.reports import zendesk_load as zendesk_load_mod
from helpdesk_app.runtime import runtime
from helpdesk_app.security import lead_page_headers

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")
VIEWS = ("weekly", "monthly", "quarterly")
OPEN_ENDPOINTS = {"reports.open_link", "reports.zendesk_load"}
SESSION_TTL = timedelta(hours=12)


def product_config() -> ProductConfig:
    """Load the product configuration once per app (the configured file, or the example)."""
    cached = current_app.extensions.get("handoff_product_config")
    if cached is None:
        cached = productconfig.load_for(runtime().settings.product_config_path)
        current_app.extensions["handoff_product_config"] = cached
    return cached


def ticket_link(config: ProductConfig, ticket_id: int | None) -> str | None:
    """Link a ticket in the agent interface: the configured URL, else the Zendesk subdomain's."""
    if ticket_id is None:
        return None
    link = config.ticket_link(ticket_id)
    subdomain = runtime().settings.zendesk_subdomain
    if link is None and subdomain:
        link = f"https://{subdomain}.zendesk.com/agent/tickets/{ticket_id}"
    return link


def view_args() -> tuple[str, str | None]:
    """Read and check ?view= and ?week=."""
    view = request.args.get("view", "weekly")
    week = request.args.get("week") or None
    if view not in VIEWS or (week is not None and not is_week(week)):
        abort(400, "view must be weekly, monthly or quarterly; week like 2026-W05")
    return view, week


@bp.before_request
def require_session() -> Any:
    """Let only a session opened by a one-time link or Zendesk's signed load see the pages."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    holder = links.session_holder(get_session(), session.get("reports_sid"), now=now())
    if holder is None or holder != session.get("reports_who"):
        return render_template("reports/message.html", title="Sign-in needed",
                               message="Open the reports from Zendesk, or with a link made by "
                                       "`handoff reports open-link`."), 401  # fmt: skip
    if request.method == "POST":
        sent = request.form.get("csrf_token", "")
        if not hmac.compare_digest(sent, str(session.get("reports_csrf", ""))):
            raise Forbidden("the form's CSRF token is missing or wrong; reload the page")
    return None


bp.after_request(lead_page_headers)


@bp.errorhandler(HandoffError)
def handoff_error(exc: HandoffError) -> Any:
    """Answer the pages with an escaped HTML page in the reports' layout."""
    if wants_json():
        return error_response(exc.status, exc.code, exc.message, exc.details)
    title = "Not allowed" if exc.status in (401, 403) else "Something needs fixing"
    return render_template(
        "reports/message.html", title=title, message=exc.message, details=exc.details
    ), exc.status


def _start_session(who: str) -> None:
    # Only our own keys: in Zendesk the nav bar and the ticket sidebar share this cookie, and an
    # agent's open sidebars must keep working.
    _end_session()
    db = get_session()
    sid = links.open_session(db, who, "reports", now=now(), ttl=SESSION_TTL)
    db.commit()
    session["reports_who"] = who
    session["reports_sid"] = sid
    session["reports_csrf"] = secrets.token_urlsafe(32)
    # The same person may review the week's QA sample without a second link.
    session["review"] = {"lead": who, "exp": (now() + SESSION_TTL).timestamp(),
                         "csrf": secrets.token_urlsafe(32), "sid": sid}  # fmt: skip


def _end_session() -> None:
    """Forget this browser's reports keys (not the sidebar's)."""
    for key in ("reports_who", "reports_sid", "reports_until", "reports_csrf", "review"):
        session.pop(key, None)


@bp.get("/open/<token>")
def open_link(token: str) -> BaseResponse | tuple[str, int]:
    """Redeem a one-time link and open a reports session."""
    db = get_session()
    try:
        who = links.redeem_report_link(db, current_app.config["SECRET_KEY"], token, now=now())
    except links.LinkRefused as exc:
        return render_template(
            "reports/message.html", title="Link refused", message=exc.message
        ), 403
    db.commit()
    _start_session(who)
    return redirect(url_for("reports.overview_page"))


@bp.post("/sign-out")
def sign_out() -> tuple[str, int]:
    """Revoke this browser's reports session at once."""
    db = get_session()
    links.revoke_sessions(db, now=now(), token=str(session.get("reports_sid", "")))
    db.commit()
    _end_session()
    return render_template(
        "reports/message.html",
        title="Signed out",
        message="This browser's reports session is closed.",
    ), 200


@bp.post("/zendesk")
def zendesk_load() -> BaseResponse:
    """Zendesk's nav-bar load: verify the signed token and the user's role, open a session."""
    found = runtime()
    who = zendesk_load_mod.reports_user(
        request.form.get("token", ""), found.settings, found.helpdesk, now()
    )
    _start_session(who)
    return redirect(url_for("reports.overview_page"), 303)


@bp.get("/")
def index() -> BaseResponse:
    """Send leads to the overview."""
    return redirect(url_for("reports.overview_page"))


def _common(view: str, week: str | None) -> dict[str, Any]:
    config = product_config()
    built = panel_mod.build(get_session(), config, now=now(), view=view, end_week=week)
    return {"p": built, "config": config, "view": view, "week": week, "fig": built.find,
            "who": session.get("reports_who"), "views": VIEWS, "drillable": drilldown.RULES,
            "names": names.FIGURES,
            **drawing.extras(built, config.threshold("context_loss_rate"))}  # fmt: skip


def _overview(
    status: int = 200, failed: int | None = None, problems: list[str] | None = None
) -> tuple[str, int]:
    config = product_config()
    db = get_session()
    built = panel_mod.build(db, config, now=now(), view="rolling")
    found = overview.build(db, config, built, now=now())
    open_actions = actions.list_actions(db, actions.OPEN)
    latest = {a.id: log[-1] for a in open_actions if (log := actions.decisions(db, a.id))}
    return render_template(
        "reports/overview.html", o=found, p=built, config=config, who=session.get("reports_who"),
        open_actions=open_actions, latest=latest,
        sparks={c.figure_id: drawing.card_sparkline(c) for c in found.cards},
        csrf_token=session.get("reports_csrf", ""), may_decide=actions.may_decide,
        decided=request.args.get("decided", type=int), today=now().date(), views=None,
        failed=failed, problems=problems or [], form=request.form,
    ), status  # fmt: skip


@bp.get("/overview")
def overview_page() -> tuple[str, int]:
    """Render the overview: headline and handoff KPIs as cards, open actions, what changed."""
    return _overview()


@bp.post("/actions/<int:action_id>/decide")
def decide_action(action_id: int) -> BaseResponse | tuple[str, int]:
    """Record the owner's decision on an action (note, new due date, close) in the audit log.

    An incomplete decision shows the overview again with the problems and the typed text kept.
    """
    db = get_session()
    action = db.get(Action, action_id)
    who = session.get("reports_who")
    if action is not None and not actions.may_decide(action, who):
        raise Forbidden(
            f"only the action's owner ({action.owner}) decides it; you are signed in as {who}"
        )
    form = request.form
    try:
        try:
            due = date.fromisoformat(form["due_on"]) if form.get("due_on") else None
        except ValueError:
            raise ValidationFailed("the new due date must be a date like 2026-12-31") from None
        actions.decide(db, action_id, decided_by=str(who), decision=form.get("decision", ""),
                       note=form.get("note"), due_on=due, close=form.get("close") == "on", now=now())  # fmt: skip
    except ValidationFailed as exc:
        db.rollback()
        problems = [str(d["message"]) for d in exc.details] or [exc.message]
        return _overview(422, action_id, problems)
    db.commit()
    return redirect(url_for("reports.overview_page", decided=action_id, _anchor="actions"), 303)


@bp.get("/panel")
def panel() -> str:
    """Render the panel: headline, families, leading indicators, policy, open actions."""
    view, week = view_args()
    context = _common(view, week)
    context["open_actions"] = actions.list_actions(get_session(), actions.OPEN)
    return render_template("reports/panel.html", **context)


@bp.get("/handoff")
def handoff_report() -> str:
    """Render the handoff report: context loss vs repetition, packets, escalated outcomes."""
    view, week = view_args()
    return render_template("reports/handoff.html", **_common(view, week))


@bp.get("/drill/<figure_id>")
def drill(figure_id: str) -> str:
    """List the tickets behind one number."""
    view, week = view_args()
    scope, key = request.args.get("scope", "all"), request.args.get("key", "")
    config = product_config()
    db = get_session()
    ctx = panel_mod.context(db, config, now=now(), view=view, end_week=week)
    found = drilldown.drill(db, config, ctx, figure_id, scope, key)
    return render_template(
        "reports/drill.html", d=found, view=view, week=week, link=lambda t: ticket_link(config, t)
    )


@bp.app_template_filter("pct")
def pct(value: float | None) -> str:
    """Format a proportion as a percentage."""
    return "–" if value is None else f"{value * 100:.1f}%"


@bp.app_template_filter("dur")
def dur(seconds: float | None) -> str:
    """Format seconds as minutes or hours."""
    if seconds is None:
        return "–"
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


@bp.app_template_filter("pts")
def pts(value: float | None) -> str:
    """Format a delta in points."""
    return "–" if value is None else f"{value:+.1f} pts"


@bp.app_template_filter("band_map")
def band_map(bands: Any) -> dict[str, Any]:
    """Index deflection bands by archetype."""
    return {b[0]: b for b in bands}


@bp.app_template_global("fname")
def fname(figure_id: str) -> str:
    """Return a figure's plain name for the templates."""
    return names.name_of(figure_id)


@bp.app_template_global("fdef")
def fdef(figure_id: str) -> str:
    """Return a figure's one-sentence definition for the templates."""
    return names.definition_of(figure_id)


KIND_WORDS = {
    "review": "Review confidence or routing", "rollback": "Roll back: off the deflection list",
    "incident": "Policy incident", "integration": "Structural handoff work",
    "handoff_review": "Handoff review", "tuning_review": "Bot tuning review",
    "investigate_intent": "Investigate the intent",
}  # fmt: skip


@bp.app_template_filter("kind_words")
def kind_words(kind: str) -> str:
    """Name an action kind in words."""
    return KIND_WORDS.get(kind, kind.replace("_", " "))


@bp.app_template_filter("trigger_words")
def trigger_words(trigger: str) -> str:
    """Word a trigger (``context_loss_rate>0.05``) with the figure's plain name."""
    match = re.match(r"^([a-z0-9_]+?)(<=|>=|<|>|$)(.*)$", trigger)
    if match is None or match.group(1) not in names.FIGURES:
        return trigger.replace("_", " ")
    return f"{names.name_of(match.group(1))} {match.group(2)} {match.group(3)}".strip()


@bp.app_template_filter("status_word")
def status_word(status: str) -> str:
    """Say a status in words."""
    return overview.STATUS_WORDS.get(status, status)
