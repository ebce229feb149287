"""The chart pages in chromium: plotly.js from our static files draws every chart, nothing leaves the server."""

from __future__ import annotations

import pytest

from installs.models import Region
from tests.browser.conftest import save_screenshot
from tests.factories import load_seed, make_user

CHART_DIVS = {
    "/weeks/2022-11-21/charts/": [
        "rate-valve_pipe",
        "rate-hose_pipe",
        "rate-hose_lpg",
        "new-installs",
        "rate-trend",
    ],
    "/regions/qinyang/": ["region-rate", "region-rank"],
}


def assert_every_chart_drawn(page, div_ids: list[str]) -> None:
    for div_id in div_ids:
        # plotly draws into an <svg class="main-svg"> inside the chart's div.
        page.wait_for_selector(f"#{div_id} svg.main-svg")
        box = page.locator(f"#{div_id}").bounding_box()
        assert box is not None and box["height"] > 200 and box["width"] > 300, div_id


@pytest.mark.django_db(transaction=True)
def test_it_draws_the_week_charts(login, live_server):
    load_seed()
    page = login(make_user("lingdao", "leader"), "/weeks/2022-11-21/charts/")
    assert page.url.endswith("/weeks/2022-11-21/charts/")
    assert_every_chart_drawn(page, CHART_DIVS["/weeks/2022-11-21/charts/"])
    # Chinese labels drawn by plotly (its own text, not the page's).
    rate_chart = page.locator("#rate-valve_pipe")
    assert "自闭阀·管道气 各县(市、区)安装率" in rate_chart.inner_text()
    assert "全市 33.2%" in rate_chart.inner_text()
    assert "目标 100.0%" in rate_chart.inner_text()
    assert "合计" in page.locator("#rate-trend").inner_text()
    save_screenshot(page, "charts-week")


@pytest.mark.django_db(transaction=True)
def test_it_switches_the_trend_to_another_measure(login, live_server):
    load_seed()
    page = login(make_user("lingdao", "leader"), "/weeks/2022-11-21/charts/")
    page.click('.measure-tabs a:has-text("金属软管·液化气")')
    page.wait_for_url("**/charts/?measure=hose_lpg#trend")
    page.wait_for_selector("#rate-trend svg.main-svg")
    assert "金属软管·液化气 安装率逐周走势" in page.locator("#rate-trend").inner_text()


@pytest.mark.django_db(transaction=True)
def test_it_hides_a_region_from_the_trend_through_the_legend(login, live_server):
    load_seed()
    page = login(make_user("lingdao", "leader"), "/weeks/2022-11-21/charts/")
    page.wait_for_selector("#rate-trend svg.main-svg")
    lines = page.locator("#rate-trend .scatterlayer .trace")
    assert lines.count() == 12  # 11 regions and 合计
    page.locator("#rate-trend .legend .traces", has_text="沁阳市").click()
    # plotly keeps the figure on its div: the clicked region is now drawn only in the legend.
    page.wait_for_function(
        "() => document.getElementById('rate-trend').data[0].visible === 'legendonly'"
    )
    assert page.evaluate("document.getElementById('rate-trend').data[0].name") == "沁阳市"
    assert page.locator("#rate-trend .scatterlayer .trace").count() == 11


@pytest.mark.django_db(transaction=True)
def test_it_draws_the_region_history(login, live_server):
    load_seed()
    staff = make_user("qinyang-staff", "district", region=Region.objects.get(slug="qinyang"))
    page = login(staff, "/regions/qinyang/")
    assert_every_chart_drawn(page, CHART_DIVS["/regions/qinyang/"])
    assert "沁阳市 名次逐周走势" in page.locator("#region-rank").inner_text()
    save_screenshot(page, "charts-region")


@pytest.mark.django_db(transaction=True)
def test_it_shows_the_pace_page(login, live_server):
    load_seed()
    page = login(make_user("lingdao", "leader"), "/weeks/2022-11-21/pace/")
    assert page.url.endswith("/weeks/2022-11-21/pace/")
    assert "按当前进度无法按期完成" in page.inner_text("main")
    assert page.locator(".pace-table").count() == 3
    save_screenshot(page, "charts-pace")


@pytest.mark.django_db(transaction=True)
def test_it_draws_the_small_rate_bars_under_the_ranking_table(login, live_server):
    load_seed()
    page = login(make_user("lingdao", "leader"), "/weeks/2022-11-21/")
    figures = page.locator(".rate-bars-measure")
    assert figures.count() == 3
    valve = figures.first
    assert "全市 33.2%" in valve.inner_text()
    # 修武县's 72.0% bar is drawn to 72% of its track.
    first = valve.locator("li").first
    assert first.locator(".rate-bar-name").inner_text() == "修武县"
    track = first.locator("svg.rate-bar").bounding_box()
    fill = first.locator(".rate-bar-fill").bounding_box()
    assert fill["width"] / track["width"] == pytest.approx(0.7204, abs=0.01)
    page.emulate_media(media="print")
    assert not page.locator(".rate-bars").is_visible()  # the printed table stays one page
    page.emulate_media(media="screen")
    save_screenshot(page, "charts-ranking-page")


@pytest.mark.django_db(transaction=True)
def test_it_draws_the_pace_marks_as_text_beside_the_cell_text(login, live_server):
    load_seed()
    page = login(make_user("lingdao", "leader"), "/weeks/2022-11-21/")
    rate = page.locator(".progress-table tbody tr:nth-child(2) td.rate").first
    assert rate.inner_text() == "36.7%●"  # 孟州市 自闭阀, as printed, then its band
    mark = rate.locator(".mark")
    assert mark.get_attribute("aria-label") == "严重滞后"
    assert mark.evaluate("el => getComputedStyle(el, '::after').content") == "none"
    save_screenshot(page, "charts-ranking-marks")
