"""The sidebar in Debian's chromium at Zendesk's sidebar width: sections, the flag, escaping."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from handoff.models import OutboxItem
from handoff.models.flags import ReaskFlag
from helpdesk_app.runtime import runtime as runtime_of
from sandbox.testing import serve_wsgi as serve
from tests.helpdesk_app.sidebar.conftest import store_packet

pytestmark = pytest.mark.browser

SIDEBAR_WIDTH = 320
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'
# Stands in for Zendesk's SDK: tests never reach static.zdassets.com.
FAKE_ZAF_SDK = """
window.__zafCalls = [];
window.ZAFClient = { init: function () { return {
  get: function (path) { window.__zafCalls.push(['get', path]); return Promise.resolve({'ticket.id': 1001}); },
  invoke: function (name, args) { window.__zafCalls.push(['invoke', name, args]); return Promise.resolve(); }
}; } };
"""


@pytest.fixture
def live(dev_app) -> Iterator[str]:
    """Serve the app with the development sidebar on; yield its base URL."""
    with serve(dev_app) as base:
        yield base


@pytest.fixture
def page(browser) -> Iterator[Any]:
    """Open a page at the sidebar's width that cannot reach anything but 127.0.0.1."""
    context = browser.new_context(viewport={"width": SIDEBAR_WIDTH, "height": 900})
    page = context.new_page()
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith("http://127.0.0.1:")
            else route.abort()
        ),
    )
    yield page
    context.close()


def _zendesk_router(base: str) -> Any:
    """Route requests: our server passes, Zendesk's SDK is the stand-in, all else is refused."""

    def route(route: Any) -> None:
        url = route.request.url
        if url.startswith("https://static.zdassets.com/zendesk_app_framework_sdk/2.0/"):
            route.fulfill(status=200, content_type="text/javascript", body=FAKE_ZAF_SDK)
        elif url.startswith(base):
            route.continue_()
        else:
            route.abort()

    return route


def _rows(app, model):
    with runtime_of(app).sessions() as session:
        return session.scalars(sa.select(model).order_by(model.id)).all()


def test_full_packet_flag_reload_mirror_and_undo(dev_app, live, page):
    """Are all sections shown at 320 px, and is the flag with two fields kept, mirrored and undone?"""
    store_packet(dev_app, ticket_id=1001)
    page.goto(f"{live}/sidebar/dev/1001?agent_id=7001")
    for section in [
        "escalation", "intent", "summary", "flag", "sentiment", "identifiers",
        "account_state", "prior_actions", "policy_citations", "transcript", "completeness",
    ]:  # fmt: skip
        assert page.locator(f"[data-section={section}]").first.is_visible(), section
    assert page.get_by_text("The bot was not confident enough to answer").is_visible()
    assert page.get_by_text("low confidence (0.42)").is_visible()
    # Nothing wider than the sidebar: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= SIDEBAR_WIDTH
    # The transcript starts collapsed and opens on click.
    assert not page.get_by_text("Let me check the carrier for you.").is_visible()
    page.locator("#transcript summary").click()
    assert page.get_by_text("Let me check the carrier for you.").is_visible()
    # Copy an identifier.
    page.locator('button.copy[data-copy="A-10442"]').click()
    page.wait_for_selector('button.copy.copied[data-copy="A-10442"]')

    page.locator("#set-flag").click()
    page.wait_for_selector("#unflag")
    page.locator('input[value="identifiers"]').check()
    page.locator('input[value="account_state"]').check()
    page.locator("#flag-note").fill("asked for the order number again")
    page.locator("#save-details").click()
    page.wait_for_load_state()
    page.reload()
    assert page.locator('input[value="identifiers"]').is_checked()
    assert page.locator('input[value="account_state"]').is_checked()
    assert not page.locator('input[value="summary"]').is_checked()
    assert page.get_by_text("Flagged").is_visible()

    [flag] = _rows(dev_app, ReaskFlag)
    assert (flag.active, flag.agent_id, flag.missing_fields) == (
        True,
        7001,
        ["identifiers", "account_state"],
    )
    mirror = [i for i in _rows(dev_app, OutboxItem) if i.kind == "reask_flag"]
    assert [(i.key, i.payload, i.status) for i in mirror] == [
        (f"reask_flag:1001:{flag.id}:set", {"ticket_id": 1001, "value": True}, "pending")
    ]

    page.locator("#unflag").click()
    page.wait_for_selector("#set-flag")
    assert _rows(dev_app, ReaskFlag)[0].active is False
    mirror = [i for i in _rows(dev_app, OutboxItem) if i.kind == "reask_flag"]
    assert [i.payload["value"] for i in mirror] == [True, False]

    page.locator("#ack").click()
    page.wait_for_selector("#ack-state")


def test_a_ticket_without_a_packet_says_so(live, page):
    """Does a ticket without a packet say so plainly in the browser?"""
    page.goto(f"{live}/sidebar/dev/555")
    assert page.get_by_text("No handoff packet").is_visible()
    assert page.get_by_text("The bot sent no packet for ticket #555.").is_visible()
    assert page.locator("#set-flag").is_visible()


