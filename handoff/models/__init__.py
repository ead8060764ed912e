"""Every table of the product; importing this package fills ``Base.metadata``.

Each area keeps its tables in its own module here; every module is imported below, so a new
area's tables reach Alembic and the tests without editing this file.
"""

import importlib
import pkgutil

from handoff.models.base import Base, UTCDateTime
from handoff.models.delivery import OutboxItem
from handoff.models.helpdesk import (
    HelpdeskComment,
    HelpdeskTicket,
    HelpdeskUser,
    SatisfactionRating,
    TicketMetric,
)
from handoff.models.packets import ApiToken, BotConversation, Packet

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "ApiToken",
    "Base",
    "BotConversation",
    "HelpdeskComment",
    "HelpdeskTicket",
    "HelpdeskUser",
    "OutboxItem",
    "Packet",
    "SatisfactionRating",
    "TicketMetric",
    "UTCDateTime",
]
