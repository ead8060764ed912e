"""Report exports: every panel table as JSON or CSV, with the spec's figure ids (scope reports:read)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from handoff.errors import NotFound, ValidationFailed
from handoff.metrics import actions, drilldown, export
from handoff.metrics import panel as panel_mod
from handoff.weeks import WEEK_PATTERN, is_week
from helpdesk_app.api import bp
from helpdesk_app.api.openapi import error_responses, json_content
from helpdesk_app.auth import require_token
from helpdesk_app.db import get_session, now
from helpdesk_app.reports import product_config

VIEWS = ("weekly", "monthly", "quarterly")


def _args() -> tuple[str, str | None, str]:
    """Read ?view=, ?week= and ?format=, refusing anything else with its path."""
    view, week, fmt = (
        request.args.get("view", "weekly"),
        request.args.get("week"),
        request.args.get("format", "json"),
    )
    problems = []
    if view not in VIEWS:
        problems.append({"path": "$.view", "message": f"one of {', '.join(VIEWS)}"})
    if week is not None and not is_week(week):
        problems.append({"path": "$.week", "message": "an ISO week like 2026-W05"})
    if fmt not in ("json", "csv"):
        problems.append({"path": "$.format", "message": "json or csv"})
    if problems:
        raise ValidationFailed("invalid query parameters", details=problems)
    return view, week, fmt


def _rows(rows: list[dict[str, Any]], fmt: str, name: str) -> Response:
    if fmt == "csv":
        return Response(export.to_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})  # fmt: skip
    return jsonify({"rows": rows})


@bp.get("/reports/panel")
@require_token("reports:read")
def report_panel() -> Response:
    """Return the whole panel as one JSON document."""
    view, week, _ = _args()
    built = panel_mod.build(get_session(), product_config(), now=now(), view=view, end_week=week)
    return jsonify(built.as_dict())


@bp.get("/reports/tables/<name>")
@require_token("reports:read")
def report_table(name: str) -> Response:
    """Return one panel table as JSON rows or CSV."""
    if name not in export.TABLES:
        raise NotFound(f"no table {name!r}; tables: {', '.join(export.TABLES)}")
    view, week, fmt = _args()
    session = get_session()
    built = panel_mod.build(session, product_config(), now=now(), view=view, end_week=week)
    rows = export.tables(built, actions.list_actions(session, actions.OPEN))[name]
    return _rows(rows, fmt, name)


@bp.get("/reports/drill/<figure_id>")
@require_token("reports:read")
def report_drill(figure_id: str) -> Response:
    """Return the contacts behind one figure for one slice."""
    view, week, fmt = _args()
    config, session = product_config(), get_session()
    ctx = panel_mod.context(session, config, now=now(), view=view, end_week=week)
    found = drilldown.drill(
        session,
        config,
        ctx,
        figure_id,
        request.args.get("scope", "all"),
        request.args.get("key", ""),
    )
    return (
        _rows(found.as_dict()["contacts"], fmt, figure_id)
        if fmt == "csv"
        else jsonify(found.as_dict())
    )


_QUERY = [
    {"name": "view", "in": "query", "schema": {"enum": list(VIEWS), "default": "weekly"}},
    {"name": "week", "in": "query", "schema": {"type": "string", "pattern": WEEK_PATTERN},
     "description": "last ISO week of the view (default: the last complete week)"},
    {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"], "default": "json"}},
]  # fmt: skip
_ROWS = {
    "type": "object",
    "required": ["rows"],
    "properties": {"rows": {"type": "array", "items": {"type": "object"}}},
}
_CSV = {"text/csv": {"schema": {"type": "string"}}}
_SECURED: list[dict[str, list[str]]] = [{"bearer": []}]

OPENAPI_PATHS = {
    "/api/v1/reports/panel": {
        "get": {
            "operationId": "getReportPanel",
            "summary": "The whole panel: headline, every figure with counts and intervals, trends, notes",
            "security": _SECURED,
            "parameters": _QUERY,
            "responses": {
                "200": json_content({"type": "object"}, "The panel"),
                **error_responses(401, 403, 422),
            },
        }
    },
    "/api/v1/reports/tables/{name}": {
        "get": {
            "operationId": "getReportTable",
            "summary": "One panel table as JSON rows or CSV (figure ids as in the spec)",
            "security": _SECURED,
            "parameters": [
                {
                    "name": "name",
                    "in": "path",
                    "required": True,
                    "schema": {"enum": list(export.TABLES)},
                },
                *_QUERY,
            ],  # fmt: skip
            "responses": {
                "200": {
                    "description": "The rows",
                    "content": {"application/json": {"schema": _ROWS}, **_CSV},
                },
                **error_responses(401, 403, 404, 422),
            },
        }
    },
    "/api/v1/reports/drill/{figure_id}": {
        "get": {
            "operationId": "getReportDrill",
            "summary": "The contacts (tickets) behind one figure and slice",
            "security": _SECURED,
            "parameters": [
                {"name": "figure_id", "in": "path", "required": True, "schema": {"type": "string"}},
                {
                    "name": "scope",
                    "in": "query",
                    "schema": {"enum": list(drilldown.SCOPES), "default": "all"},
                },
                {"name": "key", "in": "query", "schema": {"type": "string", "default": ""}},
                *_QUERY,
            ],
            "responses": {
                "200": {
                    "description": "The contacts",
                    "content": {"application/json": {"schema": {"type": "object"}}, **_CSV},
                },  # fmt: skip
                **error_responses(401, 403, 404, 422),
            },
        }
    },
}
