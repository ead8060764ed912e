"""``handoff review``: draw the week's QA sample, open a one-time review link, print trust figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, timedelta
from typing import Any

import click
from flask.cli import with_appcontext

from handoff import links, productconfig
from handoff.db import transaction
from handoff.errors import HandoffError
from handoff.policy import review, sampling
from helpdesk_app.cli.policy import fail
from helpdesk_app.runtime import runtime


def _archetype_of() -> tuple[Callable[[str], str | None] | None, Any]:
    """Use the product configuration's archetypes and zone when one is configured."""
    path = runtime().settings.product_config_path
    if path is None:
        return None, UTC
    config = productconfig.load(path)
    return config.archetype_of, config.zone


@click.group("review")
def group() -> None:
    """Weekly QA review of bot conversations."""


@group.command("draw")
@click.option("--week", required=True, help="ISO week, e.g. 2026-W10.")
@click.option("--rate", default=0.02, show_default=True, type=click.FloatRange(0.01, 0.03))
@click.option("--seed", default=1, show_default=True, type=int, help="Same seed, same sample.")
@with_appcontext
def draw(week: str, rate: float, seed: int) -> None:
    """Draw WEEK's sample (stratified by archetype; every risky conversation included)."""
    rt = runtime()
    archetype_of, zone = _archetype_of()
    try:
        with transaction(rt.sessions) as session:
            drawn = sampling.draw_sample(
                session, week=week, rate=rate, seed=seed, now=rt.clock(),
                archetype_of=archetype_of, zone=zone,
            )  # fmt: skip
    except HandoffError as exc:
        fail(exc)
        return
    state = "drawn" if drawn.created else "already drawn"
    click.echo(f"{week}: {len(drawn.samples)} of {drawn.population} conversations ({state})")
    for s in drawn.samples:
        click.echo(f"  {s.id}\t{s.reason}\t{s.stratum}\t{s.conversation_id}")


@group.command("open-link")
@click.option("--lead", required=True, help="The lead the link is for (recorded with each review).")
@click.option("--ttl-minutes", default=30, show_default=True, type=click.IntRange(1, 24 * 60))
@click.option("--base-url", default="http://127.0.0.1:8000", show_default=True)
@with_appcontext
def open_link(lead: str, ttl_minutes: int, base_url: str) -> None:
    """Print a one-time URL that opens a review session in the browser."""
    rt = runtime()
    with transaction(rt.sessions) as session:
        token = links.issue_review_link(
            session, rt.settings.secret_key, lead, now=rt.clock(),
            ttl=timedelta(minutes=ttl_minutes),
        )  # fmt: skip
    click.echo(f"{base_url.rstrip('/')}/review/open?t={token}")
    click.echo(f"# one use, expires in {ttl_minutes} min", err=True)


@group.command("figures")
@click.option("--week", "weeks", multiple=True, required=True, help="Repeat for several weeks.")
@with_appcontext
def figures(weeks: tuple[str, ...]) -> None:
    """Print the trust figures (random samples only) with numerators and denominators."""
    with transaction(runtime().sessions) as session:
        t = review.trust_figures(session, list(weeks))
    click.echo(f"reviewed {t.reviewed} of {t.sampled} random samples")
    for name in (
        "sampled_hallucination_rate",
        "grounding_citation_rate",
        "unwarranted_confidence_rate",
    ):
        ratio: review.Ratio = getattr(t, name)
        rate = "n/a" if ratio.rate is None else f"{ratio.rate:.1%}"
        click.echo(f"{name}\t{ratio.numerator}/{ratio.denominator}\t{rate}")
