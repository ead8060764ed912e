"""The helpdesk as the product sees it: the Protocol, its values and errors (zenpy stays inside zendesk.py)."""

from handoff.ticketing.base import (
    Comment,
    Helpdesk,
    NewComment,
    Page,
    Requester,
    SatisfactionRating,
    Ticket,
    TicketField,
    TicketMetric,
    TicketWrite,
    User,
)
from handoff.ticketing.errors import (
    HelpdeskAuthError,
    HelpdeskNotFound,
    HelpdeskRejected,
    HelpdeskTimeout,
    HelpdeskUnavailable,
    RateLimited,
)

__all__ = [
    "Comment",
    "Helpdesk",
    "HelpdeskAuthError",
    "HelpdeskNotFound",
    "HelpdeskRejected",
    "HelpdeskTimeout",
    "HelpdeskUnavailable",
    "NewComment",
    "Page",
    "RateLimited",
    "Requester",
    "SatisfactionRating",
    "Ticket",
    "TicketField",
    "TicketMetric",
    "TicketWrite",
    "User",
]
