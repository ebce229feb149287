"""The bulk grid in chromium: a bureau user pastes rows copied from Excel, saves, and the ranking page shows them."""

from __future__ import annotations

import pytest

from installs.models import Snapshot
from tests.browser.conftest import save_screenshot
from tests.factories import load_seed, make_user, make_week

# As Excel puts it on the clipboard: a header row, then tab-separated rows.
# 沁阳市 in the grid's own layout (households, installed per measure), with
# full-width digits as a Chinese input method types them; 孟州市 in the
# official table's 5 columns per measure (new, rate and rank are ignored).
PASTE = (
    "县(市、区)\t户数\t已安装数\t户数\t已安装数\t户数\t已安装数\n"
    "沁阳市\t87326\t２９６７７\t87988\t87899\t1815\t800\n"
    "孟州市\t80147\t29500\t60\t36.8%\t5\t80147\t48100\t45\t60.0%\t8\t6112\t5066\t0\t82.9%\t3\n"
)


@pytest.mark.django_db(transaction=True)
def test_it_saves_a_pasted_block_and_the_ranking_page_shows_it(login, live_server, context):
    load_seed()
    make_week("2022-11-28")
    bureau = make_user("shiju", "bureau")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = login(bureau, "/weeks/2022-11-28/grid/")
    assert page.url.endswith("/weeks/2022-11-28/grid/")

    # A real paste: the block on the clipboard, Ctrl+V into the paste area.
    page.evaluate("text => navigator.clipboard.writeText(text)", PASTE)
    page.focus("#paste")
    page.keyboard.press("Control+V")
    page.wait_for_function("() => document.querySelector('#paste').value === ''")

    assert page.input_value('[name="qinyang.valve_pipe.installed"]') == "29677"
    assert page.input_value('[name="mengzhou.hose_pipe.installed"]') == "48100"
    assert page.is_checked('[name="qinyang.include"]')
    assert "已填入2个区县" in page.inner_text("#paste-status")
    save_screenshot(page, "grid-pasted")

    page.click(".grid-submit button[type=submit]")
    page.wait_for_load_state()
    assert "已保存" in page.inner_text(".messages")
    assert Snapshot.objects.filter(week__date="2022-11-28").count() == 6

    page.goto(f"{live_server.url}/weeks/2022-11-28/")
    qinyang = page.locator("tbody tr", has_text="沁阳市")
    # households, installed, new installs (29677 - 29577), rate of 自闭阀·管道气
    assert "87326\t29677\t100\t34.0%" in qinyang.inner_text()
    assert "已填报2/11个区县" in page.inner_text(".week-summary")
    save_screenshot(page, "grid-then-ranking")


@pytest.mark.django_db(transaction=True)
def test_it_fills_nothing_when_a_pasted_line_cannot_be_read(login, live_server):
    load_seed()
    make_week("2022-11-28")
    page = login(make_user("shiju", "bureau"), "/weeks/2022-11-28/grid/")
    page.fill("#paste", "沁阳市\t1\t1\t1\t1\t1\t1\n焦作县\t1\t1\t1\t1\t1\t1")
    page.click("#paste-fill")
    assert "焦作县" in page.inner_text("#paste-errors")
    # All or nothing: the readable line was not filled in either.
    assert page.input_value('[name="qinyang.valve_pipe.households"]') == "87326"
    save_screenshot(page, "grid-paste-error")
