"""Charts page, region page, pace page and targets form: roles, content, validation."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pandas as pd
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from installs import revision, selectors
from installs.models import Measure, Profile, Region, Week
from tests.factories import (
    load_seed,
    make_measure,
    make_region,
    make_snapshot,
    make_week,
)
from tests.seed import MEASURES, seed_rows

CHARTS = "/weeks/2022-11-21/charts/"
REGION = "/regions/qinyang/"
PACE = "/weeks/2022-11-21/pace/"
TARGETS = "/targets/"
READ_PAGES = [CHARTS, REGION, PACE, "/charts/", "/pace/"]


@pytest.fixture
def seed(db):
    load_seed()


def client_for(client, role: str | None):
    """The client signed in as a user of ``role`` (made once per test; no password hashing)."""
    username = f"user-{role}"
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = get_user_model().objects.create(username=username)
        if role is not None:
            region = Region.objects.get(slug="qinyang") if role == "district" else None
            Profile.objects.create(user=user, role=role, region=region)
    client.force_login(user)
    return client


@pytest.mark.usefixtures("seed")
class TestRoles:
    @pytest.mark.parametrize("url", [*READ_PAGES, TARGETS])
    def test_it_sends_anonymous_visitors_to_the_login(self, client, url):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    @pytest.mark.parametrize("url", [*READ_PAGES, TARGETS])
    def test_it_refuses_an_account_without_a_role(self, client, url):
        assert client_for(client, None).get(url).status_code == 403

    @pytest.mark.parametrize("role", ["district", "bureau", "leader"])
    @pytest.mark.parametrize("url", [CHARTS, REGION, PACE])
    def test_it_shows_the_pages_to_every_role(self, client, url, role):
        assert client_for(client, role).get(url).status_code == 200

    @pytest.mark.parametrize("role", ["district", "bureau", "leader"])
    @pytest.mark.parametrize("url", ["/charts/", "/pace/"])
    def test_it_sends_every_role_to_the_latest_week(self, client, url, role):
        response = client_for(client, role).get(url)
        assert response.status_code == 302
        assert response["Location"] == f"/weeks/2022-11-21{url}"

    @pytest.mark.parametrize("url", ["/charts/", "/pace/"])
    def test_it_sends_leadership_to_the_latest_published_week(self, client, url):
        make_week("2022-11-28")  # open for entry, not published
        response = client_for(client, "leader").get(url)
        assert response["Location"] == f"/weeks/2022-11-21{url}"
        client.logout()
        response = client_for(client, "bureau").get(url)
        assert response["Location"] == f"/weeks/2022-11-28{url}"

    def test_it_shows_the_targets_form_to_bureau_staff(self, client):
        assert client_for(client, "bureau").get(TARGETS).status_code == 200

    @pytest.mark.parametrize("role", ["district", "leader"])
    def test_it_refuses_the_targets_form_to_others(self, client, role):
        assert client_for(client, role).get(TARGETS).status_code == 403

    @pytest.mark.parametrize("role", ["district", "leader"])
    def test_it_refuses_a_target_change_from_others(self, client, role):
        response = client_for(client, role).post(TARGETS, target_post())
        assert response.status_code == 403
        assert Measure.objects.get(slug="valve_pipe").target_rate == Decimal("1")


@pytest.mark.usefixtures("seed")
class TestChartsPage:
    def test_it_has_a_rate_chart_per_measure_new_installs_and_a_trend(self, client):
        html = client_for(client, "leader").get(CHARTS).content.decode()
        for slug in MEASURES:
            assert f'id="rate-{slug}"' in html
        assert 'id="new-installs"' in html
        assert 'id="rate-trend"' in html

    def test_it_loads_plotly_from_our_static_files_once(self, client):
        html = client_for(client, "leader").get(CHARTS).content.decode()
        assert html.count("vendor/plotly/plotly-basic.min.js") == 1
        assert html.count("vendor/plotly/plotly-locale-zh-cn.js") == 1
        assert "cdn.plot.ly" not in html

    def test_it_shows_the_trend_of_the_chosen_measure(self, client):
        response = client_for(client, "leader").get(CHARTS, {"measure": "hose_lpg"})
        assert response.context["measure"].slug == "hose_lpg"
        assert 'aria-current="true">金属软管·液化气</a>' in response.content.decode()

    def test_it_refuses_an_unknown_measure(self, client):
        response = client_for(client, "leader").get(CHARTS, {"measure": "nope"})
        assert response.status_code == 404

    def test_it_refuses_an_unknown_week(self, client):
        assert client_for(client, "leader").get("/weeks/2022-11-22/charts/").status_code == 404

    def test_it_costs_the_same_queries_for_many_weeks(self, client):
        measure = Measure.objects.get(slug="valve_pipe")
        region = Region.objects.get(slug="qinyang")
        leader = client_for(client, "leader")
        before = count_queries(leader, CHARTS)
        for n in range(1, 30):
            week = make_week(datetime.date(2022, 11, 14) - datetime.timedelta(days=7 * n))
            make_snapshot(week, region, measure, 87326, 29577 - n)
        assert count_queries(leader, CHARTS) == before

    def test_it_says_where_it_is_in_chinese(self, client):
        html = client_for(client, "leader").get(CHARTS).content.decode()
        assert "各县(市、区)安装率" in html
        assert "本周环比新增安装数" in html


def rate_bars_of(html: str, slug: str) -> list[tuple[str, str]]:
    """(region, rate) of one measure's small bars on the ranking page, top to bottom."""
    import re

    block = html[html.index(f'<figure class="rate-bars-measure" data-measure="{slug}">') :]
    block = block[: block.index("</figure>")]
    return re.findall(
        r'<span class="rate-bar-name">(.*?)</span>.*?<span class="rate-bar-value">(.*?)</span>',
        block,
    )


