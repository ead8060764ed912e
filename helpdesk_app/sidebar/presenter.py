"""Turn a ticket's packet, findings, policy mismatches and flags into what the sidebar shows.

Pure data shaping: no HTML here (the template escapes every value), no writes.
"""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff import flags
from handoff.models.flags import PacketAcknowledgement, ReaskFlag
from handoff.models.packets import Packet

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


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    """Return ``module.name`` when another part of the product provides it, else None."""
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def _findings(session: Session, ticket_id: int) -> list[Finding]:
    """Read the repetition detector's stored findings for the ticket, when that part exists."""
    try:
        from handoff.models.detection import DetectionFinding
    except ImportError:
        return []
    rows = session.scalars(
        sa.select(DetectionFinding)
        .where(DetectionFinding.ticket_id == ticket_id)
        .order_by(DetectionFinding.created_at, DetectionFinding.id)
    )
    shown = []
    for row in rows:
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
        shown.append(Finding(label, text))
    return shown


def _mismatch_text(incident: Any) -> Mismatch:
    """Word a policy incident from ``handoff.policy`` whatever its exact shape."""

    def get(*names: str) -> Any:
        for name in names:
            value = (
                incident.get(name) if isinstance(incident, dict) else getattr(incident, name, None)
            )
            if value not in (None, ""):
                return value
        return None

    severity = get("severity", "priority")
    severity_text = str(severity) if severity else None
    name = get("name", "policy_name", "key", "policy_key")
    label = humanize(str(name)) if name else None
    message = get("message", "description", "summary", "explanation")
    if message:
        return Mismatch(f"{label}: {message}" if label else str(message), severity_text)
    said = get("said", "stated", "claimed", "bot_value", "said_value", "value")
    truth = get("in_force", "expected", "policy_value", "policy", "actual")
    unit = get("unit")
    unit_text = f" {unit}" if unit else ""
    text = f"{label or 'Policy'}: the bot said {said}{unit_text}"
    if truth is not None:
        text += f"; the policy in force then says {truth}{unit_text}"
    return Mismatch(text, severity_text)


def _mismatches(session: Session, ticket_id: int) -> list[Mismatch]:
    """Ask the policy part for the ticket's mismatches, when that part exists."""
    incidents_for_ticket = _optional("handoff.policy", "incidents_for_ticket") or _optional(
        "handoff.policy.report", "incidents_for_ticket"
    )
    if incidents_for_ticket is None:
        return []
    try:
        incidents = incidents_for_ticket(session, ticket_id)
    except Exception:  # another part's failure must not hide the packet from the agent
        log.exception("policy incidents failed ticket_id=%s", ticket_id)
        return []
    return [_mismatch_text(i) for i in incidents or []]


def latest_packet(session: Session, ticket_id: int) -> Packet | None:
    """Return the ticket's newest packet, or None."""
    return session.scalar(
        sa.select(Packet)
        .where(Packet.ticket_id == ticket_id)
        .order_by(Packet.created_at.desc(), Packet.id.desc())
        .limit(1)
    )


def build_view(session: Session, ticket_id: int, agent_id: int | None) -> SidebarView:
    """Gather what the sidebar shows for ``ticket_id``, most important first."""
    view = SidebarView(ticket_id=ticket_id)
    view.flag = flags.active_flag(session, ticket_id)
    history = flags.flags_for_ticket(session, ticket_id)
    view.last_cleared = next((f for f in history if not f.active), None)
    view.findings = _findings(session, ticket_id)
    row = latest_packet(session, ticket_id)
    if row is None:
        return view
    body = row.body
    view.packet = body
    view.acknowledged = flags.acknowledgement(session, ticket_id, agent_id)
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
