"""The sandbox's in-memory Zendesk: records, their JSON as Zendesk renders it, limits and faults.

Every public method takes the state's lock, so one state can serve a threaded server and a test
at once. Timestamps come from ``state.now()`` (settable), so tests control history without sleeping.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import secrets
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

TICKET_STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
PRIORITIES = (None, "low", "normal", "high", "urgent")
TICKET_TYPES = (None, "problem", "incident", "question", "task")
ROLES = ("end-user", "agent", "admin")
FIELD_TYPES = ("checkbox", "text", "textarea", "tagger", "integer", "decimal", "date", "regexp")
EVENT_TYPES = (
    "zen:event-type:ticket.created",
    "zen:event-type:ticket.comment_added",
    "zen:event-type:ticket.status_changed",
    "zen:event-type:ticket.custom_field_changed",
    "zen:event-type:ticket.tags_changed",
)
ACCOUNT_ID = 18525119
BRAND_ID = 360000000001
TICKET_FORM_ID = 360000000002
CUSTOM_STATUS_IDS = {s: 360000000100 + i for i, s in enumerate(TICKET_STATUSES)}


class SandboxError(Exception):
    """An API error the sandbox answers with Zendesk's status and body."""

    def __init__(self, status: int, body: Mapping[str, Any]) -> None:
        super().__init__(body.get("description") or body.get("error"))
        self.status = status
        self.body = dict(body)


def not_found() -> SandboxError:
    """Return Zendesk's 404."""
    return SandboxError(404, {"error": "RecordNotFound", "description": "Not found"})


def invalid(field_name: str, description: str, error: str = "InvalidValue") -> SandboxError:
    """Return Zendesk's 422 record validation error for one field."""
    return SandboxError(
        422,
        {
            "error": "RecordInvalid",
            "description": "Record validation errors",
            "details": {field_name: [{"description": description, "error": error}]},
        },
    )


def iso(moment: datetime | None) -> str | None:
    """Render a datetime the way Zendesk does (UTC, seconds, Z)."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(raw: Any, name: str) -> datetime:
    """Parse an ISO 8601 timestamp or epoch seconds from a request body."""
    if isinstance(raw, int | float):
        return datetime.fromtimestamp(raw, UTC)
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise invalid(name, f"{name}: is not a valid time") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise invalid(name, f"{name}: is not a valid time")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """Sign a webhook body like Zendesk: base64(HMAC-SHA256(secret, timestamp + body))."""
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _html(body: str) -> str:
    paragraphs = "".join(f'<p dir="auto">{html.escape(p)}</p>' for p in body.split("\n\n"))
    return f'<div class="zd-comment" dir="auto">{paragraphs}</div>'


def normalize_tags(raw: Any) -> list[str]:
    """Normalise tags as Zendesk does: lower case, split on spaces, no duplicates."""
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = [raw]
    return list(dict.fromkeys(part for item in raw for part in str(item).lower().split()))


def _metadata() -> dict[str, Any]:
    system = {
        "client": "sandbox",
        "ip_address": "127.0.0.1",
        "location": "Sandbox",
        "latitude": 0.0,
        "longitude": 0.0,
    }
    return {"system": system, "custom": {}}


def _via(channel: str) -> dict[str, Any]:
    return {"channel": channel, "source": {"from": {}, "to": {}, "rel": None}}


@dataclass
class Fault:
    """One injected failure: an HTTP status, or a sleep past the client's timeout."""

    status: int | None = None
    sleep: float = 0.0
    after_write: bool = False  # timeout only: apply the request first, then stall
    method: str | None = None
    path_prefix: str | None = None
    retry_after: int | None = None

    def matches(self, method: str, path: str) -> bool:
        """Return True if this fault applies to the request."""
        if self.method and self.method.upper() != method.upper():
            return False
        return not (self.path_prefix and not path.startswith(self.path_prefix))


@dataclass(frozen=True)
class LogEntry:
    """One API request the sandbox answered."""

    method: str
    path: str
    status: int
    query: str = ""


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


