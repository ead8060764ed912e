"""The product configuration: archetypes, baseline, timezone, thresholds, owners and unit costs."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from handoff import schemas
from handoff.errors import ConfigError
from handoff.weeks import week_label

SCHEMA = "product-config"
LONG_TAIL = "long_tail"
UNMAPPED = "unmapped"
TIERS = ("repetitive", "faq", "account_specific")

# The spec's defaults ("Thresholds and actions"); the file may override any of them.
DEFAULT_THRESHOLDS: dict[str, float] = {
    "csat_review_points": -2.0,
    "csat_rollback_points": -4.0,
    "context_loss_rate": 0.05,
    "repetition_rate": 0.08,
    "escalated_handle_time_increase": 0.10,
    "bot_handle_time_rising_weeks": 2,
    "intent_escalation_rate": 0.25,
    "repeat_contact_24h": 0.08,
    "protected_csat_points": -2.0,
    "rolling_weeks": 4,
}
DEFAULT_BANDS: dict[str, tuple[float, float]] = {
    "repetitive": (0.40, 0.60),
    "faq": (0.15, 0.30),
    "account_specific": (0.03, 0.10),
}
DEFAULT_DUE_DAYS = {"incident": 0, "rollback": 2}


@dataclass(frozen=True)
class Archetype:
    """A named group of intents with its tier and its deflection target band."""

    name: str
    tier: str
    intents: tuple[str, ...]
    target_band: tuple[float, float]
    required_fields: tuple[str, ...] | None = None
    owner: str | None = None


@dataclass(frozen=True)
class ProductConfig:
    """The parsed, validated product configuration."""

    timezone: str
    baseline_start: date
    baseline_end: date
    archetypes: dict[str, Archetype]
    top_archetypes: int = 6
    min_sample: int = 30
    thresholds: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    owners: dict[str, str] = field(default_factory=lambda: {"default": "support lead"})
    due_days: dict[str, int] = field(default_factory=dict)
    unit_costs: dict[str, Any] = field(default_factory=dict)
    ticket_tag_prefix: str | None = None
    ticket_custom_field_id: int | None = None
    segment_sources: tuple[str, ...] = ("ticket:segment", "body:customer.segment")
    agent_url: str | None = None
    bot_user_ids: frozenset[int] = frozenset()
    source: str = "<memory>"
    digest: str = ""

    @property
    def zone(self) -> ZoneInfo:
        """Return the zone weeks are cut in."""
        return ZoneInfo(self.timezone)

    def archetype_of(self, intent: str | None) -> str | None:
        """Return the archetype an intent belongs to, or None when no archetype lists it."""
        if intent is None:
            return None
        return self._intent_index.get(intent)

    @cached_property
    def _intent_index(self) -> dict[str, str]:
        """Map every intent to its archetype (built once per configuration object)."""
        return {i: a.name for a in self.archetypes.values() for i in a.intents}

    def tier_of(self, archetype: str) -> str | None:
        """Return an archetype's tier."""
        found = self.archetypes.get(archetype)
        return found.tier if found else None

    def owner_for(self, kind: str, archetype: str | None = None) -> str:
        """Name the one owner of an action: the archetype's owner, else the kind's, else the default."""
        found = self.archetypes.get(archetype or "")
        if found and found.owner:
            return found.owner
        return self.owners.get(kind) or self.owners["default"]

    def due_in(self, kind: str) -> timedelta:
        """Return how long an action of ``kind`` may stay open."""
        return timedelta(days=self.due_days.get(kind, DEFAULT_DUE_DAYS.get(kind, 7)))

    def threshold(self, name: str) -> float:
        """Return a threshold, falling back to the spec's default."""
        return float(self.thresholds.get(name, DEFAULT_THRESHOLDS[name]))

    def week_of(self, moment: datetime) -> str:
        """Return the ISO week (``2026-W10``) of an instant in the configured zone."""
        return week_label(moment, self.zone)

    def baseline_weeks(self) -> list[str]:
        """List the ISO weeks wholly inside the baseline period (rollups are weekly)."""
        monday = self.baseline_start + timedelta(days=(7 - self.baseline_start.weekday()) % 7)
        weeks = []
        while monday + timedelta(days=6) <= self.baseline_end:
            weeks.append(week_label(monday))
            monday += timedelta(days=7)
        return weeks

    def ticket_link(self, ticket_id: int) -> str | None:
        """Return the agent-interface link of a ticket, when a link prefix is configured."""
        return self.agent_url.replace("{id}", str(ticket_id)) if self.agent_url else None


