"""
A figure saved in one city sums that city again, not the whole province or nation:
each city's sums (and its county table) are kept under the city's own token
(installs.models.CityRevision), which a figure saved in one of its counties
replaces in the writing transaction. The tables summed from kept cities' sums
equal the tables summed from every county at once.
"""

from __future__ import annotations

import pandas as pd
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from installs import level_rules, level_selectors, rules, selectors
from installs.models import Area, Measure, Profile, Region, Snapshot
from installs.revision import city_tokens, memo_clear, revision_bump
from tests.factories import make_area, make_measure, make_region, make_snapshot, make_user
from tests.tree import two_provinces

pytestmark = pytest.mark.django_db


def from_counties(week, area) -> tuple[dict, dict, dict]:
    """
    The table summed from every county of the subtree at once, as before the cities'
    sums were kept: records, totals and reported n/N, to compare with.
    """
    counties = Region.objects.filter(city__active=True, city__parent__active=True)
    snapshots = Snapshot.objects.filter(week__date__lte=week.date)
    if area is not None:
        counties = counties.filter(city__parent=area)
        snapshots = snapshots.filter(region__city__parent=area)
    counties = list(
        counties.order_by("order", "name").values_list("pk", "active", "city_id", "city__parent_id")
    )
    measures = list(Measure.objects.order_by("order", "pk"))
    latest = selectors.latest_of(snapshots, week, pairs=None)
    own = latest[(latest["recency"] == 1) & (latest["week"] == week.date)]
    own_pairs = list(zip(own["region"].tolist(), own["measure"].tolist(), strict=True))
    reporting = {r for r, _ in own_pairs}
    regions = [pk for pk, active, _c, _p in counties if active or pk in reporting]
    current, previous = rules.carry_forward(
        latest, week=week.date, pairs=[(r, m.pk) for r in regions for m in measures]
    )
    child_of = {pk: city if area is not None else prov for pk, _a, city, prov in counties}
    children = [c.pk for c in Area.objects.filter(parent=area, active=True)]
    sums = level_rules.child_sums(rules.week_table(current), child_of, children)
    before = level_rules.child_sums(previous, child_of, children)
    sums["move"] = level_rules.level_movement(sums, before)
    active = {c: [pk for pk, a, *_ in counties if a and child_of[pk] == c] for c in children}
    reported = rules.reported_regions(own_pairs, [m.pk for m in measures if m.active])
    totals = level_rules.level_totals(sums)
    return (
        {(r["child"], r["measure"]): r for r in sums.to_dict("records")},
        {m: dict(totals.loc[m]) for m in totals.index},
        level_rules.reported_by_child(reported, active),
    )


def shown(progress) -> tuple[dict, dict, dict]:
    totals = {m.pk: progress.total(m) for m in progress.measures if progress.total(m)}
    return progress.records, totals, progress.reported


def same(a: dict, b: dict) -> bool:
    """Records equal, missing values (NA, None, NaN) alike."""

    def plain(value):
        return None if value is None or pd.isna(value) else value

    def norm(found: dict) -> dict:
        return {k: {f: plain(v) for f, v in row.items()} for k, row in found.items()}

    return norm(a) == norm(b)


def save(region_slug: str, week, installed: int) -> None:
    """A district's figure of the week, through the model's save and its signals."""
    snapshot = Snapshot.objects.get(region__slug=region_slug, week=week)
    snapshot.installed = installed
    snapshot.save()


@pytest.fixture
def tree():
    found = two_provinces()
    revision_bump()  # as opening the week does
    memo_clear()
    return found


def test_the_tables_after_saves_in_two_cities_equal_the_sums_of_every_county(tree):
    areas = (None, tree.henan, tree.shanxi)
    for area in areas:  # kept, every city's sums with them
        level_selectors.computed_level(tree.week, area)
    save("jiefang", tree.week, 70)  # 焦作市
    save("xiaodian", tree.week, 900)  # 太原市, another province
    for area in areas:
        kept = shown(level_selectors.computed_level(tree.week, area))
        records, totals, reported = from_counties(tree.week, area)
        assert same(kept[0], records)
        assert same(kept[1], totals)
        assert kept[2] == reported
        memo_clear()
        assert same(shown(level_selectors.level_progress(tree.week, area))[0], records)
    nation = level_selectors.computed_level(tree.week, None)
    assert nation.records[(tree.shanxi.pk, tree.measure.pk)]["installed"] == 900
    province = level_selectors.computed_level(tree.week, tree.henan)
    assert province.records[(tree.jiaozuo.pk, tree.measure.pk)]["installed"] == 120


@pytest.fixture
def summed(monkeypatch):
    """The cities summed from the database, per call of ``cities_sums``."""
    calls: list[list[int]] = []
    compute = level_selectors.cities_sums

    def counted(week, cities, measures):
        calls.append(sorted(cities))
        return compute(week, cities, measures)

    monkeypatch.setattr(level_selectors, "cities_sums", counted)
    return calls


def test_a_figure_saved_in_one_city_sums_only_that_city_again(tree, summed):
    level_selectors.computed_level(tree.week, None)
    assert summed == [sorted([tree.jiaozuo.pk, tree.xinxiang.pk, tree.luoyang.pk, tree.taiyuan.pk])]
    save("jiefang", tree.week, 70)
    nation = level_selectors.computed_level(tree.week, None)
    assert summed[1:] == [[tree.jiaozuo.pk]]
    assert nation.records[(tree.henan.pk, tree.measure.pk)]["installed"] == 70 + 50 + 30 + 50
    level_selectors.computed_level(tree.week, tree.henan)  # the province's: the same sums
    assert summed[2:] == []