@pytest.mark.usefixtures("seed")
class TestRankingPageBars:
    def test_it_draws_each_measures_rates_on_the_server_best_first(self, client):
        html = client_for(client, "leader").get("/weeks/2022-11-21/").content.decode()
        bars = rate_bars_of(html, "valve_pipe")
        # The seed's 自闭阀·管道气 rates (the newspaper's table), best first.
        assert bars[:3] == [("修武县", "72.0%"), ("中站区", "70.6%"), ("武陟县", "54.1%")]
        assert bars[-1] == ("山阳区", "7.6%")
        assert len(bars) == 11
        # Equal rates keep the official order: 博爱县 and 示范区 are both 100.0%.
        assert rate_bars_of(html, "hose_pipe")[:2] == [("博爱县", "100.0%"), ("示范区", "100.0%")]
        assert "全市 33.2%" in html and "目标 100.0%" in html
        # The bar's length is its share of the track: 72.0% of 100%.
        assert 'width="72.04%"' in html

    def test_it_loads_no_plotly_on_the_ranking_page(self, client):
        html = client_for(client, "leader").get("/weeks/2022-11-21/").content.decode()
        assert "plotly" not in html
        assert "<script" not in html

    def test_it_draws_the_carried_figures_for_a_week_without_any_yet(self, client):
        # Nobody has reported the new week: every figure is carried, so the bars are drawn.
        make_week("2022-11-28")
        html = client_for(client, "bureau").get("/weeks/2022-11-28/").content.decode()
        assert '<p class="empty-state">暂无数据</p>' not in html


