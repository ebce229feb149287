"""
The leader's thirty seconds in chromium: the summary above the ranking table,
marks a phone and a screen reader can read, a region's page and the pace page,
at 1400 and 390 px, as leadership and as bureau staff (screenshots kept).
"""

from __future__ import annotations

import re

import pytest

from installs.models import Snapshot, Week
from tests.browser.conftest import save_screenshot
from tests.factories import load_seed, make_user

WEEK = "/weeks/2022-11-21/"
PACE = "/weeks/2022-11-21/pace/"
REGION = "/regions/qinyang/"
DESKTOP = {"width": 1400, "height": 900}
PHONE = {"width": 390, "height": 844}
PAGES = {"ranking": WEEK, "region": REGION, "pace": PACE}
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def as_role(login, live_server):
    load_seed()

    def sign_in(role: str):
        return login(make_user(f"user-{role}", role), WEEK)

    return sign_in


@pytest.mark.parametrize("role", ["leader", "bureau"])
@pytest.mark.parametrize("name", list(PAGES))
def test_it_fits_the_page_on_a_desktop_and_a_phone(as_role, live_server, role, name):
    page = as_role(role)
    for label, size in (("1400", DESKTOP), ("390", PHONE)):
        page.set_viewport_size(size)
        page.goto(f"{live_server.url}{PAGES[name]}")
        # The page never scrolls sideways; wide tables scroll in their own box.
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
        save_screenshot(page, f"leader-{name}-{role}-{label}")


def test_it_shows_the_summary_first_on_a_phone(as_role, live_server):
    page = as_role("leader")
    page.set_viewport_size(PHONE)
    page.reload()
    summary = page.locator(".week-summary")
    assert summary.is_visible()
    assert summary.bounding_box()["y"] < page.locator(".progress-table").bounding_box()["y"]
    text = summary.inner_text()
    assert "自闭阀·管道气：全市安装率33.2%，较上周提高0.1个百分点，本周新增安装499户" in text
    assert "停滞（本周无新增）：温县、博爱县、山阳区、马村区、中站区。" in text


def test_it_prints_the_summary_with_the_table(as_role, live_server):
    # The longest sheet: a week still open (its banner prints too), a region not reported.
    Week.objects.filter(date="2022-11-21").update(state=Week.State.OPEN)
    Snapshot.objects.filter(week__date="2022-11-21", region__slug="macun").delete()
    page = as_role("bureau")
    page.goto(f"{live_server.url}{WEEK}")
    assert "未填报：马村区" in page.locator(".week-summary").inner_text()
    page.emulate_media(media="print")
    assert page.locator(".week-banner").is_visible()
    assert page.locator(".week-summary").is_visible()
    pdf = page.pdf(format="A4", landscape=True, prefer_css_page_size=True, print_background=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1


def test_a_screen_reader_reads_every_mark(as_role):
    page = as_role("leader")
    assert page.get_by_role("img", name="停滞（本周无新增）").count() == 16
    assert page.get_by_role("img", name="严重滞后").count() == 12
    stalled = page.get_by_role("img", name="停滞（本周无新增）").first
    assert stalled.is_visible() and stalled.inner_text() == "停"


def test_a_region_s_name_leads_to_its_page_and_the_switcher_to_another(as_role, live_server):
    page = as_role("leader")
    page.set_viewport_size(PHONE)
    page.locator(".progress-table tbody").get_by_role("link", name="沁阳市").click()
    page.wait_for_url(re.compile(r"/regions/qinyang/$"))
    assert "再安装2501户可超过孟州市（36.7%）" in page.locator(".standing").inner_text()
    page.select_option("#region-switcher", "wenxian")
    page.click(".region-switcher button[type=submit]")
    page.wait_for_url(re.compile(r"/regions/wenxian/$"))
    assert page.locator("h1").inner_text() == "温县"


def test_the_forecast_is_in_view_on_a_phone(as_role, live_server):
    page = as_role("leader")
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{PACE}")
    forecast = page.locator("#pace-valve_pipe ~ .table-scroll tbody tr:nth-child(2) td.forecast")
    box = forecast.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert " ".join(forecast.inner_text().split()) == "● 按当前进度无法按期完成 （到期差50407户）"
    # Scrolled to the last column, the region stays in view beside it.
    scroller = page.locator("#pace-valve_pipe ~ .table-scroll")
    region = page.locator("#pace-valve_pipe ~ .table-scroll tbody tr:nth-child(2) th.region")
    before = region.bounding_box()
    scroller.evaluate("el => el.scrollLeft = el.scrollWidth")
    page.wait_for_function(
        "document.querySelector('#pace-valve_pipe ~ .table-scroll').scrollLeft > 0"
    )
    assert region.bounding_box()["x"] == pytest.approx(before["x"], abs=1)
