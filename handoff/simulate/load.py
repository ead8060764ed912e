"""Load a simulated world through the front door: the helpdesk's API and the product's own API.

Nothing here writes into the product's tables. Customers and agents become helpdesk users,
tickets are imported with their historical timestamps and comments, ratings are given on the
helpdesk as a requester would, and the bot's conversations and packets are posted to our API.
The product then learns the rest the way it does in production: sync and webhooks.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import requests

from handoff.simulate.world import Contact, World, _iso

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Endpoints:
    """Where to send things and how to authenticate."""

    helpdesk_url: str
    helpdesk_email: str
    helpdesk_token: str
    app_url: str
    bot_token: str
    admin_token: str | None = None
    parallel: int = 4


@dataclass
class LoadReport:
    """What was loaded, and the ids the helpdesk gave the simulated contacts."""

    users: int = 0
    tickets: int = 0
    ratings: int = 0
    conversations: int = 0
    packets: int = 0
    flags: int = 0
    acknowledgements: int = 0
    delayed_ratings: int = 0
    ticket_ids: dict[str, int] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)


class LoadError(RuntimeError):
    """A request of the loader failed for good; the message names the call and the answer."""


def _quiet(_: str, __: int, ___: int) -> None:
    """Report no progress."""


class _Client:
    """One HTTP session per target, retrying 429 and 5xx a few times."""

    def __init__(
        self, base: str, *, auth: tuple[str, str] | None = None, token: str | None = None
    ) -> None:
        self.base = base.rstrip("/")
        self.session = requests.Session()
        if auth:
            self.session.auth = auth
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: Any = None, ok: Sequence[int] = (200, 201)) -> Any:
        """Send one request; retry 429 (after Retry-After) and 5xx; raise LoadError otherwise."""
        for attempt in range(8):
            response = self.session.request(method, self.base + path, json=body, timeout=30)
            if response.status_code in ok:
                return response.json() if response.content else None
            if response.status_code == 429 or response.status_code >= 500:
                time.sleep(float(response.headers.get("Retry-After", 0.2 * 2**attempt)))
                continue
            raise LoadError(
                f"{method} {path} answered {response.status_code}: {response.text[:300]}"
            )
        raise LoadError(f"{method} {path} kept failing after retries")


def _in_parallel(
    work: Callable[[Any], None], items: Sequence[Any], workers: int, label: str, progress: Progress
) -> None:
    """Run ``work`` over ``items`` with a few threads, reporting progress as items finish."""
    done = 0
    with ThreadPoolExecutor(workers) as pool:
        for _ in pool.map(work, items):
            done += 1
            if done % 50 == 0 or done == len(items):
                progress(label, done, len(items))


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    """Split ``items`` into lists of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _import_body(contact: Contact, report: LoadReport) -> dict[str, Any]:
    """Describe one contact's ticket for the helpdesk's ticket import API."""
    requester = report.user_ids[contact.customer["email"]]
    comments = [
        {
            "author_id": requester if c.author == "customer" else report.user_ids[c.author],
            "value": c.body,
            "public": c.public,
            "created_at": _iso(c.at),
        }
        for c in contact.comments
    ]
    if contact.packet is not None:
        # An escalated ticket opens with the customer's first message to the bot, sent before
        # the handoff, so it sits outside the repetition window as it does in a real integration.
        first = contact.packet["transcript"][0]
        comments.insert(0, {"author_id": requester, "value": first["text"], "public": True,
                            "created_at": first["at"]})  # fmt: skip
    opened = comments[0]["created_at"]
    return {
        "subject": contact.subject,
        "requester_id": requester,
        "assignee_id": report.user_ids[contact.agent] if contact.agent else None,
        "external_id": f"sim-{contact.key}",
        "status": "solved" if contact.solved_at else "open",
        "created_at": opened,
        "solved_at": _iso(contact.solved_at) if contact.solved_at else None,
        "updated_at": _iso(contact.solved_at or contact.started_at),
        "tags": [f"intent_{contact.intent}", f"channel_{contact.channel}"],
        "comments": comments,
    }