def test_hostile_html_in_a_packet_never_runs(dev_app, live, page):
    """Does a summary holding <script> and onerror= render as visible text, with no script run?"""
    store_packet(
        dev_app,
        ticket_id=1003,
        summary=f"Refund please {HOSTILE}",
        transcript=[{"role": "customer", "text": HOSTILE}],
        identifiers=[{"kind": "other", "value": HOSTILE}],
    )
    page.goto(f"{live}/sidebar/dev/1003")
    page.locator("#transcript summary").click()
    page.wait_for_timeout(200)  # give an injected onerror the chance to fire
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#summary .summary").inner_text() == f"Refund please {HOSTILE}"
    assert page.locator("#transcript .turn p").inner_text() == HOSTILE
    assert page.locator("img").count() == 0


def test_the_signed_load_inside_zendesk_finds_the_ticket_and_resizes(
    make_app, zendesk_keys, sign, browser
):
    """From Zendesk's signed POST, does the page ask ZAF for the ticket, show it and resize?"""
    from tests.helpdesk_app.sidebar.conftest import AUDIENCE, SUBDOMAIN

    app = make_app(
        zendesk_subdomain=SUBDOMAIN,
        zendesk_app_public_key=zendesk_keys[1],
        zendesk_app_audience=AUDIENCE,
    )
    store_packet(app, ticket_id=1001)
    token = sign()
    with serve(app) as base:
        context = browser.new_context(viewport={"width": SIDEBAR_WIDTH, "height": 600})
        page = context.new_page()

        page.route("**/*", _zendesk_router(base))
        query = "origin=https%3A%2F%2Facme.zendesk.com&app_guid=abc-123"
        # Zendesk's first load: a form POST carrying the signed token.
        page.goto(f"{base}/healthz")
        page.evaluate(
            """([action, token]) => { const f = document.createElement('form');
              f.method = 'post'; f.action = action; const i = document.createElement('input');
              i.name = 'token'; i.value = token; f.appendChild(i); document.body.appendChild(f);
              f.submit(); }""",
            [f"{base}/sidebar/?{query}", token],
        )
        page.wait_for_url(f"{base}/sidebar/ticket/1001?{query}")
        page.wait_for_selector("#summary")
        calls = page.evaluate("window.__zafCalls")
        assert ["get", "ticket.id"] not in calls  # the ticket page itself does not ask again
        assert any(c[0] == "invoke" and c[1] == "resize" for c in calls)
        height = next(c[2]["height"] for c in calls if c[1] == "resize")
        assert int(height.removesuffix("px")) > 300
        # A flag posted from inside Zendesk keeps the query string, so the SDK still loads.
        page.locator("#set-flag").click()
        page.wait_for_selector("#unflag")
        assert page.url.startswith(f"{base}/sidebar/ticket/1001?{query}")
        assert page.evaluate("typeof window.ZAFClient") == "object"
        context.close()


def test_the_flag_reaches_the_sandbox_ticket_and_undo_clears_it(dev_app, live, page, clock):
    """Through the delivery worker, does the flag tick the sandbox ticket's field and tag, and undo clear them?"""
    from handoff.delivery import objects
    from handoff.delivery.worker import WorkerConfig, run
    from handoff.ticketing.zendesk import ZendeskHelpdesk
    from sandbox.testing import running_sandbox

    runtime = runtime_of(dev_app)
    with running_sandbox() as (_, zendesk):
        customer = zendesk.add_user("Dana Reyes", "dana@example.com", "end-user")
        created, _ = zendesk.create_ticket(
            {
                "subject": "Where is my order?",
                "requester_id": customer["id"],
                "comment": {"body": "Where is it?"},
            }
        )
        ticket_id = int(created["id"])
        helpdesk = ZendeskHelpdesk.connect(
            subdomain="sandbox", email="admin@sandbox.test", token="test-token", timeout=2
        )
        with runtime.sessions() as session:
            objects.setup(
                session,
                helpdesk,
                endpoint="https://handoff.example.test/webhooks/zendesk",
                now=clock(),
                sealing_key=runtime.settings.secret_key,
            )
            session.commit()
            reask_field = objects.field_ids(session)["reask"]
        store_packet(dev_app, ticket_id=ticket_id)

        def deliver() -> None:
            summary = run(
                runtime.sessions, helpdesk, worker_id="sidebar-test", clock=clock,
                config=WorkerConfig(max_attempts=3, base_delay=1.0, max_delay=5.0),
                once=True, idle_sleep=lambda s: None,
            )  # fmt: skip
            assert summary.failed == 0, summary.errors

        page.goto(f"{live}/sidebar/dev/{ticket_id}?agent_id=7001")
        page.locator("#set-flag").click()
        page.wait_for_selector("#unflag")
        deliver()
        ticket = zendesk.ticket(ticket_id)
        assert ticket["custom_fields"].get(reask_field) is True
        assert objects.REASK_TAG in ticket["tags"]

        page.locator("#unflag").click()
        page.wait_for_selector("#set-flag")
        deliver()
        ticket = zendesk.ticket(ticket_id)
        assert ticket["custom_fields"].get(reask_field) is False
        assert objects.REASK_TAG not in ticket["tags"]
        statuses = {i.key: i.status for i in _rows(dev_app, OutboxItem) if i.kind == "reask_flag"}
        assert sorted(statuses.values()) == ["delivered", "delivered"]
