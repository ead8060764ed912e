"""Runtime settings, parsed strictly from the environment: a malformed value stops start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from handoff.errors import ConfigError
from handoff.jsonguard import DEFAULT_MAX_DEPTH, DEFAULT_MAX_INTEGER_DIGITS, Limits

ENVIRONMENTS = ("development", "test", "production")
DEV_SECRET = "dev-only-secret-do-not-use-in-production"  # noqa: S105 - refused outside development

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def parse_bool(name: str, raw: str | None, default: bool) -> bool:
    """Parse a boolean setting; anything but the usual spellings is an error."""
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}: expected a boolean (true/false, 1/0, yes/no, on/off), got {raw!r}")


def parse_int(
    name: str, raw: str | None, default: int, *, minimum: int = 0, maximum: int | None = None
) -> int:
    """Parse an integer setting within its bounds."""
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}: expected an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name}: must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"{name}: must be <= {maximum}, got {value}")
    return value


def parse_database_url(raw: str) -> str:
    """Accept SQLite and PostgreSQL URLs only; PostgreSQL always goes through psycopg 3."""
    scheme = urlsplit(raw).scheme
    if scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        return "postgresql+psycopg" + raw[len(scheme) :]
    if scheme == "sqlite":
        return raw
    raise ConfigError(
        f"DATABASE_URL: expected a sqlite:// or postgresql:// URL, got scheme {scheme!r}"
    )


def parse_public_url(raw: str | None) -> str | None:
    """Accept an absolute http(s) URL without a trailing slash, or nothing."""
    if raw is None or raw.strip() == "":
        return None
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"HANDOFF_PUBLIC_URL: expected an absolute http(s) URL, got {raw!r}")
    return raw.strip().rstrip("/")


REPORT_ROLES = ("admin", "agent")


def parse_roles(raw: str | None) -> tuple[str, ...]:
    """Accept a comma-separated list of Zendesk roles (admin, agent); default admin only."""
    if raw is None or raw.strip() == "":
        return ("admin",)
    roles = tuple(dict.fromkeys(r.strip().lower() for r in raw.split(",") if r.strip()))
    wrong = [r for r in roles if r not in REPORT_ROLES]
    if wrong or not roles:
        raise ConfigError(
            f"HANDOFF_REPORTS_ROLES: expected a comma-separated list of {', '.join(REPORT_ROLES)}, got {raw!r}"
        )
    return roles


ZENDESK_PLANS = ("team", "growth", "professional", "enterprise", "high_volume")


def parse_plan(raw: str | None) -> str:
    """Accept a Zendesk plan name (its limits are in handoff.delivery.throttle.PLANS)."""
    if raw is None or raw.strip() == "":
        return "growth"
    plan = raw.strip().lower().replace("-", "_").replace(" ", "_")
    if plan not in ZENDESK_PLANS:
        raise ConfigError(
            f"HANDOFF_ZENDESK_PLAN: expected one of {', '.join(ZENDESK_PLANS)}, got {raw!r}"
        )
    return plan


def parse_optional_int(name: str, env: Mapping[str, str]) -> int | None:
    """Parse a positive integer setting that may be left unset (None)."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return None
    return parse_int(name, raw, 1, minimum=1)


def parse_segment_source(raw: str | None) -> str | None:
    """Accept ``field:<ticket field id>`` or ``tag:<prefix>``, or nothing."""
    if raw is None or raw.strip() == "":
        return None
    kind, _, value = raw.strip().partition(":")
    if (kind == "field" and value.isdigit()) or (kind == "tag" and value):
        return f"{kind}:{value}"
    raise ConfigError(
        f"HANDOFF_SYNC_SEGMENT_SOURCE: expected field:<ticket field id> or tag:<prefix>, got {raw!r}"
    )


