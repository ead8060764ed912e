"""Packet endpoints: post, dry-run validate, read by id or by ticket."""

from __future__ import annotations

from flask import Response, jsonify

from handoff import packets
from handoff.policy import hooks as policy_hooks
from helpdesk_app.api import bp, json_body
from helpdesk_app.auth import require_token
from helpdesk_app.db import get_session, now, write_packet
from helpdesk_app.errors import error_response


@bp.post("/packets")
@require_token("packets:write")
def post_packet() -> Response:
    """Store a packet and queue it for the ticket: 201 new, 200 same body again.

    The packet, its delivery and its policy check are written together; the answer waits for
    the commit, which requests arriving at the same moment share (``write_packet``).
    """
    # The policy check is queued with the packet (one transaction); it never blocks intake.
    # json_body() refuses NUL in any string (jsonguard): validation need not look again.
    accepted = packets.intake(json_body(), now=now(), write=write_packet, session=get_session,
                              follow_ups=policy_hooks.packet_follow_ups, text_checked=True)  # fmt: skip
    status = 201 if accepted.created else 200
    return Response(packets.packet_json(accepted.packet), status, mimetype="application/json")


@bp.post("/packets/validate")
@require_token("packets:write")
def validate_packet() -> tuple[Response, int]:
    """Check a packet without storing it: 200 with completeness, or 422 with every error."""
    document = json_body()
    errors = packets.validate_packet(document)
    if errors:
        details = [e.as_dict() for e in errors]
        return error_response(422, "validation_failed", f"{len(errors)} schema error(s)", details)
    return jsonify({"valid": True, "completeness": packets.completeness(document).as_dict()}), 200


@bp.get("/packets/<packet_id>")
@require_token("packets:read")
def get_packet(packet_id: str) -> Response:
    """Return a stored packet by its id."""
    packet = packets.get_packet(get_session(), packet_id)
    assert packet is not None
    return jsonify(packets.packet_view(packet))


@bp.get("/tickets/<int:ticket_id>/packet")
@require_token("packets:read")
def get_ticket_packet(ticket_id: int) -> Response:
    """Return the latest packet written for a ticket."""
    return jsonify(packets.packet_view(packets.packet_for_ticket(get_session(), ticket_id)))
