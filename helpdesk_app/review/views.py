"""Review routes: open a one-time link, list weeks, review each sampled conversation, save verdicts."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, timedelta
from typing import Any

from flask import current_app, g, redirect, render_template, request, url_for
from flask import session as web_session
from werkzeug.wrappers.response import Response as BaseResponse

from handoff import links
from handoff.errors import HandoffError, ValidationFailed
from handoff.policy import review, sampling
from handoff.policy.golden import CLASSES
from handoff.policy.judge import VERDICTS, Judge, NullJudge
from handoff.productconfig import ProductConfig
from handoff.tokens import AuthError, Forbidden, authenticate
from handoff.weeks import week_label
from helpdesk_app.auth import bearer_token
from helpdesk_app.db import get_session, now
from helpdesk_app.errors import error_response, wants_json
from helpdesk_app.reports import product_config
from helpdesk_app.review import bp
from helpdesk_app.runtime import runtime
from helpdesk_app.security import lead_page_headers

SESSION_HOURS = 8
SCOPE = "reports:read"
PUBLIC = {"review.open_link"}


def _judge() -> Judge:
    """Return the judge a deployment plugged in (``app.extensions["handoff.judge"]``), else NullJudge."""
    judge = current_app.extensions.get("handoff.judge")
    return judge if judge is not None else NullJudge()


@bp.before_request
def _authenticate() -> None:
    """Let in a bearer token with reports:read, or a browser session opened by a one-time link."""
    if request.endpoint in PUBLIC:
        return
    token = bearer_token()
    if token:
        api_token = authenticate(get_session(), token, SCOPE, now=now())
        g.review_lead, g.review_by_token = f"token:{api_token.name}", True
        return
    info = web_session.get("review")
    if (
        not isinstance(info, dict)
        or float(info.get("exp", 0)) <= now().timestamp()
        or links.session_holder(get_session(), info.get("sid"), now=now()) is None
    ):
        raise AuthError(
            "no review session: run `handoff review open-link --lead NAME` and open its URL"
        )
    g.review_lead, g.review_by_token = str(info["lead"]), False
    if request.method == "POST":
        sent = request.form.get("csrf_token", "")
        if not hmac.compare_digest(sent, str(info.get("csrf", ""))):
            raise Forbidden("the form's CSRF token is missing or wrong; reload the page")


bp.after_request(lead_page_headers)


@bp.errorhandler(HandoffError)
def _error(exc: HandoffError) -> Any:
    """Answer pages with an escaped HTML page, scripts with the JSON error shape."""
    if wants_json():
        return error_response(exc.status, exc.code, exc.message, exc.details)
    return render_template("review/error.html", status=exc.status, message=exc.message), exc.status


def _page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    info = web_session.get("review") or {}
    csrf = "" if g.get("review_by_token") else str(info.get("csrf", ""))
    return render_template(template, csrf_token=csrf, lead=g.get("review_lead"), **context), status


@bp.get("/open")
def open_link() -> BaseResponse | tuple[str, int]:
    """Spend a one-time link and start a signed browser session for its lead."""
    session = get_session()
    link = links.redeem_review_link(
        session, current_app.config["SECRET_KEY"], request.args.get("t", ""), now=now()
    )
    if link is None:
        session.commit()
        raise Forbidden("this review link is invalid, expired or already used; ask for a new one")
    ttl = timedelta(hours=SESSION_HOURS)
    sid = links.open_session(session, link.lead, "review", now=now(), ttl=ttl)
    session.commit()
    web_session.clear()  # a fresh session: nothing from before the link survives
    web_session["review"] = {
        "lead": link.lead,
        "exp": (now() + ttl).timestamp(),
        "csrf": secrets.token_urlsafe(32),
        "sid": sid,
    }
    return redirect(url_for(".index"))


def _config() -> ProductConfig | None:
    """Return the product configuration when one is set (archetypes and zone for sampling)."""
    path = runtime().settings.product_config_path
    return None if path is None else product_config()


def _recent_weeks(config: ProductConfig | None, count: int = 8) -> list[str]:
    """Return the last ``count`` complete ISO weeks, newest first (UTC without a configuration)."""
    zone = config.zone if config else UTC
    local = now().astimezone(zone).date()
    last = local - timedelta(days=local.weekday() + 1)
    return [week_label(last - timedelta(weeks=i)) for i in range(count)]


@bp.get("/")
def index() -> tuple[str, int]:
    """List the sampled weeks and offer the last complete week's sample, one click away."""
    choices = _recent_weeks(_config())
    return _page("review/index.html", weeks=review.weeks(get_session()), choices=choices)


