"""The weekly rules, without a database: the seed table and the edge cases."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_series_equal

from installs import rules
from tests.seed import FIELDS, MEASURES, seed_rows


def snapshots(rows: list[tuple]) -> pd.DataFrame:
    """(region, measure, households, installed, previous_installed or None) rows."""
    frame = pd.DataFrame(rows, columns=rules.SNAPSHOT_COLUMNS)
    frame["previous_installed"] = frame["previous_installed"].astype("Int64")
    return frame


def seed_snapshots() -> pd.DataFrame:
    rows = []
    for row in seed_rows()[:-1]:
        for measure in MEASURES:
            installed = int(row[f"{measure}_installed"])
            previous = installed - int(row[f"{measure}_new"])
            rows.append(
                (row["region"], measure, int(row[f"{measure}_households"]), installed, previous)
            )
    return snapshots(rows)


class TestSeedTable:
    def test_it_reproduces_every_region_cell(self):
        table = rules.week_table(seed_snapshots()).set_index(["region", "measure"])
        for row in seed_rows()[:-1]:
            for measure in MEASURES:
                got = {c: table.loc[(row["region"], measure), c] for c in table.columns}
                assert {
                    "households": str(got["households"]),
                    "installed": str(got["installed"]),
                    "new": str(got["new"]),
                    "rate": rules.rate_text(got["installed"], got["households"]),
                    "rank": str(got["rank"]),
                } == {f: row[f"{measure}_{f}"] for f in FIELDS}, (row["region"], measure)

    def test_it_reproduces_the_totals(self):
        totals = rules.week_totals(rules.week_table(seed_snapshots()))
        printed = seed_rows()[-1]
        assert printed["region"] == "合计"
        for measure in MEASURES:
            got = {c: totals.loc[measure, c] for c in totals.columns}
            assert str(got["households"]) == printed[f"{measure}_households"]
            assert str(got["installed"]) == printed[f"{measure}_installed"]
            assert str(got["new"]) == printed[f"{measure}_new"]
            assert (
                rules.rate_text(got["installed"], got["households"]) == printed[f"{measure}_rate"]
            )


class TestRanks:
    def test_it_gives_competition_ranks_to_a_three_way_tie_at_100_percent(self):
        table = rules.week_table(
            snapshots(
                [
                    ("a", "m", 56, 56, None),
                    ("b", "m", 42, 42, None),
                    ("c", "m", 10, 10, None),
                    ("d", "m", 100, 99, None),
                    ("e", "m", 100, 50, None),
                ]
            )
        )
        assert table["rank"].tolist() == [1, 1, 1, 4, 5]

    def test_it_gives_ties_at_several_places(self):
        table = rules.week_table(
            snapshots(
                [
                    ("a", "m", 10, 5, None),
                    ("b", "m", 20, 10, None),
                    ("c", "m", 10, 9, None),
                    ("d", "m", 30, 27, None),
                    ("e", "m", 10, 1, None),
                ]
            )
        )
        assert table["rank"].tolist() == [3, 3, 1, 1, 5]

    def test_it_ranks_on_the_exact_rate_not_the_rounded_one(self):
        # 37.45% and 37.46% both show as 37.5%, but are not a tie.
        table = rules.week_table(
            snapshots([("a", "m", 10000, 3745, None), ("b", "m", 10000, 3746, None)])
        )
        assert [rules.rate_text(3745, 10000), rules.rate_text(3746, 10000)] == ["37.5%", "37.5%"]
        assert table["rank"].tolist() == [2, 1]

    def test_it_ranks_each_measure_separately(self):
        table = rules.week_table(
            snapshots(
                [
                    ("a", "m1", 10, 1, None),
                    ("a", "m2", 10, 9, None),
                    ("b", "m1", 10, 2, None),
                    ("b", "m2", 10, 8, None),
                ]
            )
        )
        assert table["rank"].tolist() == [2, 1, 1, 2]

    def test_it_leaves_households_zero_without_rate_or_rank(self):
        table = rules.week_table(
            snapshots([("a", "m", 0, 0, None), ("b", "m", 10, 1, None), ("c", "m", 10, 2, None)])
        )
        assert pd.isna(table["rate"].iloc[0])
        assert table["rank"].tolist()[1:] == [2, 1]
        assert pd.isna(table["rank"].iloc[0])
        assert rules.rate_text(0, 0) == ""


class TestNew:
    def test_it_has_no_new_installs_without_an_earlier_week(self):
        table = rules.week_table(snapshots([("a", "m", 10, 5, None), ("b", "m", 10, 5, 3)]))
        assert pd.isna(table["new"].iloc[0])
        assert table["new"].iloc[1] == 2

    def test_totals_add_only_the_new_installs_that_exist(self):
        totals = rules.week_totals(
            rules.week_table(snapshots([("a", "m", 10, 5, None), ("b", "m", 10, 5, 3)]))
        )
        assert totals.loc["m", "new"] == 2
        assert totals.loc["m", "households"] == 20

    def test_totals_have_no_new_installs_when_no_region_has_an_earlier_week(self):
        totals = rules.week_totals(rules.week_table(snapshots([("a", "m", 10, 5, None)])))
        assert pd.isna(totals.loc["m", "new"])

    def test_it_compares_installed_even_when_households_changed(self):
        # The rate's denominator moved, the new installs still count households equipped.
        table = rules.week_table(snapshots([("a", "m", 120, 60, 50)]))
        assert table["new"].iloc[0] == 10
        assert table["rate"].iloc[0] == pytest.approx(0.5)

    def test_a_correction_downwards_is_negative(self):
        table = rules.week_table(snapshots([("a", "m", 100, 40, 45)]))
        assert table["new"].iloc[0] == -5


class TestTotals:
    def test_the_total_rate_is_the_ratio_of_sums_not_the_mean_of_rates(self):
        totals = rules.week_totals(
            rules.week_table(snapshots([("a", "m", 10, 10, None), ("b", "m", 90, 0, None)]))
        )
        assert totals.loc["m", "rate"] == pytest.approx(0.1)

    def test_the_total_counts_only_reported_regions(self):
        # A region that did not report has no row at all, so it adds nothing.
        totals = rules.week_totals(rules.week_table(snapshots([("a", "m", 10, 4, 4)])))
        assert totals.loc["m", "households"] == 10
        assert totals.loc["m", "new"] == 0


class TestRate:
    def test_it_is_installed_over_households(self):
        assert rules.rate(1, 4) == 0.25
        assert rules.rate(87899, 87988) == 87899 / 87988

    def test_it_has_no_rate_without_households(self):
        assert rules.rate(0, 0) is None
        assert rules.rate(5, 0) is None  # not infinite, which would rank first

    def test_it_is_the_same_float_as_the_vectorised_rule(self):
        installed = pd.Series([29577, 1, 2, 7, 0])
        households = pd.Series([87326, 3, 6, 21, 0])
        assert [rules.rate(i, h) for i, h in zip(installed, households, strict=True)] == [
            None if pd.isna(r) else r for r in rules.rates(installed, households)
        ]


class TestRateText:
    @pytest.mark.parametrize(
        ("installed", "households", "text"),
        [
            (3745, 10000, "37.5%"),  # exactly x.x5%: half-up, as Excel shows it
            (3744, 10000, "37.4%"),
            (1, 3, "33.3%"),
            (2, 3, "66.7%"),
            (0, 7, "0.0%"),
            (56, 56, "100.0%"),
            (9995, 10000, "100.0%"),
            (9994, 10000, "99.9%"),
            (87899, 87988, "99.9%"),
            (5, 10000, "0.1%"),  # 0.05% rounds up
        ],
    )
    def test_it_rounds_half_up_on_the_exact_fraction(self, installed, households, text):
        assert rules.rate_text(installed, households) == text

    def test_python_rounding_would_have_been_wrong(self):
        # Why rate_text exists: 0.15% is exactly half-way, but the float 15 / 10000 * 100
        # is a hair below it, and format() and round() both show 0.1%.
        assert format(15 / 10000, ".1%") == "0.1%"
        assert round(15 / 10000 * 100, 1) == 0.1
        assert rules.rate_text(15, 10000) == "0.2%"


class TestRankMovement:
    def test_it_counts_places_gained(self):
        current = pd.Series([1, 3, 2, pd.NA], index=["a", "b", "c", "d"], dtype="Int64")
        previous = pd.Series([3, 3, 1], index=["a", "b", "c"], dtype="Int64")
        assert_series_equal(
            rules.rank_movement(current, previous),
            pd.Series([2, 0, -1, pd.NA], index=["a", "b", "c", "d"], dtype="Int64"),
        )
