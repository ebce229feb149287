"""A session in use is written again once a minute at most, not on every request (installs.security)."""

from __future__ import annotations

import time

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from installs.security import SESSION_REFRESHED_KEY
from tests.factories import load_seed, make_user

pytestmark = pytest.mark.django_db

PAGE = "/weeks/2022-11-21/"
EIGHT_HOURS = 8 * 3600


@pytest.fixture
def signed_in(client):
    load_seed()
    client.force_login(make_user("lingdao", "leader"))
    client.get(PAGE)  # the first request after the login writes the session
    return client


def refreshed_ago(client, seconds: int) -> None:
    session = client.session
    session[SESSION_REFRESHED_KEY] = int(time.time()) - seconds
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timezone.timedelta(seconds=EIGHT_HOURS - seconds)
    )


def expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_it_does_not_write_the_session_for_every_page(signed_in):
    with CaptureQueriesContext(connection) as queries:
        response = signed_in.get(PAGE)
    assert response.status_code == 200
    assert not [q for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert "sessionid" not in response.cookies


def test_it_moves_the_idle_expiry_on_once_a_minute_has_passed(signed_in):
    refreshed_ago(signed_in, 61)
    before = expiry(signed_in)
    response = signed_in.get(PAGE)
    assert response.status_code == 200
    assert "sessionid" in response.cookies  # the browser's cookie lives on too
    after = expiry(signed_in)
    assert after - before > timezone.timedelta(seconds=60)
    assert abs((after - timezone.now()).total_seconds() - EIGHT_HOURS) < 60
    assert abs(signed_in.session[SESSION_REFRESHED_KEY] - time.time()) < 60


def test_within_the_minute_the_expiry_stays(signed_in):
    refreshed_ago(signed_in, 30)
    before = expiry(signed_in)
    signed_in.get(PAGE)
    assert expiry(signed_in) == before
