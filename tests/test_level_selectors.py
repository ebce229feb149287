"""The table at every level read from the database: a province's cities, the nation's provinces."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from installs import level_rules, level_selectors, rules
from installs.revision import memo_clear
from tests.factories import make_area, make_region, make_snapshot, make_week
from tests.tree import two_provinces

pytestmark = pytest.mark.django_db


def cells(progress, area) -> tuple:
    row = progress.records[(area.pk, progress.measures[0].pk)]
    return (
        row["households"],
        row["installed"],
        row["new"],
        rules.rate_text(row["installed"], row["households"]),
        row["rank"],
        row["move"],
    )


def test_a_provinces_cities_by_hand():
    tree = two_provinces()
    progress = level_selectors.level_progress(tree.week, tree.henan)
    assert [c.name for c in progress.children] == ["焦作市", "新乡市", "洛阳市"]
    # 焦作市: 100+200 households, 40 + 50 (山阳区 carried) installed, new 10 (山阳区 adds
    # nothing), 90/300 = 30.0%, tied with 新乡市's 30/100: both second, 洛阳市 first.
    # Last week: 焦作市 80/300 first, 新乡市 second, 洛阳市 third.
    assert cells(progress, tree.jiaozuo) == (300, 90, 10, "30.0%", 2, -1)
    assert cells(progress, tree.xinxiang) == (100, 30, 10, "30.0%", 2, 0)
    assert cells(progress, tree.luoyang) == (100, 50, 40, "50.0%", 1, 2)
    total = progress.total(progress.measures[0])
    # 300+100+100, 90+30+50, 10+10+40, 170/500.
    assert (total["households"], total["installed"], total["new"]) == (500, 170, 60)
    assert rules.rate_text(total["installed"], total["households"]) == "34.0%"
    # 山阳区 did not report: 焦作市 is marked 1/2.
    assert progress.reported == {
        tree.jiaozuo.pk: (1, 2),
        tree.xinxiang.pk: (1, 1),
        tree.luoyang.pk: (1, 1),
    }
    assert not level_rules.fully_reported(progress.reported[tree.jiaozuo.pk])


def test_the_nations_provinces_by_hand():
    tree = two_provinces()
    progress = level_selectors.level_progress(tree.week, None)
    assert [c.name for c in progress.children] == ["河南省", "山西省"]
    # 河南省 170/500 = 34.0% second (last week 110/500 first); 山西省 400/1000 first.
    assert cells(progress, tree.henan) == (500, 170, 60, "34.0%", 2, -1)
    assert cells(progress, tree.shanxi) == (1000, 400, 300, "40.0%", 1, 1)
    total = progress.total(progress.measures[0])
    assert (total["households"], total["installed"], total["new"]) == (1500, 570, 360)
    assert rules.rate_text(total["installed"], total["households"]) == "38.0%"
    assert progress.reported == {tree.henan.pk: (3, 4), tree.shanxi.pk: (1, 1)}
    assert progress.reported_count == (4, 5)


def test_a_citys_standing_in_its_province():
    tree = two_provinces()
    [standing] = level_selectors.city_standing(tree.week, tree.jiaozuo)
    assert standing == level_rules.Standing(measure=tree.measure.pk, rank=2, ranked=3, move=-1)


def test_the_first_week_has_no_movement():
    tree = two_provinces()
    progress = level_selectors.level_progress(tree.last_week, tree.henan)
    assert cells(progress, tree.jiaozuo)[4:] == (1, None)


def test_a_city_has_no_level_table():
    tree = two_provinces()
    with pytest.raises(ValueError):
        level_selectors.level_progress(tree.week, tree.jiaozuo)


def queries(week, area) -> int:
    memo_clear()
    with CaptureQueriesContext(connection) as captured:
        level_selectors.computed_level(week, area)
    return len(captured)


def test_queries_do_not_grow_with_counties_or_weeks():
    tree = two_provinces()
    before = (queries(tree.week, None), queries(tree.week, tree.henan))
    weeks = [make_week(f"2022-10-{day:02d}") for day in (3, 10, 17, 24, 31)]
    for number in range(20):
        city = make_area(f"市{number}", f"4199{number:02d}", tree.henan)
        for county in range(3):
            region = make_region(f"县{county}", f"x{number}-{county}", city=city)
            for week in weeks:
                make_snapshot(week, region, tree.measure, 100, 10)
    assert (queries(tree.week, None), queries(tree.week, tree.henan)) == before


def test_it_is_computed_once_until_a_figure_changes():
    tree = two_provinces()
    memo_clear()
    level_selectors.computed_level(tree.week, tree.henan)
    with CaptureQueriesContext(connection) as captured:
        level_selectors.computed_level(tree.week, tree.henan)
    assert len(captured) == 1  # the revision token


def test_each_area_is_kept_apart():
    tree = two_provinces()
    nation = level_selectors.computed_level(tree.week, None)
    province = level_selectors.computed_level(tree.week, tree.henan)
    assert [c.name for c in nation.children] == ["河南省", "山西省"]
    assert [c.name for c in province.children] == ["焦作市", "新乡市", "洛阳市"]


def test_a_county_quiet_for_months_still_counts_with_its_old_figures():
    """The recent weeks are read first; a county quiet longer is looked up in the whole history."""
    from tests.factories import make_measure

    henan = make_area("河南省", "410000")
    jiaozuo = make_area("焦作市", "410800", henan)
    luoyang = make_area("洛阳市", "410300", henan)
    measure = make_measure("valve_pipe")
    quiet = make_region("山阳区", "shanyang", city=jiaozuo)
    busy = make_region("西工区", "xigong", city=luoyang)
    weeks = [make_week(f"2022-{month:02d}-{day:02d}") for month, day in ((8, 1), (8, 8))]
    weeks += [make_week(f"2022-{month:02d}-{day:02d}") for month, day in ((11, 14), (11, 21))]
    make_snapshot(weeks[0], quiet, measure, 200, 40)
    make_snapshot(weeks[1], quiet, measure, 200, 50)  # nothing since 8 August
    for week, installed in zip(weeks, (10, 20, 30, 40), strict=True):
        make_snapshot(week, busy, measure, 100, installed)
    progress = level_selectors.level_progress(weeks[-1], henan)
    # 焦作市: 山阳区's 8 August figures carried (200, 50, no new installs), 25.0%.
    assert cells(progress, jiaozuo) == (200, 50, None, "25.0%", 2, 0)
    assert cells(progress, luoyang)[:4] == (100, 40, 10, "40.0%")