def test_a_figure_of_a_week_in_no_named_city_sums_every_city_again(tree, summed):
    level_selectors.computed_level(tree.week, tree.henan)
    revision_bump(week=tree.week.date)  # a figure somewhere (e.g. a bulk write)
    level_selectors.computed_level(tree.week, tree.henan)
    assert len(summed) == 2
    assert summed[1] == summed[0]


def test_any_other_change_sums_every_city_again(tree, summed):
    level_selectors.computed_level(tree.week, tree.henan)
    tree.week.save()  # e.g. its state
    level_selectors.computed_level(tree.week, tree.henan)
    assert summed[1] == summed[0]


def test_a_citys_table_is_kept_when_another_city_saves(tree, monkeypatch):
    computed: list[int] = []
    compute = selectors.week_progress

    def counted(week, city=None):
        computed.append(city.pk)
        return compute(week, city)

    monkeypatch.setattr(selectors, "week_progress", counted)
    selectors.computed_week(tree.week, tree.jiaozuo)
    save("hongqi", tree.week, 35)  # 新乡市
    progress = selectors.computed_week(tree.week, tree.jiaozuo)
    assert computed == [tree.jiaozuo.pk]
    save("jiefang", tree.week, 70)  # its own
    progress = selectors.computed_week(tree.week, tree.jiaozuo)
    assert computed == [tree.jiaozuo.pk, tree.jiaozuo.pk]
    jiefang = Region.objects.get(slug="jiefang")
    assert progress.records[(jiefang.pk, tree.measure.pk)]["installed"] == 70


def test_a_rolled_back_save_leaves_the_citys_token(tree):
    save("jiefang", tree.week, 60)
    before = city_tokens([tree.jiaozuo.pk])
    with pytest.raises(RuntimeError), transaction.atomic():
        save("jiefang", tree.week, 70)
        assert city_tokens([tree.jiaozuo.pk]) != before
        raise RuntimeError("the write fails")
    assert city_tokens([tree.jiaozuo.pk]) == before


def test_a_saved_figure_replaces_its_citys_token_only(tree):
    cities = [tree.jiaozuo.pk, tree.xinxiang.pk]
    before = city_tokens(cities)
    save("jiefang", tree.week, 70)
    after = city_tokens(cities)
    assert after[tree.jiaozuo.pk] != before[tree.jiaozuo.pk]
    assert after[tree.xinxiang.pk] == before[tree.xinxiang.pk]


def more_cities(tree, number: int, start: int = 0) -> None:
    for n in range(start, start + number):
        city = make_area(f"市{n}", f"4199{n:02d}", tree.henan, order=10 + n)
        for county in range(3):
            region = make_region(f"县{county}", f"x{n}-{county}", city=city)
            make_snapshot(tree.last_week, region, tree.measure, 100, 10)
            make_snapshot(tree.week, region, tree.measure, 100, 20)


def test_a_level_page_after_a_save_costs_the_same_queries_for_more_cities(tree, client):
    client.force_login(make_user("ju", Profile.Role.BUREAU))
    paths = ("/weeks/2022-11-21/?area=", "/weeks/2022-11-21/?area=410000")
    for path in paths:
        client.get(path)

    def after_a_save(installed: int) -> list[int]:
        counts = []
        for path in paths:
            client.get(path)  # kept
            save("jiefang", tree.week, installed)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(path).status_code == 200
            counts.append(len(queries))
        return counts

    more_cities(tree, 2)
    memo_clear()
    before = after_a_save(61)
    more_cities(tree, 6, start=2)
    memo_clear()
    assert after_a_save(62) == before


def test_an_inactive_measure_reported_in_one_city_shows_in_every_city(tree):
    hose = make_measure("hose", device="自闭阀", gas_type="瓶装气", order=1, active=False)
    region = Region.objects.get(slug="hongqi")  # 新乡市
    make_snapshot(tree.week, region, hose, 100, 5)
    jiefang = Region.objects.get(slug="jiefang")  # 焦作市: last reported it long ago
    make_snapshot(tree.last_week, jiefang, hose, 50, 1)
    progress = level_selectors.level_progress(tree.week, tree.henan)
    assert [m.pk for m in progress.measures] == [tree.measure.pk, hose.pk]
    # 焦作市's figure of last week carried, as a table of every county carries it.
    assert progress.records[(tree.jiaozuo.pk, hose.pk)]["installed"] == 1
    records, _totals, _reported = from_counties(tree.week, tree.henan)
    assert same(progress.records, records)


def test_a_citys_report_times_are_read_again_after_its_own_save_only(tree, monkeypatch):
    from installs import deadlines

    read: list[int] = []
    compute = deadlines._week_report_times

    def counted(week, city=None):
        read.append(city.pk)
        return compute(week, city)

    monkeypatch.setattr(deadlines, "_week_report_times", counted)
    deadlines.week_timeliness(tree.week, city=tree.jiaozuo)
    save("hongqi", tree.week, 35)  # 新乡市
    deadlines.week_timeliness(tree.week, city=tree.jiaozuo)
    assert read == [tree.jiaozuo.pk]
    save("jiefang", tree.week, 70)
    rows = deadlines.week_timeliness(tree.week, city=tree.jiaozuo)
    assert read == [tree.jiaozuo.pk, tree.jiaozuo.pk]
    assert [row.region.slug for row in rows] == ["jiefang", "shanyang"]
