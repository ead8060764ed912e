"""A local Zendesk for the unmodified zenpy client: the real URLs, bodies, errors and limits.

Point zenpy at it with ``ZENPY_FORCE_NETLOC=127.0.0.1:PORT`` and ``ZENPY_FORCE_SCHEME=http``.
Control endpoints live under ``/_sandbox/`` and are never rate-limited, faulted or logged.
"""

from __future__ import annotations

import threading
import time

from flask import Flask, Response, g, jsonify, request

from sandbox import exports, faults, fields, ratings, tickets, users, webhooks
from sandbox.core import SandboxError
from sandbox.faults import FORBIDDEN_BODY, Exchange
from sandbox.http import error
from sandbox.state import SandboxState

FAULT_ERRORS = {403: "Forbidden", 429: "TooManyRequests", 503: "ServiceUnavailable"}


def create_sandbox_app(state: SandboxState | None = None) -> Flask:
    """Build the sandbox app around ``state`` (a fresh one if not given)."""
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    st = state or SandboxState()
    app.extensions["sandbox"] = st
    for module in (tickets, users, fields, ratings, exports, webhooks, faults):
        app.register_blueprint(module.bp)

    @app.before_request
    def gate() -> Response | None:
        if request.path.startswith("/_sandbox"):
            return None
        user_id = st.authenticate(request.headers.get("Authorization"))
        if user_id is None:
            return error(401, {"error": "Couldn't authenticate you"})
        g.user_id = user_id
        if not st.permitted(request.path, user_id):
            return error(403, FORBIDDEN_BODY)
        allowed, headers = st.check_rate_limit(request.path, request.method, user_id)
        g.rate_headers = headers
        if not allowed:
            return error(
                429, {"error": "TooManyRequests", "description": "Rate limit exceeded"}, headers
            )
        fault = st.take_fault(request.method, request.path)
        g.fault = fault
        if fault is None:
            return None
        if fault.status is not None:
            if fault.status >= 500 and fault.status != 503:
                # Zendesk's edge answers some 5xx with HTML, which zenpy cannot parse as JSON.
                return Response(
                    "<html><body>Internal Server Error</body></html>",
                    status=fault.status,
                    mimetype="text/html",
                )
            extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after else {}
            if fault.status == 401:
                return error(401, {"error": "Couldn't authenticate you"}, extra)
            name = FAULT_ERRORS.get(fault.status, "InvalidEndpoint")
            return error(fault.status, {"error": name, "description": "Injected fault"}, extra)
        if not fault.after_write:
            time.sleep(fault.sleep)
            return error(504, {"error": "GatewayTimeout", "description": "Injected timeout"})
        return None

    @app.after_request
    def finish(response: Response) -> Response:
        if request.path.startswith("/_sandbox"):
            return response
        for name, value in (getattr(g, "rate_headers", None) or {}).items():
            response.headers.setdefault(name, value)
        st.record(request.method, request.path, response.status_code, request.query_string.decode())
        if st.exchanges is not None:
            st.exchanges.append(
                Exchange(
                    method=request.method,
                    path=request.path,
                    query=[(k, v) for k, vs in request.args.lists() for v in vs],
                    request=request.get_json(silent=True),
                    status=response.status_code,
                    response=response.get_json(silent=True),
                )
            )
        fault = getattr(g, "fault", None)
        if fault is not None and fault.status is None and fault.after_write:
            time.sleep(fault.sleep)  # the write is applied; the client gives up waiting
        if st.auto_deliver and st.outbox:
            threading.Thread(target=st.deliver_webhooks, daemon=True).start()
        return response

    @app.errorhandler(SandboxError)
    def sandbox_error(exc: SandboxError) -> Response:
        return error(exc.status, exc.body)

    @app.errorhandler(404)
    def unknown(_exc: Exception) -> Response:
        return error(404, {"error": "InvalidEndpoint", "description": "Not found"})

    @app.errorhandler(405)
    def wrong_method(_exc: Exception) -> Response:
        return error(405, {"error": "InvalidEndpoint", "description": "Method not allowed"})

    @app.post("/_sandbox/reset")
    def control_reset() -> Response:
        st.reset()
        return jsonify({"ok": True, "api_user_id": st.api_user_id})

    return app
