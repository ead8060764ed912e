"""The policy golden set: load and validate a file, keep every revision and change, answer "what was in force then"."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
import yaml
from sqlalchemy.orm import Session

from handoff import schemas
from handoff.errors import NotFound, ValidationFailed
from handoff.models.policy import PolicyChange, PolicyGoldenSet
from handoff.packets import canonical_hash
from handoff.policy.units import PLACEHOLDERS, Quantity, policy_quantity, quantity

SCHEMA = "policy-golden-set"
CLASSES = ("refund_pricing", "warranty_service_level", "process_contact", "capability")
SETTINGS_KEY = "@settings"
_VALUE_TYPES = {
    "days": (int, float),
    "months": (int, float),
    "currency": (int, float),
    "percentage": (int, float),
    "yes/no": (bool,),
    "text": (str,),
}


@dataclass(frozen=True)
class Pattern:
    """A compiled pattern: the quoted value is group "value", or ``says`` when it has none."""

    regex: re.Pattern[str]
    says: Any = None


@dataclass(frozen=True)
class Version:
    """One value of a fact and the half-open period [start, end) it is in force."""

    value: Any
    currency: str | None
    start: datetime
    end: datetime | None
    note: str | None

    def covers(self, moment: datetime) -> bool:
        """Tell whether this version is in force at ``moment``."""
        return self.start <= moment and (self.end is None or moment < self.end)


@dataclass(frozen=True)
class Fact:
    """A policy fact with its versions, newest last."""

    key: str
    name: str
    unit: str
    policy_class: str
    patterns: tuple[Pattern, ...]
    versions: tuple[Version, ...]

    def version_at(self, moment: datetime) -> Version | None:
        """Return the version in force at ``moment`` (None before the first or in a gap)."""
        return next((v for v in self.versions if v.covers(moment)), None)

    def quantity(self, version: Version) -> Quantity:
        """Return a version's value as a comparable quantity."""
        return policy_quantity(version.value, self.unit, version.currency)

    def read(self, value: Any, unit: str | None, currency: str | None) -> Quantity | None:
        """Interpret a quoted value in this fact's unit."""
        return quantity(value, unit, fact_unit=self.unit, currency=currency)


@dataclass(frozen=True)
class Capability:
    """An action the bot may claim, the tools that perform it, and how a claim reads."""

    action: str
    name: str
    tools: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class GoldenSet:
    """A compiled revision of the golden set."""

    revision: int
    zone: ZoneInfo
    regulated_sector: bool
    facts: dict[str, Fact]
    capabilities: tuple[Capability, ...]
    document: dict[str, Any]


@dataclass(frozen=True)
class Loaded:
    """What a load did: the revision now in use, and the changes it logged (none when unchanged)."""

    revision: int
    changes: tuple[PolicyChange, ...]
    created: bool


def read_file(path: Path) -> Any:
    """Parse a YAML or JSON file; a syntax error names the file and the line."""
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        if isinstance(exc, json.JSONDecodeError):
            where = f" at line {exc.lineno}"
        raise ValidationFailed(
            f"{path.name}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}{where}",
            details=[{"file": path.name, "path": "$", "message": str(exc).splitlines()[0]}],
        ) from None


def compile_pattern(text: str) -> re.Pattern[str]:
    """Expand the placeholders of a pattern and compile it case-insensitively."""
    for name, regex in PLACEHOLDERS.items():
        text = text.replace(name, regex)
    return re.compile(text, re.IGNORECASE)


def _moment(text: str, zone: tzinfo) -> datetime:
    """Read a date (midnight in ``zone``) or an RFC 3339 instant."""
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time.min, zone).astimezone(UTC)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)).astimezone(UTC)


