"""The weekly notice in chromium: bureau staff publish, then read, copy and look at the notice."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from installs.models import Notice
from tests.browser.conftest import save_screenshot
from tests.factories import load_seed, make_user

DATE = "2022-11-21"
pytestmark = pytest.mark.django_db(transaction=True)


def test_bureau_staff_publish_and_copy_the_notice(login, live_server):
    load_seed()  # the seed week is published (from before notices): withdraw it first
    page = login(make_user("shiju", "bureau"), f"/weeks/{DATE}/status/")
    page.locator("form.step", has_text="撤回发布").locator("input[name=reason]").fill("更正")
    page.locator("form.step button", has_text="撤回发布").click()
    page.wait_for_load_state()
    # Publishing goes through its confirmation page (every region has reported: no reason).
    page.get_by_role("link", name="发布本周…").click()
    page.wait_for_url("**/publish/")
    page.get_by_role("button", name="发布本周").click()
    page.wait_for_url(f"**/weeks/{DATE}/status/")
    assert Notice.objects.get().number == 1

    page.get_by_role("link", name="进度通报").click()
    page.wait_for_url(f"**/weeks/{DATE}/notice/")
    assert page.locator("#notice-title").inner_text() == "进度通报（第1期）"
    image = page.locator("img.notice-image")
    assert image.evaluate("img => img.complete && img.naturalWidth") >= 1600

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    button = page.locator("button.notice-copy")
    expect(button).to_have_text("复制通报文本")  # shown by the script (hidden without it)
    button.click()
    expect(button).to_have_text("已复制")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("进度通报（第1期）\n")
    assert "全市安装率33.2%" in copied

    page.set_viewport_size({"width": 1400, "height": 900})
    save_screenshot(page, "notice-1400")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    save_screenshot(page, "notice-390")
