"""
django-axes behind a reverse proxy: X-Forwarded-For is believed only from an
address in TRUSTED_PROXIES, and read from the right (the proxy's own entry).
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.test import override_settings

from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PROXY = "10.0.0.9"


@pytest.fixture(autouse=True)
def axes_behind_a_proxy():
    with override_settings(AXES_ENABLED=True, TRUSTED_PROXIES=[PROXY]):
        reset()
        yield
        reset()


def attempt(client, password: str, *, sender: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": sender}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(LOGIN, {"username": "ld", "password": password}, **headers)


def recorded_addresses() -> set[str]:
    return set(AccessAttempt.objects.values_list("ip_address", flat=True))


def test_it_records_the_client_behind_the_proxy(client):
    make_user("ld", "leader")
    attempt(client, "wrong", sender=PROXY, forwarded="192.168.5.20")
    assert recorded_addresses() == {"192.168.5.20"}


def test_it_ignores_the_header_from_an_unlisted_sender(client):
    make_user("ld", "leader")
    attempt(client, "wrong", sender="10.0.0.66", forwarded="192.168.5.20")
    assert recorded_addresses() == {"10.0.0.66"}


def test_it_ignores_what_the_client_wrote_before_the_proxys_entry(client):
    make_user("ld", "leader")
    # The client sent "X-Forwarded-For: 1.2.3.4"; nginx appended the address it saw.
    attempt(client, "wrong", sender=PROXY, forwarded="1.2.3.4, 192.168.5.20")
    assert recorded_addresses() == {"192.168.5.20"}


def test_it_falls_back_to_the_proxy_on_a_header_that_is_no_address(client):
    make_user("ld", "leader")
    attempt(client, "wrong", sender=PROXY, forwarded="<script>")
    assert recorded_addresses() == {PROXY}


def test_a_lock_behind_the_proxy_holds_one_office_not_all(client):
    make_user("ld", "leader")
    for _ in range(5):
        attempt(client, "wrong", sender=PROXY, forwarded="192.168.5.20")
    assert attempt(client, PASSWORD, sender=PROXY, forwarded="192.168.5.20").status_code == 429
    assert attempt(client, PASSWORD, sender=PROXY, forwarded="192.168.7.30").status_code == 302


def test_a_client_cannot_escape_its_lock_by_writing_the_header(client):
    make_user("ld", "leader")
    for _ in range(5):
        attempt(client, "wrong", sender="10.0.0.66")
    response = attempt(client, PASSWORD, sender="10.0.0.66", forwarded="192.168.7.30")
    assert response.status_code == 429
