"""Ticket fields: the system fields and the account's custom ones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox.core import (
    FIELD_TYPES,
    invalid,
    iso,
    locked,
)
from sandbox.http import (
    base,
    body_of,
    route,
    state,
)

bp = Blueprint("sandbox_fields", __name__)


class FieldsMixin:
    """The ticket fields store and its Zendesk rendering."""

    def _seed_system_fields(self) -> None:
        for kind, title in (
            ("subject", "Subject"),
            ("description", "Description"),
            ("status", "Status"),
            ("tickettype", "Type"),
            ("priority", "Priority"),
            ("group", "Group"),
            ("assignee", "Assignee"),
        ):
            fid = self._next_id()
            self.ticket_fields[fid] = self._field_record(fid, kind, title, system=True)

    def _field_record(
        self,
        fid: int,
        kind: str,
        title: str,
        *,
        system: bool = False,
        tag: str | None = None,
        options: list[dict[str, Any]] | None = None,
        description: str | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        moment = self.now()
        return {
            "id": fid,
            "type": kind,
            "title": title,
            "description": description or title,
            "active": True,
            "required": False,
            "system": system,
            "tag": tag,
            "key": key,
            "options": options or [],
            "created_at": moment,
            "updated_at": moment,
            "position": len(self.ticket_fields) + 1 if system else 9999,
        }

    @locked
    def create_ticket_field(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Create a custom ticket field from a ``ticket_field`` request object."""
        kind = body.get("type")
        title = body.get("title")
        if not title:
            raise invalid("title", "Title: cannot be blank", "BlankValue")
        if kind not in FIELD_TYPES:
            raise invalid("type", f"Type: {kind} is not valid")
        raw_options = body.get("custom_field_options") or []
        if kind == "tagger" and not raw_options:
            raise invalid(
                "custom_field_options", "Field options: must have at least one option", "BlankValue"
            )
        options = []
        for opt in raw_options:
            if not opt.get("name") or not opt.get("value"):
                raise invalid("custom_field_options", "Field options: name and value required")
            options.append({"id": self._next_id(), "name": opt["name"], "value": opt["value"]})
        fid = self._next_id()
        tag = body.get("tag") if kind == "checkbox" else None
        self.ticket_fields[fid] = self._field_record(
            fid,
            kind,
            title,
            tag=tag,
            options=options,
            description=body.get("description"),
            key=body.get("key"),
        )
        return self.ticket_fields[fid]

    def render_ticket_field(self, f: Mapping[str, Any], base: str) -> dict[str, Any]:
        """Render a ticket field with every key Zendesk returns."""
        out: dict[str, Any] = {
            "url": f"{base}/api/v2/ticket_fields/{f['id']}.json",
            "id": f["id"],
            "type": f["type"],
            "title": f["title"],
            "raw_title": f["title"],
            "description": f["description"],
            "raw_description": f["description"],
            "position": f["position"],
            "active": f["active"],
            "required": f["required"],
            "collapsed_for_agents": False,
            "regexp_for_validation": None,
            "title_in_portal": f["title"],
            "raw_title_in_portal": f["title"],
            "visible_in_portal": False,
            "editable_in_portal": False,
            "required_in_portal": False,
            "tag": f["tag"],
            "created_at": iso(f["created_at"]),
            "updated_at": iso(f["updated_at"]),
            "removable": not f["system"],
            "key": f["key"],
            "agent_description": None,
        }
        if f["type"] == "tagger":
            out["custom_field_options"] = [
                {**o, "raw_name": o["name"], "default": False} for o in f["options"]
            ]
        return out

    def _custom_fields(self) -> list[dict[str, Any]]:
        return [f for f in self.ticket_fields.values() if not f["system"]]


@route(bp, "/api/v2/ticket_fields", ["GET", "POST"])
def ticket_fields() -> Response | tuple[Response, int]:
    st = state()
    if request.method == "POST":
        f = st.create_ticket_field(body_of("ticket_field"))
        return jsonify({"ticket_field": st.render_ticket_field(f, base())}), 201
    items = [st.render_ticket_field(f, base()) for f in st.ticket_fields.values()]
    return jsonify({"ticket_fields": items, "next_page": None, "previous_page": None,
                    "count": len(items)})  # fmt: skip
