"""The Zendesk objects we depend on (custom fields, the webhook): made once by setup, looked up by key."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff.helpdesk.base import Helpdesk, NewTicketField
from handoff.models.delivery_state import HelpdeskObject

log = logging.getLogger(__name__)

REASK_TAG = "handoff_reask"
# Users whose public comments are never a human agent's turn: ``user:bot:<id>``, ``user:product:<id>``.
NONAGENT_PREFIX = "user:"
BOT, PRODUCT = "bot", "product"
WEBHOOK_KEY = "webhook"
WEBHOOK_NAME = "Handoff fidelity events"
WEBHOOK_PATH = "/webhooks/zendesk"
WEBHOOK_EVENTS = (
    "zen:event-type:ticket.created",
    "zen:event-type:ticket.comment_added",
    "zen:event-type:ticket.status_changed",
    "zen:event-type:ticket.custom_field_changed",
)

# key -> the field to create when Zendesk has none with this title.
FIELDS: dict[str, NewTicketField] = {
    "intent": NewTicketField(
        type="text", title="Handoff: intent", description="The bot's intent at handoff."
    ),
    "archetype": NewTicketField(
        type="text", title="Handoff: archetype", description="The intent's archetype."
    ),
    "escalation_reason": NewTicketField(
        type="text", title="Handoff: escalation reason", description="Why the bot escalated."
    ),
    "completeness": NewTicketField(
        type="integer",
        title="Handoff: packet completeness (%)",
        description="Share of the optional packet fields the bot filled.",
    ),
    "reask": NewTicketField(
        type="checkbox",
        title="Had to re-ask the customer",
        tag=REASK_TAG,
        description="Tick when the handoff missed something you had to ask the customer again.",
    ),
}


def field_key(name: str) -> str:
    """Return the helpdesk_fields key of a custom field."""
    return f"field:{name}"


def field_ids(session: Session) -> dict[str, int]:
    """Return the Zendesk id of every custom field setup recorded, by name (intent, reask...)."""
    rows = session.execute(
        sa.select(HelpdeskObject.key, HelpdeskObject.zendesk_id).where(
            HelpdeskObject.key.startswith("field:")
        )
    )
    return {key.removeprefix("field:"): int(zid) for key, zid in rows}


def nonagent_key(kind: str, user_id: int) -> str:
    """Return the helpdesk_fields key recording a user who is never a human agent."""
    return f"{NONAGENT_PREFIX}{kind}:{user_id}"


def nonagent_user_ids(session: Session) -> frozenset[int]:
    """Return the Zendesk users setup recorded as the bot or the product itself (never agents)."""
    rows = session.scalars(
        sa.select(HelpdeskObject.zendesk_id).where(HelpdeskObject.key.startswith(NONAGENT_PREFIX))
    )
    return frozenset(int(z) for z in rows)


def webhook_secret(session: Session) -> str | None:
    """Return the stored signing secret of our webhook, or None before setup."""
    return session.scalar(sa.select(HelpdeskObject.secret).where(HelpdeskObject.key == WEBHOOK_KEY))


def _record(
    session: Session,
    key: str,
    zendesk_id: str,
    now: datetime,
    *,
    detail: Mapping[str, Any] | None = None,
    secret: str | None = None,
) -> HelpdeskObject:
    row = session.get(HelpdeskObject, key)
    if row is None:
        row = HelpdeskObject(key=key, zendesk_id=zendesk_id, detail=dict(detail or {}))
        session.add(row)
    row.zendesk_id = zendesk_id
    row.detail = dict(detail or {})
    if secret is not None:
        row.secret = secret
    row.updated_at = now
    session.flush()
    return row


@dataclass(frozen=True)
class SetupReport:
    """What setup found and what it created (names only; never the secret)."""

    created: tuple[str, ...]
    found: tuple[str, ...]
    webhook_id: str


def record_nonagents(
    session: Session, helpdesk: Helpdesk, bot_user_ids: Iterable[int], now: datetime
) -> list[str]:
    """Record the bot's Zendesk user(s) and the user the product posts as; return their keys.

    Their public comments are not agent turns, do not end the repetition window and are not a
    first reply. A key recorded earlier for a user no longer configured is removed.
    """
    me = helpdesk.me()
    wanted = {nonagent_key(BOT, int(i)): int(i) for i in bot_user_ids}
    wanted[nonagent_key(PRODUCT, me.id)] = me.id
    stale = sa.delete(HelpdeskObject).where(
        HelpdeskObject.key.startswith(NONAGENT_PREFIX), HelpdeskObject.key.not_in(list(wanted))
    )
    session.execute(stale)
    for key, user_id in sorted(wanted.items()):
        _record(session, key, str(user_id), now, detail={"kind": key.split(":")[1]})
    return sorted(wanted)


def setup(
    session: Session,
    helpdesk: Helpdesk,
    *,
    endpoint: str,
    now: datetime,
    bot_user_ids: Iterable[int] = (),
) -> SetupReport:
    """Create, once, our custom fields and the webhook; record their ids and the signing secret.

    Fields are matched by title and type, so a second run (or a field an admin made by hand)
    creates nothing. The webhook is made once and remembered here; its secret is stored, never
    printed. The bot's users and the product's own user are recorded as never being agents.
    """
    created: list[str] = []
    found: list[str] = []
    found += record_nonagents(session, helpdesk, bot_user_ids, now)
    existing = {(f.title, f.type): f for f in helpdesk.list_ticket_fields()}
    for name, spec in FIELDS.items():
        field = existing.get((spec.title, spec.type))
        if field is None:
            field = helpdesk.create_ticket_field(spec)
            created.append(field_key(name))
        else:
            found.append(field_key(name))
        _record(session, field_key(name), str(field.id), now, detail={"title": field.title})
    row = session.get(HelpdeskObject, WEBHOOK_KEY)
    if row is not None and row.detail.get("endpoint") == endpoint and row.secret:
        found.append(WEBHOOK_KEY)
        webhook_id = row.zendesk_id
    else:
        webhook = _find_webhook(helpdesk, endpoint)
        if webhook is None:
            webhook = helpdesk.create_webhook(
                name=WEBHOOK_NAME, endpoint=endpoint, subscriptions=WEBHOOK_EVENTS
            )
            created.append(WEBHOOK_KEY)
        else:
            found.append(WEBHOOK_KEY)
        secret = helpdesk.webhook_signing_secret(webhook.id)
        _record(
            session,
            WEBHOOK_KEY,
            webhook.id,
            now,
            detail={"endpoint": endpoint, "subscriptions": list(WEBHOOK_EVENTS)},
            secret=secret,
        )
        webhook_id = webhook.id
    log.info(
        "zendesk setup created=%s found=%s webhook_id=%s",
        ",".join(created) or "-",
        ",".join(found) or "-",
        webhook_id,
    )
    return SetupReport(tuple(created), tuple(found), webhook_id)


def _find_webhook(helpdesk: Helpdesk, endpoint: str) -> Any:
    """Return an existing webhook posting to ``endpoint`` when the adapter can list them."""
    lister = getattr(helpdesk, "list_webhooks", None)
    if lister is None:
        return None
    for webhook in lister():
        if getattr(webhook, "endpoint", None) == endpoint:
            return webhook
    return None
