"""Turn a ticket's packet, findings, policy mismatches and flags into what the sidebar shows.

Words only what the owners return (``handoff.packets``, ``handoff.detection.store``,
``handoff.policy.report``, ``handoff.flags``): no SQL, no HTML (the template escapes every
value), no writes.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from handoff import flags, packets
from handoff.detection import store as findings_store
from handoff.models.detection import DetectionFinding
from handoff.models.flags import PacketAcknowledgement, ReaskFlag
from handoff.policy import report as policy_report

log = logging.getLogger(__name__)

REASONS = {
    "low_confidence": "The bot was not confident enough to answer",
    "customer_request": "The customer asked for a person",
    "frustration": "The customer was frustrated",
    "regulated_topic": "Regulated topic: a person must handle it",
    "vip": "VIP customer",
    "repeated_ai_contact": "The customer came back to the bot again",
    "amount_threshold": "The amount is above what the bot may approve",
    "policy_uncertain": "The bot was unsure which policy applies",
    "tool_failure": "A tool the bot needed failed",
    "unsupported_request": "The bot cannot do what was asked",
    "other": "Other reason",
}
IDENTIFIER_KINDS = {
    "order_id": "Order",
    "email": "Email",
    "account_id": "Account",
    "phone": "Phone",
    "tracking_number": "Tracking",
    "invoice_id": "Invoice",
    "other": "Other",
}
FIELD_LABELS = {
    "created_at": "handoff time",
    "conversation_id": "conversation id",
    "bot.version": "bot version",
    "channel": "channel",
    "customer": "customer",
    "intent.confidence": "intent confidence",
    "account_state": "account state",
    "prior_actions": "what the bot tried",
    "escalation.detail": "escalation detail",
    "sentiment": "sentiment",
    "identifiers": "details the customer gave",
    "policy_citations": "policy statements",
    "model_csat": "predicted satisfaction",
}
FINDING_KINDS = {
    "explicit_repetition": "Customer repeated",
    "implicit_repetition": "Customer re-sent",
    "agent_reask": "Suggested re-ask",
}


def humanize(name: str) -> str:
    """Turn ``order_status`` into ``Order status``."""
    text = name.replace("_", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:]


def confidence_words(value: float | None) -> str | None:
    """Say a 0..1 confidence in words an agent reads at a glance."""
    if value is None:
        return None
    if value >= 0.8:
        return "high"
    if value >= 0.5:
        return "medium"
    return "low"


def _time(value: Any) -> str | None:
    """Show an ISO instant as ``HH:MM`` (UTC); anything else as given."""
    if not isinstance(value, str):
        return None
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return instant.strftime("%H:%M")


def _money(value: Any) -> str | None:
    if isinstance(value, dict) and "amount" in value and "currency" in value:
        amount = value["amount"]
        shown = f"{amount:,.2f}" if isinstance(amount, int | float) else str(amount)
        return f"{shown} {value['currency']}"
    return None


def _value_text(value: Any) -> str:
    """Render a free account-state value as short text."""
    money = _money(value)
    if money is not None:
        return money
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "—"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def account_rows(state: dict[str, Any]) -> list[tuple[str, str]]:
    """Flatten account state into label/value rows; each order is one row."""
    rows: list[tuple[str, str]] = []
    for key, value in state.items():
        if key == "orders" and isinstance(value, list):
            for order in value:
                if not isinstance(order, dict):
                    continue
                parts = [str(order.get(k)) for k in ("status",) if order.get(k)]
                total = _money(order.get("total"))
                if total:
                    parts.append(total)
                placed = order.get("placed_at")
                if isinstance(placed, str):
                    parts.append(f"placed {placed[:10]}")
                rows.append((f"Order {order.get('id', '?')}", ", ".join(parts) or "—"))
        else:
            rows.append((humanize(key), _value_text(value)))
    return rows


@dataclass
class Finding:
    """One repetition finding as the sidebar words it."""

    label: str
    text: str


@dataclass
class Mismatch:
    """One policy mismatch: what the bot said against the policy in force."""

    text: str
    severity: str | None = None


@dataclass
class SidebarView:
    """Everything the sidebar template renders for one ticket."""

    ticket_id: int
    packet: dict[str, Any] | None = None
    reason: str | None = None
    reason_code: str | None = None
    reason_detail: str | None = None
    rules: list[str] = field(default_factory=list)
    intent: str | None = None
    confidence: float | None = None
    confidence_words: str | None = None
    summary: str | None = None
    customer: dict[str, Any] = field(default_factory=dict)
    channel: str | None = None
    bot: str | None = None
    handed_off_at: str | None = None
    sentiment: dict[str, Any] | None = None
    identifiers: list[dict[str, str]] = field(default_factory=list)
    account: list[tuple[str, str]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    policies: list[dict[str, Any]] = field(default_factory=list)
    mismatches: list[Mismatch] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    transcript: list[dict[str, Any]] = field(default_factory=list)
    completeness: float | None = None
    missing: list[str] = field(default_factory=list)
    flag: ReaskFlag | None = None
    last_cleared: ReaskFlag | None = None
    acknowledged: PacketAcknowledgement | None = None
    sections: tuple[tuple[str, str], ...] = flags.PACKET_SECTIONS


def finding_text(row: DetectionFinding) -> Finding:
    """Word one stored repetition finding for the agent."""
    label = FINDING_KINDS.get(row.kind, humanize(row.kind))
    snippet = (row.evidence or {}).get("snippet") or ""
    if row.kind == "agent_reask":
        asked = row.matched_value or row.cue.removeprefix("ask:")
        text = f"the agent asked for {asked}, which the packet already held"
        if snippet:
            text += f": “{snippet}”"
    elif row.kind == "implicit_repetition" and row.matched_value:
        text = f"{row.matched_value}" + (f" — “{snippet}”" if snippet else "")
    else:
        text = f"“{snippet}”" if snippet else humanize(row.cue)
    return Finding(label, text)


def mismatch_text(incident: policy_report.TicketIncident) -> Mismatch:
    """Word one policy incident: the policy's name, then what the bot said against it."""
    return Mismatch(f"{humanize(incident.name)}: {incident.message}", incident.severity)


