"""The review pages: access by one-time link or bearer token, CSRF, escaping, saving verdicts."""

from __future__ import annotations

import re

from handoff.db import transaction
from handoff.policy import review
from helpdesk_app.runtime import runtime as runtime_of
from tests.helpdesk_app.review.conftest import WEEK

HTML = {"Accept": "text/html"}


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _complete_form(page: str, csrf: str) -> dict[str, str]:
    form = {"csrf_token": csrf, "notes": "ok"}
    for key, _q in review.QUESTIONS:
        form[f"answer-{key}"] = "n/a"
    for position in re.findall(r'name="verdict-(\d+)"', page):
        form[f"verdict-{position}"] = "not_policy"
    return form


def test_without_a_link_or_token_the_page_is_refused(client, sampled_week):
    """Is the review page closed to a browser with no review session (401 page)?"""
    response = client.get("/review/", headers=HTML)
    assert response.status_code == 401 and b"open-link" in response.data


def test_a_link_opens_a_session_once(client, sampled_week, open_link):
    """Does a link start a session, and the same link fail a second time?"""
    url = open_link()
    first = client.get(url)
    assert first.status_code == 302 and first.headers["Location"].endswith("/review/")
    assert client.get("/review/", headers=HTML).status_code == 200
    other = client.application.test_client()
    assert other.get(url, headers=HTML).status_code == 403


def test_an_expired_or_forged_link_is_refused(client, clock, sampled_week, open_link):
    """Is a link refused after its expiry, and a token signed with another key refused?"""
    url = open_link(minutes=5)
    clock.advance(minutes=6)
    assert client.get(url, headers=HTML).status_code == 403
    assert client.get("/review/open?t=forged.token.value", headers=HTML).status_code == 403


def test_posting_without_the_csrf_token_is_refused(client, sampled_week, open_link):
    """Is a form post without the session's CSRF token refused with 403?"""
    client.get(open_link())
    page = client.get(f"/review/samples/{sampled_week[0]}").data.decode()
    form = _complete_form(page, "wrong")
    assert (
        client.post(f"/review/samples/{sampled_week[0]}", data=form, headers=HTML).status_code
        == 403
    )


def test_a_reviewer_saves_and_moves_on(client, app, sampled_week, open_link):
    """Does saving store the review under the lead's name and redirect to the next sample?"""
    client.get(open_link("maria"))
    page = client.get(f"/review/samples/{sampled_week[0]}").data.decode()
    assert "&lt;b&gt;boots&lt;/b&gt;" in page and "<b>boots</b>" not in page  # escaped
    response = client.post(
        f"/review/samples/{sampled_week[0]}", data=_complete_form(page, _csrf(page))
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/review/samples/{sampled_week[1]}"
    )
    with transaction(runtime_of(app).sessions) as session:
        item = review.review_item(session, review.get_sample(session, sampled_week[0]))
        assert item.review.reviewer == "maria"


def test_an_incomplete_review_is_shown_again_with_its_errors(client, sampled_week, open_link):
    """Does a review missing answers come back 422 with the problems listed and nothing saved?"""
    client.get(open_link())
    page = client.get(f"/review/samples/{sampled_week[0]}").data.decode()
    response = client.post(f"/review/samples/{sampled_week[0]}", data={"csrf_token": _csrf(page)})
    assert response.status_code == 422 and b"answer one of yes, no, n/a" in response.data


def test_the_incident_is_sampled_and_prefilled_by_the_check(client, sampled_week, open_link):
    """Is the conversation with the wrong quote in the sample, suggested as a hallucination?"""
    client.get(open_link())
    week = client.get(f"/review/weeks/{WEEK}").data.decode()
    assert len(sampled_week) == 3  # 3% of 60 by stratum, plus the one with an incident
    assert "conv-007" in week and "policy check flagged it" in week
    sample_id = re.search(r'/review/samples/(\d+)">conv-007', week).group(1)
    page = client.get(f"/review/samples/{sample_id}").data.decode()
    assert "suggested (check): hallucinated, refund pricing" in page


def test_a_bearer_token_with_reports_read_can_review(client, sampled_week, make_token):
    """Can a script with a reports:read token read and submit without a browser session or CSRF?"""
    headers = {"Authorization": f"Bearer {make_token('reports:read', name='qa-script')}", **HTML}
    page = client.get(f"/review/samples/{sampled_week[0]}", headers=headers)
    assert page.status_code == 200
    form = _complete_form(page.data.decode(), "")
    assert (
        client.post(f"/review/samples/{sampled_week[0]}", data=form, headers=headers).status_code
        == 302
    )
    bot = {"Authorization": f"Bearer {make_token(name='bot')}", **HTML}
    assert client.get("/review/", headers=bot).status_code == 403


def test_the_last_complete_week_is_drawn_in_one_click(app, clock, open_link):
    """Is the last complete week preselected, and drawn without a seed in the form (kept in the rows)?"""
    import sqlalchemy as sa

    from handoff import conversations
    from handoff.models.policy import QaSample
    from tests import factories

    runtime = runtime_of(app)
    with transaction(runtime.sessions) as session:
        for i in range(40):
            doc = factories.conversation(conversation_id=f"w10-{i:03d}", started_at="2026-03-03T10:00:00Z",
                                         intent={"name": "returns", "confidence": 0.9})  # fmt: skip
            conversations.record_conversation(session, doc, now=runtime.clock())
    clock.advance(days=7)  # Monday 2026-03-09: 2026-W10 has just ended
    client = app.test_client()
    client.get(open_link())
    page = client.get("/review/", headers=HTML).get_data(as_text=True)
    assert '<option value="2026-W10" selected>2026-W10 (last complete week)</option>' in page
    assert 'name="seed"' not in page and "ISO week" not in page
    drawn = client.post(
        "/review/draw", data={"csrf_token": _csrf(page), "week": "2026-W10", "rate": "0.03"}
    )
    assert drawn.status_code == 302 and drawn.headers["Location"].endswith("/review/weeks/2026-W10")
    with runtime.sessions() as session:
        seeds = set(session.scalars(sa.select(QaSample.seed).where(QaSample.week == "2026-W10")))
    assert len(seeds) == 1 and isinstance(seeds.pop(), int)
    future = client.post("/review/draw", data={"csrf_token": _csrf(page), "week": "2026-W11", "rate": "0.02"},
                         headers=HTML)  # fmt: skip
    assert future.status_code == 422 and b"choose a complete week" in future.data
