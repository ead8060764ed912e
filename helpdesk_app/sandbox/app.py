"""A local Zendesk for the unmodified zenpy client: the real URLs, bodies, errors and limits.

Point zenpy at it with ``ZENPY_FORCE_NETLOC=127.0.0.1:PORT`` and ``ZENPY_FORCE_SCHEME=http``.
Control endpoints live under ``/_sandbox/`` and are never rate-limited, faulted or logged.
"""

from __future__ import annotations

import base64
import functools
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, g, jsonify, request

from helpdesk_app.sandbox.state import (
    SandboxError,
    SandboxState,
    iso,
    normalize_tags,
    not_found,
    parse_time,
)

MAX_PAGE = 100
FAULT_ERRORS = {403: "Forbidden", 429: "TooManyRequests", 503: "ServiceUnavailable"}


def _base() -> str:
    return request.host_url.rstrip("/")


def _body(key: str) -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get(key), dict):
        raise SandboxError(
            400, {"error": "InvalidEndpoint", "description": f"Missing or invalid '{key}' object"}
        )
    return data[key]


def _int(raw: str | None, name: str, default: int | None = None) -> int:
    if raw is None or raw == "":
        if default is None:
            raise SandboxError(
                400, {"error": "InvalidParameter", "description": f"{name} required"}
            )
        return default
    try:
        return int(raw)
    except ValueError:
        raise SandboxError(
            400, {"error": "InvalidParameter", "description": f"{name} must be an integer"}
        ) from None


