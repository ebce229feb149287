"""A district user changes their password from the header, on a phone."""

from __future__ import annotations

import pytest

from installs.models import Profile, Region
from tests.browser.conftest import save_screenshot
from tests.factories import PASSWORD, load_seed, make_user

PHONE = {"width": 390, "height": 844}
NEW = "walnut-lantern-0719"


def sign_in_with(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def fill_the_change(page, old: str, new: str) -> None:
    page.fill("#id_old_password", old)
    page.fill("#id_new_password1", new)
    page.fill("#id_new_password2", new)
    page.get_by_role("button", name="修改密码").click()
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_district_user_changes_the_password_from_the_header_on_a_phone(login, live_server):
    load_seed()
    user = make_user("qinyang1", "district", Region.objects.get(slug="qinyang"))
    page = login(user, "/weeks/2022-11-21/")
    page.set_viewport_size(PHONE)

    # On a phone the header's links sit in the closed menu: open it first.
    page.click(".site-menu-toggle")
    link = page.locator(".site-header").get_by_role("link", name="修改密码")
    link.scroll_into_view_if_needed()
    assert link.is_visible()
    link.click()
    page.wait_for_load_state()
    assert page.url.endswith("/accounts/password_change/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    save_screenshot(page, "password-change-phone")

    # A too short new password is refused, in Chinese only.
    fill_the_change(page, PASSWORD, "short1")
    errors = page.inner_text("main")
    assert "密码长度太短。密码必须包含至少 8 个字符。" in errors
    assert "too short" not in errors

    fill_the_change(page, PASSWORD, NEW)
    assert page.url.endswith("/accounts/password_change/done/")
    assert "密码已修改" in page.inner_text("main")
    save_screenshot(page, "password-change-done-phone")

    # Signed out (from the phone's menu), the new password opens the account and the old one no longer does.
    page.click(".site-menu-toggle")
    page.locator(".site-header").get_by_role("button", name="退出").click()
    page.wait_for_load_state()
    sign_in_with(page, live_server, "qinyang1", PASSWORD)
    assert "请输入一个正确的" in page.inner_text(".form-errors")
    sign_in_with(page, live_server, "qinyang1", NEW)
    assert page.url.endswith("/weeks/2022-11-21/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_account_made_by_add_user_chooses_its_password_at_first_login(login, live_server):
    load_seed()
    user = make_user("qinyang1", "district", Region.objects.get(slug="qinyang"))
    Profile.objects.filter(user=user).update(must_change_password=True)
    page = login(user, "/weeks/2022-11-21/")
    assert page.url.endswith("/accounts/password_change/")
    page.set_viewport_size({"width": 1400, "height": 900})
    save_screenshot(page, "password-change-first-login-desktop")
    page.set_viewport_size(PHONE)
    assert "您的密码是他人设置的" in page.inner_text("main")
    save_screenshot(page, "password-change-first-login-phone")

    fill_the_change(page, PASSWORD, NEW)
    page.get_by_role("link", name="返回进度表").click()
    page.wait_for_load_state()
    assert page.url.endswith("/weeks/2022-11-21/")
