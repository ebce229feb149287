"""A session ends SESSION_ABSOLUTE_AGE after the login, however active; the idle limit is Django's."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings

from installs.security import SESSION_STARTED_KEY
from tests.factories import load_seed, make_user

pytestmark = pytest.mark.django_db

PAGE = "/weeks/2022-11-21/"
TWELVE_HOURS = 12 * 3600


@pytest.fixture
def signed_in(client):
    load_seed()
    client.force_login(make_user("lingdao", "leader"))
    return client


def started_ago(client, seconds: int) -> None:
    session = client.session
    session[SESSION_STARTED_KEY] = int(time.time()) - seconds
    session.save()


def test_the_default_is_twelve_hours(settings):
    assert settings.SESSION_ABSOLUTE_AGE == TWELVE_HOURS


def test_it_records_when_the_user_signed_in(signed_in):
    assert abs(signed_in.session[SESSION_STARTED_KEY] - time.time()) < 60


def test_it_keeps_an_active_session_within_the_limit(signed_in):
    started_ago(signed_in, TWELVE_HOURS - 60)
    assert signed_in.get(PAGE).status_code == 200
    assert "_auth_user_id" in signed_in.session


def test_it_signs_out_past_the_limit_however_active(signed_in):
    signed_in.get(PAGE)  # busy all along: the idle limit never struck
    started_ago(signed_in, TWELVE_HOURS)
    response = signed_in.get(PAGE)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert "_auth_user_id" not in signed_in.session
    # Signed out for good, not for one request.
    assert signed_in.get(PAGE).status_code == 302


def test_it_says_why_on_the_login_page(signed_in):
    started_ago(signed_in, TWELVE_HOURS + 1)
    html = signed_in.get(PAGE, follow=True).content.decode()
    assert "您已登录12小时，请重新登录。" in html


def test_a_new_login_starts_a_new_lifetime(signed_in):
    # Signing in again in the same session (Django keeps its data then) restarts the clock.
    started_ago(signed_in, TWELVE_HOURS - 60)
    signed_in.force_login(signed_in.get(PAGE).wsgi_request.user)
    assert abs(signed_in.session[SESSION_STARTED_KEY] - time.time()) < 60


def test_it_gives_a_session_from_before_the_limit_a_start(signed_in):
    session = signed_in.session
    del session[SESSION_STARTED_KEY]
    session.save()
    assert signed_in.get(PAGE).status_code == 200
    assert abs(signed_in.session[SESSION_STARTED_KEY] - time.time()) < 60


@override_settings(SESSION_ABSOLUTE_AGE=0)
def test_zero_turns_the_limit_off(signed_in):
    started_ago(signed_in, 30 * 24 * 3600)
    assert signed_in.get(PAGE).status_code == 200
