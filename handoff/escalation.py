"""When the bot must hand off: pure, configurable rules over the conversation so far."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz

from handoff import schemas
from handoff.errors import ValidationFailed

RULES_SCHEMA = "escalation-rules"
REQUEST_SCHEMA = "escalation-check"

DEFAULT_RULES: dict[str, Any] = {
    "schema_version": "1.0",
    # The first fired rule in this order names the packet's escalation reason.
    "priority": [
        "legal_threat", "product_harm", "third_party_claim", "emotional", "review_threat",
        "refund_dispute", "regulated_topic", "amount_threshold", "customer_request", "vip",
        "repeated_ai_contact", "frustration", "low_confidence",
    ],
    "rules": {
        "low_confidence": {"enabled": True, "threshold": 0.6, "reason": "low_confidence"},
        "customer_request": {
            "enabled": True,
            "reason": "customer_request",
            "phrases": [
                "speak to a human", "talk to a human", "speak to someone", "talk to someone",
                "real person", "human agent", "live agent", "a representative", "an operator",
                "speak to an agent", "talk to an agent", "speak with a person",
            ],
        },
        "frustration": {
            "enabled": True,
            "reason": "frustration",
            "keywords": [
                "ridiculous", "useless", "frustrat*", "angry", "unacceptable", "waste of time",
                "fed up", "third time", "again and again", "terrible", "worst", "not helping",
            ],
            "repeat_similarity": 88,
            "repeat_count": 2,
            "repeat_min_chars": 12,
            "sentiment_at_or_below": -0.6,
        },
        "regulated_topic": {
            "enabled": True,
            "reason": "regulated_topic",
            "topics": ["health", "legal", "medical", "financial_advice", "data_protection"],
            "keywords": ["medical", "prescription", "diagnos*", "legal advice", "gdpr", "hipaa"],
            "dispute_intents": ["billing_dispute", "refund_dispute"],
            "refund_dispute_over": 200,
        },
        "vip": {"enabled": True, "reason": "vip"},
        "repeated_ai_contact": {
            "enabled": True,
            "reason": "repeated_ai_contact",
            "escalate_on_contact": 3,
        },
        "amount_threshold": {
            "enabled": True,
            "reason": "amount_threshold",
            "over": 500,
            "kinds": ["refund", "credit", "charge", "transfer", "payment"],
        },
        "refund_dispute": {
            "enabled": True,
            "reason": "amount_threshold",
            "over": 25,
            "dispute_intents": ["billing_dispute", "refund_dispute"],
        },
        "product_harm": {
            "enabled": True,
            "reason": "regulated_topic",
            "keywords": [
                "injur*", "hurt me", "hurt my", "caught fire", "on fire", "exploded", "explosion",
                "electric shock", "electrocuted", "allergic reaction", "hospital", "burned my",
                "burnt my", "burns on", "choking", "poisoned", "made me sick", "cut my",
            ],
        },
        "third_party_claim": {
            "enabled": True,
            "reason": "regulated_topic",
            "keywords": [
                "on behalf of", "my client", "insurance claim", "third party", "third-party",
                "someone else's", "my neighbour's", "my neighbor's", "my landlord",
            ],
        },
        "emotional": {
            "enabled": True,
            "reason": "frustration",
            "keywords": [
                "passed away", "died", "funeral", "bereave*", "devastated", "crying", "in tears",
                "desperate", "suicid*", "kill myself", "heartbroken", "grieving",
            ],
        },
        "legal_threat": {
            "enabled": True,
            "reason": "regulated_topic",
            "keywords": [
                "lawyer", "lawyers", "attorney", "solicitor", "legal action", "lawsuit",
                "small claims", "take you to court", "sue you", "sue your", "suing",
            ],
        },
        "review_threat": {
            "enabled": True,
            "reason": "frustration",
            # A public review threat, not "review my order" or "under review".
            "patterns": [
                r"\b(?:bad|negative|terrible|awful|horrible|scathing|angry|1|one|zero|0)[- ]?(?:star )?reviews?\b",
                r"\breviews? (?:on|at) (?:trustpilot|yelp|google|amazon|facebook|twitter|x|tripadvisor|social media|the app store)\b",
                r"\b(?:trustpilot|yelp|tripadvisor)\b",
                r"\b(?:leave|write|post|put up|give) (?:you |them |this company )?(?:a |an |my )?(?:honest |public |bad |negative |1-star |one-star )?review (?:about|of) (?:you|this|your)\b",
                r"\beveryone (?:will|is going to) know\b",
            ],
        },
    },
}  # fmt: skip


@dataclass(frozen=True)
class RuleResult:
    """One rule's verdict on the conversation."""

    id: str
    fired: bool
    detail: str

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON form of the rule result."""
        return {"id": self.id, "fired": self.fired, "detail": self.detail}


@dataclass(frozen=True)
class Decision:
    """Whether to escalate, every rule's verdict, and the packet's escalation reason code."""

    escalate: bool
    rules: tuple[RuleResult, ...]
    reason: str | None

    def as_dict(self) -> dict[str, Any]:
        """Return the API's JSON form."""
        return {
            "escalate": self.escalate,
            "rules": [r.as_dict() for r in self.rules],
            "reason": self.reason,
            "triggered_rules": [r.id for r in self.rules if r.fired],
        }


