"""Tables other areas own that the metrics read, and a check for tables that may not exist yet.

The agent's "had to re-ask" flags and packet acknowledgements come from the sidebar area
(``handoff/models/flags.py``); policy incidents from the policy area, read by reflection in
``policy.py`` once that table exists.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from handoff.models.flags import PacketAcknowledgement, ReaskFlag

__all__ = ["PacketAcknowledgement", "ReaskFlag", "has_table"]


def has_table(session: Session | Connection, name: str) -> bool:
    """Tell whether a table exists in the connected database."""
    connection = session.connection() if isinstance(session, Session) else session
    return sa.inspect(connection).has_table(name)
