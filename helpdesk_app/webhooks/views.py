"""POST /webhooks/zendesk: verify and store in the request, process once the answer is sent."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, current_app, jsonify, request

from handoff import webhooks
from handoff.delivery.objects import webhook_secrets
from helpdesk_app.db import get_session, now
from helpdesk_app.runtime import runtime
from helpdesk_app.webhooks import bp


@bp.post("/zendesk")
def zendesk() -> tuple[Response, int]:
    """Accept a signed Zendesk event: 200 stored or duplicate; 401 forged or stale; 409 replayed."""
    rt = runtime()
    session = get_session()
    received = webhooks.receive(
        session,
        body=request.get_data(cache=False),
        timestamp=request.headers.get(webhooks.TIMESTAMP_HEADER),
        signature=request.headers.get(webhooks.SIGNATURE_HEADER),
        secrets=[
            rt.settings.zendesk_webhook_secret or "",
            *webhook_secrets(session, rt.settings.secret_key),
        ],
        now=now(),
        max_skew=timedelta(seconds=rt.settings.webhook_max_skew_seconds),
        limits=rt.settings.json_limits,
    )
    session.commit()
    response = jsonify(
        {"status": "duplicate" if received.duplicate else "stored", "id": received.event.id}
    )
    if not received.duplicate:
        # Stored and committed: processing after the answer keeps Zendesk's request short, and
        # whatever fails here is left pending for the worker.
        app, event_id = current_app._get_current_object(), received.event.id  # type: ignore[attr-defined]

        def process() -> None:
            with app.app_context():
                webhooks.process_safely(rt.sessions, event_id, rt.clock())

        response.call_on_close(process)
    return response, 200