def load(world: World, endpoints: Endpoints, progress: Progress = _quiet) -> LoadReport:
    """Load ``world``: users, tickets, ratings, bot conversations and packets, in that order."""
    helpdesk = _Client(
        endpoints.helpdesk_url, auth=(f"{endpoints.helpdesk_email}/token", endpoints.helpdesk_token)
    )
    app = _Client(endpoints.app_url, token=endpoints.bot_token)
    report = LoadReport()

    people = [(a["name"], a["email"], "agent") for a in world.agents]
    seen = {c.customer["email"]: c.customer for c in world.contacts}
    people += [(c["name"], c["email"], "end-user") for c in seen.values()]

    def create_user(person: tuple[str, str, str]) -> None:
        name, email, role = person
        user = helpdesk.call(
            "POST", "/api/v2/users.json", {"user": {"name": name, "email": email, "role": role}}
        )
        report.user_ids[email] = user["user"]["id"]

    _in_parallel(create_user, people, endpoints.parallel, "helpdesk users", progress)
    report.users = len(people)

    with_tickets = [c for c in world.contacts if c.path != "ai_only"]
    for batch in _chunks(with_tickets, 100):
        job = helpdesk.call("POST", "/api/v2/imports/tickets/create_many.json",
                            {"tickets": [_import_body(c, report) for c in batch]})["job_status"]  # fmt: skip
        while job["status"] not in ("completed", "failed", "killed"):
            time.sleep(0.05)
            job = helpdesk.call("GET", f"/api/v2/job_statuses/{job['id']}.json")["job_status"]
        for result in job["results"] or []:
            if "id" not in result:
                raise LoadError(f"ticket import failed: {result}")
            report.ticket_ids[batch[result["index"]].key] = result["id"]
        report.tickets += len(batch)
        progress("helpdesk tickets (import API)", report.tickets, len(with_tickets))

    rated = [c for c in with_tickets if c.csat]

    def rate(contact: Contact) -> None:
        ticket_id = report.ticket_ids[contact.key]
        helpdesk.call("POST", f"/_sandbox/tickets/{ticket_id}/rating",
                      {"score": contact.csat, "created_at": _iso(contact.csat_at or contact.started_at)})  # fmt: skip

    _in_parallel(rate, rated, endpoints.parallel, "satisfaction ratings", progress)
    report.ratings = len(rated)

    bot = [c for c in world.contacts if c.conversation is not None]

    def post_conversation(contact: Contact) -> None:
        body = dict(contact.conversation or {})
        if contact.key in report.ticket_ids:
            body["ticket_id"] = report.ticket_ids[contact.key]
        elif contact.csat:
            # No ticket, no Zendesk rating: the bot's widget asked and reports the answer.
            answered = _iso(contact.csat_at or contact.started_at)
            body["csat"] = {"score": contact.csat, "answered_at": answered}
        app.call("POST", "/api/v1/conversations", body)

    _in_parallel(
        post_conversation, bot, endpoints.parallel, "bot conversations (our API)", progress
    )
    report.conversations = len(bot)

    escalated = [c for c in bot if c.packet is not None]

    def post_packet(contact: Contact) -> None:
        body = {k: v for k, v in (contact.packet or {}).items() if k != "requester"}
        body["ticket_id"] = report.ticket_ids[contact.key]
        app.call("POST", "/api/v1/packets", body)

    _in_parallel(post_packet, escalated, endpoints.parallel, "handoff packets (our API)", progress)
    report.packets = len(escalated)

    # Agents act in the sidebar: a read acknowledgement on most packets, the flag where they re-asked.
    acting = [c for c in escalated if c.agent_flagged or c.agent_acknowledged]

    def agent_acts(contact: Contact) -> None:
        ticket_id = report.ticket_ids[contact.key]
        agent_id = report.user_ids[contact.agent] if contact.agent else None
        sidebar = _Sidebar(endpoints.app_url, ticket_id, agent_id)
        if contact.agent_acknowledged:
            sidebar.post("ack", {})
        if contact.agent_flagged:
            sidebar.post("flag", {"missing_fields": list(contact.flag_fields), "note": ""})

    _in_parallel(
        agent_acts, acting, endpoints.parallel, "agent reads and flags (sidebar)", progress
    )
    report.flags = sum(c.agent_flagged for c in acting)
    report.acknowledgements = sum(c.agent_acknowledged for c in acting)
    return report


def load_delayed_csat(
    world: World, endpoints: Endpoints, report: LoadReport, progress: Progress = _quiet
) -> None:
    """Post the 48-72 h survey answers as an outside survey tool would, once tickets are synced."""
    if endpoints.admin_token is None:
        raise LoadError("delayed CSAT answers need an admin token (scope admin)")
    survey_tool = _Client(endpoints.app_url, token=endpoints.admin_token)
    # The tool surveys every solved ticket 48 h after the solve and tells us so; most never answer.
    surveyed = [c for c in world.contacts if c.solved_at is not None and c.key in report.ticket_ids]

    def sent(contact: Contact) -> None:
        assert contact.solved_at is not None
        body = {
            "ticket_id": report.ticket_ids[contact.key],
            "sent_at": _iso(contact.solved_at + timedelta(hours=48)),
            "source": "simulator",
        }
        survey_tool.call("POST", "/api/v1/csat/delayed/sent", body)

    _in_parallel(
        sent, surveyed, endpoints.parallel, "delayed CSAT surveys sent (our API)", progress
    )
    answered = [c for c in world.contacts if c.delayed_csat and c.key in report.ticket_ids]

    def answer(contact: Contact) -> None:
        body = {
            "ticket_id": report.ticket_ids[contact.key],
            "score": contact.delayed_csat,
            "source": "simulator",
        }
        survey_tool.call("POST", "/api/v1/csat/delayed", body)

    _in_parallel(answer, answered, endpoints.parallel, "delayed CSAT answers (our API)", progress)
    report.delayed_ratings = len(answered)


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class _Sidebar:
    """An agent's sidebar session on one ticket, opened through the development entry."""

    def __init__(self, app_url: str, ticket_id: int, agent_id: int | None) -> None:
        self.base = app_url.rstrip("/")
        self.ticket_id = ticket_id
        self.session = requests.Session()
        query = f"?agent_id={agent_id}" if agent_id else ""
        page = self.session.get(f"{self.base}/sidebar/dev/{ticket_id}{query}", timeout=30)
        match = _CSRF.search(page.text)
        if page.status_code != 200 or match is None:
            raise LoadError(
                f"sidebar for ticket {ticket_id} answered {page.status_code}: {page.text[:200]}"
            )
        self.csrf = match.group(1)

    def post(self, action: str, body: dict[str, Any]) -> None:
        """Post one sidebar action as JSON with the session's CSRF token."""
        url = f"{self.base}/sidebar/ticket/{self.ticket_id}/{action}"
        response = self.session.post(
            url, json=body, headers={"X-CSRF-Token": self.csrf}, timeout=30
        )
        if response.status_code != 200:
            raise LoadError(
                f"sidebar {action} on ticket {self.ticket_id} answered {response.status_code}: {response.text[:200]}"
            )
