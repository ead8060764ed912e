"""Put the scenario into the product through its public interfaces only, in the order it happened.

- Zendesk (the local sandbox) through the real zenpy client: users, tickets created by customers,
  by agents (phone) and by the bot, public comments, status changes, the agent's "had to re-ask"
  checkbox; ratings through Zendesk's rating endpoint (``offered`` through the sandbox's control,
  Zendesk has no API for it).
- The sandbox's signed webhooks, handed to ``POST /webhooks/zendesk`` as Zendesk would send them.
- The bot API (``/api/v1/conversations``, ``/api/v1/packets``) and the survey tool
  (``/api/v1/csat/delayed``), with bearer tokens made by ``handoff token create``.
- The catch-up commands, as production runs them: ``handoff worker run --once`` and
  ``handoff sync`` every other evening, ``handoff panel refresh`` every Monday morning.

The sandbox's clock and the app's clock both follow the scenario's time, so every write carries
the moment it happened.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import yaml

from helpdesk_app.runtime import runtime as runtime_of
from tests.truth.scenario import (
    BASELINE_END,
    BASELINE_START,
    END_OF_DATA,
    LIVE_START,
    Scenario,
)

ROOT = Path(__file__).resolve().parents[2]
APP_URL = "http://handoff.test"
ZD_EMAIL = "admin@sandbox.test"
ZD_TOKEN = "test-token"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Fed:
    app: Any
    client: Any
    reports_token: str
    ticket_ids: dict[str, int]
    clock: Clock
    log: list[str] = field(default_factory=list)

    def table(self, name: str, view: str, week: str) -> list[dict[str, Any]]:
        r = self.client.get(
            f"/api/v1/reports/tables/{name}?view={view}&week={week}",
            headers={"Authorization": f"Bearer {self.reports_token}"},
        )
        assert r.status_code == 200, (r.status_code, r.get_data(as_text=True)[:500])
        return list(r.get_json()["rows"])

    def panel(self, view: str, week: str) -> dict[str, Any]:
        r = self.client.get(
            f"/api/v1/reports/panel?view={view}&week={week}",
            headers={"Authorization": f"Bearer {self.reports_token}"},
        )
        assert r.status_code == 200, r.status_code
        return dict(r.get_json())


def product_config(folder: Path) -> Path:
    """The example product configuration with the scenario's baseline."""
    data = yaml.safe_load((ROOT / "config" / "product.example.yaml").read_text())
    data["baseline"] = {"start": BASELINE_START.isoformat(), "end": BASELINE_END.isoformat()}
    path = folder / "product.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _actions(sc: Scenario) -> list[tuple[datetime, int, str, tuple[Any, ...]]]:
    acts: list[tuple[datetime, int, str, tuple[Any, ...]]] = []
    for t in sc.tickets.values():
        acts.append((t.created_at, 0, "ticket", (t.key,)))
        for i, c in enumerate(t.comments[1:], start=1):
            acts.append((c.at, 1, "comment", (t.key, i)))
        for when, status in t.statuses:
            acts.append((when, 2, "status", (t.key, status)))
        for when, score in t.ratings:
            acts.append((when, 4, "rating", (t.key, score)))
        for when, value in t.flags:
            acts.append((when, 5, "flag", (t.key, value)))
        if t.delayed:
            acts.append((t.delayed[0], 6, "delayed", (t.key, t.delayed[1])))
    for b in sc.bot_bodies:
        acts.append((b.arrives, 3, "post", (b,)))
        if b.resend_at:
            acts.append((b.resend_at, 3, "post", (b,)))
    day = datetime.combine(BASELINE_START, datetime.min.time(), tzinfo=UTC)
    while day <= END_OF_DATA:
        if (day.date() - BASELINE_START).days % 2 == 0:  # every other evening (< 50 h apart)
            acts.append((day + timedelta(hours=23, minutes=30), 8, "catch_up", ()))
        if day.weekday() == 0 and day.date() > LIVE_START:
            acts.append((day + timedelta(hours=6), 9, "refresh", ()))
        day += timedelta(days=1)
    acts.sort(key=lambda a: (a[0], a[1]))
    return acts