def _mismatches(session: Session, ticket_id: int) -> list[Mismatch]:
    """Word the ticket's policy incidents; a failure there is logged, never hides the packet."""
    try:
        incidents = policy_report.incidents_for_ticket(session, ticket_id)
    except Exception:  # the packet matters more to the agent than the policy section
        log.exception("policy incidents failed ticket_id=%s", ticket_id)
        return []
    return [mismatch_text(i) for i in incidents]


def build_view(session: Session, ticket_id: int, agent_id: int | None) -> SidebarView:
    """Gather what the sidebar shows for ``ticket_id``, most important first."""
    view = SidebarView(ticket_id=ticket_id)
    view.flag = flags.active_flag(session, ticket_id)
    history = flags.flags_for_ticket(session, ticket_id)
    view.last_cleared = next((f for f in history if not f.active), None)
    view.findings = [
        finding_text(f) for f in findings_store.findings_for_ticket(session, ticket_id)
    ]
    row = packets.latest_packet_for_ticket(session, ticket_id)
    if row is None:
        return view
    body = row.body
    view.packet = body
    view.acknowledged = flags.acknowledgement(session, ticket_id, agent_id, packet=row)
    escalation = body.get("escalation") or {}
    view.reason_code = escalation.get("reason")
    view.reason = REASONS.get(view.reason_code or "", humanize(view.reason_code or "other"))
    view.reason_detail = escalation.get("detail")
    view.rules = list(escalation.get("triggered_rules") or [])
    intent = body.get("intent") or {}
    view.intent = humanize(intent.get("name", "unknown"))
    view.confidence = intent.get("confidence")
    view.confidence_words = confidence_words(view.confidence)
    view.summary = body.get("summary")
    view.customer = body.get("customer") or {}
    view.channel = body.get("channel")
    bot = body.get("bot") or {}
    view.bot = " ".join(str(p) for p in (bot.get("name"), bot.get("version")) if p) or None
    view.handed_off_at = row.created_at.strftime("%Y-%m-%d %H:%M UTC")
    view.sentiment = body.get("sentiment") or None
    view.identifiers = [
        {
            "kind": IDENTIFIER_KINDS.get(i.get("kind", "other"), "Other"),
            "label": i.get("label") or "",
            "value": i.get("value", ""),
        }
        for i in body.get("identifiers") or []
    ]
    view.account = account_rows(body.get("account_state") or {})
    view.actions = [
        {**a, "time": _time(a.get("at"))}
        for a in sorted(body.get("prior_actions") or [], key=lambda a: a.get("at") or "")
    ]
    view.policies = [
        {**c, "label": humanize(str(c.get("policy", "")))}
        for c in body.get("policy_citations") or []
    ]
    view.mismatches = _mismatches(session, ticket_id)
    view.transcript = [
        {**turn, "time": _time(turn.get("at"))} for turn in reversed(body.get("transcript") or [])
    ]
    view.completeness = row.completeness
    view.missing = [FIELD_LABELS.get(m, humanize(m)) for m in row.missing_fields or []]
    return view
