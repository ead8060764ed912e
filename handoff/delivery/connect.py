"""Build what the worker, setup and sync need from settings: the helpdesk, the pacing, archetypes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from handoff.config import Settings
from handoff.delivery.handlers import ArchetypeOf, no_archetype
from handoff.delivery.throttle import ThrottledHelpdesk, TokenBucket
from handoff.delivery.worker import WorkerConfig


def helpdesk_for(settings: Settings, given: Any | None = None) -> Any:
    """Return ``given`` (tests, the sandbox) or the Zendesk adapter built from ``ZENDESK_*``."""
    if given is not None:
        return given
    from handoff.helpdesk.zendesk import ZendeskHelpdesk

    return ZendeskHelpdesk.from_settings(settings)


def throttled(settings: Settings, helpdesk: Any) -> ThrottledHelpdesk:
    """Wrap the helpdesk in a token bucket at the configured requests per minute."""
    return ThrottledHelpdesk(helpdesk, TokenBucket(settings.zendesk_rpm))


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
