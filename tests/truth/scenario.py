"""A seeded, realistic support operation: the ground truth the panel is checked against.

Written from docs/panel-spec (the figure definitions) alone, by someone who did not read the
metrics code. Everything here is *what happened*: users, tickets with their comments and status
changes, bot conversations and handoff packets as the bot sends them, ratings, delayed survey
answers and the agents' "had to re-ask" flags, each with the moment it happened and the moment
it reaches the product (``arrives``). ``tests/truth/oracle.py`` turns this into figures;
``tests/truth/feed.py`` pushes it through the product's public interfaces.

Calendar (timezone Europe/Berlin, ISO weeks):
    baseline  2026-08-03 .. 2026-08-30  (2026-W32 .. W35), humans only, no bot
    live      2026-08-31 .. 2026-11-01  (2026-W36 .. W44), the bot in front
    late      data keeps arriving until 2026-11-30 (ratings changed, backfilled conversations)
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

TIMEZONE = "Europe/Berlin"
BASELINE_START = date(2026, 8, 3)
BASELINE_END = date(2026, 8, 30)
LIVE_START = date(2026, 8, 31)
LIVE_WEEKS = 9
END_OF_DATA = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

ARCHETYPES: dict[str, tuple[str, list[str]]] = {
    "order_status": ("repetitive", ["order_status", "where_is_my_order"]),
    "password_reset": ("repetitive", ["password_reset"]),
    "basic_billing": ("repetitive", ["basic_billing"]),
    "shipping_policy": ("faq", ["shipping_policy"]),
    "returns": ("faq", ["returns"]),
    "plan_comparison": ("faq", ["plan_comparison"]),
    "billing_dispute": ("account_specific", ["billing_dispute"]),
    "plan_change": ("account_specific", ["plan_change"]),
    "cancellation": ("account_specific", ["cancellation"]),
}
ARCHETYPE_WEIGHT = {
    "order_status": 6, "password_reset": 4, "basic_billing": 3, "shipping_policy": 3,
    "returns": 4, "plan_comparison": 2, "billing_dispute": 3, "plan_change": 2, "cancellation": 2,
}  # fmt: skip
# Of the contacts the bot engages: P(resolved by the bot), P(abandoned), P(refused); the rest escalate.
BOT_OUTCOMES = {
    "repetitive": (0.55, 0.08, 0.02),
    "faq": (0.35, 0.08, 0.04),
    "account_specific": (0.10, 0.05, 0.05),
}
SEGMENTS = ["smb", "enterprise", "consumer"]
BOT_CHANNELS = ["web", "chat", "whatsapp"]

OPENERS = {
    "order_status": "Where is my order {order}? It was supposed to arrive by now.",
    "where_is_my_order": "Hi, my parcel {order} has not shown up, can you check where it is?",
    "password_reset": "I cannot log in, the password reset link never arrives.",
    "basic_billing": "Can you explain the extra line on my invoice {invoice}?",
    "shipping_policy": "How long does standard shipping take to Austria?",
    "returns": "I would like to return the shoes from order {order}, how do I do that?",
    "plan_comparison": "What is the difference between the Plus and the Pro plan?",
    "billing_dispute": "I was charged twice for invoice {invoice}, I want the second charge back.",
    "plan_change": "Please move my account from Plus to Pro starting next month.",
    "cancellation": "I want to cancel my subscription at the end of this period.",
}
REPETITIONS = [
    "As I already told the bot, my order number is {order}.",
    "Like I said to the chatbot already, my email is {email}.",
    "I already gave the bot my invoice number, it is {invoice}.",
    "As I told your bot before, I was charged twice for {invoice}.",
]
CUSTOMER_NEUTRAL = [
    "Thanks, that helps.",
    "Okay, here is a photo of the parcel label.",
    "Great, I will wait for the update.",
    "Sounds good.",
    "Perfect, thank you for the quick answer.",
]
AGENT_REPLIES = [
    "Hello, thanks for your patience. I am looking into this for you now.",
    "I have checked this on our side and I am taking care of it.",
    "The update is done on our side; you will see it within a day.",
    "Is there anything else I can help you with today?",
    "Following up: everything is settled now.",
    "Small addition: you will receive a confirmation email shortly.",
]
BOT_TICKET_COMMENTS = [
    "Ava here: I have passed your conversation to a colleague who will reply in this thread.",
    "Ava here: a reminder that our team has your request and will answer soon.",
]


def at(d: date, hour: int, minute: int = 0) -> datetime:
    """A UTC instant on day ``d``."""
    return datetime(d.year, d.month, d.day, hour, minute, tzinfo=UTC)


@dataclass
class User:
    key: str
    name: str
    role: str  # end-user | agent
    email: str | None = None
    external_id: str | None = None  # the bot's customer id, where the account links them
    segment: str | None = None
    is_bot: bool = False


@dataclass
class Comment:
    author: str  # user key
    body: str
    public: bool
    at: datetime
    repetition: bool = False  # an explicit customer repetition cue ("as I told the bot")


@dataclass
class Ticket:
    key: str
    requester: str
    submitter: str
    created_at: datetime
    tags: list[str]
    comments: list[Comment]
    statuses: list[tuple[datetime, str]] = field(default_factory=list)  # after creation
    ratings: list[tuple[datetime, str]] = field(
        default_factory=list
    )  # good|bad|offered; latest wins
    delayed: tuple[datetime, str] | None = None  # 48-72 h survey answer
    flags: list[tuple[datetime, bool]] = field(default_factory=list)  # re-ask checkbox changes


@dataclass
class BotBody:
    """A conversation or a packet exactly as the bot posts it; ``ticket`` is a ticket key."""

    kind: str  # conversation | packet
    body: dict[str, Any]
    arrives: datetime
    ticket: str | None = None
    resend_at: datetime | None = None  # packets: the same body sent again


@dataclass
class Contact:
    key: str
    archetype: str
    intent: str
    segment: str
    channel: str | None  # the bot's channel; None when no bot touched it
    customer: str  # user key
    ticket: str | None
    conversations: list[BotBody] = field(default_factory=list)
    packets: list[BotBody] = field(default_factory=list)
    baseline: bool = False
    note: str = ""


@dataclass
class Scenario:
    seed: int
    users: dict[str, User]
    tickets: dict[str, Ticket]
    contacts: list[Contact]

    @property
    def bot_bodies(self) -> list[BotBody]:
        return [b for c in self.contacts for b in (*c.conversations, *c.packets)]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.users: dict[str, User] = {}
        self.tickets: dict[str, Ticket] = {}
        self.contacts: list[Contact] = []
        self.n = 0
        self.uuid_rng = random.Random(seed * 7919 + 1)

    # ---- ids -------------------------------------------------------------------------------
    def uid(self) -> str:
        return str(uuid.UUID(int=self.uuid_rng.getrandbits(128), version=4))

    def next_key(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}{self.n:04d}"

    # ---- people ----------------------------------------------------------------------------
    def people(self) -> None:
        for i in range(1, 4):
            self.users[f"agent{i}"] = User(
                f"agent{i}", f"Agent {i}", "agent", email=f"agent{i}@support.example.com"
            )
        self.users["bot"] = User(
            "bot", "Ava (bot)", "agent", email="ava-bot@support.example.com", is_bot=True
        )
        for i in range(1, 71):
            seg = SEGMENTS[i % 3]
            self.users[f"cust{i:03d}"] = User(
                f"cust{i:03d}",
                f"Customer {i}",
                "end-user",
                email=f"customer{i}@mail.example.org",
                external_id=f"cus_{1000 + i}",
                segment=seg,
            )

    def customers(self) -> list[str]:
        return [k for k, u in self.users.items() if u.role == "end-user"]

    def agent(self) -> str:
        return self.rng.choice(["agent1", "agent2", "agent3"])

    # ---- texts -----------------------------------------------------------------------------
    def fill(self, text: str, cust: str) -> str:
        return text.format(
            order=f"A-{self.rng.randint(10000, 99999)}",
            invoice=f"INV-{self.rng.randint(1000, 9999)}",
            email=self.users[cust].email,
        )

    # ---- pieces ----------------------------------------------------------------------------
    def customer_ref(self, cust: str, how: str) -> dict[str, Any]:
        u = self.users[cust]
        ref: dict[str, Any] = {"segment": u.segment}
        if how in ("id", "both"):
            ref["id"] = u.external_id
        if how in ("email", "both"):
            ref["email"] = u.email
        return ref

    def transcript(
        self, cust: str, intent: str, greet: datetime, first: datetime, end: datetime,
        *, pre_handoff_repeat: bool = False, escalating: bool = False,
    ) -> list[dict[str, Any]]:  # fmt: skip
        t = [
            {"role": "bot", "text": "Hi, I am Ava. How can I help you today?", "at": iso(greet)},
            {"role": "customer", "text": self.fill(OPENERS[intent], cust), "at": iso(first)},
        ]
        mid = first + (end - first) / 2
        t.append({"role": "bot", "text": "Let me look that up for you.", "at": iso(mid)})
        if pre_handoff_repeat:
            t.append({"role": "customer", "text": "As I told you before, I need this sorted.",
                      "at": iso(mid + timedelta(seconds=30))})  # fmt: skip
        last = "I am connecting you with a colleague now." if escalating else "Glad I could help!"
        t.append({"role": "bot", "text": last, "at": iso(end)})
        return t

    def conversation(
        self, cid: str, cust: str, how: str, channel: str, intent: str, greet: datetime,
        first: datetime, end: datetime, outcome: str, ticket: str | None, *,
        arrives: datetime | None = None, pre_handoff_repeat: bool = False,
    ) -> BotBody:  # fmt: skip
        body: dict[str, Any] = {
            "schema_version": "1.0",
            "conversation_id": cid,
            "customer": self.customer_ref(cust, how),
            "channel": channel,
            "intent": {"name": intent, "confidence": round(self.rng.uniform(0.3, 0.98), 2)},
            "started_at": iso(greet),
            "ended_at": iso(end),
            "outcome": outcome,
            "bot": {"name": "Ava", "version": "3.1.0"},
            "model_csat": round(self.rng.uniform(0.2, 0.95), 2),
            "turns": 4,
            "transcript": self.transcript(
                cust,
                intent,
                greet,
                first,
                end,
                pre_handoff_repeat=pre_handoff_repeat,
                escalating=outcome == "escalated",
            ),  # fmt: skip
        }
        return BotBody("conversation", body, arrives or end + timedelta(seconds=5), ticket)

    def packet(
        self, cust: str, how: str, channel: str, intent: str, greet: datetime, first: datetime,
        handoff: datetime, ticket: str, conversation_id: str | None, *, reason: str = "low_confidence",
        arrives: datetime | None = None,
    ) -> BotBody:  # fmt: skip
        body: dict[str, Any] = {
            "schema_version": "1.0",
            "packet_id": self.uid(),
            "bot": {"name": "Ava", "version": "3.1.0"},
            "channel": channel,
            "customer": self.customer_ref(cust, how),
            "intent": {"name": intent, "confidence": round(self.rng.uniform(0.2, 0.59), 2)},
            "summary": f"Customer needs help with {intent.replace('_', ' ')}; bot could not finish.",
            "escalation": {"reason": reason},
            "created_at": iso(handoff),
            "transcript": self.transcript(cust, intent, greet, first, handoff, escalating=True),
            "sentiment": {"label": "neutral", "score": 0.0},
            "account_state": {"plan": "Plus", "status": "active"},
            "prior_actions": [{"action": "looked up account", "status": "succeeded"}],
            "identifiers": [{"kind": "email", "value": self.users[cust].email}],
        }
        if conversation_id:
            body["conversation_id"] = conversation_id
        return BotBody("packet", body, arrives or handoff + timedelta(seconds=20), ticket)

    def ticket(
        self, requester: str, submitter: str, created: datetime, opening: Comment, tags: list[str]
    ) -> Ticket:
        key = self.next_key("T")
        t = Ticket(key, requester, submitter, created, tags, [opening])
        self.tickets[key] = t
        return t

    def human_thread(
        self, t: Ticket, cust: str, start: datetime, *, replies: int, repeat_at: int | None = None,
        late_repeat: bool = False, bot_comment_between: bool = False, bot_comment_first: bool = False,
        solve: bool = True, reopen: bool = False,
    ) -> datetime:  # fmt: skip
        """Agent replies (and customer answers) after ``start``; returns the last solve moment."""
        now = start
        agent = self.agent()
        if bot_comment_first:
            now += timedelta(minutes=1)
            t.comments.append(Comment("bot", BOT_TICKET_COMMENTS[0], True, now))
        for i in range(replies):
            now += timedelta(minutes=self.rng.randint(8, 180))
            t.comments.append(Comment(agent, AGENT_REPLIES[i % len(AGENT_REPLIES)], True, now))
            if bot_comment_between and i == 0:
                now += timedelta(minutes=5)
                t.comments.append(Comment("bot", BOT_TICKET_COMMENTS[1], True, now))
            if i < replies - 1 or repeat_at == i:
                now += timedelta(minutes=self.rng.randint(3, 60))
                if repeat_at == i:
                    text = self.fill(self.rng.choice(REPETITIONS), cust)
                    t.comments.append(Comment(cust, text, True, now, repetition=True))
                else:
                    t.comments.append(Comment(cust, self.rng.choice(CUSTOMER_NEUTRAL), True, now))
        if late_repeat:  # after the 4th agent reply: outside the repetition window
            now += timedelta(minutes=20)
            text = self.fill(self.rng.choice(REPETITIONS), cust)
            t.comments.append(Comment(cust, text, True, now, repetition=True))
            now += timedelta(minutes=15)
            t.comments.append(Comment(agent, AGENT_REPLIES[4], True, now))
        if not solve:
            return now
        now += timedelta(minutes=self.rng.randint(5, 90))
        t.statuses.append((now, "solved"))
        if reopen:
            back = now + timedelta(days=2, hours=3)
            t.comments.append(
                Comment(cust, "It happened a second time, please have a look.", True, back)
            )
            t.statuses.append((back, "open"))
            now = back + timedelta(hours=4)
            t.comments.append(Comment(agent, AGENT_REPLIES[5], True, now - timedelta(minutes=30)))
            t.statuses.append((now, "solved"))
        return now

    def rate(self, t: Ticket, solved: datetime, *, p_rated: float, p_good: float) -> None:
        r = self.rng.random()
        if r < p_rated:
            score = "good" if self.rng.random() < p_good else "bad"
            t.ratings.append((solved + timedelta(hours=self.rng.randint(1, 20)), score))
        elif r < p_rated + 0.15:
            t.ratings.append((solved + timedelta(hours=2), "offered"))
        if self.rng.random() < 0.35:
            answer = "good" if self.rng.random() < p_good - 0.05 else "bad"
            t.delayed = (solved + timedelta(hours=self.rng.randint(50, 70)), answer)

    # ---- contacts --------------------------------------------------------------------------
    def pick_archetype(self) -> str:
        names = list(ARCHETYPE_WEIGHT)
        return self.rng.choices(names, weights=[ARCHETYPE_WEIGHT[n] for n in names])[0]

    def start_time(self, week_monday: date) -> datetime:
        d = week_monday + timedelta(days=self.rng.randint(0, 3))
        return at(d, self.rng.randint(7, 16), self.rng.randint(0, 59))

    def human_only(
        self, start: datetime, arch: str, cust: str, *, baseline: bool, agent_created: bool = False,
        reopen: bool = False, solve: bool = True,
    ) -> Contact:  # fmt: skip
        intent = self.rng.choice(ARCHETYPES[arch][1])
        seg = self.users[cust].segment or "smb"
        tags = [f"intent_{intent}", f"segment_{seg}"]
        if agent_created:  # a phone call typed in by the agent: the opening comment is the agent's
            agent = self.agent()
            opening = Comment(agent, f"Phone call: customer asks about {intent.replace('_', ' ')}.",
                              True, start)  # fmt: skip
            t = self.ticket(cust, agent, start, opening, tags)
        else:
            opening = Comment(cust, self.fill(OPENERS[intent], cust), True, start)
            t = self.ticket(cust, cust, start, opening, tags)
        solved = self.human_thread(t, cust, start, replies=self.rng.randint(1, 3), solve=solve,
                                   reopen=reopen)  # fmt: skip
        if solve:
            self.rate(t, solved, p_rated=0.6, p_good=0.8 if not baseline else 0.78)
        c = Contact(self.next_key("C"), arch, intent, seg, None, cust, t.key, baseline=baseline)
        self.contacts.append(c)
        return c

    def bot_contact(
        self, start: datetime, arch: str, cust: str, outcome: str, **kw: Any
    ) -> Contact:
        """A contact the bot engages; ``outcome`` is resolved|abandoned|refused|escalated."""
        intent = kw.get("intent") or self.rng.choice(ARCHETYPES[arch][1])
        seg = self.users[cust].segment or "smb"
        channel = kw.get("channel") or self.rng.choice(BOT_CHANNELS)
        how = kw.get("how") or self.rng.choice(["both", "both", "id", "email"])
        greet = start - timedelta(seconds=kw.get("greet_lead", 40))
        cid = f"conv-{self.uid()[:13]}"
        c = Contact(self.next_key("C"), arch, intent, seg, channel, cust, None)
        if outcome != "escalated":
            end = start + timedelta(
                minutes=self.rng.randint(2, 14), seconds=self.rng.randint(0, 59)
            )
            c.conversations.append(
                self.conversation(
                    cid,
                    cust,
                    how,
                    channel,
                    intent,
                    greet,
                    start,
                    end,
                    outcome,
                    None,
                    arrives=kw.get("arrives"),
                )  # fmt: skip
            )
            self.contacts.append(c)
            return c
        handoff = start + timedelta(
            minutes=self.rng.randint(3, 18), seconds=self.rng.randint(0, 59)
        )
        opening = Comment(cust, self.fill(OPENERS[intent], cust), True, handoff)
        t = self.ticket(cust, "bot", handoff, opening, [f"segment_{seg}"])
        c.ticket = t.key
        variant = kw.get("variant", "normal")
        if variant != "orphan":
            c.conversations.append(
                self.conversation(
                    cid,
                    cust,
                    how,
                    channel,
                    intent,
                    greet,
                    start,
                    handoff,
                    "escalated",
                    None if variant == "no_ids" else t.key,
                    pre_handoff_repeat=kw.get("pre_handoff_repeat", False),
                )  # fmt: skip
            )
        pk = self.packet(cust, how if variant != "no_ids" else "both", channel, intent, greet, start,
                         handoff, t.key, None if variant in ("no_ids", "orphan") else cid)  # fmt: skip
        if kw.get("resend"):
            pk.resend_at = pk.arrives + timedelta(days=3)
        c.packets.append(pk)
        replies = kw.get("replies") or self.rng.randint(2, 4)
        solved = self.human_thread(
            t, cust, handoff, replies=replies, repeat_at=kw.get("repeat_at"),
            late_repeat=kw.get("late_repeat", False),
            bot_comment_between=kw.get("bot_between", False),
            bot_comment_first=kw.get("bot_first", False), solve=kw.get("solve", True),
            reopen=kw.get("reopen", False),
        )  # fmt: skip
        first_agent = next(x.at for x in t.comments if self.users[x.author].role == "agent"
                           and not self.users[x.author].is_bot)  # fmt: skip
        if kw.get("flag"):
            t.flags.append((first_agent + timedelta(minutes=2), True))
        if kw.get("flag_cleared"):
            t.flags.append((first_agent + timedelta(minutes=2), True))
            t.flags.append((first_agent + timedelta(minutes=40), False))
        if kw.get("solve", True):
            self.rate(t, solved, p_rated=0.6, p_good=0.7)
        if kw.get("escalate_twice"):
            # handed back to the bot later, escalates again on the same ticket: one contact
            back = first_agent + timedelta(minutes=30)
            cid2 = f"conv-{self.uid()[:13]}"
            c.conversations.append(
                self.conversation(
                    cid2,
                    cust,
                    how,
                    channel,
                    intent,
                    back - timedelta(seconds=30),
                    back,
                    back + timedelta(minutes=4),
                    "escalated",
                    t.key,
                )  # fmt: skip
            )
            c.packets.append(
                self.packet(
                    cust,
                    how,
                    channel,
                    intent,
                    back - timedelta(seconds=30),
                    back,
                    back + timedelta(minutes=4),
                    t.key,
                    cid2,
                )  # fmt: skip
            )
        self.contacts.append(c)
        return c

    def resolved_then_human(self, start: datetime, arch: str, cust: str) -> Contact:
        """The bot reports 'resolved', but its ticket then gets a public human reply: escalated."""
        intent = self.rng.choice(ARCHETYPES[arch][1])
        seg = self.users[cust].segment or "smb"
        channel = self.rng.choice(BOT_CHANNELS)
        greet = start - timedelta(seconds=30)
        end = start + timedelta(minutes=self.rng.randint(3, 10))
        opening = Comment(
            cust, self.fill(OPENERS[intent], cust), True, start + timedelta(minutes=1)
        )
        t = self.ticket(cust, "bot", start + timedelta(minutes=1), opening, [f"segment_{seg}"])
        c = Contact(self.next_key("C"), arch, intent, seg, channel, cust, t.key,
                    note="bot said resolved; a human replied on its ticket")  # fmt: skip
        c.conversations.append(
            self.conversation(
                f"conv-{self.uid()[:13]}",
                cust,
                "both",
                channel,
                intent,
                greet,
                start,
                end,
                "resolved",
                t.key,
            )  # fmt: skip
        )
        t.comments.append(Comment(cust, "The bot closed this but my problem is still there.", True,
                                  end + timedelta(hours=1)))  # fmt: skip
        solved = self.human_thread(t, cust, end + timedelta(hours=1), replies=2)
        self.rate(t, solved, p_rated=0.8, p_good=0.4)
        self.contacts.append(c)
        return c

    # ---- the operation ---------------------------------------------------------------------
    def build(self) -> Scenario:
        self.people()
        custs = self.customers()
        # Baseline: four weeks, humans only.
        for w in range(4):
            monday = BASELINE_START + timedelta(weeks=w)
            for _ in range(10):
                self.human_only(self.start_time(monday), self.pick_archetype(),
                                self.rng.choice(custs), baseline=True,
                                agent_created=self.rng.random() < 0.2)  # fmt: skip
        # Live weeks.
        for w in range(LIVE_WEEKS):
            monday = LIVE_START + timedelta(weeks=w)
            for _ in range(20):
                arch = self.pick_archetype()
                cust = self.rng.choice(custs)
                start = self.start_time(monday)
                if self.rng.random() < 0.15:
                    self.human_only(start, arch, cust, baseline=False,
                                    agent_created=self.rng.random() < 0.25)  # fmt: skip
                    continue
                p_res, p_ab, p_ref = BOT_OUTCOMES[ARCHETYPES[arch][0]]
                r = self.rng.random()
                if r < p_res:
                    self.bot_contact(start, arch, cust, "resolved")
                elif r < p_res + p_ab:
                    self.bot_contact(start, arch, cust, "abandoned")
                elif r < p_res + p_ab + p_ref:
                    self.bot_contact(start, arch, cust, "refused")
                else:
                    x = self.rng.random()
                    self.bot_contact(
                        start, arch, cust, "escalated",
                        repeat_at=0 if x < 0.14 else None,
                        flag=0.14 <= x < 0.24 or x < 0.05,
                        bot_first=self.rng.random() < 0.3,
                    )  # fmt: skip
        self.messy(custs)
        self.contacts.sort(key=lambda c: c.key)
        return Scenario(self.seed, self.users, self.tickets, self.contacts)

    def messy(self, custs: list[str]) -> None:
        wk = [LIVE_START + timedelta(weeks=w) for w in range(LIVE_WEEKS)]
        # 1. The bot says "resolved", a human replied on the ticket: escalated.
        for i, arch in enumerate(["order_status", "returns", "basic_billing", "plan_change"]):
            self.resolved_then_human(at(wk[1 + 2 * i] + timedelta(days=1), 10, 5), arch, custs[i])
        # 2. Conversation without ticket_id, packet without conversation_id: one contact.
        for i, arch in enumerate(["order_status", "billing_dispute", "returns"]):
            self.bot_contact(at(wk[2 + 2 * i] + timedelta(days=2), 11, 15), arch, custs[10 + i],
                             "escalated", variant="no_ids", how="both")  # fmt: skip
        # 3. Packets whose conversation never arrives.
        for i, arch in enumerate(["cancellation", "order_status", "plan_change"]):
            self.bot_contact(at(wk[1 + 3 * i] + timedelta(days=1), 14, 40), arch, custs[20 + i],
                             "escalated", variant="orphan")  # fmt: skip
        # 4. The bot's own public comment between the 1st and 2nd agent replies; the customer
        #    repeats after the 3rd agent reply: inside the window only if the bot is no agent.
        for i, arch in enumerate(["order_status", "billing_dispute"]):
            self.bot_contact(at(wk[3 + 3 * i], 9, 20), arch, custs[25 + i], "escalated",
                             replies=4, repeat_at=2, bot_between=True)  # fmt: skip
        # 5. Repetitions: after the 4th agent reply (outside the window), and before the handoff.
        for i, arch in enumerate(["returns", "order_status"]):
            self.bot_contact(at(wk[2 + 4 * i] + timedelta(days=1), 13, 0), arch, custs[30 + i],
                             "escalated", replies=4, late_repeat=True)  # fmt: skip
        self.bot_contact(at(wk[5] + timedelta(days=2), 15, 30), "plan_change", custs[32],
                         "escalated", pre_handoff_repeat=True)  # fmt: skip
        # 6. Agent-created phone tickets (their opening comment is the agent's): human_only.
        for i in range(2):
            self.human_only(at(wk[4 + i] + timedelta(days=1), 10, 0), "billing_dispute",
                            custs[35 + i], baseline=False, agent_created=True)  # fmt: skip
        # 7. Same customer known by bot id, then by email: a repeat contact within 7 days.
        cust = custs[40]
        first = self.bot_contact(at(wk[3], 9, 0), "password_reset", cust, "resolved", how="id")
        first.note = "customer known by bot id"
        second = self.bot_contact(at(wk[3] + timedelta(days=3), 9, 0), "password_reset", cust,
                                  "resolved", how="email")  # fmt: skip
        second.note = "same customer known by email"
        # 8. Repeat contacts within 24 h and 30 d (same customer, same archetype).
        cust = custs[41]
        self.bot_contact(at(wk[4], 8, 0), "order_status", cust, "resolved", how="both")
        self.bot_contact(at(wk[4], 17, 0), "order_status", cust, "escalated", how="both")
        cust = custs[42]
        self.bot_contact(at(wk[1], 8, 0), "returns", cust, "resolved", how="id")
        self.bot_contact(at(wk[1] + timedelta(days=20), 12, 0), "returns", cust, "resolved",
                         how="id")  # fmt: skip
        # 9. Reopened tickets: resolved at their last solve.
        for i, arch in enumerate(["order_status", "plan_change"]):
            self.bot_contact(at(wk[2 + 3 * i] + timedelta(days=1), 10, 0), arch, custs[45 + i],
                             "escalated", reopen=True)  # fmt: skip
        self.human_only(at(wk[6] + timedelta(days=1), 10, 0), "basic_billing", custs[47],
                        baseline=False, reopen=True)  # fmt: skip
        # 10. Ratings changed later (weeks after the first answer): the latest counts.
        changed = 0
        for c in self.contacts:
            t = self.tickets.get(c.ticket or "")
            if t and not c.baseline and t.ratings and t.ratings[-1][1] in ("good", "bad"):
                when, score = t.ratings[-1]
                t.ratings.append((when + timedelta(days=18), "bad" if score == "good" else "good"))
                changed += 1
                if changed == 4:
                    break
        # 11. Late-arriving conversations: posted 12 days after they ended.
        for i, arch in enumerate(["shipping_policy", "plan_comparison"]):
            start = at(wk[2 + i], 12, 0) + timedelta(days=1)
            self.bot_contact(start, arch, custs[50 + i], "resolved",
                             arrives=start + timedelta(days=12))  # fmt: skip
        # 12. A packet sent twice (same body), a flag set then cleared, escalated twice.
        self.bot_contact(at(wk[5], 11, 0), "returns", custs[53], "escalated", resend=True)
        self.bot_contact(
            at(wk[6], 11, 0), "order_status", custs[54], "escalated", flag_cleared=True
        )
        self.bot_contact(at(wk[7], 10, 0), "billing_dispute", custs[55], "escalated",
                         escalate_twice=True)  # fmt: skip
        # 13. Time zone: the bot greets on Sunday 23:58 Berlin, the customer writes at 00:05
        #     Monday Berlin (22:05 UTC Sunday): the contact belongs to the new ISO week.
        sunday = wk[4] - timedelta(days=1)
        self.bot_contact(at(sunday, 22, 5), "order_status", custs[56], "resolved", greet_lead=420)
        self.bot_contact(at(sunday, 22, 20), "returns", custs[57], "escalated")
        # 14. Tickets still open at the end: not resolved.
        self.bot_contact(at(wk[8] + timedelta(days=2), 10, 0), "cancellation", custs[58],
                         "escalated", solve=False)  # fmt: skip


def build(seed: int = 20261) -> Scenario:
    """Build the scenario for ``seed``; the same seed always gives the same operation."""
    return _Builder(seed).build()