@dataclass(frozen=True)
class Rules:
    """A validated rule configuration with its keyword matchers compiled."""

    config: dict[str, Any]
    matchers: dict[str, re.Pattern[str] | None]

    def rule(self, rule_id: str) -> dict[str, Any]:
        """Return one rule's settings (disabled when the configuration leaves it out)."""
        return dict(self.config.get("rules", {}).get(rule_id, {"enabled": False}))


def keyword_regex(words: Sequence[str], patterns: Sequence[str] = ()) -> re.Pattern[str] | None:
    """Compile whole-word keywords (a trailing * matches any ending) and raw patterns into one regex."""
    parts = []
    for word in words:
        stem = word.rstrip("*")
        tail = r"\w*" if word.endswith("*") else r"\b"
        parts.append(r"\b" + re.escape(stem).replace(r"\ ", r"\s+") + tail)
    parts.extend(f"(?:{p})" for p in patterns)
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def build_rules(
    document: Mapping[str, Any] | None = None, *, source: str = "escalation rules"
) -> Rules:
    """Validate a rule configuration (merged over the defaults) and compile it."""
    document = document if document is not None else {"schema_version": "1.0"}
    errors = schemas.validate(RULES_SCHEMA, document)
    if errors:
        raise ValidationFailed(
            f"{source}: {len(errors)} problem(s); first: {errors[0].path}: {errors[0].message}",
            details=[{"file": source, "path": e.path, "message": e.message} for e in errors],
        )
    config = _merge(DEFAULT_RULES, document)
    matchers: dict[str, re.Pattern[str] | None] = {}
    for rule_id, spec in config["rules"].items():
        words = spec.get("keywords", []) + spec.get("phrases", [])
        try:
            matchers[rule_id] = keyword_regex(words, spec.get("patterns", []))
        except re.error as exc:
            raise ValidationFailed(
                f"{source}: $.rules.{rule_id}.patterns: {exc}",
                details=[
                    {"file": source, "path": f"$.rules.{rule_id}.patterns", "message": str(exc)}
                ],
            ) from None
    return Rules(config, matchers)


def load_rules(path: Path | None) -> Rules:
    """Load a rule file (YAML or JSON); the defaults when ``path`` is None."""
    if path is None:
        return build_rules()
    text = path.read_text(encoding="utf-8")
    try:
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ValidationFailed(
            f"{path.name}: not valid YAML/JSON: {str(exc).splitlines()[0]}"
        ) from None
    return build_rules(document or {}, source=path.name)