def _semantic_problems(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Find what the schema cannot say: duplicate keys, overlapping versions, value types, regexes."""
    problems: list[tuple[str, str]] = []
    zone: tzinfo = UTC
    try:
        zone = ZoneInfo(document.get("timezone", "UTC"))
    except (ZoneInfoNotFoundError, ValueError, OSError, TypeError):
        problems.append(("$.timezone", f"unknown time zone {document.get('timezone')!r}"))
    seen: dict[str, int] = {}
    for i, fact in enumerate(document["facts"]):
        where = f"$.facts[{i}]"
        if fact["key"] in seen:
            problems.append(
                (f"{where}.key", f"key {fact['key']!r} repeats $.facts[{seen[fact['key']]}]")
            )
        seen.setdefault(fact["key"], i)
        unit = fact["unit"]
        spans: list[tuple[datetime, datetime | None, int]] = []
        for j, version in enumerate(fact["versions"]):
            vwhere = f"{where}.versions[{j}]"
            value = version["value"]
            allowed = _VALUE_TYPES[unit]
            if not isinstance(value, allowed) or (unit != "yes/no" and isinstance(value, bool)):
                problems.append(
                    (
                        f"{vwhere}.value",
                        f"a {unit} fact needs a {'boolean' if unit == 'yes/no' else 'string' if unit == 'text' else 'number'} value, got {value!r}",
                    )
                )
            if unit == "currency" and "currency" not in version:
                problems.append(
                    (f"{vwhere}.currency", "a currency fact needs a three-letter currency code")
                )
            try:
                start = _moment(version["valid_from"], zone)
                end = _moment(version["valid_to"], zone) if version.get("valid_to") else None
            except (ValueError, OverflowError) as exc:
                problems.append((f"{vwhere}.valid_from", f"not a usable date: {exc}"))
                continue
            if end is not None and end <= start:
                problems.append((f"{vwhere}.valid_to", "valid_to must be after valid_from"))
            spans.append((start, end, j))
        spans.sort(key=lambda s: s[0])
        for (_s1, e1, j1), (s2, _e2, j2) in zip(spans, spans[1:], strict=False):
            if e1 is None or e1 > s2:
                problems.append(
                    (
                        f"{where}.versions[{j2}].valid_from",
                        f"overlaps $.facts[{i}].versions[{j1}], which is still in force then",
                    )
                )
        for k, pattern in enumerate(fact.get("patterns", [])):
            regex = pattern if isinstance(pattern, str) else pattern["regex"]
            try:
                compiled = compile_pattern(regex)
            except re.error as exc:
                problems.append(
                    (f"{where}.patterns[{k}]", f"not a valid regular expression: {exc}")
                )
                continue
            if isinstance(pattern, str) and "value" not in compiled.groupindex:
                problems.append(
                    (
                        f"{where}.patterns[{k}]",
                        "needs a placeholder ({duration}, {money}, {percent}, {number}, {text}) or an object with 'says'",
                    )
                )
    actions: dict[str, int] = {}
    for i, cap in enumerate(document.get("capabilities", [])):
        if cap["action"] in actions:
            problems.append(
                (
                    f"$.capabilities[{i}].action",
                    f"action {cap['action']!r} repeats $.capabilities[{actions[cap['action']]}]",
                )
            )
        actions.setdefault(cap["action"], i)
        for k, regex in enumerate(cap["patterns"]):
            try:
                compile_pattern(regex)
            except re.error as exc:
                problems.append(
                    (f"$.capabilities[{i}].patterns[{k}]", f"not a valid regular expression: {exc}")
                )
    return problems


def validate_document(document: Any, *, source: str = "golden set") -> dict[str, Any]:
    """Validate a golden set; raise ValidationFailed naming the source, each JSON path and the problem."""
    errors = [(e.path, e.message) for e in schemas.validate(SCHEMA, document)]
    if not errors:
        errors = sorted(_semantic_problems(document))
    if errors:
        raise ValidationFailed(
            f"{source}: {len(errors)} problem(s); first: {errors[0][0]}: {errors[0][1]}",
            details=[{"file": source, "path": p, "message": m} for p, m in errors],
        )
    return dict(document)


_COMPILED: dict[str, GoldenSet] = {}


def compile_set(document: Mapping[str, Any], revision: int) -> GoldenSet:
    """Build the checkable form of a validated document (cached by content)."""
    digest = f"{revision}:{canonical_hash(document)}"
    if digest in _COMPILED:
        return _COMPILED[digest]
    zone = ZoneInfo(document.get("timezone", "UTC"))
    facts = {}
    for fact in document["facts"]:
        patterns = tuple(
            Pattern(compile_pattern(p))
            if isinstance(p, str)
            else Pattern(compile_pattern(p["regex"]), p["says"])
            for p in fact.get("patterns", [])
        )
        versions = sorted(
            (
                Version(
                    v["value"],
                    v.get("currency"),
                    _moment(v["valid_from"], zone),
                    _moment(v["valid_to"], zone) if v.get("valid_to") else None,
                    v.get("note"),
                )
                for v in fact["versions"]
            ),
            key=lambda v: v.start,
        )
        facts[fact["key"]] = Fact(
            fact["key"], fact["name"], fact["unit"], fact["class"], patterns, tuple(versions)
        )
    capabilities = tuple(
        Capability(
            c["action"],
            c.get("name", c["action"]),
            tuple(c["tools"]),
            tuple(compile_pattern(p) for p in c["patterns"]),
        )
        for c in document.get("capabilities", [])
    )
    compiled = GoldenSet(
        revision,
        zone,
        bool(document.get("regulated_sector", False)),
        facts,
        capabilities,
        dict(document),
    )
    _COMPILED[digest] = compiled
    return compiled


def current_row(session: Session) -> PolicyGoldenSet | None:
    """Return the newest stored revision, or None before the first load."""
    return session.scalar(
        sa.select(PolicyGoldenSet).order_by(PolicyGoldenSet.revision.desc()).limit(1)
    )


def current(session: Session) -> GoldenSet | None:
    """Return the golden set in use (compiled), or None when none was ever loaded."""
    # Read the small columns first: the document is only fetched when this revision is not compiled.
    head = session.execute(
        sa.select(PolicyGoldenSet.revision, PolicyGoldenSet.digest)
        .order_by(PolicyGoldenSet.revision.desc())
        .limit(1)
    ).first()
    if head is None:
        return None
    cached = _COMPILED.get(f"{head.revision}:{head.digest}")
    if cached is not None:
        return cached
    row = current_row(session)
    return None if row is None else compile_set(row.document, row.revision)


def _diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[tuple[str, str, Any, Any]]:
    """List (key, change, before, after) between two documents, facts and capabilities by key."""
    out: list[tuple[str, str, Any, Any]] = []
    before_settings = {k: old.get(k) for k in ("timezone", "regulated_sector")} if old else None
    after_settings = {k: new.get(k) for k in ("timezone", "regulated_sector")}
    if before_settings != after_settings:
        out.append((SETTINGS_KEY, "changed" if old else "added", before_settings, after_settings))
    for section, ident, prefix in (
        ("facts", "key", ""),
        ("capabilities", "action", "@capability:"),
    ):
        was = {item[ident]: item for item in (old or {}).get(section, [])}
        now = {item[ident]: item for item in new.get(section, [])}
        for key in sorted(set(was) | set(now)):
            a, b = was.get(key), now.get(key)
            if a is None:
                out.append((prefix + key, "added", None, b))
            elif b is None:
                out.append((prefix + key, "removed", a, None))
            elif canonical_hash(a) != canonical_hash(b):
                out.append((prefix + key, "changed", a, b))
    return out


def load(
    session: Session, document: Any, *, by: str, now: datetime, source: str = "golden set"
) -> Loaded:
    """Validate ``document`` and make it the golden set in use, logging each change; flush only.

    Nothing is written when it is invalid; loading the same content again changes nothing.
    """
    valid = validate_document(document, source=source)
    row = current_row(session)
    digest = canonical_hash(valid)
    if row is not None and row.digest == digest:
        return Loaded(row.revision, (), created=False)
    revision = 1 if row is None else row.revision + 1
    session.add(
        PolicyGoldenSet(
            revision=revision,
            document=valid,
            digest=digest,
            source=source[:500],
            loaded_by=by,
            loaded_at=now,
        )
    )
    changes = tuple(
        PolicyChange(
            revision=revision,
            key=key,
            change=change,
            before=before,
            after=after,
            changed_by=by,
            changed_at=now,
        )
        for key, change, before, after in _diff(row.document if row else None, valid)
    )
    session.add_all(changes)
    session.flush()
    return Loaded(revision, changes, created=True)


def load_file(session: Session, path: Path, *, by: str, now: datetime) -> Loaded:
    """Load a golden-set file (YAML or JSON)."""
    return load(session, read_file(path), by=by, now=now, source=path.name)


def in_force(golden: GoldenSet, at: datetime) -> list[dict[str, Any]]:
    """List every fact with the version in force at ``at`` (None where no version covers it)."""
    out = []
    for fact in golden.facts.values():
        version = fact.version_at(at)
        out.append(
            {
                "key": fact.key,
                "name": fact.name,
                "class": fact.policy_class,
                "unit": fact.unit,
                "value": None if version is None else fact.quantity(version).display(),
                "valid_from": None if version is None else _iso(version.start),
                "valid_to": None if version is None or version.end is None else _iso(version.end),
            }
        )
    return out


def history(session: Session, key: str) -> list[PolicyChange]:
    """Return every logged change of a fact (or ``@settings``, ``@capability:<action>``), oldest first."""
    rows = list(
        session.scalars(
            sa.select(PolicyChange)
            .where(PolicyChange.key == key)
            .order_by(PolicyChange.revision, PolicyChange.id)
        )
    )
    if not rows:
        raise NotFound(f"no change was ever logged for policy key {key!r}")
    return rows


def change_view(change: PolicyChange) -> dict[str, Any]:
    """Serialize a change-log row."""
    return {
        "revision": change.revision,
        "key": change.key,
        "change": change.change,
        "before": change.before,
        "after": change.after,
        "changed_by": change.changed_by,
        "changed_at": _iso(change.changed_at),
    }


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
