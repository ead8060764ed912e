"""Who may open the sidebar: Zendesk's signed token on the first load, then a short session.

The first load of the app is a POST from Zendesk with a JWT in the form field ``token``
(RS256, signed with the app's key). We verify algorithm, signature, issuer
(``<subdomain>.zendesk.com``), audience (this installation) and expiry against the app clock,
then keep a signed session cookie for that agent. Writes carry a CSRF token bound to the
session and to the ticket the page was rendered for.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from flask import current_app, session

from handoff.config import Settings
from handoff.errors import HandoffError
from handoff.models.base import MAX_BIGINT
from helpdesk_app.runtime import runtime

SESSION_KEY = "sidebar"
SESSION_LIFETIME = timedelta(minutes=60)
CLOCK_SKEW = timedelta(seconds=60)
DEV_ISSUER = "dev"


class SidebarDenied(HandoffError):
    """The request may not open the sidebar: no valid token, no session, or a CSRF failure."""

    status = 401
    code = "sidebar_denied"


class CsrfFailed(HandoffError):
    """A write came without the CSRF token of this session and ticket."""

    status = 403
    code = "csrf_failed"


class SidebarNotConfigured(HandoffError):
    """The settings needed to check Zendesk's token are missing."""

    status = 503
    code = "sidebar_not_configured"


@dataclass(frozen=True)
class Agent:
    """The agent a sidebar session belongs to."""

    agent_id: int | None
    issuer: str
    name: str | None = None


def _public_key(settings: Settings) -> str:
    key = settings.zendesk_app_public_key or ""
    # An env var often carries the PEM with literal "\n".
    return key.replace("\\n", "\n").strip()


def expected_issuer(settings: Settings) -> str | None:
    """Return the issuer Zendesk's token must carry, ``<subdomain>.zendesk.com``."""
    return f"{settings.zendesk_subdomain}.zendesk.com" if settings.zendesk_subdomain else None


def _agent_id(claims: dict[str, Any]) -> int | None:
    """Find the Zendesk user id in the claims (``sub``, or ``context.user_id``); None if absent."""
    context = claims.get("context")
    candidates = [claims.get("sub")]
    if isinstance(context, dict):
        candidates.append(context.get("user_id"))
    for value in candidates:
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_BIGINT:
            return value
        if isinstance(value, str):
            match = re.search(r"(\d{1,19})$", value)
            if match and 0 < int(match.group(1)) <= MAX_BIGINT:
                return int(match.group(1))
    return None


def verify_token(token: str, settings: Settings, now: datetime) -> Agent:
    """Verify Zendesk's signed app token and return the agent it speaks for; raise SidebarDenied."""
    public_key = _public_key(settings)
    issuer = expected_issuer(settings)
    audience = settings.zendesk_app_audience
    if not (public_key and issuer and audience):
        raise SidebarNotConfigured(
            "the sidebar is not configured: set ZENDESK_APP_PUBLIC_KEY, ZENDESK_SUBDOMAIN "
            "and ZENDESK_APP_AUDIENCE"
        )
    if not token:
        raise SidebarDenied("open this app from a Zendesk ticket: no signed token was sent")
    try:
        # Expiry is checked below against the app clock, not the machine's. "sub" and "jti" are
        # not ours to police: Zendesk's exact claim types are unconfirmed, and pyjwt would
        # refuse a whole valid token over a numeric "sub".
        claims = jwt.decode(
            token,
            public_key,
            algorithms=["RS256"],
            audience=audience,
            issuer=issuer,
            options={
                "require": ["exp", "iat", "iss", "aud"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
                "verify_sub": False,
                "verify_jti": False,
            },
        )
    except jwt.InvalidTokenError as exc:
        raise SidebarDenied(f"the signed token was refused: {_reason(exc)}") from None
    expires = claims["exp"]
    issued = claims["iat"]
    if not isinstance(expires, int | float) or not isinstance(issued, int | float):
        raise SidebarDenied("the signed token was refused: exp and iat must be numbers")
    instant = now.timestamp()
    if instant > expires + CLOCK_SKEW.total_seconds():
        raise SidebarDenied("the signed token has expired; reopen the ticket")
    if issued > instant + CLOCK_SKEW.total_seconds():
        raise SidebarDenied("the signed token was refused: issued in the future")
    not_before = claims.get("nbf")
    if isinstance(not_before, int | float) and not_before > instant + CLOCK_SKEW.total_seconds():
        raise SidebarDenied("the signed token was refused: not valid yet")
    return Agent(agent_id=_agent_id(claims), issuer=issuer)


def _reason(exc: jwt.InvalidTokenError) -> str:
    """Name why a token failed without echoing the token."""
    if isinstance(exc, jwt.InvalidAudienceError):
        return "it is for another app installation"
    if isinstance(exc, jwt.InvalidIssuerError):
        return "it is from another Zendesk account"
    if isinstance(exc, jwt.InvalidAlgorithmError):
        return "it is not signed with RS256"
    if isinstance(exc, jwt.InvalidSignatureError):
        return "its signature does not match the app's key"
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"the claim {exc.claim!r} is missing"
    return "it is malformed"


def open_session(agent: Agent, now: datetime) -> dict[str, Any]:
    """Start (or extend) the agent's sidebar session in the signed cookie."""
    current = session.get(SESSION_KEY)
    same = (
        isinstance(current, dict)
        and current.get("agent_id") == agent.agent_id
        and current.get("issuer") == agent.issuer
        and current.get("expires", 0) > now.timestamp()
    )
    # Other ticket iframes of the same agent hold CSRF tokens derived from this id: keep it.
    sid = current["sid"] if same and isinstance(current, dict) else secrets.token_urlsafe(24)
    data = {
        "sid": sid,
        "agent_id": agent.agent_id,
        "issuer": agent.issuer,
        "expires": int((now + SESSION_LIFETIME).timestamp()),
    }
    session[SESSION_KEY] = data
    return data


def current_agent(now: datetime) -> tuple[Agent, str]:
    """Return the session's agent and session id; raise SidebarDenied when absent or expired."""
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict) or "sid" not in data:
        raise SidebarDenied("no sidebar session: open this app from a Zendesk ticket")
    if data.get("expires", 0) <= now.timestamp():
        session.pop(SESSION_KEY, None)
        raise SidebarDenied("the sidebar session has expired; reopen the ticket")
    if data.get("issuer") == DEV_ISSUER and not runtime().settings.dev_sidebar:
        raise SidebarDenied("development sessions are not accepted here")
    return Agent(agent_id=data.get("agent_id"), issuer=str(data["issuer"])), str(data["sid"])


def csrf_token(sid: str, ticket_id: int) -> str:
    """Return the CSRF token for writes about ``ticket_id`` in session ``sid``."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    message = f"sidebar-csrf:{sid}:{ticket_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def check_csrf(sid: str, ticket_id: int, given: str | None) -> None:
    """Refuse a write whose CSRF token is not this session's token for this ticket."""
    if not given or not hmac.compare_digest(given, csrf_token(sid, ticket_id)):
        raise CsrfFailed("the form is stale or did not come from this sidebar; reload it")
