"""Every table of the product; importing this package fills ``Base.metadata``.

Tables are grouped by what they serve (packets, delivery, helpdesk mirror, detection, flags,
metrics, policy); a new module is listed here so that its tables reach Alembic and the tests.
"""

# The modules whose classes are not re-exported below are imported for their tables.
from handoff.models import budgets, delivery_state, detection, flags, metrics, policy  # noqa: F401
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
