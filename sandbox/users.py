"""Users: end-users, agents and admins, rendered with every key Zendesk returns."""

from __future__ import annotations

import base64
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from sandbox.core import (
    ROLES,
    SandboxError,
    invalid,
    iso,
    locked,
    not_found,
)
from sandbox.http import (
    base,
    body_of,
    ids_arg,
    route,
    state,
)

bp = Blueprint("sandbox_users", __name__)


class UsersMixin:
    """The users store and its Zendesk rendering."""

    @locked
    def authenticate(self, header: str | None) -> int | None:
        """Return the id of the user a request's Authorization header proves, or None.

        Source: Zendesk API reference, Introduction, "Security and authentication": API token
        auth is basic auth with ``{email_address}/token:{api_token}`` for an agent or admin;
        OAuth access tokens are sent as ``Bearer``. Anything else is answered 401.
        """
        if not header:
            return None
        kind, _, credentials = header.partition(" ")
        if kind.lower() == "bearer":
            return self.oauth_tokens.get(credentials.strip())
        if kind.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode()
        except ValueError:
            return None
        email, sep, token = decoded.partition("/token:")
        if not sep or not hmac.compare_digest(token, self.api_token):
            return None
        for u in self.users.values():
            if u["email"] == email.lower() and u["role"] in ("agent", "admin"):
                return int(u["id"])
        return None

    @locked
    def add_oauth_token(self, token: str, user_id: int | None = None) -> None:
        """Accept ``token`` as an OAuth bearer token of ``user_id`` (the API user by default)."""
        self.oauth_tokens[token] = user_id or self.api_user_id

    @locked
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

    @locked
    def user(self, user_id: int) -> dict[str, Any]:
        """Return a user record or raise 404."""
        if user_id not in self.users:
            raise not_found()
        return self.users[user_id]

    @locked
    def find_or_create_requester(self, spec: Mapping[str, Any]) -> int:
        """Resolve a ``requester`` object as Zendesk does: by email or external_id, else create."""
        email = (spec.get("email") or "").lower() or None
        external_id = spec.get("external_id")
        for u in self.users.values():
            if (email and u["email"] == email) or (external_id and u["external_id"] == external_id):
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


@route(bp, "/api/v2/users/me")
def me() -> Response:
    st = state()
    # The user the request authenticated as (Show Self), not always the seeded admin.
    return jsonify({"user": st.render_user(st.user(g.get("user_id", st.api_user_id)), base())})


@route(bp, "/api/v2/users/show_many")
def show_many_users() -> Response:
    st = state()
    ids = ids_arg(request.args.get("ids"))
    found = [st.render_user(st.users[i], base()) for i in ids if i in st.users]
    return jsonify({"users": found, "next_page": None, "previous_page": None,
                    "count": len(found)})  # fmt: skip


@route(bp, "/api/v2/users/<int:user_id>")
def user(user_id: int) -> Response:
    st = state()
    return jsonify({"user": st.render_user(st.user(user_id), base())})


@route(bp, "/api/v2/users", ["POST"])
def create_user() -> tuple[Response, int]:
    st = state()
    body = body_of("user")
    if not body.get("name"):
        raise SandboxError(
            422,
            {"error": "RecordInvalid", "description": "Record validation errors",
             "details": {"name": [{"description": "Name: is too short (minimum one character)",
                                   "error": "ValueTooShort"}]}},
        )  # fmt: skip
    u = st.add_user(
        body["name"],
        body.get("email"),
        body.get("role") or "end-user",
        external_id=body.get("external_id"),
        organization_id=body.get("organization_id"),
    )
    return jsonify({"user": st.render_user(u, base())}), 201


@bp.post("/_sandbox/users")
def control_users() -> tuple[Response, int]:
    st = state()
    data = request.get_json(silent=True) or {}
    created = st.seed_users(data.get("users") or [])
    with st.lock:
        return jsonify({"users": [st.render_user(u, base()) for u in created]}), 201
