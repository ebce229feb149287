"""The rules behind the leader's pages, by hand: gap to the next rank, pace needed, bands, change."""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction

import pandas as pd
from pandas.testing import assert_frame_equal

from installs import rules


class TestHouseholdsToPass:
    def test_it_finds_the_smallest_number_that_passes(self):
        # 沁阳市 自闭阀 29577/87326 behind 孟州市 29440/80147 (36.73…%):
        # x > 29440 × 87326 / 80147 − 29577 = 2500.26…, so 2501.
        assert (
            rules.households_to_pass(
                installed=29577, households=87326, above_installed=29440, above_households=80147
            )
            == 2501
        )

    def test_it_needs_one_more_than_a_tie(self):
        # 50/100 behind 60/100: 60/100 ties, 61/100 passes.
        assert (
            rules.households_to_pass(
                installed=50, households=100, above_installed=60, above_households=100
            )
            == 11
        )

    def test_it_passes_across_different_households(self):
        # 1/3 behind 1/2: (1 + x)/3 > 1/2 ⟺ x > 0.5, so 1.
        assert (
            rules.households_to_pass(
                installed=1, households=3, above_installed=1, above_households=2
            )
            == 1
        )

    def test_it_cannot_pass_a_region_at_100_percent(self):
        assert (
            rules.households_to_pass(
                installed=89, households=100, above_installed=50, above_households=50
            )
            is None
        )

    def test_it_has_no_gap_without_households(self):
        assert (
            rules.households_to_pass(
                installed=0, households=0, above_installed=1, above_households=2
            )
            is None
        )


class TestNextRankGaps:
    def table(self, *rows: tuple[int, int, int]) -> pd.DataFrame:
        """(region, households, installed) of one measure, as rules.week_table computes them."""
        frame = pd.DataFrame(
            [(region, 1, households, installed, None) for region, households, installed in rows],
            columns=rules.SNAPSHOT_COLUMNS,
        )
        return rules.week_table(frame)

    def test_it_measures_each_row_against_the_one_just_above(self):
        table = self.table((1, 100, 90), (2, 100, 50), (3, 200, 60))
        expected = pd.DataFrame(
            {
                "above": pd.array([None, 1, 2], dtype="Int64"),
                # 2: 50 → 91 of 100 passes 90%; 3: 60 of 200 → 101 of 200 passes 50%.
                "gap": pd.array([None, 41, 41], dtype="Int64"),
            },
            index=table.index,
        )
        assert_frame_equal(rules.next_rank_gaps(table), expected)

    def test_it_skips_a_tied_region_for_the_one_above_the_tie(self):
        # 1 at 80%, 2 and 3 tied at 50%, 4 at 40%: 4 must pass the tie, 2 and 3 must pass 1.
        table = self.table((1, 10, 8), (2, 10, 5), (3, 20, 10), (4, 10, 4))
        gaps = rules.next_rank_gaps(table)
        assert gaps["above"].tolist() == [pd.NA, 1, 1, 2]
        assert gaps["gap"].tolist() == [pd.NA, 4, 7, 2]

    def test_it_names_the_region_above_when_it_cannot_be_passed(self):
        table = self.table((1, 10, 10), (2, 10, 9))
        gaps = rules.next_rank_gaps(table)
        assert gaps["above"].tolist() == [pd.NA, 1]
        assert gaps["gap"].tolist() == [pd.NA, pd.NA]

    def test_it_leaves_a_row_without_a_rate_alone(self):
        table = self.table((1, 10, 5), (2, 0, 0))
        assert rules.next_rank_gaps(table)["above"].tolist() == [pd.NA, pd.NA]


class TestPaceNeeded:
    def test_it_counts_whole_weeks_to_the_deadline(self):
        week = datetime.date(2022, 11, 21)
        assert rules.whole_weeks_until(week, datetime.date(2022, 12, 31)) == 5  # 40 days
        assert rules.whole_weeks_until(week, datetime.date(2022, 12, 26)) == 5  # 35 days
        assert rules.whole_weeks_until(week, datetime.date(2022, 11, 27)) == 0
        assert rules.whole_weeks_until(week, datetime.date(2022, 11, 14)) == -1

    def test_it_divides_the_remaining_households_by_the_weeks_left_rounding_up(self):
        # 沁阳市 自闭阀: 87326 − 29577 = 57749 to go in 5 weeks: 11549.8, so 11550.
        assert rules.weekly_pace_needed(remaining=57749, weeks_left=5) == 11550
        assert rules.weekly_pace_needed(remaining=100, weeks_left=5) == 20

    def test_it_needs_nothing_once_the_target_is_met(self):
        assert rules.weekly_pace_needed(remaining=0, weeks_left=5) == 0
        assert rules.weekly_pace_needed(remaining=-3, weeks_left=0) == 0

    def test_it_gives_no_pace_when_no_week_is_left(self):
        assert rules.weekly_pace_needed(remaining=10, weeks_left=0) is None
        assert rules.weekly_pace_needed(remaining=10, weeks_left=-2) is None


