"""Tickets, comments, audits and tags: the records the product writes to."""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox.core import (
    BRAND_ID,
    CUSTOM_STATUS_IDS,
    PRIORITIES,
    TICKET_FORM_ID,
    TICKET_STATUSES,
    TICKET_TYPES,
    SandboxError,
    html_of,
    invalid,
    iso,
    locked,
    metadata,
    normalize_tags,
    not_found,
    parse_time,
    via_of,
)
from sandbox.http import (
    base,
    body_of,
    cursor_page,
    ids_arg,
    route,
    state,
)

bp = Blueprint("sandbox_tickets", __name__)


class TicketsMixin:
    """Tickets with their comments and audits."""

    @locked
    def ticket(self, ticket_id: int) -> dict[str, Any]:
        """Return a ticket record or raise 404."""
        if ticket_id not in self.tickets:
            raise not_found()
        return self.tickets[ticket_id]

    def _apply_custom_fields(
        self, t: dict[str, Any], raw: Any, events: list[dict[str, Any]], creating: bool
    ) -> None:
        if raw is None:
            return
        if isinstance(raw, dict):  # Zendesk also accepts {"id": value}
            raw = [{"id": k, "value": v} for k, v in raw.items()]
        if not isinstance(raw, list):
            raise invalid("custom_fields", "Custom fields: must be a list")
        for item in raw:
            try:
                fid = int(item["id"])
            except (KeyError, TypeError, ValueError):
                raise invalid("custom_fields", "Custom fields: each needs an id") from None
            spec = self.ticket_fields.get(fid)
            if spec is None or spec["system"]:
                continue  # Zendesk ignores ids that are not custom fields of the account
            value = item.get("value")
            if spec["type"] == "tagger" and value not in (None, ""):
                if value not in {o["value"] for o in spec["options"]}:
                    raise invalid(str(fid), f"{spec['title']}: {value} is not a valid option")
            if spec["type"] == "checkbox":
                value = bool(value)
            previous = t["custom_fields"].get(fid)
            if previous == value:
                continue
            t["custom_fields"][fid] = value
            self._sync_field_tags(t, spec, previous, value)
            events.append(
                {
                    "type": "Create" if creating else "Change",
                    "field_name": str(fid),
                    "value": value,
                    **({} if creating else {"previous_value": previous}),
                }
            )

    def _sync_field_tags(
        self, t: dict[str, Any], spec: Mapping[str, Any], previous: Any, value: Any
    ) -> None:
        # Zendesk mirrors checkbox and dropdown values into the ticket's tags.
        if spec["type"] == "checkbox" and spec["tag"]:
            if value and spec["tag"] not in t["tags"]:
                t["tags"].append(spec["tag"])
            if not value and spec["tag"] in t["tags"]:
                t["tags"].remove(spec["tag"])
        if spec["type"] == "tagger":
            if previous and previous in t["tags"]:
                t["tags"].remove(previous)
            if value and value not in t["tags"]:
                t["tags"].append(value)

    def _add_comment(
        self,
        t: dict[str, Any],
        raw: Any,
        audit_id: int,
        default_author: int,
        moment: datetime,
        channel: str,
    ) -> dict[str, Any]:
        if isinstance(raw, str):
            raw = {"body": raw}
        if not isinstance(raw, dict):
            raise invalid("comment", "Comment: must be an object")
        body = raw.get("body") or raw.get("value")
        html_body = raw.get("html_body")
        if not body and not html_body:
            raise invalid("description", "Description: cannot be blank", "BlankValue")
        author = int(raw.get("author_id") or default_author)
        if author not in self.users:
            raise invalid("author_id", "Author: is not a valid user")
        created = parse_time(raw["created_at"], "created_at") if raw.get("created_at") else moment
        text = body or html.unescape(html_body or "")
        comment = {
            "id": self._next_id(),
            "type": "Comment",
            "author_id": author,
            "body": text,
            "html_body": html_body or html_of(text),
            "plain_body": text,
            "public": bool(raw.get("public", True)),
            "attachments": [],
            "audit_id": audit_id,
            "channel": channel,
            "created_at": created,
        }
        self.comments.setdefault(t["id"], []).append(comment)
        return comment

    def _comment_event(self, c: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "id": c["id"],
            "type": "Comment",
            "author_id": c["author_id"],
            "body": c["body"],
            "html_body": c["html_body"],
            "plain_body": c["plain_body"],
            "public": c["public"],
            "attachments": [],
            "audit_id": c["audit_id"],
        }

    def _new_audit(
        self,
        t: Mapping[str, Any],
        author: int,
        moment: datetime,
        events: list[dict[str, Any]],
        channel: str = "api",
    ) -> dict[str, Any]:
        audit = {
            "id": self._next_id(),
            "ticket_id": t["id"],
            "created_at": moment,
            "author_id": author,
            "events": [],
            "channel": channel,
        }
        for e in events:
            e.setdefault("id", self._next_id())
            if e["type"] == "Comment":
                e["audit_id"] = audit["id"]
            audit["events"].append(e)
        self.audits.append(audit)
        return audit

    def _validate_enum(self, name: str, value: Any, allowed: tuple[Any, ...]) -> None:
        if value not in allowed:
            raise invalid(name, f"{name.capitalize()}: {value} is not valid")

    @locked
    def create_ticket(
        self, body: Mapping[str, Any], *, channel: str = "api", importing: bool = False
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Create a ticket from a ``ticket`` request object; return it and its audit."""
        moment = self.now()
        if importing and body.get("created_at"):
            moment = parse_time(body["created_at"], "created_at")
        if body.get("requester_id") is not None:
            requester = int(body["requester_id"])
            if requester not in self.users:
                raise invalid("requester_id", "Requester: is not a valid user")
        elif body.get("requester"):
            requester = self.find_or_create_requester(body["requester"])
        else:
            requester = self.api_user_id
        submitter = int(body.get("submitter_id") or self.api_user_id)
        status = body.get("status") or ("open" if body.get("assignee_id") else "new")
        self._validate_enum("status", status, TICKET_STATUSES)
        self._validate_enum("priority", body.get("priority"), PRIORITIES)
        self._validate_enum("type", body.get("type"), TICKET_TYPES)
        raw_comments: list[Any]
        if importing:
            raw_comments = list(body.get("comments") or [])
            if body.get("description") and not raw_comments:
                raw_comments = [{"body": body["description"], "author_id": requester}]
        else:
            first = body.get("comment") or (
                {"body": body["description"]} if body.get("description") else None
            )
            if first is None:
                raise invalid("description", "Description: cannot be blank", "BlankValue")
            raw_comments = [first]
        if not raw_comments:
            raise invalid("comments", "Comments: cannot be blank", "BlankValue")
        tags = normalize_tags(body.get("tags"))
        tid = self._next_ticket
        t: dict[str, Any] = {
            "id": tid,
            "subject": body.get("subject"),
            "description": None,
            "status": status,
            "priority": body.get("priority"),
            "type": body.get("type"),
            "requester_id": requester,
            "submitter_id": submitter,
            "assignee_id": body.get("assignee_id"),
            "organization_id": self.users[requester]["organization_id"],
            "group_id": body.get("group_id"),
            "external_id": body.get("external_id"),
            "tags": tags,
            "custom_fields": {f["id"]: None for f in self._custom_fields()},
            "created_at": moment,
            "updated_at": moment,
            "channel": channel,
            "is_public": True,
            "satisfaction_rating": None,
            "solved_at": None,
            "reopens": 0,
            "status_history": [(moment, status)],
            "imported": importing,
        }
        events: list[dict[str, Any]] = []
        self._apply_custom_fields(t, body.get("custom_fields"), events, creating=True)
        audit_id = self._next_id()
        comments = [
            self._add_comment(t, c, audit_id, submitter, moment, channel) for c in raw_comments
        ]
        t["description"] = comments[0]["body"]
        t["is_public"] = comments[0]["public"]
        if status in ("solved", "closed"):
            solved = body.get("solved_at")
            t["solved_at"] = parse_time(solved, "solved_at") if solved else moment
            if t["solved_at"] > moment:
                # An imported history: it was open from creation until it was solved.
                t["status_history"] = [(moment, "new"), (t["solved_at"], status)]
        if importing and body.get("updated_at"):
            t["updated_at"] = parse_time(body["updated_at"], "updated_at")
        elif importing:
            t["updated_at"] = max([moment, *(c["created_at"] for c in comments)])
        self._next_ticket += 1
        self.tickets[tid] = t
        create_events = [self._comment_event(c) for c in comments[:1]]
        for name in ("subject", "requester_id", "status", "priority", "type"):
            value = t[name]
            create_events.append(
                {
                    "type": "Create",
                    "field_name": name,
                    "value": str(value) if isinstance(value, int) else value,
                }
            )
        t["tags"] = sorted(set(t["tags"]))
        if t["tags"]:
            create_events.append({"type": "Create", "field_name": "tags", "value": t["tags"]})
        create_events.extend(events)
        audit = self._new_audit(t, submitter, moment, create_events, channel)
        # Each further imported comment is its own audit, as Zendesk's importer records them.
        for c in comments:
            c["audit_id"] = audit["id"] if c is comments[0] else c["audit_id"]
        for c in comments[1:]:
            extra = self._new_audit(t, c["author_id"], c["created_at"], [], channel)
            c["audit_id"] = extra["id"]
            extra["events"].append({"id": c["id"], **self._comment_event(c)})
        if not importing:
            self._emit(t, "zen:event-type:ticket.created", {})
            self._emit_for_events(t, create_events[:1])
        return t, (None if importing else audit)

    @locked
    def update_ticket(
        self, ticket_id: int, body: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Apply a ticket update (comment, tags, custom fields, status...); return ticket and audit."""
        t = self.ticket(ticket_id)
        if t["status"] == "closed":
            raise invalid("status", "Status: closed prevents ticket update", "ClosedTicket")
        self._check_safe_update(t, body)
        moment = self.now()
        events: list[dict[str, Any]] = []
        author = self.api_user_id
        audit_id = self._next_id()
        if body.get("comment") is not None:
            raw = body["comment"]
            author = int((raw.get("author_id") if isinstance(raw, dict) else None) or author)
            c = self._add_comment(t, raw, audit_id, author, moment, "api")
            events.append(self._comment_event(c))
        for name in ("subject", "priority", "type", "assignee_id", "group_id", "external_id"):
            if name in body and body[name] != t[name]:
                if name == "priority":
                    self._validate_enum("priority", body[name], PRIORITIES)
                if name == "type":
                    self._validate_enum("type", body[name], TICKET_TYPES)
                events.append(
                    {
                        "type": "Change",
                        "field_name": name,
                        "value": body[name],
                        "previous_value": t[name],
                    }
                )
                t[name] = body[name]
        previous_tags = list(t["tags"])
        if "tags" in body:
            t["tags"] = normalize_tags(body["tags"])
        # ``additional_tags``/``remove_tags`` are documented for bulk updates (update_many) only;
        # a single-ticket update ignores them and ``tags`` replaces the whole list. Source: Zendesk
        # API reference, Tickets, "Update Ticket" vs "Update Many Tickets"; Tags, "Add Tags".
        self._apply_custom_fields(t, body.get("custom_fields"), events, creating=False)
        if "status" in body and body["status"] != t["status"]:
            self._validate_enum("status", body["status"], TICKET_STATUSES)
            self._change_status(t, body["status"], moment, events)
        t["tags"] = sorted(set(t["tags"]))
        if t["tags"] != previous_tags:
            events.append(
                {
                    "type": "Change",
                    "field_name": "tags",
                    "value": list(t["tags"]),
                    "previous_value": previous_tags,
                }
            )
        t["updated_at"] = moment
        audit = self._new_audit(t, author, moment, events)
        if events and events[0]["type"] == "Comment":
            self.comments[t["id"]][-1]["audit_id"] = audit["id"]
        self._emit_for_events(t, events)
        if events:
            self._fire_triggers(t, author)
        return t, audit

    def _check_safe_update(self, t: Mapping[str, Any], body: Mapping[str, Any]) -> None:
        """Refuse a safe update whose ``updated_stamp`` is not the ticket's ``updated_at`` (409).

        Source: Zendesk API reference, Tickets, Update Ticket, "Protecting against ticket update
        collisions": with ``safe_update`` true and ``updated_stamp`` (the ``updated_at`` the
        client read), an update to a ticket changed since then fails with 409 ``UpdateConflict``.
        Stamps are compared at the second, as ``updated_at`` is published.
        """
        if body.get("safe_update") not in (True, "true") or body.get("updated_stamp") is None:
            return
        stamp = parse_time(body["updated_stamp"], "updated_stamp")
        if stamp != t["updated_at"].replace(microsecond=0):
            raise SandboxError(
                409,
                {
                    "error": "UpdateConflict",
                    "description": "Safe Update prevented the update due to outdated ticket data. "
                    "Please refresh the ticket data and try again.",
                },
            )

    def _change_status(
        self, t: dict[str, Any], status: str, moment: datetime, events: list[dict[str, Any]]
    ) -> None:
        previous = t["status"]
        if previous in ("solved",) and status not in ("solved", "closed"):
            t["reopens"] += 1
        if status in ("solved", "closed") and t["solved_at"] is None:
            t["solved_at"] = moment
        if status not in ("solved", "closed"):
            t["solved_at"] = None
        t["status"] = status
        t["status_history"].append((moment, status))
        events.append(
            {"type": "Change", "field_name": "status", "value": status, "previous_value": previous}
        )

    @locked
    def change_tags(self, ticket_id: int, tags: list[str], mode: str) -> list[str]:
        """Set (``set``), add (``add``) or remove (``remove``) tags; return the ticket's tags."""
        # The tags endpoint (PUT adds, POST sets, DELETE removes) changes only the tags named.
        current = list(self.ticket(ticket_id)["tags"])
        if mode == "set":
            wanted = tags
        elif mode == "add":
            wanted = current + [tag for tag in tags if tag not in current]
        else:
            wanted = [tag for tag in current if tag not in tags]
        t, _ = self.update_ticket(ticket_id, {"tags": wanted})
        return list(t["tags"])

    def render_ticket(self, t: Mapping[str, Any], base: str) -> dict[str, Any]:
        """Render a ticket with every key Zendesk returns."""
        fields = [{"id": fid, "value": value} for fid, value in t["custom_fields"].items()]
        return {
            "url": f"{base}/api/v2/tickets/{t['id']}.json",
            "id": t["id"],
            "external_id": t["external_id"],
            "via": via_of(t["channel"]),
            "created_at": iso(t["created_at"]),
            "updated_at": iso(t["updated_at"]),
            "generated_timestamp": int(t["updated_at"].timestamp()),
            "type": t["type"],
            "subject": t["subject"],
            "raw_subject": t["subject"],
            "description": t["description"],
            "priority": t["priority"],
            "status": t["status"],
            "recipient": None,
            "requester_id": t["requester_id"],
            "submitter_id": t["submitter_id"],
            "assignee_id": t["assignee_id"],
            "organization_id": t["organization_id"],
            "group_id": t["group_id"],
            "collaborator_ids": [],
            "follower_ids": [],
            "email_cc_ids": [],
            "forum_topic_id": None,
            "problem_id": None,
            "has_incidents": False,
            "is_public": t["is_public"],
            "due_at": None,
            "tags": list(t["tags"]),
            "custom_fields": fields,
            "satisfaction_rating": t["satisfaction_rating"],
            "sharing_agreement_ids": [],
            "custom_status_id": CUSTOM_STATUS_IDS[t["status"]],
            "fields": [dict(f) for f in fields],
            "followup_ids": [],
            "ticket_form_id": TICKET_FORM_ID,
            "brand_id": BRAND_ID,
            "allow_channelback": False,
            "allow_attachments": True,
            "from_messaging_channel": False,
        }

    def render_comment(self, c: Mapping[str, Any]) -> dict[str, Any]:
        """Render a comment with every key Zendesk returns."""
        return {
            **self._comment_event(c),
            # Zendesk names the account's support address as the recipient of API comments.
            "via": {
                **via_of(c["channel"]),
                "source": {
                    "from": {},
                    "to": {"name": "Sandbox Support", "address": f"support@{self.subdomain}.test"},
                    "rel": None,
                },
            },
            "created_at": iso(c["created_at"]),
            "metadata": metadata(),
        }

    def render_audit(self, a: Mapping[str, Any]) -> dict[str, Any]:
        """Render an audit with its events."""
        return {
            "id": a["id"],
            "ticket_id": a["ticket_id"],
            "created_at": iso(a["created_at"]),
            "author_id": a["author_id"],
            "metadata": metadata(),
            "events": [dict(e) for e in a["events"]],
            "via": via_of(a["channel"]),
        }


@route(bp, "/api/v2/tickets", ["GET", "POST"])
def create_ticket() -> Response | tuple[Response, int]:
    st = state()
    if request.method == "GET":
        # List Tickets: ``external_id`` filters on the ticket's external id.
        external_id = request.args.get("external_id")
        found = [
            st.render_ticket(t, base())
            for t in st.tickets.values()
            if external_id is None or t["external_id"] == external_id
        ]
        return jsonify({"tickets": found, "next_page": None, "previous_page": None,
                        "count": len(found)})  # fmt: skip
    t, audit = st.create_ticket(body_of("ticket"))
    assert audit is not None
    payload = {"ticket": st.render_ticket(t, base()), "audit": st.render_audit(audit)}
    response = jsonify(payload)
    response.headers["Location"] = f"{base()}/api/v2/tickets/{t['id']}.json"
    return response, 201


@route(bp, "/api/v2/tickets/show_many")
def show_many_tickets() -> Response:
    st = state()
    ids = ids_arg(request.args.get("ids"))
    found = [st.render_ticket(st.tickets[i], base()) for i in ids if i in st.tickets]
    return jsonify({"tickets": found, "next_page": None, "previous_page": None,
                    "count": len(found)})  # fmt: skip


@route(bp, "/api/v2/tickets/<int:ticket_id>", ["GET", "PUT"])
def ticket(ticket_id: int) -> Response:
    st = state()
    if request.method == "PUT":
        t, audit = st.update_ticket(ticket_id, body_of("ticket"))
        return jsonify({"ticket": st.render_ticket(t, base()), "audit": st.render_audit(audit)})
    return jsonify({"ticket": st.render_ticket(st.ticket(ticket_id), base())})


@route(bp, "/api/v2/tickets/<int:ticket_id>/comments")
def comments(ticket_id: int) -> Response:
    st = state()
    st.ticket(ticket_id)
    items = [st.render_comment(c) for c in st.comments.get(ticket_id, [])]
    if request.args.get("sort_order") == "desc":
        items.reverse()
    return jsonify(cursor_page("comments", items))


@route(bp, "/api/v2/tickets/<int:ticket_id>/audits")
def audits(ticket_id: int) -> Response:
    st = state()
    st.ticket(ticket_id)
    items = [st.render_audit(a) for a in st.audits if a["ticket_id"] == ticket_id]
    return jsonify(cursor_page("audits", items))


@route(bp, "/api/v2/tickets/<int:ticket_id>/tags", ["GET", "PUT", "POST", "DELETE"])
def tags(ticket_id: int) -> Response:
    st = state()
    if request.method == "GET":
        return jsonify({"tags": list(st.ticket(ticket_id)["tags"])})
    data = request.get_json(silent=True) or {}
    raw = data.get("tags")
    if request.method == "DELETE" and request.args.get("tags"):
        # Remove Tags documents a comma-separated ``tags`` query parameter.
        raw = [t for t in request.args["tags"].split(",") if t]
    if not isinstance(raw, list):
        raise SandboxError(400, {"error": "InvalidEndpoint", "description": "tags required"})
    mode = {"PUT": "add", "POST": "set", "DELETE": "remove"}[request.method]
    return jsonify({"tags": st.change_tags(ticket_id, normalize_tags(raw), mode)})
