"""Build what the worker, setup and sync need from settings: the helpdesk, the pacing, archetypes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from handoff.config import Settings
from handoff.delivery.handlers import ArchetypeOf, no_archetype
from handoff.delivery.throttle import (
    TICKET_UPDATES,
    SharedBudgets,
    ThrottledHelpdesk,
    default_budgets,
)
from handoff.delivery.worker import WorkerConfig


def helpdesk_for(settings: Settings, given: Any | None = None) -> Any:
    """Return ``given`` (tests, the sandbox) or the Zendesk adapter built from ``ZENDESK_*``."""
    if given is not None:
        return given
    from handoff.ticketing.zendesk import ZendeskHelpdesk

    return ZendeskHelpdesk.from_settings(settings)


def budgets(settings: Settings, sessions: sessionmaker[Session]) -> SharedBudgets:
    """Return the budgets every process shares, sized from the plan and the settings."""
    return SharedBudgets(
        sessions,
        default_budgets(
            settings.zendesk_plan,
            requests=settings.zendesk_rpm,
            ticket_updates=settings.zendesk_updates_per_minute,
            exports=settings.zendesk_exports_per_minute,
        ),
    )


def throttled(
    settings: Settings, helpdesk: Any, sessions: sessionmaker[Session]
) -> ThrottledHelpdesk:
    """Wrap the helpdesk so every call draws on the budgets shared through the database."""
    return ThrottledHelpdesk(helpdesk, budgets(settings, sessions))


def default_batch(settings: Settings) -> int:
    """Return a batch a worker can deliver well within its lease at the update budget's pace.

    A note costs two ticket updates; half the lease is kept as margin for other processes
    sharing the budget.
    """
    updates = default_budgets(
        settings.zendesk_plan, ticket_updates=settings.zendesk_updates_per_minute
    )[TICKET_UPDATES]
    notes_per_lease = settings.delivery_lease_seconds / 60 * updates / 2
    return max(1, min(50, int(notes_per_lease / 2)))


def worker_config(settings: Settings) -> WorkerConfig:
    """Return the worker's retry and lease settings."""
    return WorkerConfig(
        max_attempts=settings.delivery_max_attempts,
        lease=timedelta(seconds=settings.delivery_lease_seconds),
    )


def archetype_lookup(settings: Settings) -> ArchetypeOf:
    """Return intent -> archetype from the product configuration, when one is configured."""
    if settings.product_config_path is None:
        return no_archetype
    from handoff import productconfig

    config = productconfig.load(settings.product_config_path)
    return config.archetype_of