@pytest.mark.usefixtures("seed")
class TestChartNumbers:
    def test_it_puts_each_charts_numbers_in_a_collapsed_table_under_it(self, client):
        html = client_for(client, "leader").get(CHARTS).content.decode()
        assert html.count('<details class="chart-numbers">') == 5  # 3 rate charts, new, trend
        rate = html[html.index('data-measure="valve_pipe"') :]
        rate = rate[: rate.index("</details>")]
        assert '<th scope="row">修武县</th><td>72.0%</td><td>23356</td><td>32422</td>' in rate
        assert '<th scope="row">合计</th><td>33.2%</td><td>239538</td><td>721470</td>' in rate
        new = html[html.index('id="new-title"') :]
        new = new[: new.index("</details>")]
        # 解放区 added 230, 240 and 0 this week (the newspaper's 环比新增).
        assert '<th scope="row">解放区</th><td>230</td><td>240</td><td>0</td>' in new
        trend = html[html.index('id="trend-title"') :]
        trend = trend[: trend.index("</details>")]
        assert '<th scope="row">2022年11月21日</th><td>33.9%</td>' in trend

    def test_it_charts_the_carried_figures_of_a_new_week(self, client):
        # Nobody has reported yet: the rates are the carried ones, new installs unknown.
        make_week("2022-11-28")
        html = client_for(client, "bureau").get("/weeks/2022-11-28/charts/").content.decode()
        rate = html[html.index('data-measure="valve_pipe"') :]
        rate = rate[: rate.index("</details>")]
        assert '<th scope="row">合计</th><td>33.2%</td><td>239538</td><td>721470</td>' in rate
        assert 'id="new-installs"' not in html
        assert 'id="rate-trend"' in html

    def test_it_tells_a_browser_without_javascript_where_the_numbers_are(self, client):
        html = client_for(client, "leader").get(CHARTS).content.decode()
        assert "<noscript>" in html and "数据表" in html


def target_post(**changes) -> dict:
    data = {}
    for slug in MEASURES:
        data[f"{slug}-target_percent"] = "100"
        data[f"{slug}-target_date"] = "2022-12-31"
    data.update(changes)
    return data


@pytest.mark.usefixtures("seed")
class TestTargets:
    def test_it_shows_the_current_targets_in_percent(self, client):
        response = client_for(client, "bureau").get(TARGETS)
        html = response.content.decode()
        assert 'name="valve_pipe-target_percent"' in html
        assert 'value="100.00"' in html
        assert 'value="2022-12-31"' in html

    def test_it_saves_a_rate_in_percent_as_a_fraction(self, client):
        response = client_for(client, "bureau").post(
            TARGETS,
            target_post(
                **{"hose_lpg-target_percent": "95.5", "hose_lpg-target_date": "2023-06-30"}
            ),
        )
        assert response.status_code == 302
        measure = Measure.objects.get(slug="hose_lpg")
        assert measure.target_rate == Decimal("0.955")
        assert measure.target_date == datetime.date(2023, 6, 30)

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("0", "目标安装率必须大于 0 且不超过 100。"),
            ("-5", "目标安装率必须大于 0 且不超过 100。"),
            ("100.01", "目标安装率必须大于 0 且不超过 100。"),
            ("1000", "目标安装率必须大于 0 且不超过 100。"),
            ("abc", "目标安装率必须是数字，例如 100 或 95.5。"),
            ("95.555", "目标安装率最多保留两位小数。"),
            ("", "请填写目标安装率。"),
        ],
    )
    def test_it_refuses_a_rate_outside_0_to_100(self, client, value, message):
        response = client_for(client, "bureau").post(
            TARGETS, target_post(**{"hose_pipe-target_percent": value})
        )
        assert response.status_code == 200
        assert f"金属软管·管道气：{message}" in response.content.decode()

    @pytest.mark.parametrize(
        ("value", "message"),
        [("", "请填写完成期限。"), ("2022-13-45", "完成期限必须是日期，例如 2022-12-31。")],
    )
    def test_it_refuses_a_missing_or_impossible_date(self, client, value, message):
        response = client_for(client, "bureau").post(
            TARGETS, target_post(**{"valve_pipe-target_date": value})
        )
        assert response.status_code == 200
        assert f"自闭阀·管道气：{message}" in response.content.decode()

    def test_it_saves_nothing_when_one_measure_is_wrong(self, client):
        client_for(client, "bureau").post(
            TARGETS,
            target_post(**{"valve_pipe-target_percent": "90", "hose_lpg-target_percent": "0"}),
        )
        assert Measure.objects.get(slug="valve_pipe").target_rate == Decimal("1")

    def test_it_takes_a_chinese_date(self, client):
        client_for(client, "bureau").post(
            TARGETS, target_post(**{"valve_pipe-target_date": "2023年3月1日"})
        )
        assert Measure.objects.get(slug="valve_pipe").target_date == datetime.date(2023, 3, 1)

    def test_it_forecasts_against_the_new_target(self, client):
        bureau = client_for(client, "bureau")
        bureau.post(TARGETS, target_post(**{"hose_lpg-target_percent": "40"}))
        response = bureau.get(PACE)
        section = response.context["sections"][2]
        assert section["target"] == "40.0%"
        qinyang = section["rows"][0]  # 42.5% of 1815: past 40%
        assert qinyang["status"] == "complete"
        assert qinyang["status_text"] == "已达到目标安装率"


