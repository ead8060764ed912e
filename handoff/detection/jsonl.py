"""The JSON-lines loop behind ``handoff detect repetition``: one result line per input line."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from handoff.detection.engine import (
    REASK,
    detect_message,
    detect_ticket,
    has_repetition,
)
from handoff.detection.known import parse_time
from handoff.detection.window import AGENT_ROLES, CUSTOMER_ROLES

ROLES = CUSTOMER_ROLES | AGENT_ROLES


class LineError(ValueError):
    """A malformed input line; the message says what is wrong and where."""


@dataclass(frozen=True)
class RunSummary:
    """How many lines were read and how many of them were malformed."""

    lines: int
    errors: int


def _check_time(value: Any, where: str) -> None:
    if value is not None and parse_time(value) is None:
        raise LineError(f"{where}: not an ISO 8601 time with a zone: {value!r}")


def _check_ticket(packet: Any, comments: Any) -> None:
    if not isinstance(packet, Mapping):
        raise LineError("packet: must be an object")
    _check_time(packet.get("created_at"), "packet.created_at")
    for field in ("transcript", "identifiers"):
        if field in packet and not isinstance(packet[field], list):
            raise LineError(f"packet.{field}: must be an array")
    if not isinstance(comments, list):
        raise LineError("comments: must be an array")
    for i, comment in enumerate(comments):
        where = f"comments[{i}]"
        if not isinstance(comment, Mapping):
            raise LineError(f"{where}: must be an object")
        if comment.get("author_role") not in ROLES:
            raise LineError(f"{where}.author_role: must be one of {sorted(ROLES)}")
        if not isinstance(comment.get("body"), str):
            raise LineError(f"{where}.body: must be a string")
        if "public" in comment and not isinstance(comment["public"], bool):
            raise LineError(f"{where}.public: must be true or false")
        _check_time(comment.get("created_at"), f"{where}.created_at")


def process(record: Any) -> dict[str, Any]:
    """Detect on one decoded input record; raise LineError when it is malformed."""
    if not isinstance(record, Mapping):
        raise LineError("line must be a JSON object")
    if "id" not in record:
        raise LineError("id: missing")
    has_text, has_packet = "text" in record, "packet" in record
    if has_text == has_packet:
        raise LineError(
            'give exactly one of "text" (a message) or "packet" with "comments" (a ticket)'
        )
    if has_text:
        if not isinstance(record["text"], str):
            raise LineError("text: must be a string")
        findings = detect_message(record["text"])
    else:
        packet, comments = record["packet"], record.get("comments", [])
        _check_ticket(packet, comments)
        findings = detect_ticket(packet, comments)
    return {
        "id": record["id"],
        "repetition": has_repetition(findings),
        "suggested_reask": any(f.kind == REASK for f in findings),
        "findings": [f.to_dict() for f in findings],
    }


def process_line(line: str, number: int) -> dict[str, Any]:
    """Turn one input line into its result line, or into an error line naming the line number."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"line": number, "error": f"not valid JSON: {exc.msg} at column {exc.colno}"}
    try:
        return process(record)
    except LineError as exc:
        error: dict[str, Any] = {"line": number, "error": str(exc)}
        if isinstance(record, Mapping) and "id" in record:
            error["id"] = record["id"]
        return error


def run(lines: Iterable[str], write: Callable[[str], Any]) -> RunSummary:
    """Read JSON lines, write one result (or error) line per non-blank input line."""
    count = errors = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        count += 1
        result = process_line(line, number)
        errors += "error" in result
        write(json.dumps(result, ensure_ascii=False) + "\n")
    return RunSummary(count, errors)
