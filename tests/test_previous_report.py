"""
"The previous report and new installs", one definition: a region's most recent
report of a measure in an earlier week, however long ago (selectors.previous_reports,
rules.new_installs). The table, the API, the pace, the region page, the entry
form, the grid and the validation agree on hand-made weeks.
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from installs import rules, selectors
from installs.models import Week
from installs.services.figures import FigureInput, FiguresRejected, figures_save
from tests.factories import make_measure, make_region, make_snapshot, make_user, make_week

DATE = "2022-11-21"
NEXT = "2022-11-28"


class TestRule:
    def test_it_subtracts_the_previous_installed_count(self):
        assert rules.new_installs(45, 30) == 15
        assert rules.new_installs(55, 60) == -5  # a correction downwards

    def test_it_has_no_new_installs_without_a_previous_report(self):
        assert rules.new_installs(45, None) is None


@pytest.fixture
def weeks(db):
    """
    甲 reported on 10-10 and 10-17, then nothing until 11-21: five weeks back,
    beyond the pace's 28-day window. 乙 reports every week and corrects down on
    11-21. 丙 reports for the first time on 11-21. 11-28 is open, empty.
    """
    measure = make_measure("valve_pipe")
    jia, yi, bing = (
        make_region(name, slug, order=i)
        for i, (name, slug) in enumerate([("甲区", "jia"), ("乙区", "yi"), ("丙区", "bing")])
    )
    dates = ["2022-10-10", "2022-10-17", "2022-10-24", "2022-10-31", "2022-11-07", "2022-11-14"]
    earlier = {d: make_week(d) for d in dates}
    make_snapshot(earlier["2022-10-10"], jia, measure, 100, 10)
    make_snapshot(earlier["2022-10-17"], jia, measure, 100, 30)
    make_snapshot(earlier["2022-11-07"], yi, measure, 200, 50)
    make_snapshot(earlier["2022-11-14"], yi, measure, 200, 60)
    week = make_week(DATE)
    make_snapshot(week, jia, measure, 100, 45)
    make_snapshot(week, yi, measure, 200, 55)
    make_snapshot(week, bing, measure, 80, 8)
    make_week(NEXT)
    return {"measure": measure, "jia": jia, "yi": yi, "bing": bing}


@pytest.fixture
def bureau(client: Client, weeks) -> Client:
    client.force_login(make_user("bureau", "bureau"))
    return client


def test_the_selector_reads_the_most_recent_earlier_reports(weeks):
    m = weeks["measure"].pk
    pairs = [(weeks[name].pk, m) for name in ("jia", "yi", "bing")]
    found = selectors.previous_reports(before=datetime.date(2022, 11, 21), pairs=pairs, count=2)
    assert found == {
        (weeks["jia"].pk, m): [(100, 30), (100, 10)],
        (weeks["yi"].pk, m): [(200, 60), (200, 50)],
    }


def test_the_table_and_the_api_show_new_installs_against_it(bureau):
    data = bureau.get(f"/api/weeks/{DATE}/").json()
    new = {r["name"]: r["figures"]["valve_pipe"]["new"] for r in data["regions"]}
    assert new == {"甲区": 15, "乙区": -5, "丙区": None}


def test_the_pace_page_shows_the_same_new_installs(bureau):
    rows = bureau.get(f"/weeks/{DATE}/pace/").context["sections"][0]["rows"]
    assert {row["region"].name: row["new"] for row in rows} == {
        "甲区": 15,  # its previous report is older than the pace's window: still the table's
        "乙区": -5,
        "丙区": None,
    }


def test_the_region_page_shows_the_same_new_installs(bureau):
    rows = {row["date"]: row for row in bureau.get("/regions/jia/").context["rows"]}
    assert rows[datetime.date(2022, 11, 21)]["measures"][0]["new"] == 15


def test_the_entry_form_compares_with_it(bureau):
    html = bureau.get(f"/weeks/{DATE}/entry/jia/").content.decode()
    assert 'data-previous-installed="30"' in html  # what entry.js subtracts, as the server does
    cards = bureau.get(f"/weeks/{DATE}/entry/jia/").context["cards"]
    assert (cards[0].previous.installed, cards[0].new) == (30, 15)


def test_the_next_weeks_form_and_grid_propose_it(bureau):
    cards = bureau.get(f"/weeks/{NEXT}/entry/jia/").context["cards"]
    assert (cards[0].households, cards[0].installed) == (100, 45)
    rows = bureau.get(f"/weeks/{NEXT}/grid/").context["rows"]
    assert {row.region.name: row.cells[0].prefill for row in rows} == {
        "甲区": ("100", "45"),
        "乙区": ("200", "55"),
        "丙区": ("80", "8"),
    }


def test_the_validation_compares_with_it(weeks):
    week = Week.objects.get(date=NEXT)
    figure = FigureInput(region=weeks["yi"], measure=weeks["measure"], households=200, installed=54)
    with pytest.raises(FiguresRejected) as rejected:
        figures_save(week=week, figures=[figure], actor=make_user("bureau", "bureau"))
    (problem,) = rejected.value.problems
    assert problem.code == "installed_decreased"
    assert "55" in problem.message and "54" in problem.message


def test_the_validations_pace_check_reads_the_reports_before_it(weeks):
    earlier = selectors.earlier_figures(
        week=Week.objects.get(date=DATE), pairs=[(weeks["yi"].pk, weeks["measure"].pk)]
    )
    (found,) = earlier.values()
    assert (found.households, found.installed, found.recent_new) == (200, 60, (10,))