def validate_request(document: Any) -> None:
    """Raise ValidationFailed with every schema error of an escalation-check request."""
    errors = schemas.validate(REQUEST_SCHEMA, document)
    if errors:
        raise ValidationFailed(
            f"the request has {len(errors)} schema error(s)", details=[e.as_dict() for e in errors]
        )


# --- the rules ---------------------------------------------------------------------------------


def _customer_texts(request: Mapping[str, Any]) -> list[str]:
    return [
        str(m.get("text", ""))
        for m in request.get("transcript") or []
        if m.get("role") == "customer"
    ]


def _first_hit(rules: Rules, rule_id: str, texts: list[str]) -> str | None:
    matcher = rules.matchers.get(rule_id)
    if matcher is None:
        return None
    for text in texts:
        found = matcher.search(text)
        if found:
            return found.group(0)
    return None


def _keyword_rule(rule_id: str, what: str) -> Callable[[Mapping[str, Any], Rules], RuleResult]:
    def check(request: Mapping[str, Any], rules: Rules) -> RuleResult:
        hit = _first_hit(rules, rule_id, _customer_texts(request))
        return RuleResult(rule_id, hit is not None, f"{what}: “{hit}”" if hit else f"no {what}")

    return check


def low_confidence(request: Mapping[str, Any], rules: Rules) -> RuleResult:
    """Fire when the intent's confidence is below the threshold (a missing confidence counts as 0)."""
    threshold = rules.rule("low_confidence")["threshold"]
    confidence = (request.get("intent") or {}).get("confidence")
    if confidence is None:
        return RuleResult("low_confidence", True, "no intent confidence given")
    fired = confidence < threshold
    return RuleResult(
        "low_confidence", fired, f"confidence {confidence:.2f} {'<' if fired else '>='} {threshold}"
    )


_REQUEST = re.compile(
    r"\?|\b(?:where|when|how|why|what|can|could|would|please|need|want|help me|still)\b", re.I
)


def frustration(request: Mapping[str, Any], rules: Rules) -> RuleResult:
    """Fire on frustration keywords, the same request repeated, or a negative sentiment score."""
    spec = rules.rule("frustration")
    texts = _customer_texts(request)
    hit = _first_hit(rules, "frustration", texts)
    if hit:
        return RuleResult("frustration", True, f"frustration cue “{hit}”")
    # Only requests count as repeated: "thanks!" twice is politeness, not a doom loop.
    long = [t for t in texts if len(t.strip()) >= spec["repeat_min_chars"] and _REQUEST.search(t)]
    for i, text in enumerate(long):
        same = 1 + sum(
            fuzz.token_set_ratio(text, other) >= spec["repeat_similarity"]
            for other in long[i + 1 :]
        )
        if same >= spec["repeat_count"]:
            return RuleResult(
                "frustration", True, f"the customer asked the same thing {same} times"
            )
    score = (request.get("sentiment") or {}).get("score")
    if score is not None and score <= spec["sentiment_at_or_below"]:
        return RuleResult(
            "frustration", True, f"sentiment {score} <= {spec['sentiment_at_or_below']}"
        )
    return RuleResult("frustration", False, "no frustration signal")


def _is_dispute(request: Mapping[str, Any], intents: list[str]) -> bool:
    topics = {str(t).lower() for t in request.get("topics") or []}
    return "refund_dispute" in topics or (request.get("intent") or {}).get("name") in intents


def _largest(request: Mapping[str, Any], kinds: set[str] | None = None) -> float:
    values = [
        float(a["value"])
        for a in request.get("amounts") or []
        if kinds is None or a.get("kind", "mentioned") in kinds
    ]
    return max(values, default=0.0)


