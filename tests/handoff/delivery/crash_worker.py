"""A delivery worker process for the crash test: ``python -m tests.handoff.delivery.crash_worker URL NAME LEASE``.

It runs the real worker loop on the real clock against the sandbox zenpy is pointed at
(``ZENPY_FORCE_NETLOC``), with a lease of LEASE seconds for claims and writes alike.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta

from handoff.db import make_engine, make_session_factory
from handoff.delivery.throttle import ThrottledHelpdesk, TokenBucket
from handoff.delivery.worker import WorkerConfig, run
from handoff.ticketing.zendesk import ZendeskHelpdesk
from tests.handoff.delivery.conftest import CLIENT_TIMEOUT


def main() -> None:
    """Deliver until killed."""
    url, name, lease = sys.argv[1], sys.argv[2], float(sys.argv[3])
    logging.basicConfig(level=logging.INFO, format=f"{name} %(message)s")
    engine = make_engine(url)
    helpdesk = ZendeskHelpdesk.connect(
        subdomain="sandbox", email="admin@sandbox.test", token="test-token", timeout=CLIENT_TIMEOUT
    )
    bucket = TokenBucket(6000)
    config = WorkerConfig(
        max_attempts=100,
        lease=timedelta(seconds=lease),
        write_lease=timedelta(seconds=lease),
        base_delay=0.2,
        max_delay=1.0,
    )
    run(make_session_factory(engine), ThrottledHelpdesk(helpdesk, bucket), worker_id=name,
        clock=lambda: datetime.now(UTC), config=config, batch=8, bucket=bucket,
        poll_seconds=0.2)  # fmt: skip


if __name__ == "__main__":
    main()
