"""Deterministic policy checks: compare what the bot said with the version in force when it said it."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.models import BotConversation, Packet
from handoff.models.policy import PolicyCheck, PolicyCheckRun, PolicyIncident
from handoff.packets import latest_packet_for_conversation
from handoff.policy.golden import Fact, GoldenSet, Version, current
from handoff.policy.units import Quantity, same
from handoff.weeks import week_label

PACKET, CONVERSATION = "packet", "conversation"
CITATION, TRANSCRIPT, CAPABILITY = "citation", "transcript", "capability"
SEVERITY = {"refund_pricing": "P0", "process_contact": "P2", "capability": "P1"}


@dataclass(frozen=True)
class Statement:
    """One thing the bot said that a policy fact or a capability can check."""

    key: str
    origin: str
    raw: str
    said: Quantity | None
    text: str | None
    at: datetime


@dataclass(frozen=True)
class Verdict:
    """A statement compared with the golden set: the value in force then and whether they agree."""

    statement: Statement
    policy_class: str
    matched: bool
    policy: str | None
    version: Version | None
    severity: str | None


@dataclass(frozen=True)
class CheckResult:
    """What a check of one source found (incidents are the unmatched verdicts)."""

    verdicts: tuple[Verdict, ...]
    uncited_factual: int
    golden_revision: int | None

    @property
    def incidents(self) -> tuple[Verdict, ...]:
        """Return the verdicts that are incidents."""
        return tuple(v for v in self.verdicts if not v.matched)


def parse_time(value: Any) -> datetime | None:
    """Parse an RFC 3339 timestamp, or None when absent or malformed."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def severity(policy_class: str, *, regulated: bool) -> str:
    """Return an incident's severity: refund & pricing P0, warranty P0 if regulated else P1, ..."""
    if policy_class == "warranty_service_level":
        return "P0" if regulated else "P1"
    return SEVERITY[policy_class]


def _bot_messages(body: Mapping[str, Any]) -> list[tuple[str, datetime | None]]:
    return [
        (str(m.get("text", "")), parse_time(m.get("at")))
        for m in body.get("transcript") or []
        if m.get("role") == "bot"
    ]


def extract(
    golden: GoldenSet, body: Mapping[str, Any], *, fallback_at: datetime
) -> tuple[list[Statement], int]:
    """Collect the policy statements of a packet or conversation, and how many had no citation.

    Citations come first; a transcript message that a citation of the same fact already covers
    (same text or same time) is not counted again.
    """
    messages = _bot_messages(body)
    statements: list[Statement] = []
    covered: set[tuple[str, str]] = set()
    for citation in body.get("policy_citations") or []:
        fact = golden.facts.get(citation.get("policy", ""))
        if fact is None:
            continue  # a key the golden set does not know cannot be checked deterministically
        text = citation.get("statement")
        at = parse_time(citation.get("at"))
        if at is None and text:
            at = next((t for m, t in messages if m.strip() == text.strip() and t), None)
        at = at or fallback_at
        version = fact.version_at(at)
        currency = version.currency if version else None
        said = fact.read(citation["value"], citation.get("unit"), currency)
        raw = f"{citation['value']}{' ' + citation['unit'] if citation.get('unit') else ''}"
        statements.append(Statement(fact.key, CITATION, raw, said, text, at))
        if text:
            covered.add((fact.key, text.strip()))
        if citation.get("at"):
            covered.add((fact.key, f"@{at.isoformat()}"))
    uncited = 0
    for text, stamp in messages:
        at = stamp or fallback_at
        for fact in golden.facts.values():
            for raw, said in _matches(fact, text, at):
                if (fact.key, text.strip()) in covered or (
                    fact.key,
                    f"@{at.isoformat()}",
                ) in covered:
                    continue
                uncited += 1
                statements.append(Statement(fact.key, TRANSCRIPT, raw, said, text, at))
        for capability in golden.capabilities:
            if any(p.search(text) for p in capability.patterns):
                statements.append(
                    Statement(
                        f"capability.{capability.action}", CAPABILITY, "claimed", None, text, at
                    )
                )
    return statements, uncited


def _matches(fact: Fact, text: str, at: datetime) -> list[tuple[str, Quantity | None]]:
    """Return each distinct value a fact's patterns find in one message."""
    found: dict[str, Quantity | None] = {}
    version = fact.version_at(at)
    for pattern in fact.patterns:
        for match in pattern.regex.finditer(text):
            if pattern.says is not None:
                raw = str(pattern.says).lower()
                said = fact.read(pattern.says, None, None)
            else:
                raw = match.group("value")
                said = fact.read(raw, None, version.currency if version else None)
            found.setdefault(raw, said)
    return list(found.items())


def evaluate(
    golden: GoldenSet, statements: Sequence[Statement], tools: set[str] | None
) -> list[Verdict]:
    """Compare each statement with the golden set; ``tools`` are the succeeded tool names (None: unknown).

    A statement made when no version was in force, or a capability claim whose tools cannot be
    known, is not judged: the golden set cannot say it is wrong.
    """
    verdicts = []
    for s in statements:
        if s.origin == CAPABILITY:
            action = s.key.removeprefix("capability.")
            cap = next(c for c in golden.capabilities if c.action == action)
            if tools is None and cap.tools:
                continue
            matched = bool(tools and set(cap.tools) & tools)
            policy = (
                f"to {cap.name} needs a succeeded {' or '.join(cap.tools)} action"
                if cap.tools
                else f"the bot has no tool to {cap.name}"
            )
            verdicts.append(
                Verdict(s, "capability", matched, policy, None, None if matched else "P1")
            )
            continue
        fact = golden.facts[s.key]
        version = fact.version_at(s.at)
        if version is None:
            continue
        expected = fact.quantity(version)
        matched = s.said is not None and same(s.said, expected)
        sev = None if matched else severity(fact.policy_class, regulated=golden.regulated_sector)
        verdicts.append(Verdict(s, fact.policy_class, matched, expected.display(), version, sev))
    return verdicts


