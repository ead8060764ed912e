"""Only Zendesk's signed load opens the sidebar; everything else is refused."""

from __future__ import annotations

import jwt
import pytest

from helpdesk_app.runtime import runtime as runtime_of
from tests.helpdesk_app.sidebar.conftest import AUDIENCE, store_packet

ZAF = "origin=https%3A%2F%2Facme.zendesk.com&app_guid=abc-123"


def _load(client, token: str | None, query: str = ""):
    data = {} if token is None else {"token": token}
    return client.post(f"/sidebar/{'?' + query if query else ''}", data=data)


def test_a_valid_token_opens_the_session_and_the_ticket_page(sidebar_app, sign):
    """Does a correctly signed token open a session that shows the ticket's packet?"""
    store_packet(sidebar_app, ticket_id=1001, summary="Customer waits for order A-10442 refund.")
    client = sidebar_app.test_client()
    loaded = _load(client, sign(), ZAF)
    assert loaded.status_code == 200
    assert "Loading the handoff packet" in loaded.get_data(as_text=True)
    page = client.get(f"/sidebar/ticket/1001?{ZAF}")
    assert page.status_code == 200
    assert "Customer waits for order A-10442 refund." in page.get_data(as_text=True)


@pytest.mark.parametrize(
    "case",
    [
        "no token",
        "other key",
        "expired",
        "other installation",
        "other account",
        "hs256",
        "none",
        "no exp",
        "garbage",
        "issued in the future",
        "not valid yet",
    ],
)
def test_bad_tokens_are_refused_and_show_no_packet(
    sidebar_app, sign, other_keys, zendesk_keys, clock, case
):
    """Are a missing, foreign-key, expired, other-audience, other-issuer or unsigned token refused?"""
    store_packet(sidebar_app, ticket_id=1001, summary="Secret summary of the customer's problem.")
    client = sidebar_app.test_client()
    token = {
        "no token": lambda: None,
        "other key": lambda: sign(key=other_keys[0]),
        "expired": lambda: sign(),
        "other installation": lambda: sign(
            aud="https://acme.zendesk.com/api/v2/apps/installations/1.json"
        ),
        "other account": lambda: sign(iss="evil.zendesk.com"),
        "hs256": lambda: jwt.encode(
            {"iss": "acme.zendesk.com", "aud": AUDIENCE, "iat": 1, "exp": 4102444800},
            "k" * 32,
            algorithm="HS256",
        ),
        "none": lambda: jwt.encode(
            {"iss": "acme.zendesk.com", "aud": AUDIENCE, "iat": 1, "exp": 4102444800},
            None,
            algorithm="none",
        ),
        "no exp": lambda: sign(exp=None),
        "garbage": lambda: "not.a.token",
        "issued in the future": lambda: sign(iat=int(clock().timestamp()) + 3600),
        "not valid yet": lambda: sign(nbf=int(clock().timestamp()) + 3600),
    }[case]()
    if case == "expired":
        clock.advance(minutes=10)
    refused = _load(client, token)
    assert refused.status_code == 401
    assert refused.mimetype == "text/html"
    assert "Secret summary" not in refused.get_data(as_text=True)
    page = client.get("/sidebar/ticket/1001")
    assert page.status_code == 401
    assert "Secret summary" not in page.get_data(as_text=True)


def test_the_refusal_names_the_reason_without_echoing_the_token(sidebar_app, sign):
    """Does a wrong-audience refusal say why, without printing the token back?"""
    token = sign(aud="https://acme.zendesk.com/api/v2/apps/installations/1.json")
    body = _load(sidebar_app.test_client(), token).get_data(as_text=True)
    assert "another app installation" in body
    assert token not in body


def test_the_session_is_short(sidebar_app, sign, clock):
    """Is the sidebar session refused an hour after the signed load?"""
    store_packet(sidebar_app, ticket_id=1001)
    client = sidebar_app.test_client()
    assert _load(client, sign()).status_code == 200
    clock.advance(minutes=59)
    assert client.get("/sidebar/ticket/1001").status_code == 200
    clock.advance(minutes=2)
    assert client.get("/sidebar/ticket/1001").status_code == 401


def test_an_unconfigured_sidebar_refuses_every_token(make_app, sign):
    """Without the public key and audience settings, is every load refused?"""
    app = make_app(zendesk_subdomain="acme")
    refused = _load(app.test_client(), sign())
    assert refused.status_code == 503
    assert "ZENDESK_APP_PUBLIC_KEY" in refused.get_data(as_text=True)


def test_a_plain_get_of_the_entry_is_refused(sidebar_app):
    """Is a GET of the app's entry (no signed POST) refused with an HTML page?"""
    response = sidebar_app.test_client().get("/sidebar/")
    assert response.status_code == 401
    assert "open this app from a Zendesk ticket" in response.get_data(as_text=True)


