"""Webhooks and triggers: their records, and the signed event requests Zendesk sends."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from flask import Blueprint, Response, jsonify, request

from sandbox.core import (
    ACCOUNT_ID,
    BRAND_ID,
    CUSTOM_STATUS_IDS,
    TICKET_FORM_ID,
    SandboxError,
    invalid,
    iso,
    locked,
)
from sandbox.http import (
    base,
    body_of,
    cursor_page,
    route,
    state,
)

EVENT_TYPES = (
    "zen:event-type:ticket.created",
    "zen:event-type:ticket.comment_added",
    "zen:event-type:ticket.status_changed",
    "zen:event-type:ticket.custom_field_changed",
    "zen:event-type:ticket.tags_changed",
)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Sign a webhook body like Zendesk: base64(HMAC-SHA256(secret, timestamp + body))."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True)
class WebhookDelivery:
    """One signed webhook request waiting to be (or already) sent."""

    webhook_id: str
    url: str
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """Return the decoded body."""
        return json.loads(self.body)


bp = Blueprint("sandbox_webhooks", __name__)


class WebhooksMixin:
    """Webhooks, triggers and the outbox of signed deliveries."""

    @locked
    def create_webhook(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Create a webhook from a ``webhook`` request object."""
        for name in ("name", "endpoint", "http_method", "request_format", "status"):
            if not body.get(name):
                raise SandboxError(
                    400,
                    {
                        "errors": [
                            {
                                "code": "InvalidInput",
                                "title": "Invalid input",
                                "detail": f"{name} is required",
                            }
                        ]
                    },
                )
        wid = "01" + uuid.uuid4().hex[:24].upper()
        self.webhooks[wid] = {
            "id": wid,
            "name": body["name"],
            "description": body.get("description"),
            "status": body["status"],
            "subscriptions": list(body.get("subscriptions") or []),
            "created_at": self.now(),
            "created_by": str(self.api_user_id),
            "endpoint": body["endpoint"],
            "http_method": body["http_method"],
            "request_format": body["request_format"],
            "authentication": body.get("authentication"),
        }
        self.webhook_secrets[wid] = base64.b64encode(secrets.token_bytes(32)).decode()
        return self.webhooks[wid]

    @locked
    def webhook(self, webhook_id: str) -> dict[str, Any]:
        """Return a webhook record or raise 404."""
        if webhook_id not in self.webhooks:
            raise SandboxError(
                404,
                {"errors": [{"code": "WebhookNotFound", "title": "Webhook not found"}]},
            )
        return self.webhooks[webhook_id]

    def render_webhook(self, w: Mapping[str, Any]) -> dict[str, Any]:
        """Render a webhook as Zendesk does (ids are strings, no secret)."""
        out = {k: v for k, v in w.items() if k != "authentication" or v}
        out["created_at"] = w["created_at"].astimezone(UTC).isoformat().replace("+00:00", "Z")
        if w.get("authentication"):
            auth = dict(w["authentication"])
            auth["data"] = {
                k: v for k, v in (auth.get("data") or {}).items() if k not in ("password", "token")
            }
            out["authentication"] = auth
        return out

    @locked
    def configure_webhook_target(
        self,
        url: str,
        *,
        secret: str | None = None,
        subscriptions: Iterable[str] = EVENT_TYPES,
        auto_deliver: bool = False,
    ) -> dict[str, Any]:
        """Subscribe ``url`` to ticket events; return the webhook (its secret is settable)."""
        w = self.create_webhook(
            {
                "name": "sandbox target",
                "endpoint": url,
                "http_method": "POST",
                "request_format": "json",
                "status": "active",
                "subscriptions": list(subscriptions),
            }
        )
        if secret is not None:
            self.webhook_secrets[w["id"]] = secret
        self.auto_deliver = auto_deliver
        return w

    @locked
    def create_trigger(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Create a trigger from a ``trigger`` request object."""
        if not body.get("title"):
            raise invalid("title", "Title: cannot be blank", "BlankValue")
        actions = body.get("actions")
        if not actions:
            raise invalid("actions", "Actions: cannot be blank", "BlankValue")
        conditions = body.get("conditions") or {}
        all_ = list(conditions.get("all") or body.get("all") or [])
        any_ = list(conditions.get("any") or body.get("any") or [])
        if not all_ and not any_:
            raise invalid("conditions", "Conditions: cannot be blank", "BlankValue")
        for action in actions:
            if action.get("field") == "notification_webhook":
                self._check_trigger_webhook(action.get("value"))
        tid = self._next_id()
        moment = self.now()
        self.triggers[tid] = {
            "id": tid,
            "title": body["title"],
            "active": bool(body.get("active", True)),
            "updated_at": moment,
            "created_at": moment,
            "default": False,
            "actions": list(actions),
            "conditions": {"all": all_, "any": any_},
            "description": body.get("description"),
            "position": len(self.triggers) + 1,
            "raw_title": body["title"],
            "category_id": str(body.get("category_id") or "360000000300"),
        }
        return self.triggers[tid]

    def _check_trigger_webhook(self, value: Any) -> None:
        """Refuse a trigger notifying a webhook not subscribed to ``conditional_ticket_events``.

        Source: Zendesk developer docs, Webhooks, "Creating and monitoring webhooks": a webhook
        subscribed to event types cannot be connected to a trigger or automation, and its
        connection method cannot change afterwards.
        """
        webhook_id = value[0] if isinstance(value, list) and value else None
        w = self.webhooks.get(str(webhook_id))
        if w is None:
            raise invalid("actions", f"Actions: webhook {webhook_id} does not exist")
        if "conditional_ticket_events" not in w["subscriptions"]:
            raise invalid(
                "actions",
                f"Actions: webhook {webhook_id} is subscribed to Zendesk events and cannot be "
                "used in triggers or automations",
            )

    def _fire_triggers(self, t: Mapping[str, Any], actor_id: int) -> None:
        """Send the body of every active trigger notifying a webhook, placeholders filled in.

        Conditions other than ``update_type is Change`` are not modelled: such a trigger fires
        on every update.
        """
        for trigger in self.triggers.values():
            if not trigger["active"]:
                continue
            for action in trigger["actions"]:
                if action.get("field") != "notification_webhook":
                    continue
                webhook_id, template = action["value"][0], str(action["value"][1])
                w = self.webhooks.get(str(webhook_id))
                if w is None or w["status"] != "active":
                    continue
                body = self._placeholders(template, t, actor_id).encode()
                self.outbox.append(self._signed(w, body))

    def _placeholders(self, template: str, t: Mapping[str, Any], actor_id: int) -> str:
        def field_value(match: re.Match[str]) -> str:
            value = t["custom_fields"].get(int(match.group(1)))
            if isinstance(value, bool):
                return "true" if value else "false"
            return "" if value is None else str(value)

        text = template.replace("{{ticket.id}}", str(t["id"]))
        # Placeholders render statuses as agents see them ("Open"), not as the API spells them.
        text = text.replace("{{ticket.status}}", t["status"].capitalize())
        text = text.replace("{{ticket.updated_at_with_timestamp}}", iso(t["updated_at"]) or "")
        text = text.replace("{{current_user.id}}", str(actor_id))
        return re.sub(r"\{\{ticket\.ticket_field_(\d+)\}\}", field_value, text)

    def render_trigger(self, t: Mapping[str, Any], base: str) -> dict[str, Any]:
        """Render a trigger as Zendesk does."""
        return {
            "url": f"{base}/api/v2/triggers/{t['id']}.json",
            **{k: v for k, v in t.items() if k not in ("created_at", "updated_at")},
            "updated_at": iso(t["updated_at"]),
            "created_at": iso(t["created_at"]),
        }

    def _detail(self, t: Mapping[str, Any]) -> dict[str, Any]:
        def s(value: Any) -> str | None:
            return None if value is None else str(value)

        return {
            "actor_id": s(self.api_user_id),
            "assignee_id": s(t["assignee_id"]),
            "brand_id": s(BRAND_ID),
            "created_at": iso(t["created_at"]),
            "custom_status": s(CUSTOM_STATUS_IDS[t["status"]]),
            "description": t["description"],
            "external_id": t["external_id"],
            "form_id": s(TICKET_FORM_ID),
            "group_id": s(t["group_id"]),
            "id": s(t["id"]),
            "is_public": t["is_public"],
            "organization_id": s(t["organization_id"]),
            "priority": t["priority"].upper() if t["priority"] else None,
            "requester_id": s(t["requester_id"]),
            "status": t["status"].upper(),
            "subject": t["subject"],
            "submitter_id": s(t["submitter_id"]),
            "tags": list(t["tags"]),
            "type": t["type"].upper() if t["type"] else None,
            "updated_at": iso(t["updated_at"]),
            "via": {"channel": t["channel"]},
        }

    def _emit_for_events(self, t: Mapping[str, Any], events: list[dict[str, Any]]) -> None:
        for e in events:
            if e["type"] == "Comment":
                author = self.users.get(e["author_id"], {})
                self._emit(
                    t,
                    "zen:event-type:ticket.comment_added",
                    {
                        "comment": {
                            "id": str(e["id"]),
                            "body": e["body"],
                            "is_public": e["public"],
                            "author": {
                                "id": str(e["author_id"]),
                                "is_staff": author.get("role") in ("agent", "admin"),
                                "name": author.get("name"),
                            },
                        }
                    },
                )
            elif e["type"] == "Change" and e["field_name"] == "status":
                self._emit(
                    t,
                    "zen:event-type:ticket.status_changed",
                    {"current": e["value"].upper(), "previous": e["previous_value"].upper()},
                )
            elif e["type"] == "Change" and e["field_name"] == "tags":
                self._emit(
                    t,
                    "zen:event-type:ticket.tags_changed",
                    {
                        "tags": {
                            "added": [x for x in e["value"] if x not in e["previous_value"]],
                            "removed": [x for x in e["previous_value"] if x not in e["value"]],
                        }
                    },
                )
            elif e["type"] == "Change" and e["field_name"].isdigit():
                spec = self.ticket_fields.get(int(e["field_name"]), {})
                self._emit(
                    t,
                    "zen:event-type:ticket.custom_field_changed",
                    {
                        # Payloads model both sides as objects, not bare values. Source: Zendesk
                        # developer docs, Webhooks, "Ticket events" schema, custom_field_changed.
                        "current": _field_side(e["value"]),
                        "previous": _field_side(e["previous_value"]),
                        "custom_field": {
                            "id": e["field_name"],
                            "title": spec.get("title"),
                            "type": spec.get("type"),
                        },
                    },
                )

    def _emit(self, t: Mapping[str, Any], event_type: str, event: Mapping[str, Any]) -> None:
        for w in self.webhooks.values():
            if w["status"] != "active" or event_type not in w["subscriptions"]:
                continue
            envelope = {
                "type": event_type,
                "account_id": ACCOUNT_ID,
                "id": str(uuid.uuid4()),
                "time": iso(self.now()),
                "zendesk_event_version": "2022-11-06",
                "subject": f"zen:ticket:{t['id']}",
                "detail": self._detail(t),
                "event": dict(event),
            }
            body = json.dumps(envelope, separators=(",", ":")).encode()
            self.outbox.append(self._signed(w, body))

    def _signed(self, w: Mapping[str, Any], body: bytes) -> WebhookDelivery:
        """Return ``body`` as a delivery to ``w``, signed with its secret as Zendesk signs."""
        timestamp = iso(self.now()) or ""
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Zendesk Webhook",
            "X-Zendesk-Account-Id": str(ACCOUNT_ID),
            "X-Zendesk-Webhook-Id": w["id"],
            "X-Zendesk-Webhook-Invocation-Id": str(uuid.uuid4().int)[:12],
            "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
            "X-Zendesk-Webhook-Signature": sign(self.webhook_secrets[w["id"]], timestamp, body),
        }
        return WebhookDelivery(w["id"], w["endpoint"], headers, body)

    @locked
    def pending_webhooks(self) -> list[WebhookDelivery]:
        """Return the signed webhook requests not yet delivered."""
        return list(self.outbox)

    def deliver_webhooks(
        self,
        post: Callable[[WebhookDelivery], int | None] | None = None,
    ) -> list[tuple[WebhookDelivery, int | None]]:
        """POST every pending webhook (or hand it to ``post``); return each with its status."""
        with self.lock:
            batch, self.outbox = self.outbox, []
        send = post or _http_post
        results = [(d, send(d)) for d in batch]
        with self.lock:
            self.delivered.extend(results)
        return results


@route(bp, "/api/v2/webhooks", ["GET", "POST"], both=False)
def webhooks() -> Response | tuple[Response, int]:
    st = state()
    if request.method == "POST":
        w = st.create_webhook(body_of("webhook"))
        return jsonify({"webhook": st.render_webhook(w)}), 201
    wanted = (request.args.get("filter[name_contains]") or "").lower()
    items = [st.render_webhook(w) for w in st.webhooks.values() if wanted in w["name"].lower()]
    return jsonify(cursor_page("webhooks", items))


@route(bp, "/api/v2/webhooks/<webhook_id>", both=False)
def webhook(webhook_id: str) -> Response:
    st = state()
    return jsonify({"webhook": st.render_webhook(st.webhook(webhook_id))})


@route(bp, "/api/v2/webhooks/<webhook_id>/signing_secret", both=False)
def signing_secret(webhook_id: str) -> Response:
    st = state()
    st.webhook(webhook_id)
    secret = st.webhook_secrets[webhook_id]
    return jsonify({"signing_secret": {"secret": secret, "algorithm": "SHA256"}})


@route(bp, "/api/v2/triggers", ["GET", "POST"])
def triggers() -> Response | tuple[Response, int]:
    st = state()
    if request.method == "POST":
        t = st.create_trigger(body_of("trigger"))
        return jsonify({"trigger": st.render_trigger(t, base())}), 201
    items = [st.render_trigger(t, base()) for t in st.triggers.values()]
    return jsonify(cursor_page("triggers", items))


@bp.post("/_sandbox/webhooks/target")
def control_webhook_target() -> tuple[Response, int]:
    st = state()
    data = request.get_json(silent=True) or {}
    w = st.configure_webhook_target(
        data["url"], secret=data.get("secret"), auto_deliver=bool(data.get("auto_deliver"))
    )
    with st.lock:
        return jsonify({"webhook": st.render_webhook(w),
                        "secret": st.webhook_secrets[w["id"]]}), 201  # fmt: skip


@bp.get("/_sandbox/webhooks/pending")
def control_webhooks_pending() -> Response:
    st = state()
    return jsonify({"pending": [{"url": d.url, "headers": dict(d.headers),
                                 "body": d.json()} for d in st.pending_webhooks()]})  # fmt: skip


@bp.post("/_sandbox/webhooks/deliver")
def control_webhooks_deliver() -> Response:
    st = state()
    results = st.deliver_webhooks()
    return jsonify({"delivered": [{"url": d.url, "status": s} for d, s in results]})


def _field_side(value: Any) -> dict[str, Any]:
    """Wrap one side of a custom field change as the event payload does."""
    return {"value": value, "id": None, "relationship_target": None}


def _http_post(delivery: WebhookDelivery) -> int | None:
    """POST a delivery with requests; a failed connection is recorded as None."""
    import requests  # the sandbox's own client, not the product's helpdesk adapter

    try:
        response = requests.post(
            delivery.url, data=delivery.body, headers=dict(delivery.headers), timeout=5
        )
    except requests.RequestException:
        return None
    return response.status_code
