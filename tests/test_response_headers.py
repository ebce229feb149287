"""
The headers on what the app answers: no cache may keep a page, a workbook or
the JSON; the Content-Security-Policy allows no inline script; the browser's
unused features are refused.
"""

from __future__ import annotations

import pytest

from installs.services.api_tokens import api_token_create
from tests.factories import load_seed, make_user

pytestmark = pytest.mark.django_db

SIGNED_IN = [
    "/weeks/2022-11-21/",  # the ranking page
    "/weeks/2022-11-21/charts/",
    "/weeks/2022-11-21/export.xlsx",
    "/export/history.csv",
    "/api/weeks/2022-11-21/",  # the JSON API through the browser's session
]


@pytest.fixture
def leader_client(client):
    load_seed()
    client.force_login(make_user("lingdao", "leader"))
    return client


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


@pytest.mark.parametrize("url", SIGNED_IN)
def test_it_keeps_every_signed_in_answer_out_of_caches(leader_client, url):
    response = leader_client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_it_keeps_the_api_out_of_caches_with_a_token(client):
    load_seed()
    _token, key = api_token_create(name="城市运行管理服务平台")
    response = client.get("/api/weeks/2022-11-21/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("url", SIGNED_IN)
def test_it_allows_scripts_from_the_site_only(leader_client, url):
    policy = directives(leader_client.get(url))
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_it_allows_no_inline_style_but_an_empty_style_element(leader_client):
    policy = directives(leader_client.get("/weeks/2022-11-21/charts/"))
    # The only hash is that of the empty text (plotly's <style>, filled through the CSSOM).
    assert policy["style-src"] == [
        "'self'",
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    ]
    assert not [s for s in sum(policy.values(), []) if "unsafe" in s]


@pytest.mark.parametrize("url", SIGNED_IN)
def test_it_refuses_the_browser_features_the_dashboard_never_uses(leader_client, url):
    features = dict(
        part.strip().split("=") for part in leader_client.get(url)["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert features[feature] == "()"


def test_it_sends_the_policy_on_the_login_page_too(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert directives(response)["script-src"] == ["'self'"]
    assert "camera=()" in response["Permissions-Policy"]