class TestTargetBand:
    def band(self, remaining, pace, weeks_left=5):
        pace = None if pace is None else Fraction(pace)
        return rules.target_band(remaining=remaining, pace=pace, weeks_left=weeks_left)

    def test_it_is_on_track_at_exactly_the_pace_needed(self):
        assert self.band(100, 20) == rules.BAND_ON_TRACK
        assert self.band(100, 25) == rules.BAND_ON_TRACK

    def test_it_is_behind_below_the_pace_needed(self):
        assert self.band(100, Fraction(199, 10)) == rules.BAND_BEHIND
        assert self.band(100, 10) == rules.BAND_BEHIND  # exactly half

    def test_it_is_far_behind_below_half_the_pace_needed(self):
        assert self.band(100, Fraction(99, 10)) == rules.BAND_FAR_BEHIND
        assert self.band(100, 0) == rules.BAND_FAR_BEHIND

    def test_it_is_far_behind_once_the_deadline_is_past(self):
        assert self.band(100, 1000, weeks_left=0) == rules.BAND_FAR_BEHIND
        assert self.band(100, None, weeks_left=-1) == rules.BAND_FAR_BEHIND

    def test_it_says_complete_whatever_the_pace(self):
        assert self.band(0, None, weeks_left=None) == rules.BAND_COMPLETE
        assert self.band(-5, 0, weeks_left=-3) == rules.BAND_COMPLETE

    def test_it_gives_no_band_without_a_deadline_or_a_pace(self):
        assert self.band(100, 50, weeks_left=None) is None
        assert self.band(100, None) is None


class TestShortfall:
    def test_it_subtracts_what_the_pace_adds_by_the_deadline(self):
        # 孟州市 液化气: 1046 to go, 41 a week for 5 weeks: 841 short.
        assert rules.shortfall_at_deadline(remaining=1046, pace=Fraction(41), weeks_left=5) == 841

    def test_it_counts_only_whole_households_added(self):
        assert rules.shortfall_at_deadline(remaining=10, pace=Fraction(7, 3), weeks_left=2) == 6

    def test_it_is_zero_when_the_pace_suffices(self):
        assert rules.shortfall_at_deadline(remaining=100, pace=Fraction(30), weeks_left=5) == 0

    def test_it_is_everything_left_without_progress_or_time(self):
        assert rules.shortfall_at_deadline(remaining=89, pace=Fraction(0), weeks_left=5) == 89
        assert rules.shortfall_at_deadline(remaining=89, pace=None, weeks_left=5) == 89
        assert rules.shortfall_at_deadline(remaining=89, pace=Fraction(50), weeks_left=-1) == 89


class TestRateChangePoints:
    def test_it_subtracts_the_rates_as_shown(self):
        # 液化气 全市: 15182/28035 = 54.15…% shows 54.2%; 14596/28035 = 52.06…% shows 52.1%.
        assert rules.rate_change_points(
            installed=15182, households=28035, previous_installed=14596, previous_households=28035
        ) == Decimal("2.1")

    def test_it_agrees_with_the_rates_shown_not_the_exact_difference(self):
        # 37.45% shows 37.5%, 37.44% shows 37.4%: the exact change 0.01 points reads 0.1.
        assert rules.rate_change_points(
            installed=3745, households=10000, previous_installed=3744, previous_households=10000
        ) == Decimal("0.1")

    def test_it_signs_a_fall_and_writes_no_change_as_zero(self):
        assert rules.rate_change_points(
            installed=50, households=100, previous_installed=52, previous_households=100
        ) == Decimal("-2.0")
        assert (
            str(
                rules.rate_change_points(
                    installed=1, households=3, previous_installed=1, previous_households=3
                )
            )
            == "0.0"
        )

    def test_it_has_no_change_without_households(self):
        assert (
            rules.rate_change_points(
                installed=0, households=0, previous_installed=1, previous_households=2
            )
            is None
        )
