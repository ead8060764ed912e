"""Request budgets every process shares: the worker's, sync's and setup's calls draw on one row each."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from handoff.models.base import Base


class RateBudget(Base):
    """One token bucket kept in the database, so that every process paces against the same one.

    ``tokens`` were left at ``refilled_at`` (epoch seconds); nothing is drawn before
    ``paused_until`` (a 429's Retry-After applies to every process).
    """

    __tablename__ = "rate_budgets"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    tokens: Mapped[float] = mapped_column(sa.Float)
    refilled_at: Mapped[float] = mapped_column(sa.Float)
    paused_until: Mapped[float] = mapped_column(sa.Float)
