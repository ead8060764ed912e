"""Delivery to the helpdesk: the outbox worker, the handlers per kind, the note, setup's objects."""

from handoff.delivery.handlers import HANDLERS, DeliveryContext, handles, no_archetype
from handoff.delivery.worker import WorkerConfig, claim, deliver_item, delivery_status, run

__all__ = [
    "HANDLERS",
    "DeliveryContext",
    "WorkerConfig",
    "claim",
    "deliver_item",
    "delivery_status",
    "handles",
    "no_archetype",
    "run",
]
