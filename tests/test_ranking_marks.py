"""The ranking page's marks from issue 4: rank movement since last week, pace flags."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from installs import revision, selectors
from installs.models import Profile, Week
from tests.factories import load_seed, make_measure, make_region, make_snapshot, make_week

URL = "/weeks/2022-11-21/"


@pytest.fixture
def leader(client, db):
    user = get_user_model().objects.create(username="lingdao")
    Profile.objects.create(user=user, role="leader")
    client.force_login(user)
    return client


def rank_cells(html: str) -> dict[str, list[str]]:
    """Each region row's rank cells as their inner HTML, by region name."""
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S):
        name = re.search(r'<th scope="row" class="region">([^<]+)', row)
        if name:
            rows[name.group(1)] = re.findall(r'<td class="num rank[^"]*">(.*?)</td>', row)
    return rows


def rate_cells(html: str) -> dict[str, list[str]]:
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S):
        name = re.search(r'<th scope="row" class="region">([^<]+)', row)
        if name:
            rows[name.group(1)] = re.findall(r'<td class="num rate">(.*?)</td>', row)
    return rows


def moves(cells: list[str]) -> list[str]:
    """The movement mark's text of each cell ("" where there is none)."""
    return [
        (re.search(r'class="mark-move[^"]*" data-mark="([^"]*)"', cell) or [None, ""])[1]
        for cell in cells
    ]


@pytest.mark.django_db
class TestRankMovement:
    def setup_method(self):
        self.measure = make_measure("valve_pipe")
        names = [("甲区", "jia"), ("乙区", "yi"), ("丙区", "bing"), ("丁区", "ding")]
        self.regions = [make_region(n, s, order=i) for i, (n, s) in enumerate(names)]
        last_week, this_week = make_week("2022-11-14"), make_week("2022-11-21")
        # Last week: 甲 1, 乙 2, 丙 3 (丁 did not report). This week: 丙 1, 甲 2, 乙 2 (tie), 丁 4.
        for region, installed in zip(self.regions[:3], [90, 50, 10], strict=True):
            make_snapshot(last_week, region, self.measure, 100, installed)
        for region, installed in zip(self.regions, [60, 60, 95, 5], strict=True):
            make_snapshot(this_week, region, self.measure, 100, installed)

    def test_it_shows_places_gained_and_lost_in_the_rank_cell(self, leader):
        cells = rank_cells(leader.get(URL).content.decode())
        assert moves(cells["丙区"]) == ["↑2"]
        assert moves(cells["甲区"]) == ["↓1"]
        assert moves(cells["乙区"]) == ["–"]  # 2nd both weeks, tied this week

    def test_it_shows_nothing_for_a_region_not_ranked_last_week(self, leader):
        assert moves(rank_cells(leader.get(URL).content.decode())["丁区"]) == [""]

    def test_it_shows_nothing_in_the_first_week(self, leader):
        cells = [
            c
            for row in rank_cells(leader.get("/weeks/2022-11-14/").content.decode()).values()
            for c in row
        ]
        assert len(cells) == 4  # three ranked regions and the 合计 row
        assert not any("mark-move" in cell for cell in cells)

    def test_it_keeps_the_rank_itself_first_in_the_cell(self, leader):
        cells = rank_cells(leader.get(URL).content.decode())
        assert cells["丙区"][0].startswith("1<span")

    def test_it_computes_movement_from_both_weeks_ranks(self):
        progress = selectors.week_progress(Week.objects.get(date="2022-11-21"))
        previous = selectors.week_progress(progress.previous_week)
        movement = selectors.week_rank_movement(progress)
        for (region, measure), places in movement.items():
            before = previous.records[(region, measure)]["rank"]
            now = progress.records[(region, measure)]["rank"]
            assert places == before - now
        assert len(movement) == 3


@pytest.mark.django_db
class TestPaceFlags:
    def setup_method(self):
        self.measure = make_measure("valve_pipe", target_date=datetime.date(2022, 12, 31))
        self.stuck = make_region("甲区", "jia", order=1)
        self.slow = make_region("乙区", "yi", order=2)
        self.fast = make_region("丙区", "bing", order=3)
        last_week, this_week = make_week("2022-11-14"), make_week("2022-11-21")
        for region, before, now in [(self.stuck, 40, 40), (self.slow, 40, 41), (self.fast, 40, 80)]:
            make_snapshot(last_week, region, self.measure, 100, before)
            make_snapshot(this_week, region, self.measure, 100, now)

    def test_it_marks_a_stalled_region_that_will_miss(self, leader):
        cell = rate_cells(leader.get(URL).content.decode())["甲区"][0]
        assert cell.startswith("40.0%")
        assert 'class="mark-missed"' in cell
        assert 'class="mark-stalled"' in cell

    def test_it_marks_a_slow_region_that_will_miss(self, leader):
        cell = rate_cells(leader.get(URL).content.decode())["乙区"][0]
        assert 'class="mark-missed"' in cell  # 59 left at 1 a week
        assert "mark-stalled" not in cell

    def test_it_leaves_a_region_on_track_unmarked(self, leader):
        cell = rate_cells(leader.get(URL).content.decode())["丙区"][0]
        assert cell == "80.0%"  # 20 left at 40 a week

    def test_it_explains_the_marks_in_chinese(self, leader):
        html = leader.get(URL).content.decode()
        assert 'title="按当前进度无法按期完成"' in html
        assert 'title="停滞：本周无新增，尚未完成"' in html
        assert "名次较上周变化" in html


@pytest.mark.django_db
def test_it_costs_the_ranking_page_the_same_queries_for_many_weeks(leader):
    load_seed()
    region_measure = selectors.week_progress(Week.objects.get(date="2022-11-21"))
    region = region_measure.regions[0]
    measure = region_measure.measures[0]

    def count() -> int:
        leader.get(URL)  # the session is saved alike on later requests
        # On a cold memo: a warm one would answer from the computed week and
        # hide whatever computing it costs (a query per stored week passed).
        revision.memo_clear()
        with CaptureQueriesContext(connection) as captured:
            assert leader.get(URL).status_code == 200
        return len(captured)

    before = count()
    for n in range(1, 30):
        week = make_week(datetime.date(2022, 11, 14) - datetime.timedelta(days=7 * n))
        make_snapshot(week, region, measure, 87326, 29577 - n)
    assert count() == before