@contextmanager
def fed_product(sc: Scenario, *, workdir: Path | None = None) -> Iterator[Fed]:
    """Run the sandbox and the app, feed ``sc`` through them, yield the fed product."""
    from zenpy import Zenpy
    from zenpy.lib.api_objects import Comment, CustomField, Ticket, User

    from handoff import db as core_db
    from handoff.config import Settings
    from helpdesk_app import create_app
    from helpdesk_app.cli import main
    from sandbox.testing import running_sandbox

    own_folder = workdir is None
    folder = workdir or Path(tempfile.mkdtemp(prefix="truth-"))
    folder.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite:///{folder / 'handoff.db'}"
    pg_name = None
    if os.environ.get("TRUTH_BACKEND") == "postgresql":  # default: SQLite in the work folder
        import sqlalchemy as sa

        pg_name = f"truth_{uuid.uuid4().hex[:10]}"
        admin_url = os.environ.get(
            "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{pg_name}"'))
        database_url = (
            sa.engine.make_url(admin_url)
            .set(database=pg_name)
            .render_as_string(hide_password=False)
        )
    core_db.upgrade(database_url)
    env = {
        "HANDOFF_ENV": "test",
        "DATABASE_URL": database_url,
        "HANDOFF_INSTANCE_PATH": str(folder / "instance"),
        "HANDOFF_CONFIG": str(product_config(folder)),
        "HANDOFF_PUBLIC_URL": APP_URL,
        # The sandbox enforces Zendesk's limits on its own (frozen) clock; the product's budgets
        # would otherwise pace this feed on the wall clock for a quarter of an hour. Pacing has
        # tests of its own (tests/handoff/delivery, tests/handoff/sync).
        "HANDOFF_ZENDESK_RPM": "100000",
        "HANDOFF_ZENDESK_UPDATES_PER_MINUTE": "100000",
        "HANDOFF_ZENDESK_EXPORTS_PER_MINUTE": "100000",
        "HANDOFF_SYNC_SEGMENT_SOURCE": "tag:segment_",
        "ZENDESK_SUBDOMAIN": "sandbox",
        "ZENDESK_EMAIL": ZD_EMAIL,
        "ZENDESK_API_TOKEN": ZD_TOKEN,
    }
    start = datetime.combine(BASELINE_START, datetime.min.time(), tzinfo=UTC) - timedelta(days=7)
    clock = Clock(start)
    with running_sandbox() as (sandbox_url, st):
        st.set_time(start)
        settings = Settings.from_env(env)
        app = create_app(settings, clock=clock)
        app.config["TESTING"] = True
        client = app.test_client()
        runner = app.test_cli_runner()
        log: list[str] = []

        def cli(*args: str) -> str:
            result = runner.invoke(main, list(args))
            if result.exit_code != 0:
                raise RuntimeError(f"handoff {' '.join(args)}: {result.output}{result.exception!r}")
            return str(result.output)

        def at(moment: datetime) -> None:
            clock.now = moment
            st.set_time(moment)

        def deliver_webhooks() -> None:
            def post(d: Any) -> int:
                r = client.post(urlsplit(d.url).path, data=d.body, headers=dict(d.headers))
                if r.status_code >= 300:
                    log.append(f"webhook {r.status_code} {r.get_data(as_text=True)[:200]}")
                return int(r.status_code)

            st.deliver_webhooks(post=post)

        def token(*args: str) -> str:
            out = cli("token", "create", *args)
            return next(x.strip() for x in out.splitlines() if x.strip().startswith("hf_"))

        bot_token = token("truth-bot")
        survey_token = token("truth-survey", "--scope", "admin")
        reports_token = token("truth-lead", "--scope", "reports:read")
        zd = Zenpy(subdomain="sandbox", email=ZD_EMAIL, token=ZD_TOKEN, disable_cache=True)
        user_ids: dict[str, int] = {}
        for u in sc.users.values():
            made = zd.users.create(
                User(name=u.name, email=u.email, external_id=u.external_id, role=u.role)
            )
            user_ids[u.key] = int(made.id)
        # The bot's Zendesk user is named in the product configuration (its documented way in),
        # then setup records it, so its comments are never an agent's.
        config_path = folder / "product.yaml"
        config = yaml.safe_load(config_path.read_text())
        config["bot_user_ids"] = sorted(user_ids[u.key] for u in sc.users.values() if u.is_bot)
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        cli("zendesk", "setup", "--url", APP_URL)
        reask_field = next(
            f.id for f in zd.ticket_fields() if f.title == "Had to re-ask the customer"
        )
        ticket_ids: dict[str, int] = {}

        def bearer(token: str) -> dict[str, str]:
            return {"Authorization": f"Bearer {token}"}

        for moment, _, kind, args in _actions(sc):
            at(moment)
            if kind == "ticket":
                t = sc.tickets[args[0]]
                c0 = t.comments[0]
                made = zd.tickets.create(
                    Ticket(
                        requester_id=user_ids[t.requester],
                        submitter_id=user_ids[t.submitter],
                        subject=c0.body[:60],
                        tags=list(t.tags),
                        comment=Comment(
                            body=c0.body, public=c0.public, author_id=user_ids[c0.author]
                        ),  # fmt: skip
                    )
                )
                ticket_ids[t.key] = int(made.ticket.id)
            elif kind == "comment":
                t = sc.tickets[args[0]]
                c = t.comments[args[1]]
                zd.tickets.update(
                    Ticket(
                        id=ticket_ids[t.key],
                        comment=Comment(body=c.body, public=c.public, author_id=user_ids[c.author]),
                    )  # fmt: skip
                )
            elif kind == "status":
                zd.tickets.update(Ticket(id=ticket_ids[args[0]], status=args[1]))
            elif kind == "rating":
                tid = ticket_ids[args[0]]
                if args[1] == "offered":
                    r = requests.post(f"{sandbox_url}/_sandbox/tickets/{tid}/rating",
                                      json={"score": "offered"}, timeout=10)  # fmt: skip
                else:
                    r = requests.post(
                        f"{sandbox_url}/api/v2/tickets/{tid}/satisfaction_rating.json",
                        json={"satisfaction_rating": {"score": args[1]}},
                        auth=(f"{ZD_EMAIL}/token", ZD_TOKEN),
                        timeout=10,
                    )
                if r.status_code >= 300:
                    log.append(f"rating {tid} {args[1]}: {r.status_code} {r.text[:200]}")
            elif kind == "flag":
                zd.tickets.update(
                    Ticket(
                        id=ticket_ids[args[0]],
                        custom_fields=[CustomField(id=reask_field, value=args[1])],
                    )  # fmt: skip
                )
            elif kind == "delayed":
                r = client.post(
                    "/api/v1/csat/delayed",
                    json={"ticket_id": ticket_ids[args[0]], "score": args[1], "source": "survey"},
                    headers=bearer(survey_token),
                )
                if r.status_code >= 300:
                    log.append(
                        f"delayed {args[0]}: {r.status_code} {r.get_data(as_text=True)[:200]}"
                    )
            elif kind == "post":
                b = args[0]
                body = json.loads(json.dumps(b.body))
                if b.ticket:
                    body["ticket_id"] = ticket_ids[b.ticket]
                path = "/api/v1/conversations" if b.kind == "conversation" else "/api/v1/packets"
                r = client.post(path, json=body, headers=bearer(bot_token))
                if r.status_code >= 300:
                    log.append(f"{b.kind} {r.status_code} {r.get_data(as_text=True)[:300]}")
            elif kind == "catch_up":
                cli("worker", "run", "--once")
                deliver_webhooks()
                cli("sync")
            elif kind == "refresh":
                cli("panel", "refresh")
            deliver_webhooks()
        at(END_OF_DATA + timedelta(days=1))
        cli("worker", "run", "--once")
        deliver_webhooks()
        cli("sync")
        cli("panel", "refresh")
        try:
            yield Fed(app, client, reports_token, ticket_ids, clock, log)
        finally:
            runtime_of(app).dispose()
            if pg_name is not None:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
                admin.dispose()
            if own_folder:
                shutil.rmtree(folder, ignore_errors=True)


def refresh_full(fed: Fed) -> None:
    """``handoff panel refresh --full``: a full rebuild, to compare with the incremental one."""
    from helpdesk_app.cli import main

    result = fed.app.test_cli_runner().invoke(main, ["panel", "refresh", "--full"])
    if result.exit_code != 0:
        raise RuntimeError(result.output)
