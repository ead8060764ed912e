"""The Zendesk objects we depend on (custom fields, the webhook): made once by setup, looked up by key."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from handoff import sealed
from handoff.errors import HandoffError
from handoff.models.delivery_state import HelpdeskObject
from handoff.ticketing.base import Helpdesk, NewTicketField

log = logging.getLogger(__name__)

REASK_TAG = "handoff_reask"
# Users whose public comments are never a human agent's turn: ``user:bot:<id>``, ``user:product:<id>``.
NONAGENT_PREFIX = "user:"
BOT, PRODUCT = "bot", "product"
WEBHOOK_KEY = "webhook"
WEBHOOK_NAME = "Handoff fidelity events"
WEBHOOK_PATH = "/webhooks/zendesk"
# A trigger can only notify a webhook subscribed to ``conditional_ticket_events``, and a
# webhook's connection method never changes (Zendesk developer docs, Webhooks, "Creating and
# monitoring webhooks"): the trigger gets a second webhook, with its own signing secret.
TRIGGER_WEBHOOK_KEY = "webhook:trigger"
TRIGGER_WEBHOOK_NAME = "Handoff fidelity trigger"
TRIGGER_SUBSCRIPTIONS = ("conditional_ticket_events",)
TRIGGER_KEY = "trigger:ticket_updated"
TRIGGER_TITLE = "Handoff fidelity: ticket updated"
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


def webhook_secret(session: Session, key: str) -> str | None:
    """Return the signing secret of our event webhook, or None before setup."""
    found = _secrets(session, key, (WEBHOOK_KEY,))
    return found[0] if found else None


def webhook_secrets(session: Session, key: str) -> list[str]:
    """Return the signing secrets of both our webhooks (events, and the trigger's when made)."""
    return _secrets(session, key, (WEBHOOK_KEY, TRIGGER_WEBHOOK_KEY))


def _secrets(session: Session, key: str, names: Sequence[str]) -> list[str]:
    """Unseal the stored secrets of ``names``, sealing any still stored in the clear."""
    found = []
    rows = session.scalars(
        sa.select(HelpdeskObject).where(HelpdeskObject.key.in_(names)).order_by(HelpdeskObject.key)
    )
    for row in rows:
        if not row.secret:
            continue
        try:
            plain = sealed.unseal(key, row.secret)
        except sealed.Unsealable:
            log.warning(
                "the signing secret of %s was sealed with another secret key; run "
                "`handoff zendesk setup` again to fetch it from Zendesk", row.key,
            )  # fmt: skip
            continue
        if not sealed.is_sealed(row.secret):
            row.secret = sealed.seal(key, plain)
            session.flush()
        found.append(plain)
    return found


def trigger_body(reask_field_id: int | None) -> str:
    """Return the JSON body our trigger sends (the form ``handoff.webhooks`` reads)."""
    body = {
        "type": "trigger:ticket.updated",
        "ticket_id": "{{ticket.id}}",
        "status": "{{ticket.status}}",
        "updated_at": "{{ticket.updated_at_with_timestamp}}",
        "actor_id": "{{current_user.id}}",
    }
    if reask_field_id is not None:
        body["reask"] = f"{{{{ticket.ticket_field_{reask_field_id}}}}}"
    return json.dumps(body)


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
    trigger_webhook_id: str | None = None
    trigger_id: int | None = None


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


class SetupConflict(HandoffError):
    """An object of ours exists in Zendesk but cannot be used as it is (told how to fix it)."""

    code = "zendesk_setup_conflict"


def setup(
    session: Session,
    helpdesk: Helpdesk,
    *,
    endpoint: str,
    now: datetime,
    sealing_key: str,
    with_trigger: bool = False,
    bot_user_ids: Iterable[int] = (),
) -> SetupReport:
    """Create, once, our custom fields and webhook (and, if asked, a trigger with its own
    webhook); record their ids and signing secrets.

    Everything is looked up in Zendesk first (fields by title and type, webhooks by name,
    the trigger by title), so a second run, a second database or an object an admin made by
    hand creates nothing twice. Secrets are stored sealed with ``sealing_key`` (the
    application's secret key), never printed. The bot's users and the
    product's own user are recorded as never being agents.
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
    webhook_id = _ensure_webhook(
        session, helpdesk, WEBHOOK_KEY, WEBHOOK_NAME, endpoint, WEBHOOK_EVENTS, now,
        created, found, sealing_key,
    )  # fmt: skip
    trigger_webhook_id: str | None = None
    trigger_id: int | None = None
    if with_trigger:
        trigger_webhook_id = _ensure_webhook(
            session, helpdesk, TRIGGER_WEBHOOK_KEY, TRIGGER_WEBHOOK_NAME, endpoint,
            TRIGGER_SUBSCRIPTIONS, now, created, found, sealing_key,
        )  # fmt: skip
        trigger_id = _ensure_trigger(
            session, helpdesk, trigger_webhook_id, field_ids(session).get("reask"), now,
            created, found,
        )  # fmt: skip
    log.info(
        "zendesk setup created=%s found=%s webhook_id=%s trigger_webhook_id=%s trigger_id=%s",
        ",".join(created) or "-",
        ",".join(found) or "-",
        webhook_id,
        trigger_webhook_id or "-",
        trigger_id or "-",
    )
    return SetupReport(tuple(created), tuple(found), webhook_id, trigger_webhook_id, trigger_id)


def _ensure_webhook(
    session: Session,
    helpdesk: Helpdesk,
    key: str,
    name: str,
    endpoint: str,
    subscriptions: Sequence[str],
    now: datetime,
    created: list[str],
    found: list[str],
    sealing_key: str,
) -> str:
    """Find our webhook by name in Zendesk (else create it); record its id and sealed secret."""
    webhook = next((w for w in helpdesk.list_webhooks(name) if w.name == name), None)
    if webhook is None:
        webhook = helpdesk.create_webhook(name=name, endpoint=endpoint, subscriptions=subscriptions)
        created.append(key)
    else:
        if webhook.endpoint != endpoint:
            raise SetupConflict(
                f"Zendesk webhook {name!r} (id {webhook.id}) posts to {webhook.endpoint}, not "
                f"{endpoint}: change its endpoint in Admin Center > Apps and integrations > "
                "Webhooks, or delete it, then run setup again"
            )
        if tuple(webhook.subscriptions) != tuple(subscriptions):
            raise SetupConflict(
                f"Zendesk webhook {name!r} (id {webhook.id}) is subscribed to "
                f"{', '.join(webhook.subscriptions) or 'nothing'}, not {', '.join(subscriptions)};"
                " a webhook's connection cannot change: delete it and run setup again"
            )
        found.append(key)
    row = session.get(HelpdeskObject, key)
    secret = None
    if row is not None and row.zendesk_id == webhook.id and row.secret:
        try:
            secret = sealed.unseal(sealing_key, row.secret)
        except sealed.Unsealable:
            secret = None  # the secret key changed: fetch the secret from Zendesk again
    _record(
        session,
        key,
        webhook.id,
        now,
        detail={"endpoint": endpoint, "subscriptions": list(subscriptions), "name": name},
        secret=sealed.seal(sealing_key, secret or helpdesk.webhook_signing_secret(webhook.id)),
    )
    return webhook.id


def _ensure_trigger(
    session: Session,
    helpdesk: Helpdesk,
    webhook_id: str,
    reask_field_id: int | None,
    now: datetime,
    created: list[str],
    found: list[str],
) -> int:
    """Find our trigger by title in Zendesk (else create it, notifying the trigger webhook)."""
    trigger = next((t for t in helpdesk.list_triggers() if t.title == TRIGGER_TITLE), None)
    if trigger is None:
        trigger = helpdesk.create_trigger(
            title=TRIGGER_TITLE,
            conditions={"all": [{"field": "update_type", "operator": "is", "value": "Change"}],
                        "any": []},
            actions=[{"field": "notification_webhook",
                      "value": [webhook_id, trigger_body(reask_field_id)]}],
        )  # fmt: skip
        created.append(TRIGGER_KEY)
    else:
        found.append(TRIGGER_KEY)
    _record(session, TRIGGER_KEY, str(trigger.id), now, detail={"title": TRIGGER_TITLE})
    return trigger.id
