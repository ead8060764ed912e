"""Satisfaction ratings and ticket metrics."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox.core import (
    invalid,
    iso,
    locked,
    not_found,
    parse_time,
)
from sandbox.http import (
    base,
    body_of,
    cursor_page,
    epoch_arg,
    route,
    state,
)

bp = Blueprint("sandbox_ratings", __name__)


class RatingsMixin:
    """Ratings per ticket and metrics computed from a ticket's history."""

    def has_metrics(self, t: Mapping[str, Any]) -> bool:
        """Return False for an imported ticket: imported tickets have no metrics or SLAs.

        Source: Zendesk API reference, Ticket Import ("Imported tickets ... do not have ticket
        metrics"); the ticket's metrics read answers 404 and the listing leaves it out.
        """
        return not t.get("imported")

    def archived(self, t: Mapping[str, Any]) -> bool:
        """Return True for a ticket closed more than 120 days ago, which Zendesk archives.

        Source: Zendesk help, "About ticket archiving"; the ticket metrics listing (List Ticket
        Metrics) does not return archived tickets, the incremental export does.
        """
        return t["status"] == "closed" and self.now() - t["updated_at"] > timedelta(days=120)

    @locked
    def rate_ticket(
        self,
        ticket_id: int,
        score: str,
        comment: str | None = None,
        *,
        created_at: datetime | None = None,
        force: bool = False,
    ) -> dict[str, Any]:
        """Rate a ticket as its requester would (it must be solved unless ``force``)."""
        t = self.ticket(ticket_id)
        if score not in ("good", "bad", "offered", "unoffered"):
            raise invalid("score", f"Score: {score} is not valid")
        if not force and score not in ("good", "bad"):
            raise invalid("score", f"Score: {score} is not valid")
        if not force and t["solved_at"] is None:
            raise invalid("ticket", "Ticket: must be solved to be rated")
        moment = created_at or self.now()
        existing = next((r for r in self.ratings.values() if r["ticket_id"] == ticket_id), None)
        if existing is None:
            rid = self._next_id()
            existing = self.ratings[rid] = {
                "id": rid,
                "ticket_id": ticket_id,
                "created_at": moment,
            }
        existing.update(
            {
                "score": score,
                "comment": comment,
                "assignee_id": t["assignee_id"],
                "group_id": t["group_id"],
                "requester_id": t["requester_id"],
                "updated_at": moment,
            }
        )
        # A rating is an update of its ticket (an audit with a SatisfactionRating event), so
        # the ticket export brings the rated ticket again. Source: Zendesk help, "Understanding
        # CSAT ratings" / API reference, Satisfaction Ratings,
        # https://developer.zendesk.com/api-reference/ticketing/ticket-management/satisfaction_ratings/
        t["updated_at"] = max(t["updated_at"], moment)
        t["satisfaction_rating"] = {
            "score": score,
            "id": existing["id"],
            "comment": comment,
            "reason": "No reason provided",
            "reason_id": 0,
        }
        return existing

    def render_rating(self, r: Mapping[str, Any], base: str) -> dict[str, Any]:
        """Render a satisfaction rating as Zendesk answers it: the docs list ``reason_code`` but
        real answers never carry it (checked against Zendesk's recorded responses)."""
        return {
            "url": f"{base}/api/v2/satisfaction_ratings/{r['id']}.json",
            "id": r["id"],
            "assignee_id": r["assignee_id"],
            "group_id": r["group_id"],
            "requester_id": r["requester_id"],
            "ticket_id": r["ticket_id"],
            "score": r["score"],
            "comment": r["comment"],
            "reason": "No reason provided",
            "reason_id": 0,
            "created_at": iso(r["created_at"]),
            "updated_at": iso(r["updated_at"]),
        }

    def render_metric(self, t: Mapping[str, Any], base: str) -> dict[str, Any]:
        """Compute and render a ticket's metrics from its comments and status history."""

        def minutes(start: datetime | None, end: datetime | None) -> dict[str, int | None]:
            if start is None or end is None:
                return {"calendar": None, "business": None}
            value = int((end - start).total_seconds() // 60)
            return {"calendar": value, "business": value}  # no business-hours schedule here

        comments = self.comments.get(t["id"], [])
        staff_replies = [
            c
            for c in comments[1:]
            if c["public"] and self.users.get(c["author_id"], {}).get("role") != "end-user"
        ]
        first_reply = staff_replies[0]["created_at"] if staff_replies else None
        solves = [m for m, s in t["status_history"] if s == "solved"]
        on_hold = 0
        history = t["status_history"]
        for (start, status), (end, _) in zip(history, history[1:], strict=False):
            if status == "hold":
                on_hold += int((end - start).total_seconds() // 60)
        return {
            "url": f"{base}/api/v2/ticket_metrics/{t['id'] + 900000}.json",
            "id": t["id"] + 900000,
            "ticket_id": t["id"],
            "created_at": iso(t["created_at"]),
            "updated_at": iso(t["updated_at"]),
            "group_stations": 1 if t["group_id"] else 0,
            "assignee_stations": 1 if t["assignee_id"] else 0,
            "reopens": t["reopens"],
            "replies": len(staff_replies),
            "assignee_updated_at": None,
            "requester_updated_at": iso(t["created_at"]),
            "status_updated_at": iso(history[-1][0]),
            "initially_assigned_at": None,
            "assigned_at": None,
            "solved_at": iso(t["solved_at"]),
            "latest_comment_added_at": iso(comments[-1]["created_at"]) if comments else None,
            "custom_status_updated_at": iso(history[-1][0]),
            "reply_time_in_minutes": minutes(t["created_at"], first_reply),
            "reply_time_in_seconds": {
                "calendar": int((first_reply - t["created_at"]).total_seconds())
                if first_reply
                else None
            },
            "first_resolution_time_in_minutes": minutes(
                t["created_at"], solves[0] if solves else None
            ),
            "full_resolution_time_in_minutes": minutes(t["created_at"], t["solved_at"]),
            "agent_wait_time_in_minutes": {"calendar": None, "business": None},
            "requester_wait_time_in_minutes": {"calendar": None, "business": None},
            "on_hold_time_in_minutes": {"calendar": on_hold, "business": on_hold},
        }


@route(bp, "/api/v2/tickets/<int:ticket_id>/metrics")
def ticket_metric(ticket_id: int) -> Response:
    st = state()
    t = st.ticket(ticket_id)
    if not st.has_metrics(t):
        raise not_found()
    return jsonify({"ticket_metric": st.render_metric(t, base())})


@route(bp, "/api/v2/ticket_metrics")
def ticket_metrics() -> Response:
    st = state()
    # The listing leaves out archived tickets (and imported ones have no metrics at all).
    items = [
        st.render_metric(t, base())
        for t in st.tickets.values()
        if st.has_metrics(t) and not st.archived(t)
    ]
    return jsonify(cursor_page("ticket_metrics", items))


@route(bp, "/api/v2/ticket_metrics/<int:metric_id>")
def ticket_metric_by_id(metric_id: int) -> Response:
    st = state()
    for t in st.tickets.values():
        if (t["id"] + 900000 == metric_id or t["id"] == metric_id) and st.has_metrics(t):
            return jsonify({"ticket_metric": st.render_metric(t, base())})
    raise not_found()


@route(bp, "/api/v2/tickets/<int:ticket_id>/satisfaction_rating", ["POST"])
def rate(ticket_id: int) -> tuple[Response, int]:
    st = state()
    body = body_of("satisfaction_rating")
    r = st.rate_ticket(ticket_id, str(body.get("score")), body.get("comment"))
    return jsonify({"satisfaction_rating": st.render_rating(r, base())}), 201


@route(bp, "/api/v2/satisfaction_ratings")
def ratings() -> Response:
    st = state()
    start = request.args.get("start_time")
    end = request.args.get("end_time")
    score = request.args.get("score")
    rows = sorted(st.ratings.values(), key=lambda r: (r["created_at"], r["id"]))
    if start:
        rows = [r for r in rows if r["created_at"] >= epoch_arg(start, "start_time")]
    if end:
        rows = [r for r in rows if r["created_at"] <= epoch_arg(end, "end_time")]
    if score and score != "received":
        rows = [r for r in rows if r["score"] == score]
    elif score == "received":
        rows = [r for r in rows if r["score"] in ("good", "bad")]
    items = [st.render_rating(r, base()) for r in rows]
    return jsonify(cursor_page("satisfaction_ratings", items))


@bp.post("/_sandbox/tickets/<int:ticket_id>/rating")
def control_rating(ticket_id: int) -> tuple[Response, int]:
    st = state()
    data = request.get_json(silent=True) or {}
    created = parse_time(data["created_at"], "created_at") if data.get("created_at") else None
    r = st.rate_ticket(ticket_id, data.get("score", "good"), data.get("comment"),
                       created_at=created, force=True)  # fmt: skip
    with st.lock:
        return jsonify({"satisfaction_rating": st.render_rating(r, base())}), 201
