"""The handoff note as agents read it on the ticket: plain text, clearly marked, with its marker."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

HEADER = "=== HANDOFF FROM THE BOT ==="
FOOTER = "=== END OF HANDOFF ==="
MAX_VALUE_CHARS = 500
MAX_LIST_ITEMS = 20
MAX_NOTE_CHARS = 60_000  # Zendesk accepts far longer comments; an agent reads far less

_TAG_UNSAFE = re.compile(r"[^a-z0-9_]+")
# What free text must never reproduce: a marker (``[handoff:...]``, ``Ref. DCSAT-...``) or the
# note's frame (``=== ... ===``); each is broken by a space, which keeps it readable.
_MARKER_LIKE = re.compile(r"\[(\s*)handoff(\s*):", re.I)
_SURVEY_MARKER_LIKE = re.compile(r"\bRef\.(\s*)DCSAT-", re.I)
_FRAME_LIKE = re.compile(r"={3,}")
# Continuation lines of multi-line free text are indented under their label, so a line of text
# can never pose as one of the note's own lines ("Escalation reason: ...", the footer).
CONTINUATION = "    "


def packet_marker(packet_id: str) -> str:
    """Return the marker that identifies the packet's note on the ticket."""
    return f"[handoff:packet:{packet_id}]"


def tag_safe(value: str) -> str:
    """Turn a value into a Zendesk tag fragment: lower case letters, digits and underscores."""
    return _TAG_UNSAFE.sub("_", value.lower()).strip("_")[:60] or "unknown"


def packet_tags(body: Mapping[str, Any]) -> list[str]:
    """Return the tags a packet puts on its ticket."""
    return [
        "handoff_packet",
        f"intent_{tag_safe(str(body['intent']['name']))}",
        f"escalation_{tag_safe(str(body['escalation']['reason']))}",
    ]


def clean_text(value: Any, limit: int = MAX_VALUE_CHARS) -> str:
    """Make a value safe to print in a plain-text note: no control characters, no placeholders."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    text = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") and ch != "\n" else ch
        for ch in text
    )
    # Zendesk expands {{placeholders}} in some places; a customer's braces must stay literal.
    text = text.replace("{{", "{ {").replace("}}", "} }").replace("{%", "{ %")
    text = _MARKER_LIKE.sub("[handoff :", text)
    text = _SURVEY_MARKER_LIKE.sub("Ref. DCSAT -", text)
    text = _FRAME_LIKE.sub(lambda m: " ".join(m.group(0)), text)
    text = re.sub(r"[ \t]+", " ", text).strip()
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return "\n".join(
        line if i == 0 else CONTINUATION + line.strip() for i, line in enumerate(text.split("\n"))
    )


def _one_line(value: Any, limit: int = MAX_VALUE_CHARS) -> str:
    return re.sub(r"\s*\n\s*", " ", clean_text(value, limit))


def _percent(value: Any) -> str:
    return f"{round(float(value) * 100)}%" if isinstance(value, int | float) else "not given"


def render_note(
    body: Mapping[str, Any], *, completeness: float, missing: list[str], archetype: str | None
) -> str:
    """Render the packet as the internal note agents read, ending with its marker."""
    lines: list[str] = [HEADER]
    bot = body.get("bot") or {}
    bot_name = _one_line(bot.get("name", "bot"), 120)
    if bot.get("version"):
        bot_name += f" {_one_line(bot['version'], 40)}"
    lines.append(f"From: {bot_name}")
    lines.append(f"Summary: {clean_text(body.get('summary', ''), 2000)}")
    intent = body.get("intent") or {}
    intent_line = f"Intent: {_one_line(intent.get('name', ''), 120)}"
    intent_line += f" (confidence {_percent(intent.get('confidence'))})"
    if archetype:
        intent_line += f"; archetype {_one_line(archetype, 120)}"
    lines.append(intent_line)
    escalation = body.get("escalation") or {}
    reason = f"Escalation reason: {_one_line(escalation.get('reason', ''), 60)}"
    if escalation.get("detail"):
        reason += f" - {_one_line(escalation['detail'])}"
    lines.append(reason)
    customer = body.get("customer") or body.get("requester") or {}
    if customer:
        who = [_one_line(customer[k], 200) for k in ("name", "email", "id") if customer.get(k)]
        extra = []
        if customer.get("segment"):
            extra.append(f"segment {_one_line(customer['segment'], 80)}")
        if customer.get("vip"):
            extra.append("VIP")
        lines.append("Customer: " + ", ".join(who) + (f" ({', '.join(extra)})" if extra else ""))
    sentiment = body.get("sentiment") or {}
    if sentiment:
        mood = _one_line(sentiment.get("label", "unknown"), 20)
        if sentiment.get("frustration"):
            mood += ", frustrated"
        signals = sentiment.get("signals") or []
        if signals:
            mood += f" ({_one_line('; '.join(map(str, signals[:5])), 300)})"
        lines.append(f"Sentiment: {mood}")
    account = body.get("account_state") or {}
    lines.append("Account state:" + ("" if account else " not given"))
    for key, value in list(account.items())[:MAX_LIST_ITEMS]:
        lines.append(f"  - {_one_line(key, 80)}: {_one_line(value)}")
    actions = body.get("prior_actions") or []
    lines.append("What the bot already did:" + ("" if actions else " nothing recorded"))
    for action in actions[:MAX_LIST_ITEMS]:
        text = f"  - {_one_line(action.get('action', ''), 200)}"
        if action.get("tool"):
            text += f" via {_one_line(action['tool'], 120)}"
        text += f": {_one_line(action.get('status', ''), 20)}"
        if action.get("detail"):
            text += f" ({_one_line(action['detail'], 300)})"
        lines.append(text)
    identifiers = body.get("identifiers") or []
    lines.append("Details the customer gave:" + ("" if identifiers else " none recorded"))
    for ident in identifiers[:MAX_LIST_ITEMS]:
        label = f" ({_one_line(ident['label'], 120)})" if ident.get("label") else ""
        lines.append(
            f"  - {_one_line(ident.get('kind', ''), 40)}: {_one_line(ident.get('value', ''), 255)}{label}"
        )
    complete = f"Packet completeness: {_percent(completeness)}"
    if missing:
        complete += f" (missing: {', '.join(_one_line(m, 60) for m in missing)})"
    lines.append(complete)
    lines.append(FOOTER)
    lines.append(packet_marker(str(body["packet_id"])))
    note = "\n".join(lines)
    if len(note) > MAX_NOTE_CHARS:
        marker = packet_marker(str(body["packet_id"]))
        note = note[: MAX_NOTE_CHARS - len(marker) - 3] + "…\n" + marker
    return note


def subject_for(body: Mapping[str, Any]) -> str:
    """Return the subject of a ticket created from a packet."""
    return _one_line(f"Handoff: {body.get('summary', '')}", 150)
