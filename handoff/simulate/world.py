"""Generate a support operation, deterministically for a seed, with its own ground truth."""

from __future__ import annotations

import math
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from handoff.simulate import phrases

PACKET_SCHEMA_VERSION = "1.0"


@dataclass(frozen=True)
class Intent:
    """How the bot fares on one intent: engagement, resolution and abandonment odds."""

    name: str
    tier: str
    weight: float
    engage: float
    resolve: float
    abandon: float


INTENTS: tuple[Intent, ...] = (
    Intent("order_status", "repetitive", 20, 0.96, 0.55, 0.08),
    Intent("password_reset", "repetitive", 12, 0.96, 0.62, 0.06),
    Intent("basic_billing", "repetitive", 10, 0.92, 0.45, 0.08),
    Intent("shipping_policy", "faq", 8, 0.90, 0.30, 0.10),
    Intent("returns", "faq", 10, 0.90, 0.24, 0.10),
    Intent("plan_comparison", "faq", 5, 0.85, 0.22, 0.12),
    Intent("billing_dispute", "account_specific", 8, 0.70, 0.05, 0.08),
    Intent("plan_change", "account_specific", 6, 0.70, 0.08, 0.08),
    Intent("cancellation", "account_specific", 6, 0.60, 0.05, 0.10),
)
TIER_CSAT = {"repetitive": 0.86, "faq": 0.83, "account_specific": 0.76}
TIER_HOURS = {"repetitive": 4.0, "faq": 6.0, "account_specific": 20.0}
SEGMENTS = (("free", 0.5), ("pro", 0.35), ("business", 0.15))
CHANNELS = (("chat", 0.55), ("web", 0.25), ("email", 0.2))
# The tool the bot reaches for first, by tier (reported in the conversation's tools_called).
TOOLS = {"repetitive": "order_lookup", "faq": "kb_search", "account_specific": "crm_lookup"}
REASONS = ("low_confidence", "customer_request", "frustration", "policy_uncertain", "tool_failure")

# The golden set the bot should quote; the return window changes mid-period.
POLICY_FACTS = {
    "shipping_days_standard": [(date(2000, 1, 1), 5)],
    "restocking_fee_percent": [(date(2000, 1, 1), 10)],
}


@dataclass(frozen=True)
class SimConfig:
    """What to simulate: a seed, the period, the volume and the planted problems."""

    seed: int = 7
    start: date = date(2026, 1, 5)
    baseline_weeks: int = 4
    weeks: int = 12
    contacts_per_week: int = 120
    agents: int = 6
    # Planted problems: a bot version change that sinks one intent's CSAT, a context-loss spike.
    version_change_week: int = 8
    sliding_intent: str = "returns"
    context_loss_spike_week: int = 6
    return_window_change_week: int = 5

    @property
    def deploy_start(self) -> date:
        """First day the bot is live (the baseline ends the day before)."""
        return self.start + timedelta(weeks=self.baseline_weeks)


@dataclass
class Comment:
    """One ticket comment as the helpdesk would hold it."""

    author: str  # "customer" or an agent's email
    public: bool
    body: str
    at: datetime


@dataclass
class Contact:
    """One customer issue on one path, with everything the product will see and the truth."""

    key: str
    customer: dict[str, Any]
    intent: str
    tier: str
    channel: str
    path: str
    started_at: datetime
    bot_version: str | None = None
    outcome: str | None = None
    conversation: dict[str, Any] | None = None
    packet: dict[str, Any] | None = None
    subject: str | None = None
    comments: list[Comment] = field(default_factory=list)
    agent: str | None = None
    solved_at: datetime | None = None
    csat: str | None = None
    csat_at: datetime | None = None
    delayed_csat: str | None = None
    delayed_csat_at: datetime | None = None
    # Truth, known only to the simulator.
    context_lost: bool = False
    agent_flagged: bool = False
    agent_acknowledged: bool = False
    flag_fields: tuple[str, ...] = ()
    repeated_in_window: bool = False
    repeated_late: bool = False
    agent_reasked: bool = False
    wrong_policy: bool = False
    repeat_of: str | None = None