def _encode_cursor(payload: Mapping[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def _decode_cursor(raw: str) -> dict[str, Any]:
    try:
        decoded = json.loads(base64.urlsafe_b64decode(raw.encode()))
    except ValueError:
        raise SandboxError(
            400, {"error": "InvalidPaginationParameter", "description": "invalid cursor"}
        ) from None
    if not isinstance(decoded, dict):
        raise SandboxError(
            400, {"error": "InvalidPaginationParameter", "description": "invalid cursor"}
        )
    return decoded


def _cursor_page(key: str, items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Slice ``items`` by ``page[size]``/``page[after]`` and add Zendesk's meta and links."""
    size = _int(request.args.get("page[size]"), "page[size]", MAX_PAGE)
    if not 1 <= size <= MAX_PAGE:
        raise SandboxError(
            400,
            {"error": "InvalidPaginationParameter", "description": "page[size] must be 1..100"},
        )
    start = 0
    if request.args.get("page[after]"):
        start = int(_decode_cursor(request.args["page[after]"]).get("o", 0))
    page = list(items[start : start + size])
    end = start + len(page)
    after = _encode_cursor({"o": end})
    before = _encode_cursor({"o": start})
    args = {k: v for k, v in request.args.items() if not k.startswith("page[")}

    def link(extra: dict[str, str]) -> str:
        return f"{_base()}{request.path}?{urlencode({**args, **extra, 'page[size]': str(size)})}"

    return {
        key: page,
        "meta": {"has_more": end < len(items), "after_cursor": after, "before_cursor": before},
        "links": {"prev": link({"page[before]": before}), "next": link({"page[after]": after})},
    }


def create_sandbox_app(state: SandboxState | None = None) -> Flask:
    """Build the sandbox app around ``state`` (a fresh one if not given)."""
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    st = state or SandboxState()
    app.extensions["sandbox"] = st

    def route(
        rule: str, methods: Sequence[str] = ("GET",), both: bool = True
    ) -> Callable[..., Any]:
        """Register ``rule`` with and without ``.json``, as Zendesk answers both."""

        def register(view: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(view)
            def locked(*args: Any, **kwargs: Any) -> Any:
                # Hold the lock while writing and rendering so no body mixes two states;
                # injected stalls happen outside views, so they never hold it.
                with st.lock:
                    return view(*args, **kwargs)

            app.add_url_rule(rule, view_func=locked, methods=list(methods))
            if both:
                app.add_url_rule(
                    rule + ".json", endpoint=view.__name__ + "_json", view_func=locked,
                    methods=list(methods),
                )  # fmt: skip
            return view

        return register

    @app.before_request
    def gate() -> Response | None:
        if request.path.startswith("/_sandbox"):
            return None
        if not request.headers.get("Authorization"):
            return _error(401, {"error": "Couldn't authenticate you"})
        allowed, headers = st.check_rate_limit(request.path)
        g.rate_headers = headers
        if not allowed:
            return _error(
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
                return _error(401, {"error": "Couldn't authenticate you"}, extra)
            name = FAULT_ERRORS.get(fault.status, "InvalidEndpoint")
            return _error(fault.status, {"error": name, "description": "Injected fault"}, extra)
        if not fault.after_write:
            time.sleep(fault.sleep)
            return _error(504, {"error": "GatewayTimeout", "description": "Injected timeout"})
        return None

    @app.after_request
    def finish(response: Response) -> Response:
        if request.path.startswith("/_sandbox"):
            return response
        for name, value in (getattr(g, "rate_headers", None) or {}).items():
            response.headers.setdefault(name, value)
        st.record(request.method, request.path, response.status_code, request.query_string.decode())
        fault = getattr(g, "fault", None)
        if fault is not None and fault.status is None and fault.after_write:
            time.sleep(fault.sleep)  # the write is applied; the client gives up waiting
        if st.auto_deliver and st.outbox:
            threading.Thread(target=st.deliver_webhooks, daemon=True).start()
        return response

    @app.errorhandler(SandboxError)
    def sandbox_error(exc: SandboxError) -> Response:
        return _error(exc.status, exc.body)

    @app.errorhandler(404)
    def unknown(_exc: Exception) -> Response:
        return _error(404, {"error": "InvalidEndpoint", "description": "Not found"})

    @app.errorhandler(405)
    def wrong_method(_exc: Exception) -> Response:
        return _error(405, {"error": "InvalidEndpoint", "description": "Method not allowed"})

    # --- tickets ---------------------------------------------------------------------------
    @route("/api/v2/tickets", ["GET", "POST"])
    def create_ticket() -> Response | tuple[Response, int]:
        if request.method == "GET":
            # List Tickets: ``external_id`` filters on the ticket's external id.
            external_id = request.args.get("external_id")
            with st.lock:
                found = [
                    st.render_ticket(t, _base())
                    for t in st.tickets.values()
                    if external_id is None or t["external_id"] == external_id
                ]
            return jsonify({"tickets": found, "next_page": None, "previous_page": None,
                            "count": len(found)})  # fmt: skip
        t, audit = st.create_ticket(_body("ticket"))
        assert audit is not None
        payload = {"ticket": st.render_ticket(t, _base()), "audit": st.render_audit(audit)}
        response = jsonify(payload)
        response.headers["Location"] = f"{_base()}/api/v2/tickets/{t['id']}.json"
        return response, 201

    @route("/api/v2/tickets/show_many")
    def show_many_tickets() -> Response:
        ids = _ids(request.args.get("ids"))
        with st.lock:
            found = [st.render_ticket(st.tickets[i], _base()) for i in ids if i in st.tickets]
        return jsonify({"tickets": found, "next_page": None, "previous_page": None,
                        "count": len(found)})  # fmt: skip

    @route("/api/v2/tickets/<int:ticket_id>", ["GET", "PUT"])
    def ticket(ticket_id: int) -> Response:
        if request.method == "PUT":
            t, audit = st.update_ticket(ticket_id, _body("ticket"))
            return jsonify(
                {"ticket": st.render_ticket(t, _base()), "audit": st.render_audit(audit)}
            )
        with st.lock:
            return jsonify({"ticket": st.render_ticket(st.ticket(ticket_id), _base())})

    @route("/api/v2/tickets/<int:ticket_id>/comments")
    def comments(ticket_id: int) -> Response:
        with st.lock:
            st.ticket(ticket_id)
            items = [st.render_comment(c) for c in st.comments.get(ticket_id, [])]
        if request.args.get("sort_order") == "desc":
            items.reverse()
        return jsonify(_cursor_page("comments", items))

    @route("/api/v2/tickets/<int:ticket_id>/audits")
    def audits(ticket_id: int) -> Response:
        with st.lock:
            st.ticket(ticket_id)
            items = [st.render_audit(a) for a in st.audits if a["ticket_id"] == ticket_id]
        return jsonify(_cursor_page("audits", items))

    @route("/api/v2/tickets/<int:ticket_id>/tags", ["GET", "PUT", "POST", "DELETE"])
    def tags(ticket_id: int) -> Response:
        if request.method == "GET":
            with st.lock:
                return jsonify({"tags": list(st.ticket(ticket_id)["tags"])})
        data = request.get_json(silent=True) or {}
        raw = data.get("tags")
        if not isinstance(raw, list):
            raise SandboxError(400, {"error": "InvalidEndpoint", "description": "tags required"})
        mode = {"PUT": "add", "POST": "set", "DELETE": "remove"}[request.method]
        return jsonify({"tags": st.change_tags(ticket_id, normalize_tags(raw), mode)})

    @route("/api/v2/tickets/<int:ticket_id>/metrics")
    def ticket_metric(ticket_id: int) -> Response:
        with st.lock:
            return jsonify({"ticket_metric": st.render_metric(st.ticket(ticket_id), _base())})

    @route("/api/v2/ticket_metrics")
    def ticket_metrics() -> Response:
        with st.lock:
            items = [st.render_metric(t, _base()) for t in st.tickets.values()]
        return jsonify(_cursor_page("ticket_metrics", items))

    @route("/api/v2/ticket_metrics/<int:metric_id>")
    def ticket_metric_by_id(metric_id: int) -> Response:
        with st.lock:
            for t in st.tickets.values():
                if t["id"] + 900000 == metric_id or t["id"] == metric_id:
                    return jsonify({"ticket_metric": st.render_metric(t, _base())})
        raise not_found()

    @route("/api/v2/tickets/<int:ticket_id>/satisfaction_rating", ["POST"])
    def rate(ticket_id: int) -> tuple[Response, int]:
        body = _body("satisfaction_rating")
        r = st.rate_ticket(ticket_id, str(body.get("score")), body.get("comment"))
        return jsonify({"satisfaction_rating": st.render_rating(r, _base())}), 201

    @route("/api/v2/satisfaction_ratings")
    def ratings() -> Response:
        start = request.args.get("start_time")
        end = request.args.get("end_time")
        score = request.args.get("score")
        with st.lock:
            rows = sorted(st.ratings.values(), key=lambda r: (r["created_at"], r["id"]))
            if start:
                rows = [r for r in rows if r["created_at"] >= _epoch(start, "start_time")]
            if end:
                rows = [r for r in rows if r["created_at"] <= _epoch(end, "end_time")]
            if score and score != "received":
                rows = [r for r in rows if r["score"] == score]
            elif score == "received":
                rows = [r for r in rows if r["score"] in ("good", "bad")]
            items = [st.render_rating(r, _base()) for r in rows]
        return jsonify(_cursor_page("satisfaction_ratings", items))

    # --- users -----------------------------------------------------------------------------
    @route("/api/v2/users/me")
    def me() -> Response:
        with st.lock:
            return jsonify({"user": st.render_user(st.user(st.api_user_id), _base())})

    @route("/api/v2/users/show_many")
    def show_many_users() -> Response:
        ids = _ids(request.args.get("ids"))
        with st.lock:
            found = [st.render_user(st.users[i], _base()) for i in ids if i in st.users]
        return jsonify({"users": found, "next_page": None, "previous_page": None,
                        "count": len(found)})  # fmt: skip

    @route("/api/v2/users/<int:user_id>")
    def user(user_id: int) -> Response:
        with st.lock:
            return jsonify({"user": st.render_user(st.user(user_id), _base())})

    @route("/api/v2/users", ["POST"])
    def create_user() -> tuple[Response, int]:
        body = _body("user")
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
        with st.lock:
            return jsonify({"user": st.render_user(u, _base())}), 201

    # --- ticket fields ---------------------------------------------------------------------
    @route("/api/v2/ticket_fields", ["GET", "POST"])
    def ticket_fields() -> Response | tuple[Response, int]:
        if request.method == "POST":
            f = st.create_ticket_field(_body("ticket_field"))
            with st.lock:
                return jsonify({"ticket_field": st.render_ticket_field(f, _base())}), 201
        with st.lock:
            items = [st.render_ticket_field(f, _base()) for f in st.ticket_fields.values()]
        return jsonify({"ticket_fields": items, "next_page": None, "previous_page": None,
                        "count": len(items)})  # fmt: skip

    # --- import and jobs -------------------------------------------------------------------
    @route("/api/v2/imports/tickets", ["POST"])
    def import_ticket() -> tuple[Response, int]:
        t, _ = st.create_ticket(_body("ticket"), importing=True)
        with st.lock:
            return jsonify({"ticket": st.render_ticket(t, _base())}), 201

    @route("/api/v2/imports/tickets/create_many", ["POST"])
    def import_many() -> Response:
        data = request.get_json(silent=True) or {}
        tickets = data.get("tickets")
        if not isinstance(tickets, list):
            raise SandboxError(400, {"error": "InvalidEndpoint", "description": "tickets required"})
        job = st.import_many(tickets)
        return jsonify({"job_status": st.render_job(job, _base(), first=True)})

    @route("/api/v2/job_statuses/<job_id>")
    def job_status(job_id: str) -> Response:
        with st.lock:
            job = st.jobs.get(job_id)
            if job is None:
                raise not_found()
            return jsonify({"job_status": st.render_job(job, _base())})

    # --- incremental exports ---------------------------------------------------------------
    @route("/api/v2/incremental/tickets/cursor")
    def export_tickets() -> Response:
        per_page = min(_int(request.args.get("per_page"), "per_page", 1000), 1000)
        cursor = request.args.get("cursor")
        with st.lock:
            order = sorted(st.tickets.values(), key=lambda t: (t["updated_at"], t["id"]))
            if cursor:
                position = _decode_cursor(cursor)
                key = (float(position["ts"]), int(position["id"]))
                rows = [t for t in order if (t["updated_at"].timestamp(), t["id"]) > key]
            elif request.args.get("start_time") is not None:
                since = _epoch(request.args["start_time"], "start_time")
                rows = [t for t in order if t["updated_at"] >= since]
            else:
                raise SandboxError(
                    400, {"error": "InvalidValue", "description": "start_time or cursor required"}
                )
            page = rows[:per_page]
            items = [st.render_ticket(t, _base()) for t in page]
        last = page[-1] if page else None
        after = (
            _encode_cursor({"ts": last["updated_at"].timestamp(), "id": last["id"]})
            if last
            else (cursor or _encode_cursor({"ts": 0, "id": 0}))
        )
        args = {"cursor": after}
        if request.args.get("per_page"):
            args["per_page"] = str(per_page)
        return jsonify(
            {
                "tickets": items,
                "after_url": f"{_base()}{request.path}?{urlencode(args)}",
                "before_url": None,
                "after_cursor": after,
                "before_cursor": None,
                "end_of_stream": len(rows) <= per_page,
            }
        )

    @route("/api/v2/incremental/ticket_events")
    def export_ticket_events() -> Response:
        since = _epoch(request.args.get("start_time"), "start_time")
        per_page = min(_int(request.args.get("per_page"), "per_page", 1000), 1000)
        with_comments = "comment_events" in (request.args.get("include") or "").split(",")
        with st.lock:
            rows = sorted(
                (a for a in st.audits if a["created_at"] >= since),
                key=lambda a: (a["created_at"], a["id"]),
            )
            page = rows[:per_page]
            events = [_ticket_event(st, a, with_comments) for a in page]
        end_time = int(page[-1]["created_at"].timestamp()) if page else int(since.timestamp())
        args = {"start_time": str(end_time)}
        if request.args.get("include"):
            args["include"] = request.args["include"]
        return jsonify(
            {
                "ticket_events": events,
                "next_page": f"{_base()}{request.path}?{urlencode(args)}",
                "previous_page": None,
                "count": len(events),
                "end_of_stream": len(rows) <= per_page,
                "end_time": end_time,
            }
        )

    # --- webhooks and triggers -------------------------------------------------------------
    @route("/api/v2/webhooks", ["GET", "POST"], both=False)
    def webhooks() -> Response | tuple[Response, int]:
        if request.method == "POST":
            w = st.create_webhook(_body("webhook"))
            with st.lock:
                return jsonify({"webhook": st.render_webhook(w)}), 201
        with st.lock:
            items = [st.render_webhook(w) for w in st.webhooks.values()]
        return jsonify({"webhooks": items, "meta": {"has_more": False, "after_cursor": None,
                        "before_cursor": None}, "links": {"next": None, "prev": None}})  # fmt: skip

    @route("/api/v2/webhooks/<webhook_id>", both=False)
    def webhook(webhook_id: str) -> Response:
        with st.lock:
            return jsonify({"webhook": st.render_webhook(st.webhook(webhook_id))})

    @route("/api/v2/webhooks/<webhook_id>/signing_secret", both=False)
    def signing_secret(webhook_id: str) -> Response:
        with st.lock:
            st.webhook(webhook_id)
            secret = st.webhook_secrets[webhook_id]
        return jsonify({"signing_secret": {"secret": secret, "algorithm": "SHA256"}})

    @route("/api/v2/triggers", ["GET", "POST"])
    def triggers() -> Response | tuple[Response, int]:
        if request.method == "POST":
            t = st.create_trigger(_body("trigger"))
            with st.lock:
                return jsonify({"trigger": st.render_trigger(t, _base())}), 201
        with st.lock:
            items = [st.render_trigger(t, _base()) for t in st.triggers.values()]
        return jsonify(_cursor_page("triggers", items))

    # --- control ---------------------------------------------------------------------------
    @app.post("/_sandbox/reset")
    def control_reset() -> Response:
        st.reset()
        return jsonify({"ok": True, "api_user_id": st.api_user_id})

    @app.post("/_sandbox/rate_limit")
    def control_rate_limit() -> Response:
        data = request.get_json(silent=True) or {}
        st.configure_rate_limit(data.get("per_minute"), path_prefix=data.get("path_prefix"))
        return jsonify({"per_minute": data.get("per_minute")})

    @app.post("/_sandbox/faults")
    def control_faults() -> Response:
        data = request.get_json(silent=True) or {}
        common = {"count": int(data.get("count", 1)), "method": data.get("method"),
                  "path_prefix": data.get("path_prefix")}  # fmt: skip
        if data.get("timeout") is not None:
            st.inject_timeout(
                float(data["timeout"]), after_write=bool(data.get("after_write")), **common
            )
        else:
            st.inject_fault(int(data.get("status", 500)), retry_after=data.get("retry_after"),
                            **common)  # fmt: skip
        return jsonify({"pending": len(st.faults)})

    @app.get("/_sandbox/log")
    def control_log() -> Response:
        return jsonify({"requests": [e.__dict__ for e in st.requests()]})

    @app.post("/_sandbox/users")
    def control_users() -> tuple[Response, int]:
        data = request.get_json(silent=True) or {}
        created = st.seed_users(data.get("users") or [])
        with st.lock:
            return jsonify({"users": [st.render_user(u, _base()) for u in created]}), 201

    @app.post("/_sandbox/webhooks/target")
    def control_webhook_target() -> tuple[Response, int]:
        data = request.get_json(silent=True) or {}
        w = st.configure_webhook_target(
            data["url"], secret=data.get("secret"), auto_deliver=bool(data.get("auto_deliver"))
        )
        with st.lock:
            return jsonify({"webhook": st.render_webhook(w),
                            "secret": st.webhook_secrets[w["id"]]}), 201  # fmt: skip

    @app.get("/_sandbox/webhooks/pending")
    def control_webhooks_pending() -> Response:
        return jsonify({"pending": [{"url": d.url, "headers": dict(d.headers),
                                     "body": d.json()} for d in st.pending_webhooks()]})  # fmt: skip

    @app.post("/_sandbox/webhooks/deliver")
    def control_webhooks_deliver() -> Response:
        results = st.deliver_webhooks()
        return jsonify({"delivered": [{"url": d.url, "status": s} for d, s in results]})

    @app.post("/_sandbox/tickets/<int:ticket_id>/rating")
    def control_rating(ticket_id: int) -> tuple[Response, int]:
        data = request.get_json(silent=True) or {}
        created = parse_time(data["created_at"], "created_at") if data.get("created_at") else None
        r = st.rate_ticket(ticket_id, data.get("score", "good"), data.get("comment"),
                           created_at=created, force=True)  # fmt: skip
        with st.lock:
            return jsonify({"satisfaction_rating": st.render_rating(r, _base())}), 201

    return app


def _error(
    status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
) -> Response:
    response = jsonify(dict(body))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _ids(raw: str | None) -> list[int]:
    if not raw:
        raise SandboxError(400, {"error": "InvalidParameter", "description": "ids required"})
    try:
        ids = [int(x) for x in raw.split(",") if x.strip()]
    except ValueError:
        raise SandboxError(
            400, {"error": "InvalidParameter", "description": "ids must be integers"}
        ) from None
    if len(ids) > 100:
        raise SandboxError(
            400,
            {"error": "TooManyValues", "description": "Parameter ids cannot specify more than 100 values",
             "max_count": 100},
        )  # fmt: skip
    return ids


def _epoch(raw: str | None, name: str) -> datetime:
    if raw is None or raw == "":
        raise SandboxError(400, {"error": "InvalidValue", "description": f"{name} required"})
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except ValueError:
        raise SandboxError(
            400, {"error": "InvalidValue", "description": f"{name} must be epoch seconds"}
        ) from None


def _ticket_event(
    st: SandboxState, audit: Mapping[str, Any], with_comments: bool
) -> dict[str, Any]:
    """Render one audit as an incremental ticket event (comments only if sideloaded)."""
    children: list[dict[str, Any]] = []
    comment = next((e for e in audit["events"] if e["type"] == "Comment"), None)
    for e in audit["events"]:
        if e["type"] == "Comment":
            if not with_comments:
                continue
            child = {
                **e,
                "via": {"channel": audit["channel"], "source": {"from": {}, "to": {}, "rel": None}},
                "via_reference_id": None,
                "created_at": iso(audit["created_at"]),
                "event_type": "Comment",
            }
        else:
            child = {
                "id": e["id"],
                "via": audit["channel"].capitalize() if audit["channel"] != "api" else "API",
                "via_reference_id": None,
                "event_type": e["type"],
                e["field_name"]: e["value"],
                "field_name": e["field_name"],
            }
            if "previous_value" in e:
                child["previous_value"] = e["previous_value"]
        children.append(child)
    event: dict[str, Any] = {
        "id": audit["id"],
        "ticket_id": audit["ticket_id"],
        "timestamp": int(audit["created_at"].timestamp()),
        "created_at": iso(audit["created_at"]),
        "updater_id": audit["author_id"],
        "via": "API" if audit["channel"] == "api" else audit["channel"].capitalize(),
        "system": {"client": "sandbox", "location": None, "latitude": None, "longitude": None},
        "event_type": "Audit",
        "merged_ticket_ids": [],
        "child_events": children,
    }
    if not with_comments:
        event["comment_present"] = comment is not None
        event["comment_public"] = bool(comment and comment["public"])
    return event
