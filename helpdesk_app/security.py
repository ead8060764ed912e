"""Headers and request checks every response and request gets, whichever part serves it.

A part with its own policy (the sidebar is framed by Zendesk, the survey page has one inline
style) sets its Content-Security-Policy itself; every other response gets the strict default:
our own styles and scripts only, never framed, never sniffed.
"""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, NotFound

from helpdesk_app.runtime import runtime

DEFAULT_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


# The leads' pages (reports, QA review): our own styles, no scripts, framed by Zendesk's nav bar.
LEAD_PAGES_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'self' https://*.zendesk.com"
)


def lead_page_headers(response: Response) -> Response:
    """Set the leads' pages' policy: no scripts, framed only by Zendesk, never cached."""
    response.headers["Content-Security-Policy"] = LEAD_PAGES_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


class URITooLong(HTTPException):
    """The request's path and query are longer than the configured limit (414)."""

    code = 414
    description = "the request URI is longer than the server accepts"


def _refuse_hostile_urls() -> None:
    """Refuse an over-long URI (414) and a NUL in the path (404) before any view or query runs."""
    limit = runtime().settings.max_uri_chars
    uri = request.full_path if request.query_string else request.path
    if len(uri) > limit:
        raise URITooLong(f"the request URI has {len(uri)} characters; the limit is {limit}")
    if "\x00" in request.path:
        # No stored id holds NUL (every JSON string is refused with one), so nothing is here.
        raise NotFound("no resource has NUL (%00) in its path")


def _security_headers(response: Response) -> Response:
    """Add the default policy where the part that answered set none; never sniff, never frame."""
    policy = response.headers.setdefault("Content-Security-Policy", DEFAULT_CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if "frame-ancestors 'none'" in policy:
        # For browsers that predate frame-ancestors.
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def init_app(app: Flask) -> None:
    """Check every request's URI and add the security headers to every response."""
    app.before_request(_refuse_hostile_urls)
    app.after_request(_security_headers)
