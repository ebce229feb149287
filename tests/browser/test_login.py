"""The login page in a real browser."""

import pytest

from tests.browser.conftest import save_screenshot
from tests.factories import load_seed, make_user


@pytest.mark.django_db(transaction=True)
def test_it_signs_a_leader_in_and_shows_the_latest_week(login, live_server):
    load_seed()
    page = login(make_user("lingdao", "leader"))
    assert page.url.endswith("/weeks/2022-11-21/")
    save_screenshot(page, "login-then-week")


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_wrong_password_in_chinese(guarded_page, live_server):
    make_user("lingdao", "leader")
    guarded_page.goto(f"{live_server.url}/accounts/login/")
    guarded_page.fill("#id_username", "lingdao")
    guarded_page.fill("#id_password", "wrong-password")
    guarded_page.click("button[type=submit]")
    assert "请输入一个正确的" in guarded_page.inner_text(".form-errors")
