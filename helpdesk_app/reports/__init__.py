"""The leads' pages: the handoff report, the panel and drill-downs, server-rendered, no CDN."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
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
from handoff.metrics import actions, drilldown
from handoff.metrics import panel as panel_mod
from handoff.productconfig import ProductConfig
from handoff.weeks import monday
from helpdesk_app.db import get_session, now
from helpdesk_app.reports import views_support
from helpdesk_app.runtime import runtime

bp = Blueprint(
    "reports", __name__, url_prefix="/reports", template_folder="templates", static_folder="static"
)
WEEK = re.compile(r"^\d{4}-W\d{2}$")
VIEWS = ("weekly", "monthly", "quarterly")
OPEN_ENDPOINTS = {"reports.open_link", "reports.static"}
SESSION_TTL = timedelta(hours=12)


def product_config() -> ProductConfig:
    """Load the product configuration once per app (the configured file, or the example)."""
    cached = current_app.extensions.get("handoff_product_config")
    if cached is None:
        cached = productconfig.load_for(
            runtime().settings.product_config_path
        )
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


def valid_week(week: str) -> bool:
    """Tell whether ``week`` names a real ISO week (2026-W05)."""
    if not WEEK.match(week) or not 2000 <= int(week[:4]) <= 2199:
        return False
    try:
        monday(week)
    except ValueError:
        return False
    return True


def view_args() -> tuple[str, str | None]:
    """Read and check ?view= and ?week=."""
    view = request.args.get("view", "weekly")
    week = request.args.get("week") or None
    if view not in VIEWS or (week is not None and not valid_week(week)):
        abort(400, "view must be weekly, monthly or quarterly; week like 2026-W05")
    return view, week


@bp.before_request
def require_session() -> Any:
    """Let only a session opened by a one-time link see the pages."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    until = session.get("reports_until")
    if not session.get("reports_who") or not until or datetime.fromisoformat(until) < now():
        return render_template("reports/message.html", title="Sign-in needed",
                               message="Open a link made with `handoff reports open-link`."), 401  # fmt: skip
    return None


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
    session.clear()
    session["reports_who"] = who
    session["reports_until"] = (now() + SESSION_TTL).isoformat()
    return redirect(url_for("reports.panel"))


@bp.get("/")
def index() -> BaseResponse:
    """Send leads to the panel."""
    return redirect(url_for("reports.panel"))


def _common(view: str, week: str | None) -> dict[str, Any]:
    config = product_config()
    built = panel_mod.build(get_session(), config, now=now(), view=view, end_week=week)
    return {"p": built, "config": config, "view": view, "week": week, "fig": built.find,
            "who": session.get("reports_who"), "views": VIEWS, "drillable": drilldown.RULES,
            **views_support.extras(built, config.threshold("context_loss_rate"))}  # fmt: skip


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
