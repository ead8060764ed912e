"""Screenshots of the agent's sidebar at Zendesk's sidebar width, for the README.

Builds the app on a throwaway SQLite database with the development sidebar on, stores a full
packet and a poor one, and photographs each page in Debian's chromium:

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--width 320]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import uuid
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handoff import db as core_db  # noqa: E402
from handoff import flags  # noqa: E402
from handoff.config import Settings  # noqa: E402
from handoff.db import transaction  # noqa: E402
from handoff.models.detection import DetectionFinding  # noqa: E402
from handoff.packets import accept_packet  # noqa: E402
from helpdesk_app import create_app  # noqa: E402
from helpdesk_app.runtime import runtime as runtime_of  # noqa: E402

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]  # fmt: skip

FULL = {
    "schema_version": "1.0",
    "packet_id": str(uuid.UUID(int=1)),
    "ticket_id": 4101,
    "conversation_id": "conv-4101",
    "created_at": "2026-03-02T09:12:00Z",
    "bot": {"name": "Ava", "version": "2.3.1"},
    "channel": "chat",
    "customer": {
        "id": "c-88",
        "email": "m.okafor@example.org",
        "name": "Mira Okafor",
        "segment": "business",
        "vip": True,
    },
    "intent": {"name": "refund_request", "confidence": 0.46},
    "account_state": {
        "plan": "Business annual",
        "status": "active",
        "balance": {"amount": 0, "currency": "EUR"},
        "orders": [
            {
                "id": "B-20931",
                "status": "delivered",
                "total": {"amount": 249.0, "currency": "EUR"},
                "placed_at": "2026-02-11T10:00:00Z",
            }
        ],
        "customer_since": "2023-06-01",
    },
    "summary": "Headset from order B-20931 arrived with a broken hinge. Customer sent photos and wants a refund, not a replacement. Refund tool refused: order is 19 days old.",
    "prior_actions": [
        {
            "action": "looked up order B-20931",
            "tool": "orders_api",
            "status": "succeeded",
            "at": "2026-03-02T09:05:00Z",
        },
        {
            "action": "checked return eligibility",
            "tool": "returns_api",
            "status": "partial",
            "at": "2026-03-02T09:07:00Z",
            "detail": "eligible for replacement only",
        },
        {
            "action": "issued refund",
            "tool": "refund_api",
            "status": "failed",
            "at": "2026-03-02T09:09:00Z",
            "detail": "over the bot's 14-day limit",
        },
    ],
    "escalation": {
        "reason": "amount_threshold",
        "detail": "refund over 14 days needs an agent",
        "triggered_rules": ["refund_age>14d"],
    },
    "sentiment": {
        "label": "negative",
        "score": -0.62,
        "frustration": True,
        "signals": ["asked for a person twice", '"this is the second broken one"'],
    },
    "identifiers": [
        {"kind": "order_id", "value": "B-20931"},
        {"kind": "email", "value": "m.okafor@example.org"},
        {"kind": "other", "label": "Photos", "value": "3 photos attached"},
    ],
    "transcript": [
        {
            "role": "customer",
            "text": "My headset from order B-20931 came with a broken hinge.",
            "at": "2026-03-02T09:04:00Z",
        },
        {
            "role": "bot",
            "text": "Sorry about that. Could you send a photo of the damage?",
            "at": "2026-03-02T09:04:30Z",
        },
        {
            "role": "customer",
            "text": "Sent three photos. I want a refund, this is the second broken one.",
            "at": "2026-03-02T09:06:00Z",
        },
        {
            "role": "bot",
            "text": "I can offer a replacement. Refunds are possible within 60 days.",
            "at": "2026-03-02T09:08:00Z",
        },
        {
            "role": "customer",
            "text": "Then refund me. Can I talk to a person?",
            "at": "2026-03-02T09:10:00Z",
        },
    ],
    "policy_citations": [
        {
            "policy": "refund_window_days",
            "value": 60,
            "unit": "days",
            "statement": "Refunds are possible within 60 days.",
            "source": "help center: returns",
            "version": "2025-11",
        },
    ],
    "model_csat": 0.31,
}

POOR = {
    "schema_version": "1.0",
    "packet_id": str(uuid.UUID(int=2)),
    "ticket_id": 4102,
    "bot": {"name": "Ava"},
    "intent": {"name": "account_access"},
    "summary": "Customer cannot log in and wants help.",
    "escalation": {"reason": "customer_request"},
    "transcript": [
        {"role": "customer", "text": "I can't get into my account, I tried the reset link twice."},
        {"role": "bot", "text": "Let me connect you with a colleague."},
    ],
}


def seed(app) -> None:
    """Store both packets, the detector's findings for the full one, and a flag on the poor one."""
    runtime = runtime_of(app)
    with transaction(runtime.sessions) as session:
        accept_packet(session, FULL, now=NOW)
        accept_packet(session, POOR, now=NOW)
        session.add(
            DetectionFinding(
                ticket_id=4101,
                comment_id=None,
                kind="explicit_repetition",
                cue="as_i_said",
                matched_value=None,
                agent_turn=1,
                evidence={"snippet": "as I already told the bot"},
                detector_version="demo",
                created_at=NOW,
            )  # fmt: skip
        )
        flags.set_flag(
            session, ticket_id=4102, agent_id=7001, now=NOW,
            missing_fields=["identifiers", "account_state", "prior_actions"],
            note="Had to ask which email the account uses.",
        )  # fmt: skip


def main() -> None:
    """Write the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--width", type=int, default=320)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/shots.db"
        core_db.upgrade(url)
        settings = replace(
            Settings.from_env({"HANDOFF_ENV": "development"}),
            database_url=url, dev_sidebar=True, instance_path=Path(tmp),
        )  # fmt: skip
        app = create_app(settings, clock=lambda: NOW)
        seed(app)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        shots = [
            ("sidebar-full.png", 4101, None),
            ("sidebar-full-transcript.png", 4101, "#transcript summary"),
            ("sidebar-poor-flagged.png", 4102, None),
            ("sidebar-poor-flag-details.png", 4102, ".flag-details summary"),
            ("sidebar-no-packet.png", 4199, None),
        ]
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
                )
                context = browser.new_context(
                    viewport={"width": args.width, "height": 200}, device_scale_factor=2
                )
                page = context.new_page()
                for name, ticket_id, click in shots:
                    page.goto(f"{base}/sidebar/dev/{ticket_id}?agent_id=7001")
                    if click:
                        page.locator(click).click()
                    page.screenshot(path=str(args.out / name), full_page=True)
                    print(f"wrote {args.out / name}")
                browser.close()
        finally:
            server.shutdown()
            runtime_of(app).dispose()


if __name__ == "__main__":
    main()
