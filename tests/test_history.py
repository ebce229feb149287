"""Every week's table in one pass (rules.history_table) equals each week's own table."""

from __future__ import annotations

import datetime

import pandas as pd
from pandas.testing import assert_frame_equal

from installs import rules

WEEKS = [datetime.date(2022, 11, 7), datetime.date(2022, 11, 14), datetime.date(2022, 11, 21)]

# (week, region, measure, households, installed); region 3 skips the middle week,
# regions 1 and 2 tie in the last week, region 4 has no households in measure 2.
REPORTS = [
    (WEEKS[0], 1, 1, 100, 10),
    (WEEKS[0], 2, 1, 200, 40),
    (WEEKS[0], 3, 1, 50, 5),
    (WEEKS[0], 1, 2, 80, 8),
    (WEEKS[0], 4, 2, 0, 0),
    (WEEKS[1], 1, 1, 100, 30),
    (WEEKS[1], 2, 1, 200, 50),
    (WEEKS[1], 1, 2, 80, 40),
    (WEEKS[1], 4, 2, 0, 0),
    (WEEKS[2], 1, 1, 100, 50),
    (WEEKS[2], 2, 1, 200, 100),
    (WEEKS[2], 3, 1, 50, 45),
    (WEEKS[2], 1, 2, 80, 80),
    (WEEKS[2], 4, 2, 0, 0),
]


def history() -> pd.DataFrame:
    return rules.history_table(pd.DataFrame(REPORTS, columns=rules.HISTORY_COLUMNS))


def one_week_table(date: datetime.date) -> pd.DataFrame:
    """week_table for one week, its previous_installed taken by hand as the selector does."""
    rows = []
    for week, region, measure, households, installed in REPORTS:
        if week != date:
            continue
        earlier = [r for r in REPORTS if r[0] < date and r[1:3] == (region, measure)]
        previous = max(earlier)[4] if earlier else None
        rows.append((region, measure, households, installed, previous))
    frame = pd.DataFrame(rows, columns=rules.SNAPSHOT_COLUMNS)
    frame["previous_installed"] = frame["previous_installed"].astype("Int64")
    return rules.week_table(frame)


def test_it_equals_each_week_table():
    table = history()
    for date in WEEKS:
        got = table[table["week"] == date].drop(columns="week")
        expected = one_week_table(date)
        key = ["region", "measure"]
        assert_frame_equal(
            got.sort_values(key).reset_index(drop=True),
            expected.sort_values(key).reset_index(drop=True),
        )


def test_it_takes_new_installs_across_a_skipped_week():
    table = history().set_index(["week", "region", "measure"])
    assert table.loc[(WEEKS[2], 3, 1), "previous_installed"] == 5
    assert table.loc[(WEEKS[2], 3, 1), "new"] == 40


def test_it_ranks_within_each_week_and_measure():
    table = history().set_index(["week", "region", "measure"])
    assert table.loc[(WEEKS[0], 1, 2), "rank"] == 1  # alone in measure 2 with a rate
    assert table.loc[(WEEKS[1], 1, 1), "rank"] == 1  # 30% beats 25%
    assert table.loc[(WEEKS[2], 1, 1), "rank"] == 2  # 50% ties 50%, after 90%
    assert table.loc[(WEEKS[2], 2, 1), "rank"] == 2
    assert table.loc[(WEEKS[2], 3, 1), "rank"] == 1
    assert pd.isna(table.loc[(WEEKS[2], 4, 2), "rank"])


def test_it_totals_each_week_as_week_totals():
    totals = rules.history_totals(history())
    for date in WEEKS:
        expected = rules.week_totals(one_week_table(date)).sort_index()
        got = totals.xs(date, level="week").sort_index()
        assert_frame_equal(got, expected)


def test_it_takes_an_empty_history():
    table = rules.history_table(pd.DataFrame([], columns=rules.HISTORY_COLUMNS))
    assert table.empty
    assert rules.history_totals(table).empty
