"""Alembic environment: runs migrations against the URL set by ``handoff.db.alembic_config``."""

from __future__ import annotations

from alembic import context

import handoff.models  # noqa: F401 - fills Base.metadata
from handoff.db import make_engine
from handoff.models.base import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    """Run migrations online, in one transaction per migration."""
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