def test_the_dev_sidebar_is_off_unless_asked_for(sidebar_app):
    """Is /sidebar/dev/<id> a 404 when the development sidebar is off?"""
    assert sidebar_app.test_client().get("/sidebar/dev/1001").status_code == 404


def test_a_dev_session_is_not_accepted_once_dev_mode_is_off(
    dev_app, make_app, settings, zendesk_keys
):
    """Does a cookie from a dev session stop working on an app with dev mode off?"""
    client = dev_app.test_client()
    client.get("/sidebar/dev/1001")
    cookie = client.get_cookie("session")
    assert cookie is not None
    plain = make_app(
        zendesk_subdomain="acme",
        zendesk_app_public_key=zendesk_keys[1],
        zendesk_app_audience=AUDIENCE,
    )
    other = plain.test_client()
    other.set_cookie("session", cookie.value)
    assert other.get("/sidebar/ticket/1001").status_code == 401


def test_the_zaf_sdk_loads_only_inside_zendesk(sidebar_app, dev_app, sign):
    """Is Zendesk's SDK included only when origin and app_guid are in the query string?"""
    client = sidebar_app.test_client()
    inside = _load(client, sign(), ZAF).get_data(as_text=True)
    assert "https://static.zdassets.com/zendesk_app_framework_sdk/2.0/zaf_sdk.min.js" in inside
    outside = _load(client, sign()).get_data(as_text=True)
    assert "zdassets" not in outside
    dev = dev_app.test_client().get("/sidebar/dev/1001", follow_redirects=True)
    assert "zdassets" not in dev.get_data(as_text=True)
    for html in (inside, outside, dev.get_data(as_text=True)):
        srcs = [s for s in html.split('src="')[1:]]
        assert all(s.startswith(("/sidebar/static/", "https://static.zdassets.com/")) for s in srcs)


def test_the_query_string_is_kept_on_links(sidebar_app, sign):
    """Do the page's forms keep origin and app_guid so the SDK still works after a post?"""
    store_packet(sidebar_app, ticket_id=1001)
    client = sidebar_app.test_client()
    _load(client, sign(), ZAF)
    html = client.get(f"/sidebar/ticket/1001?{ZAF}").get_data(as_text=True)
    assert (
        'action="/sidebar/ticket/1001/flag?origin=https://acme.zendesk.com&amp;app_guid=abc-123"'
        in html
    )


def test_production_cookies_work_in_a_third_party_iframe(make_app, settings, sign, zendesk_keys):
    """In production, is the session cookie SameSite=None, Secure and HttpOnly?"""
    app = make_app(
        env="production",
        secret_key="x" * 40,
        zendesk_subdomain="acme",
        zendesk_app_public_key=zendesk_keys[1],
        zendesk_app_audience=AUDIENCE,
    )
    response = app.test_client().post("/sidebar/", data={"token": sign()})
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie and "HttpOnly" in cookie


def test_pages_forbid_inline_scripts_and_foreign_framing(sidebar_app):
    """Does every sidebar response carry a CSP allowing only our scripts and Zendesk framing?"""
    csp = sidebar_app.test_client().get("/sidebar/").headers["Content-Security-Policy"]
    assert "script-src 'self' https://static.zdassets.com;" in csp
    assert "frame-ancestors 'self' https://*.zendesk.com" in csp
    assert "unsafe-inline" not in csp


def test_the_public_key_may_come_with_escaped_newlines(make_app, zendesk_keys, sign):
    """Is a PEM pasted into one env line with literal \\n accepted?"""
    app = make_app(
        zendesk_subdomain="acme",
        zendesk_app_public_key=zendesk_keys[1].replace("\n", "\\n"),
        zendesk_app_audience=AUDIENCE,
    )
    assert app.test_client().post("/sidebar/", data={"token": sign()}).status_code == 200


@pytest.mark.parametrize(
    ("sub", "expected"),
    [
        ("7001", 7001),
        (7001, 7001),
        ("acme.zendesk.com/users/42", 42),
        ("99999999999999999999", None),
        (True, None),
    ],
)
def test_the_agent_id_comes_from_the_subject(sidebar_app, sign, sub, expected):
    """Is the agent id read from ``sub``, and an impossible one dropped rather than stored?"""
    from handoff.models.flags import ReaskFlag
    from tests.helpdesk_app.sidebar.conftest import csrf_of

    client = sidebar_app.test_client()
    assert _load(client, sign(sub=sub)).status_code == 200
    csrf = csrf_of(client.get("/sidebar/ticket/1001").get_data(as_text=True))
    assert client.post("/sidebar/ticket/1001/flag", data={"csrf_token": csrf}).status_code == 303
    with runtime_of(sidebar_app).sessions() as session:
        assert session.query(ReaskFlag).one().agent_id == expected