@bp.post("/draw")
def draw() -> BaseResponse:
    """Draw a week's sample from the browser (same rules as ``handoff review draw``).

    The seed is chosen here and kept with every sampled row, so the draw can be repeated exactly;
    a lead never has to invent one.
    """
    week = request.form.get("week", "").strip()
    try:
        rate = float(request.form.get("rate", "0.02"))
    except ValueError:
        raise ValidationFailed("the sample size must be 1%, 2% or 3%") from None
    if week not in _recent_weeks(_config(), 53):
        raise ValidationFailed(f"choose a complete week from the list; {week!r} is not one")
    config = _config()
    session = get_session()
    sampling.draw_sample(
        session, week=week, rate=rate, seed=secrets.randbelow(2**31), now=now(),
        archetype_of=config.archetype_of if config else None, zone=config.zone if config else UTC,
    )  # fmt: skip
    session.commit()
    return redirect(url_for(".week", week=week))


@bp.get("/weeks/<week>")
def week(week: str) -> tuple[str, int]:
    """List a week's samples, the next one to review, and the week's trust figures."""
    session = get_session()
    samples = review.week_samples(session, week)
    figures = review.trust_figures(session, [week])
    pending = next((s for s, done in samples if not done), None)
    return _page("review/week.html", week=week, samples=samples, figures=figures, pending=pending)


@bp.get("/samples/<int:sample_id>")
def sample(sample_id: int) -> tuple[str, int]:
    """Show one sampled conversation with the review questions and a verdict per bot message."""
    session = get_session()
    item = review.review_item(session, review.get_sample(session, sample_id), _judge())
    return _form(item)


def _form(
    item: review.ReviewItem, errors: list[dict[str, Any]] | None = None, status: int = 200
) -> tuple[str, int]:
    return _page(
        "review/sample.html", status, item=item, questions=review.QUESTIONS, answers=review.ANSWERS,
        verdicts=VERDICTS, classes=CLASSES, errors=errors or [], form=request.form,
    )  # fmt: skip


@bp.post("/samples/<int:sample_id>")
def save(sample_id: int) -> BaseResponse | tuple[str, int]:
    """Store the review and go on to the week's next unreviewed conversation."""
    session = get_session()
    current = review.get_sample(session, sample_id)
    item = review.review_item(session, current, _judge())
    form = request.form
    answers = {key: form.get(f"answer-{key}", "") for key, _q in review.QUESTIONS}
    statements = [
        review.StatementVerdict(
            position=i,
            verdict=form.get(f"verdict-{i}", ""),
            policy_class=form.get(f"class-{i}") or None,
            grounded=form.get(f"grounded-{i}") == "on",
            unwarranted_confidence=form.get(f"unwarranted-{i}") == "on",
        )
        for i in item.bot_positions
    ]
    try:
        review.save_review(
            session, current, reviewer=g.review_lead, answers=answers, statements=statements,
            notes=form.get("notes"), now=now(),
        )  # fmt: skip
    except ValidationFailed as exc:
        session.rollback()
        return _form(review.review_item(session, current, _judge()), exc.details, 422)
    session.commit()
    following = review.next_unreviewed(session, current.week)
    if following is None:
        return redirect(url_for(".week", week=current.week))
    return redirect(url_for(".sample", sample_id=following.id))
