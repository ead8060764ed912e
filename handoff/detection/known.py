"""What a handoff packet already tells the agent: identifiers, the customer's own words, the clock."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from handoff.detection.topics import (
    answered_bot_questions,
    packet_words,
    specified_words,
    value_names,
)

# Kinds a packet identifier can have (schema ``identifiers[].kind``), plus values the customer typed.
IDENTIFIER_KINDS = (
    "order_id",
    "email",
    "account_id",
    "phone",
    "tracking_number",
    "invoice_id",
    "other",
)
TRANSCRIPT_VALUE = "transcript_value"

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# An id-like word: letters, digits and joiners, at least one digit ("ORD-58213", "#12345", "SAVE10").
TOKEN_RE = re.compile(r"[A-Za-z0-9#][A-Za-z0-9#_/.-]*[A-Za-z0-9]")
PHONE_RE = re.compile(r"\+?\(?\d[\d\s().-]{5,}\d")
MONEY_RE = re.compile(r"^\d{1,4}([.,]\d{2})?$")
DATE_RE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")


def id_key(value: str) -> str:
    """Reduce an identifier to its letters and digits, upper case: "ord-58213" -> "ORD58213"."""
    return "".join(ch for ch in value.upper() if ch.isalnum())


def digits(value: str) -> str:
    """Keep only the digits of ``value``."""
    return "".join(ch for ch in value if ch.isdigit())


def is_id_like(word: str) -> bool:
    """Tell whether a word looks like an identifier rather than a price, date, year or count."""
    key = id_key(word)
    if len(key) < 4 or not any(ch.isdigit() for ch in key):
        return False
    if MONEY_RE.match(word) or DATE_RE.match(word):
        return False
    # A bare number of four digits or fewer is a year, an amount or a quantity far more often.
    return not (key.isdigit() and len(key) <= 4)


@dataclass(frozen=True)
class KnownValue:
    """A value the packet holds: its kind, as written in the packet, and its matching key."""

    kind: str
    value: str
    key: str
    # For a value typed in the transcript, the field the customer named just before it
    # ("order #A-55031" names an order id); an agent asking for that field re-asks it.
    named: str = ""
    # An identifier's label in the packet ("Halcyon gamertag", "card last four").
    label: str = ""


@dataclass(frozen=True)
class PacketFacts:
    """What the packet holds, reduced to what the detectors compare against.

    ``values`` are what the customer gave (the packet's identifiers and id-like words of the
    customer's transcript turns): only these can be repeated. ``looked_up`` are what the bot
    or the helpdesk knew without the customer saying it (the requester's email, the account's
    orders): an agent asking for them is still a re-ask, but a customer naming them is not
    repeating anything ("my other order A-1234 arrived fine").
    """

    values: tuple[KnownValue, ...] = ()
    descriptions: tuple[str, ...] = ()
    summary: str = ""
    handoff_at: datetime | None = None
    bot_names: tuple[str, ...] = ()
    looked_up: tuple[KnownValue, ...] = ()
    # Stems of every word the packet holds (``topics.packet_words``), for asks named in words.
    words: frozenset[str] = frozenset()
    # Content stems of each bot question the customer answered (``topics``), for re-asks.
    bot_asked: tuple[frozenset[str], ...] = ()
    # Stems of the words the customer named their values with ("reference", "PAC", "IMEI").
    value_names: frozenset[str] = frozenset()
    # The packet itself, read again only for ``specified`` (computed when first asked).
    packet: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def specified(self) -> tuple[frozenset[str], frozenset[str]]:
        """Return the stems of the things the packet gives a value for, and of those it counts
        (``topics.specified_words``): "which router?" needs a router named, not mentioned."""
        return specified_words(self.packet or {})

    def first(self, kind: str) -> KnownValue | None:
        """Return the first value of ``kind`` the packet holds, customer-given first."""
        for value in (*self.values, *self.looked_up):
            if value.kind == kind:
                return value
        for value in self.values:
            if value.named == kind:
                return value
        return None


def parse_time(value: Any) -> datetime | None:
    """Parse an ISO 8601 instant ("...Z" allowed); return None for anything else or a naive time."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _key_for(kind: str, value: str) -> str:
    if kind == "email":
        return value.strip().lower()
    if kind == "phone":
        return digits(value)
    return id_key(value)


VALUE_NAMED = "value"
# Words a customer names a value with, just before it: "order #A-55031", "tracking 1Z84...".
NAMING_WORDS = {
    "order": "order_id",
    "tracking": "tracking_number",
    "invoice": "invoice_id",
    "account": "account_id",
    "acct": "account_id",
    # Named, but not one of the identifier fields: still the customer's own value.
    "ending": VALUE_NAMED,
    "card": VALUE_NAMED,
    "booking": VALUE_NAMED,
    "ref": VALUE_NAMED,
    "reference": VALUE_NAMED,
    "pin": VALUE_NAMED,
    "ticket": VALUE_NAMED,
    "case": VALUE_NAMED,
    "policy": VALUE_NAMED,
    "number": VALUE_NAMED,
    "no": VALUE_NAMED,
}


def _add(
    out: dict[tuple[str, str], KnownValue], kind: str, value: Any, named: str = "", label: Any = ""
) -> None:
    if not isinstance(value, str | int) or isinstance(value, bool):
        return
    text = str(value).strip()
    key = _key_for(kind, text)
    if len(key) < 3 or (kind, key) in out:
        return
    out[(kind, key)] = KnownValue(kind, text, key, named, label if isinstance(label, str) else "")


# What an account number is called in ``account_state`` ("membership_number", "customer_no").
_ACCOUNT_HOLDERS = ("account", "customer", "member", "client")


def _state_kind(name: str, value: Any) -> str:
    """Return the identifier kind an ``account_state`` key names for its value, or ''."""
    if "email" in name:
        return "email"
    if "phone" in name or "mobile" in name:
        return "phone"
    if name.startswith(_ACCOUNT_HOLDERS) and name.endswith(("number", "id", "no")):
        return "account_id"
    # "developer_account": "QAD-77812" names an account too; "premium" (no digit) is no number.
    if name.endswith("_account"):
        return "account_id" if any(ch.isdigit() for ch in str(value)) else ""
    if "tracking" in name:
        return "tracking_number"
    if name.startswith("invoice") or name.endswith(("invoice", "invoice_id", "invoice_number")):
        return "invoice_id"
    return ""


def _short_named_value(word: str) -> bool:
    """Tell whether a word is a value once named: four or more letters and digits, with a digit."""
    key = id_key(word)
    if DATE_RE.match(word) or re.search(r"[.,]\d{2}$", word):
        return False
    return len(key) >= 4 and any(ch.isdigit() for ch in key)


def _named(before: str) -> str:
    """Return the field a customer named in the few words before a value, or ''."""
    for word in reversed(re.findall(r"[a-z]+", before.lower())[-3:]):
        if word in NAMING_WORDS:
            return NAMING_WORDS[word]
    return ""


def _dicts(items: Any) -> Iterable[Mapping[str, Any]]:
    if isinstance(items, list):
        return [item for item in items if isinstance(item, Mapping)]
    return []


def facts_from_packet(packet: Mapping[str, Any]) -> PacketFacts:
    """Collect what ``packet`` already tells the agent; tolerate missing or odd fields."""
    values: dict[tuple[str, str], KnownValue] = {}
    for ident in _dicts(packet.get("identifiers")):
        kind = ident.get("kind")
        kind = kind if kind in IDENTIFIER_KINDS else "other"
        _add(values, kind, ident.get("value"), label=ident.get("label"))
    descriptions: list[str] = []
    for turn in _dicts(packet.get("transcript")):
        text = turn.get("text")
        if turn.get("role") != "customer" or not isinstance(text, str):
            continue
        descriptions.append(text)
        for email in EMAIL_RE.findall(text):
            _add(values, "email", email)
        without_emails = EMAIL_RE.sub(" ", text)
        for match in TOKEN_RE.finditer(without_emails):
            word = match.group()
            if not any(ch.isdigit() for ch in word):
                continue
            key = id_key(word)
            if any(v.key == key for v in values.values()):
                continue
            named = _named(without_emails[max(0, match.start() - 30) : match.start()])
            # A short number counts when the customer named it: "order 4471", "card ending 4417".
            if is_id_like(word) or (named and _short_named_value(word)):
                _add(values, TRANSCRIPT_VALUE, word, named)
    looked_up: dict[tuple[str, str], KnownValue] = {}
    # The customer and requester records give the email the helpdesk knows. Their ids are the
    # bot's and the helpdesk's own keys ("cust_40002"), which the agent already sees and the
    # customer never gave: "your account number" asks for the number the customer knows, so
    # it is a re-ask only when the customer gave one or the account state names one. (Writers
    # disagree on ids printed like account numbers, "TH-ACC-58810": counting them found 5
    # re-asks and 3 false alarms over the sets, 2 of those on a fresh set; not counted.)
    for holder in (packet.get("customer"), packet.get("requester")):
        if isinstance(holder, Mapping):
            _add(looked_up, "email", holder.get("email"))
    state = packet.get("account_state")
    if isinstance(state, Mapping):
        for order in _dicts(state.get("orders")):
            _add(looked_up, "order_id", order.get("id"))
            _add(
                looked_up, "tracking_number", order.get("tracking") or order.get("tracking_number")
            )
        # Top-level values named for a field: {"email": ...}, {"account_number": ...}.
        for name, value in state.items():
            name = str(name).lower()
            kind = _state_kind(name, value)
            if kind:
                _add(looked_up, kind, value, label=name)
    bot = packet.get("bot")
    bot_names: tuple[str, ...] = ()
    if isinstance(bot, Mapping) and isinstance(bot.get("name"), str):
        bot_names = (bot["name"].strip().lower(),)
    summary = packet.get("summary")
    return PacketFacts(
        values=tuple(values.values()),
        descriptions=tuple(descriptions),
        summary=summary if isinstance(summary, str) else "",
        handoff_at=parse_time(packet.get("created_at")),
        bot_names=bot_names,
        looked_up=tuple(v for k, v in looked_up.items() if k not in values),
        words=packet_words(packet),
        bot_asked=answered_bot_questions(packet),
        value_names=value_names(packet),
        packet=packet,
    )