def parse(document: Any, *, source: str = "<memory>") -> ProductConfig:
    """Validate a configuration document and build the config; errors name file, path and problem."""
    errors = schemas.validate(SCHEMA, document)
    if errors:
        lines = [f"{source}: {e.path}: {e.message}" for e in errors]
        raise ConfigError(
            "invalid product configuration:\n" + "\n".join(lines),
            details=[{"path": e.path, "message": e.message, "file": source} for e in errors],
        )
    problems: list[tuple[str, str]] = []
    try:
        ZoneInfo(document["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(("$.timezone", f"unknown timezone {document['timezone']!r}"))
    start = date.fromisoformat(document["baseline"]["start"])
    end = date.fromisoformat(document["baseline"]["end"])
    if end < start:
        problems.append(("$.baseline.end", "ends before it starts"))
    bands = {**DEFAULT_BANDS, **{k: tuple(v) for k, v in document.get("tier_bands", {}).items()}}
    seen: dict[str, str] = {}
    archetypes: dict[str, Archetype] = {}
    for name, spec in document["archetypes"].items():
        for position, intent in enumerate(spec["intents"]):
            if intent in seen:
                problems.append(
                    (
                        f"$.archetypes.{name}.intents[{position}]",
                        f"intent {intent!r} is already in archetype {seen[intent]!r}",
                    )
                )
            seen[intent] = name
        band = tuple(spec.get("target_band") or bands[spec["tier"]])
        if band[0] > band[1]:
            problems.append((f"$.archetypes.{name}.target_band", "low end above high end"))
        archetypes[name] = Archetype(
            name=name,
            tier=spec["tier"],
            intents=tuple(spec["intents"]),
            target_band=(float(band[0]), float(band[1])),
            required_fields=tuple(spec["required_fields"]) if "required_fields" in spec else None,
            owner=spec.get("owner"),
        )
    for name in (LONG_TAIL, UNMAPPED):
        if name in archetypes:
            problems.append((f"$.archetypes.{name}", f"{name!r} is reserved for the report"))
    thresholds = {**DEFAULT_THRESHOLDS, **document.get("thresholds", {})}
    if thresholds["csat_rollback_points"] > thresholds["csat_review_points"]:
        problems.append(
            ("$.thresholds.csat_rollback_points", "rollback must be at or below the review level")
        )
    if problems:
        raise ConfigError(
            "invalid product configuration:\n"
            + "\n".join(f"{source}: {p}: {m}" for p, m in problems),
            details=[{"path": p, "message": m, "file": source} for p, m in problems],
        )
    segment = document.get("segment_field", ["ticket:segment", "body:customer.segment"])
    intent_source = document.get("ticket_intent", {"tag_prefix": "intent_"})
    digest = hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()
    return ProductConfig(
        timezone=document["timezone"],
        baseline_start=start,
        baseline_end=end,
        archetypes=archetypes,
        top_archetypes=document.get("top_archetypes", 6),
        min_sample=document.get("min_sample", 30),
        thresholds=thresholds,
        owners=dict(document.get("owners", {"default": "support lead"})),
        due_days=dict(document.get("due_days", {})),
        unit_costs=dict(document.get("unit_costs", {})),
        ticket_tag_prefix=intent_source.get("tag_prefix"),
        ticket_custom_field_id=intent_source.get("custom_field_id"),
        segment_sources=tuple([segment] if isinstance(segment, str) else segment),
        agent_url=document.get("zendesk_agent_url"),
        bot_user_ids=frozenset(int(i) for i in document.get("bot_user_ids", [])),
        source=source,
        digest=digest[:16],
    )


def load(path: Path | str) -> ProductConfig:
    """Read and validate a YAML configuration file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(
            f"{path}: cannot read the product configuration: {exc.strerror}"
        ) from None
    try:
        # dates stay strings so the schema's "format: date" judges them, not YAML's resolver
        document = yaml.load(text, Loader=_StringDates)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}:{where}: not valid YAML: {exc}") from None
    return parse(document, source=str(path))


class _StringDates(yaml.SafeLoader):
    """A safe loader that leaves timestamps as strings."""


_StringDates.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

# `handoff/_config` links to the top-level `config/`; a wheel holds the files themselves.
EXAMPLE_PATH = Path(__file__).parent / "_config" / "product.example.yaml"


def load_for(path: Path | None) -> ProductConfig:
    """Load the configured file, or the shipped example when none is configured."""
    return load(path or EXAMPLE_PATH)
