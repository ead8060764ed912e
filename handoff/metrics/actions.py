"""Thresholds become actions: evidence, one owner, a due date and a decision log.

Each trigger of the spec's "Thresholds and actions" table is evaluated on the rolling window
(4 weeks by default), per archetype unless the spec says otherwise. A trigger opens at most one
action per window (``trigger_key`` is unique). A figure on too small a sample never triggers;
it is reported as not evaluated instead. Closing an action needs a decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.errors import Conflict, NotFound, ValidationFailed
from handoff.metrics.context import Figure, window_label
from handoff.metrics.panel import Panel
from handoff.models.metrics import Action, ActionDecision
from handoff.productconfig import UNMAPPED, ProductConfig

OPEN, CLOSED = "open", "closed"
KINDS = ("review", "rollback", "incident", "integration", "handoff_review", "tuning_review",
         "investigate_intent")  # fmt: skip


@dataclass(frozen=True)
class Candidate:
    """A crossed threshold, or one that could not be judged on its sample."""

    kind: str
    trigger: str
    scope: str
    key: str
    window: str
    evidence: dict[str, Any]
    sufficient: bool

    @property
    def trigger_key(self) -> str:
        """Identify the trigger in its window, so it opens once."""
        return f"{self.trigger}:{self.scope}:{self.key}:{self.window}"[:255]


@dataclass(frozen=True)
class Evaluation:
    """What one evaluation opened, what was already open, and what it could not judge."""

    opened: tuple[Action, ...]
    existing: tuple[str, ...]
    insufficient: tuple[Candidate, ...]
    withdrawn: tuple[str, ...] = ()


def _csat(panel: Panel, config: ProductConfig, window: str) -> list[Candidate]:
    """Review at -2 points, rollback at -4, per archetype, on resolution or delayed CSAT."""
    review = config.threshold("csat_review_points")
    rollback = config.threshold("csat_rollback_points")
    out = []
    for f in panel.csat.figures:
        if f.id not in ("resolution_csat_delta", "delayed_csat_delta") or f.scope != "archetype":
            continue
        if f.key == UNMAPPED or f.delta is None or f.delta.points is None:
            continue
        points = f.delta.points
        kind = "rollback" if points <= rollback else "review" if points <= review else None
        if kind:
            limit = rollback if kind == "rollback" else review
            evidence = {"figure": f.as_dict(), "threshold_points": limit}
            out.append(
                Candidate(
                    kind,
                    f"{f.id}<={limit:g}",
                    "archetype",
                    f.key,
                    window,
                    evidence,
                    f.delta.sufficient,
                )
            )
    return out


def _rate_over(figures: Sequence[Figure], fid: str, limit: float, kind: str, window: str,
               scopes: tuple[str, ...] = ("archetype",)) -> list[Candidate]:  # fmt: skip
    """Open ``kind`` where a rate exceeds ``limit``."""
    out = []
    for f in figures:
        if f.id != fid or f.scope not in scopes or f.rate is None or f.rate.value is None:
            continue
        if f.key == UNMAPPED or f.rate.value <= limit:
            continue
        evidence = {"figure": f.as_dict(), "threshold": limit}
        out.append(
            Candidate(kind, f"{fid}>{limit:g}", f.scope, f.key, window, evidence, f.rate.sufficient)
        )
    return out


def candidates(panel: Panel, config: ProductConfig) -> list[Candidate]:
    """List every crossed threshold on the panel's window."""
    window = window_label(panel.window)
    found = _csat(panel, config, window)
    if panel.policy.available and panel.policy.p0:
        evidence = {
            "p0_incidents": panel.policy.p0,
            "figures": [f.as_dict() for f in panel.policy.figures],
        }
        found.append(Candidate("incident", "policy_p0", "all", "", window, evidence, True))
    found += _rate_over(
        panel.handoff.figures,
        "context_loss_rate",
        config.threshold("context_loss_rate"),
        "integration",
        window,
    )
    found += _rate_over(
        panel.handoff.figures,
        "repetition_rate",
        config.threshold("repetition_rate"),
        "integration",
        window,
    )
    found += _rate_over(panel.operational.figures, "escalation_rate", config.threshold("intent_escalation_rate"),
                        "investigate_intent", window, ("intent",))  # fmt: skip
    increase = config.threshold("escalated_handle_time_increase")
    for f in panel.leading.figures:
        if f.id != "escalated_handle_time" or f.scope != "archetype" or f.key == UNMAPPED:
            continue
        if (
            f.quantile is None
            or f.baseline is None
            or f.quantile.seconds is None
            or not f.baseline.seconds
        ):
            continue
        if f.quantile.seconds > f.baseline.seconds * (1 + increase):
            evidence = {"figure": f.as_dict(), "threshold_increase": increase}
            sufficient = f.quantile.sufficient and f.baseline.sufficient
            found.append(Candidate("handoff_review", f"escalated_handle_time>+{increase:g}", "archetype", f.key,
                                   window, evidence, sufficient))  # fmt: skip
    weeks = int(config.threshold("bot_handle_time_rising_weeks"))
    if panel.leading.bot_handle_rising_weeks >= weeks:
        series = [f.as_dict() for f in panel.leading.series if f.id == "bot_handle_time"][
            -(weeks + 1) :
        ]
        sufficient = all(s["quantile"]["sufficient"] for s in series)
        found.append(Candidate("tuning_review", f"bot_handle_time_up_{weeks}_weeks", "all", "", window,
                               {"series": series}, sufficient))  # fmt: skip
    return found