@dataclass(frozen=True)
class Settings:
    """Every runtime setting of the product, in one typed place."""

    env: str = "development"
    database_url: str = "sqlite:///instance/handoff.db"
    secret_key: str = DEV_SECRET
    max_body_bytes: int = 1_048_576
    # Every JSON body (API and webhooks): deepest nesting and longest integer accepted.
    max_json_depth: int = DEFAULT_MAX_DEPTH
    max_json_integer_digits: int = DEFAULT_MAX_INTEGER_DIGITS
    # The longest path plus query string answered; a longer one is a 414 in the error shape.
    max_uri_chars: int = 4096
    instance_path: Path = Path("instance")
    zendesk_subdomain: str | None = None
    zendesk_email: str | None = None
    zendesk_api_token: str | None = field(default=None, repr=False)
    zendesk_oauth_token: str | None = field(default=None, repr=False)
    zendesk_webhook_secret: str | None = field(default=None, repr=False)
    zendesk_app_public_key: str | None = field(default=None, repr=False)
    # The sidebar app installation's URL (the signed token's "aud"); required to open the sidebar.
    zendesk_app_audience: str | None = None
    dev_sidebar: bool = False
    product_config_path: Path | None = None
    # Escalation: the rule file (None = the built-in defaults).
    escalation_rules_path: Path | None = None
    # Zendesk's limits come from the plan (team, growth, professional, enterprise, high_volume);
    # the product's budgets default to a share of them (handoff.delivery.throttle) and are shared
    # by every process through the database. Set one to give the product more or less.
    zendesk_plan: str = "growth"
    zendesk_rpm: int | None = None
    zendesk_updates_per_minute: int | None = None
    zendesk_exports_per_minute: int | None = None
    delivery_max_attempts: int = 10
    delivery_lease_seconds: int = 120
    # Webhooks: the largest clock skew accepted on a signed timestamp.
    webhook_max_skew_seconds: int = 300
    # Where Zendesk reaches us (``handoff zendesk setup`` points the webhook at <public_url>/webhooks/zendesk).
    public_url: str | None = None
    # Where a ticket's segment comes from in sync: "field:<ticket field id>" or "tag:<prefix>".
    sync_segment_source: str | None = None
    # Zendesk roles that may open the reports from the app's nav bar.
    reports_roles: tuple[str, ...] = ("admin",)
    # How long a process trusts an API token it verified without looking it up again: a revoked
    # token is refused by every server within this many seconds. 0 looks every request up.
    token_cache_seconds: int = 30

    @property
    def json_limits(self) -> Limits:
        """The limits every JSON body is read within."""
        return Limits(self.max_json_depth, self.max_json_integer_digits)

    @property
    def is_production(self) -> bool:
        """True when running with production safeguards."""
        return self.env == "production"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables (``HANDOFF_*``, ``DATABASE_URL``, ``ZENDESK_*``)."""
        env = dict(os.environ if environ is None else environ)
        mode = env.get("HANDOFF_ENV", "development").strip().lower()
        if mode not in ENVIRONMENTS:
            raise ConfigError(
                f"HANDOFF_ENV: expected one of {', '.join(ENVIRONMENTS)}, got {mode!r}"
            )
        instance = Path(env.get("HANDOFF_INSTANCE_PATH", "instance")).resolve()
        default_db = f"sqlite:///{instance / 'handoff.db'}"
        secret = env.get("HANDOFF_SECRET_KEY") or DEV_SECRET
        if mode == "production" and (secret == DEV_SECRET or len(secret) < 32):
            raise ConfigError(
                "HANDOFF_SECRET_KEY: set a random secret of at least 32 characters in production"
            )
        dev_sidebar = parse_bool("HANDOFF_DEV_SIDEBAR", env.get("HANDOFF_DEV_SIDEBAR"), False)
        if dev_sidebar and mode == "production":
            raise ConfigError(
                "HANDOFF_DEV_SIDEBAR: the development sidebar is refused in production"
            )
        config_path = env.get("HANDOFF_CONFIG")
        return cls(
            env=mode,
            database_url=parse_database_url(env.get("DATABASE_URL") or default_db),
            secret_key=secret,
            max_body_bytes=parse_int(
                "HANDOFF_MAX_BODY_BYTES", env.get("HANDOFF_MAX_BODY_BYTES"), 1_048_576, minimum=1024
            ),
            max_json_depth=parse_int(
                "HANDOFF_MAX_JSON_DEPTH",
                env.get("HANDOFF_MAX_JSON_DEPTH"),
                DEFAULT_MAX_DEPTH,
                minimum=8,
                # Python's decoder recurses per level: stay far below its recursion limit.
                maximum=500,
            ),
            max_json_integer_digits=parse_int(
                "HANDOFF_MAX_JSON_INTEGER_DIGITS",
                env.get("HANDOFF_MAX_JSON_INTEGER_DIGITS"),
                DEFAULT_MAX_INTEGER_DIGITS,
                minimum=19,
                maximum=4000,
            ),
            max_uri_chars=parse_int(
                "HANDOFF_MAX_URI_CHARS", env.get("HANDOFF_MAX_URI_CHARS"), 4096, minimum=256
            ),
            instance_path=instance,
            zendesk_subdomain=env.get("ZENDESK_SUBDOMAIN") or None,
            zendesk_email=env.get("ZENDESK_EMAIL") or None,
            zendesk_api_token=env.get("ZENDESK_API_TOKEN") or None,
            zendesk_oauth_token=env.get("ZENDESK_OAUTH_TOKEN") or None,
            zendesk_webhook_secret=env.get("ZENDESK_WEBHOOK_SECRET") or None,
            zendesk_app_public_key=env.get("ZENDESK_APP_PUBLIC_KEY") or None,
            zendesk_app_audience=env.get("ZENDESK_APP_AUDIENCE") or None,
            dev_sidebar=dev_sidebar,
            product_config_path=Path(config_path) if config_path else None,
            escalation_rules_path=(
                Path(env["HANDOFF_ESCALATION_RULES"])
                if env.get("HANDOFF_ESCALATION_RULES")
                else None
            ),
            zendesk_plan=parse_plan(env.get("HANDOFF_ZENDESK_PLAN")),
            zendesk_rpm=parse_optional_int("HANDOFF_ZENDESK_RPM", env),
            zendesk_updates_per_minute=parse_optional_int(
                "HANDOFF_ZENDESK_UPDATES_PER_MINUTE", env
            ),
            zendesk_exports_per_minute=parse_optional_int(
                "HANDOFF_ZENDESK_EXPORTS_PER_MINUTE", env
            ),
            delivery_max_attempts=parse_int(
                "HANDOFF_DELIVERY_MAX_ATTEMPTS",
                env.get("HANDOFF_DELIVERY_MAX_ATTEMPTS"),
                10,
                minimum=1,
            ),
            delivery_lease_seconds=parse_int(
                "HANDOFF_DELIVERY_LEASE_SECONDS",
                env.get("HANDOFF_DELIVERY_LEASE_SECONDS"),
                120,
                minimum=5,
            ),
            webhook_max_skew_seconds=parse_int(
                "HANDOFF_WEBHOOK_MAX_SKEW_SECONDS",
                env.get("HANDOFF_WEBHOOK_MAX_SKEW_SECONDS"),
                300,
                minimum=1,
            ),
            public_url=parse_public_url(env.get("HANDOFF_PUBLIC_URL")),
            sync_segment_source=parse_segment_source(env.get("HANDOFF_SYNC_SEGMENT_SOURCE")),
            reports_roles=parse_roles(env.get("HANDOFF_REPORTS_ROLES")),
            token_cache_seconds=parse_int(
                "HANDOFF_TOKEN_CACHE_SECONDS",
                env.get("HANDOFF_TOKEN_CACHE_SECONDS"),
                30,
                minimum=0,
                maximum=300,
            ),
        )
