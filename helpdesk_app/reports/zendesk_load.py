"""Open the reports from Zendesk's nav bar: the sidebar's signed load, then a role check.

The app's ``nav_bar`` location posts the same signed token as the ticket sidebar. The token is
verified exactly as for the sidebar (``helpdesk_app.sidebar.auth.verify_token``); the Zendesk
user it names is then looked up through the helpdesk client, and only the roles configured in
``HANDOFF_REPORTS_ROLES`` (default: admin) get a reports session.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handoff.config import Settings
from handoff.errors import HandoffError
from helpdesk_app.sidebar.auth import verify_token


class ReportsDenied(HandoffError):
    """The Zendesk user may not see the reports (role not configured, or unknown user)."""

    status = 403
    code = "reports_denied"


class RoleUnknown(HandoffError):
    """The user's role could not be read from the helpdesk right now."""

    status = 503
    code = "role_unavailable"


def reports_user(token: str, settings: Settings, helpdesk: Any | None, now: datetime) -> str:
    """Verify Zendesk's signed token and the user's role; return who the session is for."""
    agent = verify_token(token, settings, now)
    if agent.agent_id is None:
        raise ReportsDenied("the signed token names no Zendesk user, so the role cannot be checked")
    if helpdesk is None:
        raise RoleUnknown(
            "the helpdesk connection is not configured, so the role cannot be checked"
        )
    try:
        users = helpdesk.get_users([agent.agent_id])
    except HandoffError as exc:
        raise RoleUnknown(
            f"could not read your Zendesk role ({exc.message}); reopen the app"
        ) from None
    if not users:
        raise ReportsDenied(f"Zendesk user {agent.agent_id} was not found")
    user = users[0]
    allowed = settings.reports_roles
    if user.role not in allowed:
        raise ReportsDenied(
            f"the reports are open to these Zendesk roles: {', '.join(allowed)}; yours is {user.role}"
        )
    return user.email or f"zendesk user {user.id}"