def _dedup_key(scope: str, v: Verdict) -> str:
    s = v.statement
    text = "|".join((scope, s.key, s.at.isoformat(), _said(s), (s.text or "").strip()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _said(s: Statement) -> str:
    return s.said.display() if s.said is not None else s.raw


def _clear(session: Session, kind: str, source_id: str) -> None:
    for table in (PolicyCheck, PolicyIncident):
        session.execute(
            sa.delete(table).where(table.source_kind == kind, table.source_id == source_id),
            execution_options={"synchronize_session": False},
        )


def _check_source(
    session: Session,
    *,
    kind: str,
    source_id: str,
    conversation_id: str | None,
    ticket_id: int | None,
    body: Mapping[str, Any],
    fallback_at: datetime,
    tools: set[str] | None,
    now: datetime,
) -> CheckResult:
    """Check one source and replace whatever an earlier check of it stored; flush only."""
    run = session.get(PolicyCheckRun, (kind, source_id))
    if run is not None:  # a first check has nothing to replace
        _clear(session, kind, source_id)
    golden = current(session)
    verdicts: list[Verdict] = []
    uncited = 0
    if golden is not None:
        statements, uncited = extract(golden, body, fallback_at=fallback_at)
        verdicts = evaluate(golden, statements, tools)
    scope = conversation_id or f"{kind}:{source_id}"
    keyed = [(_dedup_key(scope, v), v) for v in verdicts]
    if kind == CONVERSATION and conversation_id:
        # The packet of an escalated conversation carries the same quotes; count them there only.
        taken = set(
            session.scalars(
                sa.select(PolicyCheck.dedup_key).where(
                    PolicyCheck.source_kind == PACKET,
                    PolicyCheck.conversation_id == conversation_id,
                )
            )
        )
        keyed = [(k, v) for k, v in keyed if k not in taken]
    elif kind == PACKET and keyed and conversation_id:
        for table in (PolicyCheck, PolicyIncident):
            session.execute(
                sa.delete(table).where(
                    table.source_kind == CONVERSATION, table.dedup_key.in_([k for k, _ in keyed])
                ),
                execution_options={"synchronize_session": False},
            )
    for key, v in keyed:
        s = v.statement
        common = {
            "source_kind": kind,
            "source_id": source_id,
            "conversation_id": conversation_id,
            "ticket_id": ticket_id,
            "key": s.key,
            "policy_class": v.policy_class,
            "said_value": _said(s)[:200],
            "policy_value": (v.policy or "")[:200] or None,
            "version_from": v.version.start if v.version else None,
            "statement": s.text,
            "said_at": s.at,
            "week": week_label(s.at, golden.zone if golden else UTC),
            "dedup_key": key,
        }
        session.add(
            PolicyCheck(
                **common,
                origin=s.origin,
                matched=v.matched,
                golden_revision=golden.revision if golden else None,
                checked_at=now,
            )
        )
        if not v.matched:
            session.add(PolicyIncident(**common, severity=v.severity or "P2", detected_at=now))
    if run is None:
        run = PolicyCheckRun(source_kind=kind, source_id=source_id)
        session.add(run)
    run.conversation_id = conversation_id
    run.statements = len(verdicts)
    run.incidents = sum(not v.matched for v in verdicts)
    run.uncited_factual = uncited
    run.golden_revision = golden.revision if golden else None
    run.checked_at = now
    session.flush()
    return CheckResult(tuple(verdicts), uncited, golden.revision if golden else None)


def succeeded_tools(body: Mapping[str, Any]) -> set[str]:
    """Return the tool names of the packet's prior actions that succeeded."""
    return {
        str(a["tool"])
        for a in body.get("prior_actions") or []
        if a.get("status") == "succeeded" and a.get("tool")
    }


def check_packet(session: Session, packet_row: Packet, now: datetime) -> CheckResult:
    """Check a stored packet's citations, bot messages and claimed actions; rerun replaces its results."""
    body = packet_row.body
    return _check_source(
        session,
        kind=PACKET,
        source_id=packet_row.packet_id,
        conversation_id=packet_row.conversation_id,
        ticket_id=packet_row.ticket_id,
        body=body,
        fallback_at=packet_row.created_at,
        tools=succeeded_tools(body),
        now=now,
    )


def check_conversation(
    session: Session, conversation_row: BotConversation, now: datetime
) -> CheckResult:
    """Check a stored bot conversation; claimed actions are judged with its packet's actions when one exists."""
    packet = latest_packet_for_conversation(session, conversation_row.conversation_id)
    return _check_source(
        session,
        kind=CONVERSATION,
        source_id=conversation_row.conversation_id,
        conversation_id=conversation_row.conversation_id,
        ticket_id=conversation_row.ticket_id,
        body=conversation_row.body,
        fallback_at=conversation_row.ended_at or conversation_row.started_at,
        tools=succeeded_tools(packet.body) if packet is not None else None,
        now=now,
    )
