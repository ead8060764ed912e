"""Ticket import (single and bulk jobs) and the incremental exports the sync reads."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from sandbox.core import (
    ACCOUNT_ID,
    SandboxError,
    iso,
    locked,
    not_found,
)
from sandbox.http import (
    base,
    body_of,
    decode_cursor,
    encode_cursor,
    epoch_arg,
    int_arg,
    route,
    state,
)

bp = Blueprint("sandbox_exports", __name__)


class ImportsMixin:
    """Bulk import jobs."""

    @locked
    def import_many(self, tickets: list[Mapping[str, Any]]) -> dict[str, Any]:
        """Import tickets now; return a queued job status whose next read says completed."""
        if len(tickets) > 100:
            raise SandboxError(
                400,
                {
                    "error": "TooManyValues",
                    "description": "Parameter  cannot specify more than 100 values",
                    "max_count": 100,
                },
            )
        results: list[dict[str, Any]] = []
        for index, body in enumerate(tickets):
            try:
                t, _ = self.create_ticket(body, importing=True)
                results.append({"index": index, "id": t["id"], "account_id": ACCOUNT_ID})
            except SandboxError as exc:
                results.append(
                    {
                        "index": index,
                        "error": exc.body.get("error"),
                        "details": exc.body.get("description"),
                    }
                )
        job_id = "V3-" + secrets.token_hex(16)
        self.jobs[job_id] = {
            "id": job_id,
            "total": len(tickets),
            "results": results,
            "reads": 0,
        }
        return self.jobs[job_id]

    def render_job(self, job: dict[str, Any], base: str, *, first: bool = False) -> dict[str, Any]:
        """Render a job status: queued when created, completed on every later read."""
        done = not first
        return {
            "id": job["id"],
            "url": f"{base}/api/v2/job_statuses/{job['id']}.json",
            "total": job["total"],
            "progress": job["total"] if done else None,
            "status": "completed" if done else "queued",
            "message": f"Completed at {iso(self.now())}" if done else None,
            "results": job["results"] if done else None,
        }


@route(bp, "/api/v2/imports/tickets", ["POST"])
def import_ticket() -> tuple[Response, int]:
    st = state()
    t, _ = st.create_ticket(body_of("ticket"), importing=True)
    return jsonify({"ticket": st.render_ticket(t, base())}), 201


@route(bp, "/api/v2/imports/tickets/create_many", ["POST"])
def import_many() -> Response:
    st = state()
    data = request.get_json(silent=True) or {}
    tickets = data.get("tickets")
    if not isinstance(tickets, list):
        raise SandboxError(400, {"error": "InvalidEndpoint", "description": "tickets required"})
    job = st.import_many(tickets)
    return jsonify({"job_status": st.render_job(job, base(), first=True)})


@route(bp, "/api/v2/job_statuses/<job_id>")
def job_status(job_id: str) -> Response:
    st = state()
    job = st.jobs.get(job_id)
    if job is None:
        raise not_found()
    return jsonify({"job_status": st.render_job(job, base())})


@route(bp, "/api/v2/incremental/tickets/cursor")
def export_tickets() -> Response:
    st = state()
    per_page = min(int_arg(request.args.get("per_page"), "per_page", 1000), 1000)
    cursor = request.args.get("cursor")
    order = sorted(st.tickets.values(), key=lambda t: (t["updated_at"], t["id"]))
    if cursor:
        position = decode_cursor(cursor)
        key = (float(position["ts"]), int(position["id"]))
        rows = [t for t in order if (t["updated_at"].timestamp(), t["id"]) > key]
    elif request.args.get("start_time") is not None:
        since = epoch_arg(request.args["start_time"], "start_time")
        rows = [t for t in order if t["updated_at"] >= since]
    else:
        raise SandboxError(
            400, {"error": "InvalidValue", "description": "start_time or cursor required"}
        )
    page = rows[:per_page]
    items = [st.render_ticket(t, base()) for t in page]
    if "comment_count" in set((request.args.get("include") or "").split(",")):
        # Side-load "comment_count" (Zendesk developer docs, "Side-loading related records",
        # https://developer.zendesk.com/documentation/ticketing/using-the-zendesk-api/side_loading/,
        # Tickets): each ticket gains its number of comments, public and private.
        for item, t in zip(items, page, strict=True):
            item["comment_count"] = len(st.comments.get(t["id"], []))
    last = page[-1] if page else None
    after = (
        encode_cursor({"ts": last["updated_at"].timestamp(), "id": last["id"]})
        if last
        else (cursor or encode_cursor({"ts": 0, "id": 0}))
    )
    args = {"cursor": after}
    if request.args.get("per_page"):
        args["per_page"] = str(per_page)
    if request.args.get("include"):
        args["include"] = request.args["include"]
    body: dict[str, Any] = {
        "tickets": items,
        "after_url": f"{base()}{request.path}?{urlencode(args)}",
        "before_url": None,
        "after_cursor": after,
        "before_cursor": None,
        "end_of_stream": len(rows) <= per_page,
    }
    # Side-loads (Zendesk API reference, "Side-loading", Tickets: users, metric_sets...): the
    # export carries metric sets of archived tickets too, and none for imported tickets.
    include = set((request.args.get("include") or "").split(","))
    if "metric_sets" in include:
        body["metric_sets"] = [st.render_metric(t, base()) for t in page if st.has_metrics(t)]
    if "users" in include:
        wanted = {t[k] for t in page for k in ("requester_id", "submitter_id", "assignee_id")}
        body["users"] = [st.render_user(st.users[u], base()) for u in sorted(wanted - {None})]
    return jsonify(body)


@route(bp, "/api/v2/incremental/ticket_events")
def export_ticket_events() -> Response:
    st = state()
    since = epoch_arg(request.args.get("start_time"), "start_time")
    per_page = min(int_arg(request.args.get("per_page"), "per_page", 1000), 1000)
    with_comments = "comment_events" in (request.args.get("include") or "").split(",")
    rows = sorted(
        (a for a in st.audits if a["created_at"] >= since),
        key=lambda a: (a["created_at"], a["id"]),
    )
    page = rows[:per_page]
    events = [_ticket_event(st, a, with_comments) for a in page]
    end_time = int(page[-1]["created_at"].timestamp()) if page else int(since.timestamp())
    args = {"start_time": str(end_time)}
    if request.args.get("include"):
        args["include"] = request.args["include"]
    return jsonify(
        {
            "ticket_events": events,
            "next_page": f"{base()}{request.path}?{urlencode(args)}",
            "previous_page": None,
            "count": len(events),
            "end_of_stream": len(rows) <= per_page,
            "end_time": end_time,
        }
    )


def _ticket_event(st: Any, audit: Mapping[str, Any], with_comments: bool) -> dict[str, Any]:
    """Render one audit as an incremental ticket event (comments only if sideloaded)."""
    children: list[dict[str, Any]] = []
    comment = next((e for e in audit["events"] if e["type"] == "Comment"), None)
    for e in audit["events"]:
        if e["type"] == "Comment":
            if not with_comments:
                continue
            child = {
                **e,
                "via": {"channel": audit["channel"], "source": {"from": {}, "to": {}, "rel": None}},
                "via_reference_id": None,
                "created_at": iso(audit["created_at"]),
                "event_type": "Comment",
            }
        else:
            child = {
                "id": e["id"],
                "via": audit["channel"].capitalize() if audit["channel"] != "api" else "API",
                "via_reference_id": None,
                "event_type": e["type"],
                e["field_name"]: e["value"],
                "field_name": e["field_name"],
            }
            if "previous_value" in e:
                child["previous_value"] = e["previous_value"]
        children.append(child)
    event: dict[str, Any] = {
        "id": audit["id"],
        "ticket_id": audit["ticket_id"],
        "timestamp": int(audit["created_at"].timestamp()),
        "created_at": iso(audit["created_at"]),
        "updater_id": audit["author_id"],
        "via": "API" if audit["channel"] == "api" else audit["channel"].capitalize(),
        "system": {"client": "sandbox", "location": None, "latitude": None, "longitude": None},
        "event_type": "Audit",
        "merged_ticket_ids": [],
        "child_events": children,
    }
    if not with_comments:
        event["comment_present"] = comment is not None
        event["comment_public"] = bool(comment and comment["public"])
    return event