def evaluate(session: Session, config: ProductConfig, panel: Panel, *, now: datetime) -> Evaluation:
    """Open an action for each crossed threshold not already opened in this window; flush only."""
    opened: list[Action] = []
    existing: list[str] = []
    insufficient: list[Candidate] = []
    found = candidates(panel, config)
    for c in found:
        if not c.sufficient:
            insufficient.append(c)
            continue
        if (
            session.scalar(sa.select(Action.id).where(Action.trigger_key == c.trigger_key))
            is not None
        ):
            existing.append(c.trigger_key)
            continue
        archetype = c.key if c.scope == "archetype" else None
        action = Action(
            kind=c.kind, trigger=c.trigger[:64], trigger_key=c.trigger_key, archetype=archetype,
            intent=c.key if c.scope == "intent" else None, window=c.window[:40],
            owner=config.owner_for(c.kind, archetype), status=OPEN, evidence=c.evidence,
            opened_at=now, due_at=now + config.due_in(c.kind), closed_at=None,
        )  # fmt: skip
        session.add(action)
        session.flush()
        opened.append(action)
    withdrawn = _withdraw_unsupported(session, panel, found, now=now)
    return Evaluation(tuple(opened), tuple(existing), tuple(insufficient), withdrawn)


SYSTEM = "handoff (refresh)"


def _withdraw_unsupported(
    session: Session, panel: Panel, found: Sequence[Candidate], *, now: datetime
) -> tuple[str, ...]:
    """Close the open actions of this window whose trigger the refreshed data no longer crosses.

    Data arrives late and definitions get corrected, so an action opened on earlier figures is
    re-judged: gone from the crossings -> closed with a logged decision; still crossing but now
    on too small a sample -> kept open with a note in its log (once).
    """
    window = window_label(panel.window)
    crossing = {c.trigger_key for c in found if c.sufficient}
    thin = {c.trigger_key for c in found if not c.sufficient}
    done: list[str] = []
    for action in session.scalars(
        sa.select(Action).where(Action.status == OPEN, Action.window == window[:40])
    ):
        if action.trigger_key in crossing:
            continue
        if action.trigger_key in thin:
            if action.evidence.get("thin_since"):
                continue
            action.evidence = {**action.evidence, "thin_since": now.isoformat()}
            text = "The refreshed data still crosses this threshold, but on too small a sample to act on."
            session.add(ActionDecision(action_id=action.id, decided_by=SYSTEM, decision=text,
                                       closes=False, created_at=now))  # fmt: skip
            continue
        text = "Closed: the refreshed data for this window no longer crosses the threshold."
        session.add(ActionDecision(action_id=action.id, decided_by=SYSTEM, decision=text,
                                   closes=True, created_at=now))  # fmt: skip
        action.status, action.closed_at = CLOSED, now
        done.append(action.trigger_key)
    session.flush()
    return tuple(done)


def list_actions(session: Session, status: str | None = None) -> list[Action]:
    """Return actions, open first by due date."""
    query = sa.select(Action).order_by(Action.status.desc(), Action.due_at, Action.id)
    if status:
        query = query.where(Action.status == status)
    return list(session.scalars(query))


def decisions(session: Session, action_id: int) -> list[ActionDecision]:
    """Return an action's decision log, oldest first."""
    query = sa.select(ActionDecision).where(ActionDecision.action_id == action_id)
    return list(session.scalars(query.order_by(ActionDecision.created_at, ActionDecision.id)))


def decide(session: Session, action_id: int, *, decided_by: str, decision: str, close: bool,
           now: datetime, note: str | None = None, due_on: date | None = None) -> ActionDecision:  # fmt: skip
    """Log a decision on an action, closing it or moving its due date when asked.

    A closed action takes no more decisions. The note and a moved due date are written into the
    logged decision, so the audit log alone tells what was decided.
    """
    action = session.get(Action, action_id)
    if action is None:
        raise NotFound(f"no action {action_id}")
    problems = []
    if not decided_by.strip():
        problems.append({"path": "$.decided_by", "message": "say who decided"})
    if not decision.strip():
        problems.append(
            {"path": "$.decision", "message": "an action is closed by a decision: write it"}
        )
    if due_on is not None and close:
        problems.append(
            {"path": "$.due_on", "message": "a closed action has no due date: leave it empty"}
        )
    if due_on is not None and due_on < now.date():
        problems.append(
            {"path": "$.due_on", "message": f"the new due date {due_on} is in the past"}
        )
    if problems:
        raise ValidationFailed("the decision is incomplete", details=problems)
    if action.status == CLOSED:
        raise Conflict(f"action {action_id} was closed on {action.closed_at:%Y-%m-%d}")
    text = decision.strip()
    if note and note.strip():
        text += f"\nNote: {note.strip()}"
    if due_on is not None:
        moved = datetime.combine(due_on, action.due_at.time(), action.due_at.tzinfo)
        text += f"\nDue date moved from {action.due_at:%Y-%m-%d} to {due_on:%Y-%m-%d}"
        action.due_at = moved
    entry = ActionDecision(action_id=action.id, decided_by=decided_by.strip()[:320], decision=text,
                           closes=close, created_at=now)  # fmt: skip
    session.add(entry)
    if close:
        action.status = CLOSED
        action.closed_at = now
    session.flush()
    return entry


def may_decide(action: Action, who: str | None) -> bool:
    """Tell whether ``who`` is the action's owner (the one person who decides it)."""
    return who is not None and who.strip().casefold() == action.owner.strip().casefold()


def as_dict(action: Action) -> dict[str, Any]:
    """Return the JSON form of an action."""
    return {
        "id": action.id, "kind": action.kind, "trigger": action.trigger, "archetype": action.archetype,
        "intent": action.intent, "window": action.window, "owner": action.owner, "status": action.status,
        "opened_at": action.opened_at.isoformat(), "due_at": action.due_at.isoformat(),
        "closed_at": action.closed_at.isoformat() if action.closed_at else None, "evidence": action.evidence,
    }  # fmt: skip
