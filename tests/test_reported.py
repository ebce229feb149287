"""
"Reported this week", one definition (rules.has_reported, rules.reporting_count):
the API, the status panel, the week list, the ranking table, the entry's region
list and the grid say the same of one hand-made week.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from installs import rules
from tests.factories import make_measure, make_region, make_snapshot, make_user, make_week

DATE = "2022-11-21"


class TestRule:
    def test_it_counts_a_region_with_every_active_measure_as_reported(self):
        assert rules.has_reported({7}, {7, 8}) is False  # 部分填报
        assert rules.has_partly_reported({7}, {7, 8}) is True
        assert rules.has_reported({7, 8}, {7, 8}) is True
        assert rules.has_reported({7, 8, 9}, {7, 8}) is True  # 9: a measure no longer active
        assert rules.has_reported({9}, {7, 8}) is False

    def test_it_does_not_count_a_region_without_figures(self):
        assert rules.has_reported(set(), {7, 8}) is False

    def test_it_finds_the_regions_that_reported_from_a_weeks_figures(self):
        figures = [(1, 7), (3, 7), (3, 8), (4, 7)]
        assert rules.reported_regions(figures, {7, 8}) == {3}
        assert rules.reported_regions([], {7, 8}) == set()

    def test_it_counts_over_the_active_regions_only(self):
        # Region 4 reported but is no longer active: neither side counts it.
        assert rules.reporting_count({1, 3, 4}, [1, 2, 3]) == (2, 3)
        assert rules.reporting_count(set(), [1, 2, 3]) == (0, 3)


@pytest.fixture
def week(db):
    """
    甲 reported one measure of two, 乙 nothing, 丙 both; 丁 (no longer active)
    reported one. Reported (every active measure): 丙 only, 1 of the 3 active
    regions; 甲 and 丁 are 部分填报.
    """
    valve = make_measure("valve_pipe", order=1)
    hose = make_measure("hose_lpg", "金属软管", "液化气", order=2)
    jia, _yi, bing = (
        make_region(name, slug, order=i)
        for i, (name, slug) in enumerate([("甲区", "jia"), ("乙区", "yi"), ("丙区", "bing")])
    )
    ding = make_region("丁区", "ding", order=9, active=False)
    week = make_week(DATE)
    make_snapshot(week, jia, valve, 100, 10)
    make_snapshot(week, bing, valve, 100, 20)
    make_snapshot(week, bing, hose, 50, 5)
    make_snapshot(week, ding, valve, 100, 30)
    return week


@pytest.fixture
def bureau(client: Client, week) -> Client:
    client.force_login(make_user("bureau", "bureau"))
    return client


def test_the_api_week_list_counts_active_regions_on_both_sides(bureau):
    (listed,) = bureau.get("/api/weeks/").json()["weeks"]
    assert (listed["reported"], listed["regions"]) == (1, 3)


def test_the_api_week_says_who_reported(bureau):
    data = bureau.get(f"/api/weeks/{DATE}/").json()
    assert {r["name"]: r["reported"] for r in data["regions"]} == {
        "甲区": False,
        "乙区": False,
        "丙区": True,
        "丁区": False,
    }
    assert data["reporting"] == {
        "reported": 1,
        "total": 3,
        "not_reported": [{"name": "乙区", "slug": "yi"}],
        "partial": [{"name": "甲区", "slug": "jia"}, {"name": "丁区", "slug": "ding"}],
    }


def test_the_status_panel_counts_the_same(bureau):
    response = bureau.get(f"/weeks/{DATE}/status/")
    reporting = response.context["reporting"]
    assert (reporting.reported_count, reporting.region_count) == (1, 3)
    assert [r.name for r in reporting.missing] == ["乙区"]
    assert [r.name for r in reporting.partial] == ["甲区"]
    assert "已填报 1/3" in response.content.decode()


def test_the_week_list_counts_the_same(bureau):
    response = bureau.get("/weeks/manage/")
    (row,) = response.context["rows"]
    assert (row["reported"], response.context["region_count"]) == (1, 3)
    assert "<td>1/3</td>" in response.content.decode()


def test_the_ranking_table_marks_only_the_region_without_figures(bureau):
    html = bureau.get(f"/weeks/{DATE}/").content.decode()
    unreported = re.findall(
        r'<tr class="unreported"><th scope="row" class="region">(?:<a [^>]*>)?([^<]+)', html
    )
    assert unreported == ["乙区"]
    assert "1/3" in html


def test_the_entry_region_list_says_the_same(bureau):
    html = bureau.get(f"/weeks/{DATE}/entry/").content.decode()
    items = re.findall(r'<li>\s*<a class="button"[^>]*>([^<]+)</a>\s*<span class="([^"]+)"', html)
    assert items == [
        ("甲区", "entry-partial"),
        ("乙区", "entry-missing"),
        ("丙区", "entry-reported"),
    ]


def test_the_grid_says_the_same(bureau):
    rows = bureau.get(f"/weeks/{DATE}/grid/").context["rows"]
    assert {row.region.name: row.reported for row in rows} == {
        "甲区": False,
        "乙区": False,
        "丙区": True,
    }