def regulated_topic(request: Mapping[str, Any], rules: Rules) -> RuleResult:
    """Fire on a regulated topic (health, legal...) or keyword, or a refund dispute over the threshold."""
    spec = rules.rule("regulated_topic")
    topics = sorted(
        {str(t).lower() for t in request.get("topics") or []} & {t.lower() for t in spec["topics"]}
    )
    if topics:
        return RuleResult("regulated_topic", True, f"regulated topic: {', '.join(topics)}")
    hit = _first_hit(rules, "regulated_topic", _customer_texts(request))
    if hit:
        return RuleResult("regulated_topic", True, f"regulated topic cue “{hit}”")
    amount = _largest(request)
    if _is_dispute(request, spec["dispute_intents"]) and amount > spec["refund_dispute_over"]:
        return RuleResult(
            "regulated_topic",
            True,
            f"refund dispute of {amount:g} > {spec['refund_dispute_over']:g}",
        )
    return RuleResult("regulated_topic", False, "no regulated topic")


def vip(request: Mapping[str, Any], rules: Rules) -> RuleResult:
    """Fire for a VIP customer unless they opted in to the bot."""
    customer = request.get("customer") or {}
    if not customer.get("vip"):
        return RuleResult("vip", False, "not a VIP")
    if customer.get("ai_opt_in"):
        return RuleResult("vip", False, "VIP who opted in to the bot")
    return RuleResult("vip", True, "VIP customer (not opted in to the bot)")


def repeated_ai_contact(request: Mapping[str, Any], rules: Rules) -> RuleResult:
    """Fire on the Nth AI contact about the same issue (the third by default)."""
    nth = rules.rule("repeated_ai_contact")["escalate_on_contact"]
    this = int(request.get("prior_ai_contacts") or 0) + 1
    fired = this >= nth
    return RuleResult(
        "repeated_ai_contact", fired, f"AI contact {this} on this issue (escalate from {nth})"
    )


def amount_threshold(request: Mapping[str, Any], rules: Rules) -> RuleResult:
    """Fire when money would move (refund, credit, charge...) above the threshold."""
    spec = rules.rule("amount_threshold")
    amount = _largest(request, set(spec["kinds"]))
    fired = amount > spec["over"]
    detail = (
        f"money movement of {amount:g} > {spec['over']:g}"
        if fired
        else "no money movement over the threshold"
    )
    return RuleResult("amount_threshold", fired, detail)


def refund_dispute(request: Mapping[str, Any], rules: Rules) -> RuleResult:
    """Never handle a refund dispute above a small amount autonomously."""
    spec = rules.rule("refund_dispute")
    amount = _largest(request)
    fired = _is_dispute(request, spec["dispute_intents"]) and amount > spec["over"]
    detail = (
        f"refund dispute of {amount:g} > {spec['over']:g}"
        if fired
        else "no refund dispute over the small amount"
    )
    return RuleResult("refund_dispute", fired, detail)


RULES: dict[str, Callable[[Mapping[str, Any], Rules], RuleResult]] = {
    "low_confidence": low_confidence,
    "customer_request": _keyword_rule("customer_request", "request for a human"),
    "frustration": frustration,
    "regulated_topic": regulated_topic,
    "vip": vip,
    "repeated_ai_contact": repeated_ai_contact,
    "amount_threshold": amount_threshold,
    "refund_dispute": refund_dispute,
    "product_harm": _keyword_rule("product_harm", "product harm"),
    "third_party_claim": _keyword_rule("third_party_claim", "third-party claim"),
    "emotional": _keyword_rule("emotional", "emotionally loaded"),
    "legal_threat": _keyword_rule("legal_threat", "legal threat"),
    "review_threat": _keyword_rule("review_threat", "public review threat"),
}


def check(request: Mapping[str, Any], rules: Rules) -> Decision:
    """Run every enabled rule; escalate when any fires, with the reason of the first in priority order."""
    results = []
    for rule_id, rule in RULES.items():
        if not rules.rule(rule_id).get("enabled", True):
            results.append(RuleResult(rule_id, False, "disabled"))
            continue
        results.append(rule(request, rules))
    fired = {r.id for r in results if r.fired}
    order = list(rules.config.get("priority", [])) + [
        r for r in RULES if r not in rules.config.get("priority", [])
    ]
    first = next((r for r in order if r in fired), None)
    reason = rules.rule(first).get("reason", first) if first else None
    return Decision(bool(fired), tuple(results), reason)
