"""Bot conversation endpoints: every engagement, resolved or not."""

from __future__ import annotations

from flask import Response, jsonify
from sqlalchemy.orm import Session

from handoff import conversations
from handoff.policy import hooks as policy_hooks
from helpdesk_app.api import bp, json_body
from helpdesk_app.auth import require_token
from helpdesk_app.db import commit_retrying, get_session, now


@bp.post("/conversations")
@require_token("conversations:write")
def post_conversation() -> tuple[Response, int]:
    """Create (201) or update (200) a bot conversation by its id."""
    document, moment = json_body(), now()

    def record(session: Session) -> conversations.Recorded:
        recorded = conversations.record_conversation(session, document, now=moment)
        if recorded.change != "unchanged":
            # Check the bot's policy quotes in the same transaction; a failing check never blocks.
            policy_hooks.after_conversation(session, recorded.conversation, moment)
        return recorded

    recorded = commit_retrying(record)
    status = 201 if recorded.change == "created" else 200
    return jsonify({"change": recorded.change, "conversation": recorded.conversation.body}), status


@bp.get("/conversations/<conversation_id>")
@require_token("packets:read")
def get_conversation(conversation_id: str) -> Response:
    """Return a stored bot conversation."""
    return jsonify(conversations.get_conversation(get_session(), conversation_id).body)