@pytest.mark.usefixtures("seed")
class TestPacePage:
    def test_it_says_in_words_that_a_stalled_region_cannot_finish(self, client):
        response = client_for(client, "leader").get(PACE)
        valve = response.context["sections"][0]
        qinyang = valve["rows"][0]
        assert qinyang["region"].name == "沁阳市"
        assert qinyang["new"] == 0
        assert qinyang["weeks_left"] is None
        assert qinyang["stalled"] and qinyang["missed"]
        assert qinyang["forecast_text"] == "按当前进度无法按期完成"
        assert qinyang["shortfall"] == 87326 - 29577  # no progress: all of it is short

    def test_it_projects_a_date_at_the_pace_of_the_week(self, client):
        response = client_for(client, "leader").get(PACE)
        row = response.context["sections"][2]["rows"][0]  # 沁阳市 液化气: 771 of 1815, +291
        assert row["pace"] == Decimal("291")
        assert row["weeks_left"] == 4  # ceil(1044 / 291)
        assert row["projected_date"] == datetime.date(2022, 12, 19)
        assert row["status_text"] == "可按期完成"

    def test_it_counts_missed_and_stalled_regions_per_measure(self, client):
        response = client_for(client, "leader").get(PACE)
        valve = response.context["sections"][0]
        stalled = sum(
            1
            for row in seed_rows()[:-1]
            if row["valve_pipe_new"] == "0"
            and row["valve_pipe_installed"] != row["valve_pipe_households"]
        )
        assert valve["stalled"] == stalled
        assert valve["missed"] == sum(1 for row in valve["rows"] if row["missed"])

    def test_it_says_when_the_deadline_has_passed(self, client):
        Measure.objects.filter(slug="valve_pipe").update(target_date=datetime.date(2022, 11, 1))
        response = client_for(client, "leader").get(PACE)
        assert response.context["sections"][0]["deadline_past"] is True
        assert "已过完成期限，未达到目标安装率" in response.content.decode()

    def texts(self, client) -> dict[tuple[str, str], list[str]]:
        """Each row's cell texts by (measure slug, region name), tags dropped."""
        html = client_for(client, "leader").get(PACE).content.decode()
        rows = {}
        for section in re.findall(r'<section class="pace-section".*?</section>', html, flags=re.S):
            slug = re.search(r'id="pace-([a-z_]+)"', section).group(1)
            for row in re.findall(r"<tr class=.*?</tr>", section, flags=re.S):
                cells = [
                    re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip()
                    for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
                ]
                rows[(slug, cells[0])] = cells
        return rows

    def test_it_says_a_deadline_will_be_missed_with_the_households_short(self, client):
        rows = self.texts(client)
        # 孟州市 自闭阀: 50707 to go at 60 a week; 5 weeks to 2022-12-31 add 300.
        assert rows[("valve_pipe", "孟州市")][1] == "● 按当前进度无法按期完成（到期差50407户）"
        # 示范区 液化气: 694 to go at 12 a week: 634 short.
        assert rows[("hose_lpg", "示范区")][1] == "● 按当前进度无法按期完成（到期差634户）"

    def test_it_never_shows_a_projected_year_past_the_deadline(self, client):
        html = client_for(client, "leader").get(PACE).content.decode()
        years = {int(y) for y in re.findall(r"(\d{4})(?:年|-\d\d-\d\d)", html)}
        assert years == {2022}

    def test_it_projects_a_date_in_words_when_on_track(self, client):
        rows = self.texts(client)
        assert rows[("hose_lpg", "沁阳市")][1] == "按当前进度预计完成日期：2022年12月19日"

    def test_it_gives_paces_with_their_unit(self, client):
        rows = self.texts(client)
        # Columns: region, forecast, rate, new, pace, needed, still to install.
        assert rows[("hose_lpg", "沁阳市")][4:6] == ["291户/周", "209户/周"]
        assert rows[("valve_pipe", "孟州市")][4:6] == ["60户/周", "10142户/周"]

    def test_it_says_stalled_instead_of_a_zero_pace(self, client):
        rows = self.texts(client)
        assert rows[("valve_pipe", "沁阳市")][4] == "停滞（本周无新增）"
        html = client_for(client, "leader").get(PACE).content.decode()
        assert "0.0（" not in html and "近1周）" not in html

    def test_it_shows_no_pace_for_a_complete_region(self, client):
        rows = self.texts(client)
        assert rows[("hose_pipe", "博爱县")][1] == "已达到目标安装率"
        assert rows[("hose_pipe", "博爱县")][4] == "—"

    def test_it_puts_the_forecast_beside_the_region(self, client):
        html = client_for(client, "leader").get(PACE).content.decode()
        head = re.findall(r"<th scope=\"col\"[^>]*>(.*?)</th>", html)[:2]
        assert head == ["县(市、区)", "预测"]

    def test_it_links_every_region_to_its_page(self, client):
        html = client_for(client, "leader").get(PACE).content.decode()
        assert html.count('href="/regions/qinyang/"') == 3  # once per measure

    def test_it_offers_the_targets_form_to_bureau_staff_only(self, client):
        assert "/targets/" in client_for(client, "bureau").get(PACE).content.decode()
        client.logout()
        assert "/targets/" not in client_for(client, "leader").get(PACE).content.decode()

    def test_it_refuses_an_unknown_week(self, client):
        assert client_for(client, "leader").get("/weeks/2021-01-04/pace/").status_code == 404

    def test_it_costs_the_same_queries_for_many_weeks(self, client):
        measure = Measure.objects.get(slug="valve_pipe")
        region = Region.objects.get(slug="qinyang")
        leader = client_for(client, "leader")
        before = count_queries(leader, PACE)
        for n in range(1, 30):
            week = make_week(datetime.date(2022, 11, 14) - datetime.timedelta(days=7 * n))
            make_snapshot(week, region, measure, 87326, 29577 - n)
        assert count_queries(leader, PACE) == before