@dataclass
class _RateLimit:
    per_minute: int | None = None
    window_start: datetime | None = None
    used: int = 0


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class SandboxState:
    """Everything the sandbox knows; thread-safe, resettable."""

    now: Callable[[], datetime] = _utcnow
    subdomain: str = "sandbox"
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def __post_init__(self) -> None:
        self._initial_now = self.now
        self.reset()

    # --- control ---------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget every record, limit, fault, log line and pending webhook; seed the API user."""
        with self.lock:
            self.now = self._initial_now  # a test may have frozen the clock
            self._frozen: list[datetime] | None = None
            self._ids = 1000
            self.users: dict[int, dict[str, Any]] = {}
            self.tickets: dict[int, dict[str, Any]] = {}
            self.comments: dict[int, list[dict[str, Any]]] = {}
            self.audits: list[dict[str, Any]] = []
            self.ticket_fields: dict[int, dict[str, Any]] = {}
            self.ratings: dict[int, dict[str, Any]] = {}
            self.webhooks: dict[str, dict[str, Any]] = {}
            self.webhook_secrets: dict[str, str] = {}
            self.triggers: dict[int, dict[str, Any]] = {}
            self.jobs: dict[str, dict[str, Any]] = {}
            self.log: list[LogEntry] = []
            self.faults: list[Fault] = []
            self.rate = _RateLimit()
            self.endpoint_rates: dict[str, _RateLimit] = {}
            self.outbox: list[WebhookDelivery] = []
            self.delivered: list[tuple[WebhookDelivery, int | None]] = []
            self.auto_deliver = False
            self._next_ticket = 1
            self._seed_system_fields()
            self.api_user_id = self.add_user("Sandbox Admin", "admin@sandbox.test", "admin")["id"]

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

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

    def set_time(self, moment: datetime) -> None:
        """Freeze the sandbox clock at ``moment`` (reset() unfreezes it)."""
        with self.lock:
            frozen = self._frozen = [moment]
            self.now = lambda: frozen[0]

    def advance(self, **delta: float) -> datetime:
        """Move the frozen clock forward (``advance(minutes=5)``); freeze it first if needed."""
        with self.lock:
            if self._frozen is None:
                self.set_time(self.now())
            assert self._frozen is not None
            self._frozen[0] += timedelta(**delta)
            return self._frozen[0]

    def configure_rate_limit(
        self, per_minute: int | None, *, path_prefix: str | None = None
    ) -> None:
        """Answer 429 past ``per_minute`` requests a minute (account-wide, or under ``path_prefix``)."""
        with self.lock:
            if path_prefix is None:
                self.rate = _RateLimit(per_minute=per_minute)
            elif per_minute is None:
                self.endpoint_rates.pop(path_prefix, None)
            else:
                self.endpoint_rates[path_prefix] = _RateLimit(per_minute=per_minute)

    def inject_fault(
        self,
        status: int,
        *,
        count: int = 1,
        method: str | None = None,
        path_prefix: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next ``count`` matching API requests with ``status`` (500, 503, 401...)."""
        with self.lock:
            for _ in range(count):
                self.faults.append(
                    Fault(
                        status=status,
                        method=method,
                        path_prefix=path_prefix,
                        retry_after=retry_after,
                    )
                )

    def inject_timeout(
        self,
        seconds: float,
        *,
        count: int = 1,
        after_write: bool = False,
        method: str | None = None,
        path_prefix: str | None = None,
    ) -> None:
        """Stall the next ``count`` matching requests; ``after_write`` applies the write first."""
        with self.lock:
            for _ in range(count):
                self.faults.append(
                    Fault(
                        sleep=seconds,
                        after_write=after_write,
                        method=method,
                        path_prefix=path_prefix,
                    )
                )

    def take_fault(self, method: str, path: str) -> Fault | None:
        """Pop the first injected fault that applies to this request."""
        with self.lock:
            for index, fault in enumerate(self.faults):
                if fault.matches(method, path):
                    return self.faults.pop(index)
            return None

    def check_rate_limit(self, path: str = "") -> tuple[bool, dict[str, str]]:
        """Count one request; return whether it is allowed and the rate-limit headers to send."""
        with self.lock:
            # An endpoint limit (e.g. incremental exports, 10/min at Zendesk) is checked first;
            # a request refused there does not use up the account-wide budget.
            for prefix, window in self.endpoint_rates.items():
                if path.startswith(prefix):
                    allowed, headers = self._take(window)
                    if not allowed:
                        return False, headers
            if self.rate.per_minute is None:
                return True, {"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "699"}
            return self._take(self.rate)

    def _take(self, window: _RateLimit) -> tuple[bool, dict[str, str]]:
        limit = window.per_minute or 0
        now = self.now()
        if window.window_start is None or now - window.window_start >= timedelta(minutes=1):
            window.window_start, window.used = now, 0
        reset = window.window_start + timedelta(minutes=1) - now
        retry_after = max(1, int(reset.total_seconds() + 0.999))
        headers = {"X-Rate-Limit": str(limit), "ratelimit-reset": str(retry_after)}
        if window.used >= limit:
            headers["X-Rate-Limit-Remaining"] = "0"
            headers["Retry-After"] = str(retry_after)
            return False, headers
        window.used += 1
        headers["X-Rate-Limit-Remaining"] = str(limit - window.used)
        return True, headers

    def record(self, method: str, path: str, status: int, query: str = "") -> None:
        """Append one line to the request log."""
        with self.lock:
            self.log.append(LogEntry(method, path, status, query))

    def requests(self, method: str | None = None, path_prefix: str | None = None) -> list[LogEntry]:
        """Return the logged API requests, optionally only those matching method and path."""
        with self.lock:
            return [
                e
                for e in self.log
                if (method is None or e.method == method.upper())
                and (path_prefix is None or e.path.startswith(path_prefix))
            ]

    # --- users -----------------------------------------------------------------------------
    def add_user(
        self,
        name: str,
        email: str | None,
        role: str = "end-user",
        *,
        external_id: str | None = None,
        organization_id: int | None = None,
        created_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Create a user (end-user, agent or admin) and return its record."""
        if role not in ROLES:
            raise invalid("role", f"Role: {role} is not valid")
        with self.lock:
            if email and any(u["email"] == email.lower() for u in self.users.values()):
                raise invalid("email", f"Email: {email} is already being used by another user")
            uid = self._next_id()
            moment = created_at or self.now()
            self.users[uid] = {
                "id": uid,
                "name": name,
                "email": email.lower() if email else None,
                "role": role,
                "external_id": external_id,
                "organization_id": organization_id,
                "created_at": moment,
                "updated_at": moment,
            }
            return self.users[uid]

    def seed_users(self, users: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Create several users from dicts with name, email, role and optional external_id."""
        return [
            self.add_user(
                u["name"],
                u.get("email"),
                u.get("role", "end-user"),
                external_id=u.get("external_id"),
                organization_id=u.get("organization_id"),
            )
            for u in users
        ]

    def user(self, user_id: int) -> dict[str, Any]:
        """Return a user record or raise 404."""
        with self.lock:
            if user_id not in self.users:
                raise not_found()
            return self.users[user_id]

    def find_or_create_requester(self, spec: Mapping[str, Any]) -> int:
        """Resolve a ``requester`` object as Zendesk does: by email or external_id, else create."""
        with self.lock:
            email = (spec.get("email") or "").lower() or None
            external_id = spec.get("external_id")
            for u in self.users.values():
                if (email and u["email"] == email) or (
                    external_id and u["external_id"] == external_id
                ):
                    return int(u["id"])
            if not email and not spec.get("name"):
                raise invalid("requester", "Requester: Name is too short", "BlankValue")
            name = spec.get("name") or (email or "").split("@")[0]
            return int(self.add_user(name, email, "end-user", external_id=external_id)["id"])

    def render_user(self, u: Mapping[str, Any], base: str) -> dict[str, Any]:
        """Render a user with every key Zendesk returns."""
        staff = u["role"] != "end-user"
        return {
            "id": u["id"],
            "url": f"{base}/api/v2/users/{u['id']}.json",
            "name": u["name"],
            "email": u["email"],
            "created_at": iso(u["created_at"]),
            "updated_at": iso(u["updated_at"]),
            "time_zone": "UTC",
            "iana_time_zone": "Etc/UTC",
            "phone": None,
            "shared_phone_number": None,
            "photo": None,
            "locale_id": 1,
            "locale": "en-US",
            "organization_id": u["organization_id"],
            "role": u["role"],
            "verified": True,
            "external_id": u["external_id"],
            "tags": [],
            "alias": None,
            "active": True,
            "shared": False,
            "shared_agent": False,
            "last_login_at": None,
            "two_factor_auth_enabled": None,
            "signature": None,
            "details": None,
            "notes": None,
            "role_type": 4 if u["role"] == "admin" else (0 if staff else None),
            "custom_role_id": 360000000200 if staff else None,
            "moderator": staff,
            "ticket_restriction": None if staff else "requested",
            "only_private_comments": False,
            "restricted_agent": not staff,
            "suspended": False,
            "default_group_id": None,
            "report_csv": staff,
            "user_fields": {},
        }

    # --- ticket fields ---------------------------------------------------------------------
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
        with self.lock:
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

    # --- tickets ---------------------------------------------------------------------------
    def ticket(self, ticket_id: int) -> dict[str, Any]:
        """Return a ticket record or raise 404."""
        with self.lock:
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
            "html_body": html_body or _html(text),
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

    def create_ticket(
        self, body: Mapping[str, Any], *, channel: str = "api", importing: bool = False
    ) -> tuple[dict[str, Any], dict[str, Any] | None]:
        """Create a ticket from a ``ticket`` request object; return it and its audit."""
        with self.lock:
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

    def update_ticket(
        self, ticket_id: int, body: Mapping[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Apply a ticket update (comment, tags, custom fields, status...); return ticket and audit."""
        with self.lock:
            t = self.ticket(ticket_id)
            if t["status"] == "closed":
                raise invalid("status", "Status: closed prevents ticket update", "ClosedTicket")
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
            for tag in normalize_tags(body.get("additional_tags")):
                if tag not in t["tags"]:
                    t["tags"].append(tag)
            for tag in normalize_tags(body.get("remove_tags")):
                if tag in t["tags"]:
                    t["tags"].remove(tag)
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
            return t, audit

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

    def change_tags(self, ticket_id: int, tags: list[str], mode: str) -> list[str]:
        """Set (``set``), add (``add``) or remove (``remove``) tags; return the ticket's tags."""
        with self.lock:
            key = {"set": "tags", "add": "additional_tags", "remove": "remove_tags"}[mode]
            t, _ = self.update_ticket(ticket_id, {key: tags})
            return list(t["tags"])

    def render_ticket(self, t: Mapping[str, Any], base: str) -> dict[str, Any]:
        """Render a ticket with every key Zendesk returns."""
        fields = [{"id": fid, "value": value} for fid, value in t["custom_fields"].items()]
        return {
            "url": f"{base}/api/v2/tickets/{t['id']}.json",
            "id": t["id"],
            "external_id": t["external_id"],
            "via": _via(t["channel"]),
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
            "id": c["id"],
            "type": "Comment",
            "author_id": c["author_id"],
            "body": c["body"],
            "html_body": c["html_body"],
            "plain_body": c["plain_body"],
            "public": c["public"],
            "attachments": [],
            "audit_id": c["audit_id"],
            # Zendesk names the account's support address as the recipient of API comments.
            "via": {
                **_via(c["channel"]),
                "source": {
                    "from": {},
                    "to": {"name": "Sandbox Support", "address": f"support@{self.subdomain}.test"},
                    "rel": None,
                },
            },
            "created_at": iso(c["created_at"]),
            "metadata": _metadata(),
        }

    def render_audit(self, a: Mapping[str, Any]) -> dict[str, Any]:
        """Render an audit with its events."""
        return {
            "id": a["id"],
            "ticket_id": a["ticket_id"],
            "created_at": iso(a["created_at"]),
            "author_id": a["author_id"],
            "metadata": _metadata(),
            "events": [dict(e) for e in a["events"]],
            "via": _via(a["channel"]),
        }

    # --- ratings and metrics ---------------------------------------------------------------
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
        with self.lock:
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
            t["satisfaction_rating"] = {
                "score": score,
                "id": existing["id"],
                "comment": comment,
                "reason": "No reason provided",
                "reason_id": 0,
            }
            return existing

    def render_rating(self, r: Mapping[str, Any], base: str) -> dict[str, Any]:
        """Render a satisfaction rating with every key Zendesk's docs list."""
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
            "reason_code": 0,
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

    # --- import jobs -----------------------------------------------------------------------
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
        with self.lock:
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

    # --- webhooks and triggers -------------------------------------------------------------
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
        with self.lock:
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

    def webhook(self, webhook_id: str) -> dict[str, Any]:
        """Return a webhook record or raise 404."""
        with self.lock:
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
        with self.lock:
            if secret is not None:
                self.webhook_secrets[w["id"]] = secret
            self.auto_deliver = auto_deliver
        return w

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
        with self.lock:
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

    def render_trigger(self, t: Mapping[str, Any], base: str) -> dict[str, Any]:
        """Render a trigger as Zendesk does."""
        return {
            "url": f"{base}/api/v2/triggers/{t['id']}.json",
            **{k: v for k, v in t.items() if k not in ("created_at", "updated_at")},
            "updated_at": iso(t["updated_at"]),
            "created_at": iso(t["created_at"]),
        }

    # --- webhook emission ------------------------------------------------------------------
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
                        "current": e["value"],
                        "previous": e["previous_value"],
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
            self.outbox.append(WebhookDelivery(w["id"], w["endpoint"], headers, body))

    def pending_webhooks(self) -> list[WebhookDelivery]:
        """Return the signed webhook requests not yet delivered."""
        with self.lock:
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