@dataclass(frozen=True)
class GroundTruth:
    """Counts the product's figures should reproduce on this world."""

    contacts: int
    by_path: dict[str, int]
    escalations: int
    flagged: int
    repeated: int
    ai_only_resolved_by_intent: dict[str, int]
    contacts_by_intent: dict[str, int]
    csat_by_path: dict[str, tuple[int, int]]
    wrong_policy_statements: int

    @property
    def context_loss_rate(self) -> float:
        """Flagged escalations over escalations."""
        return self.flagged / self.escalations if self.escalations else 0.0

    @property
    def repetition_rate(self) -> float:
        """Escalations with a repetition in the window over escalations."""
        return self.repeated / self.escalations if self.escalations else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Return the truth as JSON-ready data."""
        return {
            "contacts": self.contacts,
            "by_path": self.by_path,
            "escalations": self.escalations,
            "flagged": self.flagged,
            "repeated": self.repeated,
            "context_loss_rate": round(self.context_loss_rate, 4),
            "repetition_rate": round(self.repetition_rate, 4),
            "deflection_rate": {
                i: round(self.ai_only_resolved_by_intent.get(i, 0) / n, 4)
                for i, n in sorted(self.contacts_by_intent.items())
            },
            "csat_by_path": {p: {"good": g, "bad": b} for p, (g, b) in self.csat_by_path.items()},
            "wrong_policy_statements": self.wrong_policy_statements,
        }


@dataclass
class World:
    """Everything generated: people, contacts and the ground truth."""

    config: SimConfig
    customers: list[dict[str, Any]]
    agents: list[dict[str, Any]]
    contacts: list[Contact]
    policy_versions: dict[str, list[tuple[date, Any]]]

    def truth(self, until: date | None = None) -> GroundTruth:
        """Count what the product should report for contacts from deployment until ``until``."""
        deployed = [
            c
            for c in self.contacts
            if self.config.deploy_start <= c.started_at.date()
            and (until is None or c.started_at.date() < until)
        ]
        escalated = [c for c in deployed if c.path == "escalated"]
        csat: dict[str, list[int]] = {}
        for c in deployed:
            if c.csat in ("good", "bad"):
                pair = csat.setdefault(c.path, [0, 0])
                pair[0 if c.csat == "good" else 1] += 1
        return GroundTruth(
            contacts=len(deployed),
            by_path=dict(Counter(c.path for c in deployed)),
            escalations=len(escalated),
            flagged=sum(c.agent_flagged for c in escalated),
            repeated=sum(c.repeated_in_window for c in escalated),
            ai_only_resolved_by_intent=dict(
                Counter(
                    c.intent for c in deployed if c.path == "ai_only" and c.outcome == "resolved"
                )
            ),
            contacts_by_intent=dict(Counter(c.intent for c in deployed)),
            csat_by_path={p: (g, b) for p, (g, b) in csat.items()},
            wrong_policy_statements=sum(c.wrong_policy for c in deployed),
        )


def _iso(moment: datetime) -> str:
    """Render an instant as RFC 3339 UTC."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class _Generator:
    """Holds the random source and the running state of one generation."""

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.customers = [self._customer(i) for i in range(max(20, config.contacts_per_week * 3))]
        self.agents = [
            {"email": f"agent{i + 1}@support.example.com", "name": f"Agent {chr(65 + i)}"}
            for i in range(config.agents)
        ]
        self.policy = dict(POLICY_FACTS)
        self.policy["return_window_days"] = [
            (date(2000, 1, 1), 30),
            (config.deploy_start + timedelta(weeks=config.return_window_change_week), 45),
        ]

    def _pick(self, weighted: tuple[tuple[str, float], ...]) -> str:
        """Draw one option by weight."""
        return self.rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]

    def _customer(self, i: int) -> dict[str, Any]:
        """Make one customer with a segment and, rarely, VIP status."""
        first = ("Dana", "Sam", "Ali", "Mei", "Jo", "Ravi", "Lena", "Omar", "Kim", "Noa")[i % 10]
        return {
            "id": f"cust-{i:05d}",
            "email": f"{first.lower()}.{i}@customer.example.org",
            "name": f"{first} {('Reyes', 'Okafor', 'Berg', 'Tanaka', 'Silva')[i % 5]}",
            "segment": self._pick(SEGMENTS),
            "vip": self.rng.random() < 0.03,
        }

    def _policy_value(self, key: str, day: date) -> Any:
        """Return the policy value in force on ``day``."""
        value = None
        for since, v in self.policy[key]:
            if since <= day:
                value = v
        return value

    def run(self) -> World:
        """Generate every week's contacts, then the repeat contacts they cause."""
        contacts: list[Contact] = []
        total_weeks = self.config.baseline_weeks + self.config.weeks
        for week in range(total_weeks):
            monday = datetime.combine(self.config.start + timedelta(weeks=week), time(8), UTC)
            volume = max(1, round(self.config.contacts_per_week * self.rng.uniform(0.9, 1.1)))
            for _ in range(volume):
                at = monday + timedelta(
                    days=self.rng.randrange(7), minutes=self.rng.randrange(10 * 60)
                )
                intent = self.rng.choices(INTENTS, [i.weight for i in INTENTS])[0]
                contacts.append(self._contact(intent, self.rng.choice(self.customers), at, week))
        repeats = [r for c in contacts if (r := self._maybe_repeat(c)) is not None]
        contacts.extend(repeats)
        contacts.sort(key=lambda c: c.started_at)
        return World(self.config, self.customers, self.agents, contacts, self.policy)

    def _maybe_repeat(self, first: Contact) -> Contact | None:
        """Sometimes the same customer comes back about the same intent."""
        if first.path == "ai_only" and first.outcome == "abandoned":
            chance, within = 0.3, timedelta(hours=20)
        elif first.solved_at is not None or first.outcome == "resolved":
            chance, within = (0.06 if first.path == "ai_only" else 0.04), timedelta(days=6)
        else:
            return None
        if self.rng.random() >= chance:
            return None
        end = first.solved_at or first.started_at
        at = end + timedelta(seconds=self.rng.uniform(600, within.total_seconds()))
        # Customers come back in the daytime (08:00-18:00 UTC), so no contact straddles midnight.
        at = at.replace(hour=8 + self.rng.randrange(10), minute=self.rng.randrange(60))
        if at <= end:
            at += timedelta(days=1)
        intent = next(i for i in INTENTS if i.name == first.intent)
        week = (at.date() - self.config.start).days // 7
        repeat = self._contact(intent, first.customer, at, week)
        repeat.repeat_of = first.key
        return repeat

    def _contact(
        self, intent: Intent, customer: dict[str, Any], at: datetime, week: int
    ) -> Contact:
        """Make one contact on its path, with its conversation, packet, ticket and CSAT."""
        deployed_week = week - self.config.baseline_weeks
        channel = self._pick(CHANNELS)
        contact = Contact(
            key=uuid.UUID(int=self.rng.getrandbits(128)).hex[:16],
            customer=customer,
            intent=intent.name,
            tier=intent.tier,
            channel=channel,
            path="human_only",
            started_at=at,
        )
        details = self._details(customer)
        issue = phrases.ISSUES[intent.name].format(**details)
        if deployed_week >= 0 and self.rng.random() < intent.engage:
            contact.bot_version = (
                "2.4.0" if deployed_week >= self.config.version_change_week else "2.3.1"
            )
            self._bot(contact, intent, issue, details, deployed_week)
        if contact.path != "ai_only":
            self._ticket(contact, intent, issue, details, deployed_week)
        self._csat(contact, intent, deployed_week)
        return contact

    def _details(self, customer: dict[str, Any]) -> dict[str, str]:
        """Make the identifiers a customer would quote."""
        return {
            "order": f"A-{self.rng.randrange(10000, 99999)}",
            "invoice": f"INV-{self.rng.randrange(100000, 999999)}",
            "email": customer["email"],
        }

    def _bot(
        self, c: Contact, intent: Intent, issue: str, details: dict[str, str], week: int
    ) -> None:
        """Run the bot part: resolve, abandon or escalate with a packet."""
        roll = self.rng.random()
        c.outcome = (
            "resolved"
            if roll < intent.resolve
            else "abandoned"
            if roll < intent.resolve + intent.abandon
            else "escalated"
        )
        c.path = "escalated" if c.outcome == "escalated" else "ai_only"
        minutes = self.rng.uniform(1.5, 9.0) * (1.25 if c.bot_version == "2.4.0" else 1.0)
        ended = c.started_at + timedelta(minutes=minutes)
        transcript = [
            {"role": "customer", "text": f"Hi, {issue}", "at": _iso(c.started_at)},
            {
                "role": "bot",
                "text": "Thanks, let me look into that for you.",
                "at": _iso(c.started_at + timedelta(seconds=20)),
            },
        ]
        citations = self._policy_statements(c, intent, transcript, ended)
        model_csat = round(
            min(1.0, max(0.0, self.rng.gauss(0.72 if c.outcome == "resolved" else 0.4, 0.12))), 2
        )
        c.conversation = {
            "schema_version": PACKET_SCHEMA_VERSION,
            "conversation_id": f"conv-{c.key}",
            "customer": dict(c.customer),
            "channel": c.channel,
            "intent": {"name": intent.name, "confidence": round(self.rng.uniform(0.3, 0.98), 2)},
            "started_at": _iso(c.started_at),
            "ended_at": _iso(ended),
            "outcome": c.outcome,
            "bot": {"name": "Ava", "version": c.bot_version},
            "model_csat": model_csat,
            "turns": len(transcript),
            "transcript": transcript,
            "tools_called": [TOOLS.get(intent.tier, "kb_search")],
            **({"policy_citations": citations} if citations else {}),
        }
        if c.outcome != "escalated":
            return
        poor = self.rng.random() < 0.2
        packet: dict[str, Any] = {
            "schema_version": PACKET_SCHEMA_VERSION,
            "packet_id": str(uuid.UUID(int=self.rng.getrandbits(128))),
            "requester": {"email": c.customer["email"], "name": c.customer["name"]},
            "conversation_id": f"conv-{c.key}",
            "created_at": _iso(ended),
            "bot": {"name": "Ava", "version": c.bot_version},
            "channel": c.channel,
            "intent": c.conversation["intent"],
            "summary": f"Customer says {issue} The bot could not finish this.",
            "escalation": {"reason": self.rng.choice(REASONS)},
            "transcript": transcript,
            "model_csat": model_csat,
        }
        if not poor:
            packet.update(
                customer=dict(c.customer),
                account_state={
                    "plan": c.customer["segment"],
                    "orders": [{"id": details["order"], "status": "in_transit"}],
                },
                prior_actions=[
                    {
                        "action": "looked up the account",
                        "tool": "crm_lookup",
                        "status": "succeeded",
                        "at": _iso(ended),
                    }
                ],
                identifiers=[
                    {"kind": "order_id", "value": details["order"]},
                    {"kind": "email", "value": details["email"]},
                ],
                sentiment={"label": "negative", "score": -0.4, "frustration": False, "signals": []},
            )
            packet["escalation"]["detail"] = "The bot's tools could not settle it."
        if citations:
            packet["policy_citations"] = citations
        spike = week == self.config.context_loss_spike_week
        c.context_lost = self.rng.random() < (0.45 if poor else 0.4 if spike else 0.04)
        c.packet = packet

    def _policy_statements(
        self, c: Contact, intent: Intent, transcript: list[dict[str, Any]], at: datetime
    ) -> list[dict[str, Any]]:
        """Let the bot quote a policy on policy-heavy intents; a few quotes are wrong."""
        keys = {
            "returns": "return_window_days",
            "shipping_policy": "shipping_days_standard",
            "billing_dispute": "restocking_fee_percent",
        }
        key = keys.get(intent.name)
        if key is None or self.rng.random() > 0.7:
            return []
        true_value = self._policy_value(key, at.date())
        wrong = self.rng.random() < 0.03
        value = true_value * 2 if wrong else true_value
        c.wrong_policy = wrong
        text = {
            "return_window_days": f"You can return items within {value} days of delivery.",
            "shipping_days_standard": f"Standard shipping takes {value} business days.",
            "restocking_fee_percent": f"A {value}% restocking fee applies to opened items.",
        }[key]
        transcript.append({"role": "bot", "text": text, "at": _iso(at - timedelta(seconds=30))})
        return [
            {
                "policy": key,
                "value": value,
                "statement": text,
                "at": _iso(at - timedelta(seconds=30)),
            }
        ]

    def _ticket(
        self, c: Contact, intent: Intent, issue: str, details: dict[str, str], week: int
    ) -> None:
        """Write the helpdesk side: agent turns, customer replies, repetition and re-asks."""
        agent = self.rng.choice(self.agents)
        c.agent = agent["email"]
        c.subject = issue[0].upper() + issue[1:]
        start = (
            c.started_at + timedelta(minutes=10)
            if c.packet is None
            else datetime.fromisoformat(c.packet["created_at"].replace("Z", "+00:00"))
        )
        if c.packet is None:
            c.comments.append(Comment("customer", True, f"Hello, {issue}", c.started_at))
        hours = (
            TIER_HOURS[intent.tier]
            * math.exp(self.rng.gauss(0, 0.35))
            * (1.35 if c.context_lost else 1.0)
        )
        step = timedelta(hours=hours) / 5
        now = start
        name = c.customer["name"].split()[0]
        for turn in range(4):
            now += step
            if turn == 0:
                body = self.rng.choice(phrases.AGENT_GREETINGS).format(name=name)
                if c.context_lost:
                    body += " " + self.rng.choice(phrases.AGENT_REASKS)
                    c.agent_reasked = True
            else:
                body = self.rng.choice(phrases.AGENT_PROGRESS)
            c.comments.append(Comment(agent["email"], True, body, now))
            now += step / 3
            if turn == 0 and c.packet is not None and (c.context_lost or self.rng.random() < 0.02):
                c.comments.append(Comment("customer", True, self._repetition(issue, details), now))
                c.repeated_in_window = True
            elif turn == 3 and c.packet is not None and self.rng.random() < 0.04:
                # After the 4th agent reply: outside the window, it must not count.
                c.comments.append(Comment("customer", True, self._repetition(issue, details), now))
                c.repeated_late = True
            elif turn < 3:
                text = self.rng.choice(phrases.CUSTOMER_FOLLOWUPS)
                if self.rng.random() < 0.15:
                    text = self.rng.choice(phrases.LOOKALIKES).format(Bot="The bot") + " " + text
                c.comments.append(Comment("customer", True, text, now))
        c.solved_at = now + step / 2
        if c.packet is not None:
            c.agent_acknowledged = self.rng.random() < 0.7
            if c.context_lost and self.rng.random() < 0.85:
                c.agent_flagged = True
                missing = [
                    f
                    for f in ("identifiers", "account_state", "prior_actions")
                    if f not in c.packet
                ]
                c.flag_fields = tuple(missing or self.rng.sample(["summary", "transcript"], 1))

    def _repetition(self, issue: str, details: dict[str, str]) -> str:
        """Word one repetition: an explicit cue, and sometimes the identifier sent again."""
        text = self.rng.choice(phrases.REPEAT_CUES).format(
            bot=self.rng.choice(phrases.BOT_NAMES), issue=issue
        )
        if self.rng.random() < 0.4:
            text += f" The order number is {details['order']}."
        return text

    def _csat(self, c: Contact, intent: Intent, week: int) -> None:
        """Draw resolution and delayed CSAT answers, worse when context was lost."""
        if c.path == "ai_only" and c.outcome != "resolved":
            return
        good = TIER_CSAT[intent.tier]
        if c.path == "escalated":
            good -= 0.06 + (0.2 if c.context_lost else 0.0)
        if c.bot_version == "2.4.0" and intent.name == self.config.sliding_intent:
            good -= 0.15
        solved = c.solved_at or (c.started_at + timedelta(minutes=10))
        if self.rng.random() < (0.22 if c.context_lost else 0.33):
            c.csat = "good" if self.rng.random() < good else "bad"
            c.csat_at = solved + timedelta(minutes=self.rng.uniform(5, 240))
        if self.rng.random() < 0.2:
            c.delayed_csat = "good" if self.rng.random() < good - 0.03 else "bad"
            c.delayed_csat_at = solved + timedelta(hours=self.rng.uniform(48, 72))


def generate(config: SimConfig | None = None) -> World:
    """Generate a world for ``config`` (the same seed always gives the same world)."""
    return _Generator(config or SimConfig()).run()