def count_queries(client, url: str) -> int:
    client.get(url)  # the session is saved alike on later requests
    revision.memo_clear()  # count the week's computation, not a memo's answer
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.django_db
class TestRegionPage:
    def test_it_refuses_an_unknown_region(self, client):
        load_seed()
        assert client_for(client, "leader").get("/regions/nowhere/").status_code == 404

    def test_it_shows_the_printed_ranks_of_the_seed_week(self, client):
        load_seed()
        for printed in seed_rows()[:-1]:
            region = Region.objects.get(name=printed["region"])
            response = client_for(client, "leader").get(f"/regions/{region.slug}/")
            newest = response.context["rows"][0]
            assert newest["date"] == datetime.date(2022, 11, 21)
            ranks = [cells["rank"] for cells in newest["measures"]]
            assert ranks == [int(printed[f"{slug}_rank"]) for slug in MEASURES]
            rates = [cells["rate"] for cells in newest["measures"]]
            assert rates == [printed[f"{slug}_rate"] for slug in MEASURES]
            client.logout()

    def test_it_shows_the_ranks_of_each_week_table(self, client):
        """Weeks with ties, a skipped week and a late region: every rank as week_progress gives it."""
        measures = [
            make_measure("valve_pipe", order=1),
            make_measure("hose_lpg", "金属软管", "液化气", order=2),
        ]
        regions = [
            make_region(name, slug, order=i)
            for i, (name, slug) in enumerate(
                [("甲区", "jia"), ("乙区", "yi"), ("丙区", "bing"), ("丁区", "ding")]
            )
        ]
        start = datetime.date(2022, 10, 3)
        for n in range(6):
            week = make_week(start + datetime.timedelta(days=7 * n))
            for r, region in enumerate(regions):
                if (r == 2 and n == 3) or (r == 3 and n < 2):
                    continue  # 丙区 skips a week, 丁区 starts late
                for m, measure in enumerate(measures):
                    twin = 0 if r == 3 else r  # 丁区 reports as 甲区 does: equal rates, equal ranks
                    households = 100 + 50 * twin
                    installed = min(
                        households, (10 + 7 * twin + 3 * m) * (n + 1) // (1 + (twin + n) % 3)
                    )
                    make_snapshot(week, region, measure, households, installed)
        compared, tied = 0, False
        for region in regions:
            response = client_for(client, "leader").get(f"/regions/{region.slug}/")
            for row in response.context["rows"]:
                progress = selectors.week_progress(Week.objects.get(date=row["date"]))
                tied = tied or progress.table.duplicated(["measure", "rank"]).any()
                for measure, cells in zip(measures, row["measures"], strict=True):
                    record = progress.records.get((region.pk, measure.pk))
                    if record is None or record["carried_from"] is not None:
                        # Not reported that week: the region page says 未填报 (the table carries it).
                        assert cells is None
                        continue
                    assert cells["rank"] == record["rank"]
                    assert cells["new"] == (None if pd.isna(record["new"]) else record["new"])
                    compared += 1
            client.logout()
        assert compared == 6 * 4 * 2 - 1 * 2 - 2 * 2  # every reported cell
        assert tied  # the data has equal ranks somewhere

    def test_it_lists_weeks_newest_first_with_unreported_ones(self, client):
        measure = make_measure("valve_pipe")
        region = make_region("甲区", "jia")
        other = make_region("乙区", "yi")
        first, skipped, last = (make_week(d) for d in ("2022-11-07", "2022-11-14", "2022-11-21"))
        make_snapshot(first, region, measure, 100, 10)
        make_snapshot(skipped, other, measure, 100, 10)
        make_snapshot(last, region, measure, 100, 30)
        response = client_for(client, "leader").get("/regions/jia/")
        rows = response.context["rows"]
        assert [row["date"].isoformat() for row in rows] == [
            "2022-11-21",
            "2022-11-14",
            "2022-11-07",
        ]
        assert rows[1]["reported"] is False
        assert rows[0]["measures"][0]["new"] == 20  # across the skipped week
        assert "未填报" in response.content.decode()

    def test_it_costs_the_same_queries_for_many_weeks(self, client):
        measure = make_measure("valve_pipe")
        region = make_region("甲区", "jia")
        start = datetime.date(2018, 1, 1)
        make_snapshot(make_week(start), region, measure, 100, 0)
        leader = client_for(client, "leader")
        before = count_queries(leader, "/regions/jia/")
        for n in range(1, 60):
            make_snapshot(
                make_week(start + datetime.timedelta(days=7 * n)), region, measure, 100, n
            )
        assert count_queries(leader, "/regions/jia/") == before
