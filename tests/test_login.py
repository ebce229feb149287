"""The Chinese login page and django-axes: repeated failures lock a username at an address."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt
from axes.utils import reset
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("fresh_axes"),
]

LOGIN = "/accounts/login/"


@pytest.fixture
def fresh_axes():
    """Axes on with the project's settings (5 failures, 15 minutes, username + address), no attempts left over."""
    with override_settings(AXES_ENABLED=True):
        reset()
        yield
        reset()


def attempt(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail_five_times(client, username: str, address: str = "10.0.0.1") -> None:
    for _ in range(5):
        attempt(client, username, "wrong-password", address)


def test_it_shows_the_login_page_in_chinese(client):
    html = client.get(LOGIN).content.decode()
    assert "用户名" in html and "密码" in html and "登录" in html


def test_it_sends_every_page_to_the_login_when_signed_out(client):
    response = client.get(reverse("installs:home"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_it_signs_in_with_the_right_password(client):
    make_user("ld", "leader")
    response = attempt(client, "ld", PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_it_refuses_a_wrong_password_in_chinese(client):
    make_user("ld", "leader")
    response = attempt(client, "ld", "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_locks_the_account_after_five_wrong_passwords(client):
    make_user("ld", "leader")
    fail_five_times(client, "ld")
    response = attempt(client, "ld", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_shows_the_lockout_page_in_chinese(client):
    make_user("ld", "leader")
    fail_five_times(client, "ld")
    html = attempt(client, "ld", PASSWORD).content.decode()
    assert "登录失败次数过多" in html
    assert "请稍后再试" in html


def test_it_does_not_lock_after_four_wrong_passwords(client):
    make_user("ld", "leader")
    for _ in range(4):
        attempt(client, "ld", "wrong-password")
    assert attempt(client, "ld", PASSWORD).status_code == 302


def test_it_does_not_lock_the_same_username_at_another_address(client):
    make_user("ld", "leader")
    fail_five_times(client, "ld", "10.0.0.1")
    assert attempt(client, "ld", PASSWORD, "10.0.0.2").status_code == 302


def test_it_does_not_lock_another_user_behind_the_same_address(client):
    make_user("ld", "leader")
    make_user("qy", "leader")
    fail_five_times(client, "ld", "10.0.0.1")
    assert attempt(client, "qy", PASSWORD, "10.0.0.1").status_code == 302


def test_it_lifts_the_lock_after_fifteen_minutes(client):
    make_user("ld", "leader")
    fail_five_times(client, "ld")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=16))
    assert attempt(client, "ld", PASSWORD).status_code == 302


def test_it_keeps_the_lock_before_fifteen_minutes(client):
    make_user("ld", "leader")
    fail_five_times(client, "ld")
    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(minutes=14))
    assert attempt(client, "ld", PASSWORD).status_code == 429
