"""
A complete week, every week (issue 9): every active region on the table, late
regions and measures carried from their latest earlier figures, 合计 and ranks
over the carried figures. The 2022-11-28 scenario (tests/complete_week.py),
expected figures written out by hand from the printed table of 2022-11-21.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from installs import layout, revision, rules, selectors
from installs.models import Snapshot, Week
from tests.complete_week import open_scenario
from tests.factories import make_week

pytestmark = pytest.mark.django_db

NOV_21 = datetime.date(2022, 11, 21)

# 自闭阀·管道气 of 2022-11-28, as the table must show it: (户数, 已安装数,
# 环比新增安装数, 安装率, 名次, carried from). The three late regions keep their
# 2022-11-21 figures and their places; their 环比新增 is not 0 but unknown.
VALVE_PIPE = {
    "沁阳市": (87326, 29677, 100, "34.0%", 6, None),
    "孟州市": (80147, 29540, 100, "36.9%", 5, None),
    "温县": (71840, 19960, 100, "27.8%", 7, None),
    "博爱县": (37743, 9425, 100, "25.0%", 8, None),
    "武陟县": (69280, 37614, 100, "54.3%", 3, None),
    "修武县": (32422, 23456, 100, "72.3%", 1, None),
    "解放区": (137000, 51300, 100, "37.4%", 4, None),
    "山阳区": (129327, 9874, None, "7.6%", 11, NOV_21),
    "马村区": (20229, 3572, None, "17.7%", 10, NOV_21),
    "中站区": (27656, 19520, None, "70.6%", 2, NOV_21),
    "示范区": (28500, 6400, 100, "22.5%", 9, None),
}
HOSE_LPG = {
    "沁阳市": (1815, 781, 10, "43.0%", 9, None),
    "孟州市": (6112, 5076, 10, "83.0%", 3, None),
    "温县": (4150, 2176, 10, "52.4%", 8, None),
    "博爱县": (625, 486, 10, "77.8%", 5, None),
    "武陟县": (8675, 1913, 10, "22.1%", 11, None),
    "修武县": (2150, 1730, 10, "80.5%", 4, None),
    "解放区": (56, 56, 0, "100.0%", 1, None),
    "山阳区": (101, 23, None, "22.8%", 10, NOV_21),
    "马村区": (1991, 1335, None, "67.1%", 7, NOV_21),
    "中站区": (42, 42, None, "100.0%", 1, NOV_21),
    "示范区": (2318, 1634, 10, "70.5%", 6, None),
}
# 合计: (户数, 已安装数, 环比新增安装数, 安装率). 户数 is the week before's 721,470,
# not the 544,258 of the 8 punctual regions; 环比新增 sums only the regions that reported.
TOTALS = {
    "valve_pipe": (721470, 240338, 800, "33.3%"),
    "hose_pipe": (722132, 504795, 300, "69.9%"),
    "hose_lpg": (28035, 15252, 70, "54.4%"),
}


def shown(progress, slug: str) -> dict[str, tuple]:
    """One measure's cells per region as the page, workbook and API read them (layout's rows)."""
    measure = next(m for m in progress.measures if m.slug == slug)
    return {row["region"]: cells(row, measure) for row in layout.region_rows(progress)}


def cells(
    row: dict, measure, fields=("households", "installed", "new", "rate", "rank", "carried_from")
):
    values = tuple(row[layout.cell_key(measure, f)] for f in fields)
    if "rate" not in fields:
        return values
    at = fields.index("rate")
    households, installed = (
        row[layout.cell_key(measure, "households")],
        row[layout.cell_key(measure, "installed")],
    )
    return values[:at] + (rules.rate_text(installed, households),) + values[at + 1 :]


def test_every_region_is_on_the_table_and_the_late_ones_are_carried():
    week = open_scenario()
    progress = selectors.week_progress(week)
    assert shown(progress, "valve_pipe") == VALVE_PIPE
    assert shown(progress, "hose_lpg") == HOSE_LPG


def test_the_totals_count_the_carried_figures():
    week = open_scenario()
    progress = selectors.week_progress(week)
    row = layout.totals_row(progress)
    got = {
        m.slug: cells(row, m, ("households", "installed", "new", "rate")) for m in progress.measures
    }
    assert got == TOTALS


def test_reported_counts_only_the_regions_with_every_measure():
    week = open_scenario(skip=(("温县", "hose_lpg"),))
    progress = selectors.week_progress(week)
    names = {r.pk: r.name for r in progress.regions}
    assert progress.reported_count == 7
    assert sorted(names[pk] for pk in progress.partial_region_ids) == ["温县"]
    assert sorted(names[pk] for pk in progress.missing_region_ids) == ["中站区", "山阳区", "马村区"]


def test_a_measure_not_reported_is_carried_and_the_region_is_partial():
    week = open_scenario(skip=(("温县", "hose_lpg"),))
    progress = selectors.week_progress(week)
    # 温县 reported 自闭阀 and 金属软管·管道气, not 金属软管·液化气: that one is its 11-21 figure.
    assert shown(progress, "hose_lpg")["温县"] == (4150, 2166, None, "52.2%", 8, NOV_21)
    assert shown(progress, "valve_pipe")["温县"] == VALVE_PIPE["温县"]
    row = next(r for r in layout.region_rows(progress) if r["region"] == "温县")
    assert (row["reported"], row["partial"]) == (False, True)
    total = layout.totals_row(progress)
    lpg = progress.measures[2]
    assert (total[layout.cell_key(lpg, "installed")], total[layout.cell_key(lpg, "new")]) == (
        15242,
        60,
    )


def test_a_region_never_reported_stays_empty():
    week = open_scenario()
    # A new district with no figures at all: nothing to carry, so no figures and no rank.
    from tests.factories import make_region

    make_region("新区", "xinqu", order=99)
    rows = layout.region_rows(selectors.week_progress(week))
    new = rows[-1]
    assert (new["region"], new["reported"], new["partial"], new["figures"]) == (
        "新区",
        False,
        False,
        False,
    )


def test_the_week_reads_a_fixed_number_of_queries_however_many_weeks_are_stored():
    week = open_scenario()

    def count() -> int:
        revision.memo_clear()
        with CaptureQueriesContext(connection) as queries:
            selectors.week_progress(Week.objects.get(pk=week.pk))
        return len(queries)

    before = count()
    # Five more weeks before the seed's, each reported by every region.
    template = list(Snapshot.objects.filter(week__date=NOV_21))
    for weeks_back in range(2, 7):
        older = make_week(NOV_21 - datetime.timedelta(days=7 * weeks_back))
        Snapshot.objects.bulk_create(
            Snapshot(
                week=older,
                region_id=s.region_id,
                measure_id=s.measure_id,
                households=s.households,
                installed=s.installed - weeks_back,
            )
            for s in template
        )
    assert count() == before


def test_rank_movement_compares_with_last_weeks_complete_table():
    week = open_scenario()
    progress = selectors.week_progress(week)
    movement = selectors.week_rank_movement(progress)
    # Nobody moved: the late regions kept their places, so nobody gained one on them.
    assert set(movement.values()) <= {0}


def test_a_region_late_last_week_keeps_its_place_in_last_weeks_ranks():
    # 中站区 (2nd in 自闭阀) was late on 11-21 and reports on 11-28. Last week's ranks
    # count its carried 11-14 figures, so the regions behind it did not "fall" by one.
    week = open_scenario()
    zhongzhan = Snapshot.objects.filter(region__name="中站区")
    for s in zhongzhan.filter(week__date=datetime.date(2022, 11, 14)):
        Snapshot.objects.create(
            week=week,
            region_id=s.region_id,
            measure_id=s.measure_id,
            households=s.households,
            installed=s.installed,
        )
    zhongzhan.filter(week__date=NOV_21).delete()
    movement = selectors.week_rank_movement(selectors.week_progress(week))
    assert movement and set(movement.values()) == {0}


# The pure rule, on a hand-built frame: no database.


def test_carry_forward_takes_the_latest_figure_at_or_before_the_week():
    import pandas as pd

    week = datetime.date(2022, 11, 28)
    earlier, oldest = datetime.date(2022, 11, 21), datetime.date(2022, 11, 14)
    latest = pd.DataFrame(
        [
            # region 1 reported both measures this week; region 2 only measure 10,
            # its measure 11 was last reported two weeks ago.
            (week, 1, 10, 100, 50, 1),
            (earlier, 1, 10, 100, 40, 2),
            (week, 1, 11, 80, 8, 1),
            (week, 2, 10, 200, 30, 1),
            (oldest, 2, 10, 200, 20, 2),
            (oldest, 2, 11, 60, 6, 1),
        ],
        columns=rules.LATEST_COLUMNS,
    )
    current, previous = rules.carry_forward(
        latest, week=week, pairs=[(1, 10), (1, 11), (2, 10), (2, 11), (3, 10)]
    )
    assert current["region"].tolist() == [1, 1, 2, 2]
    assert current["installed"].tolist() == [50, 8, 30, 6]
    assert current["previous_installed"].tolist() == [40, pd.NA, 20, pd.NA]
    assert current["carried_from"].tolist() == [None, None, None, oldest]
    # Last week's complete figures: what each pair showed on 11-21 (carried too).
    assert list(
        zip(previous["region"], previous["measure"], previous["installed"], strict=True)
    ) == [
        (1, 10, 40),
        (2, 10, 20),
        (2, 11, 6),
    ]


@pytest.mark.parametrize(
    ("measures", "reported", "partial"),
    [
        ({1, 2, 3}, True, False),
        ({1, 2}, False, True),
        (set(), False, False),
        ({1, 2, 3, 4}, True, False),
    ],
)
def test_has_reported_means_every_active_measure(measures, reported, partial):
    assert rules.has_reported(measures, {1, 2, 3}) is reported
    assert rules.has_partly_reported(measures, {1, 2, 3}) is partial
