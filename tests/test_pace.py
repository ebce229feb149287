"""Pace and forecast rules on hand-made histories, without a database."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pandas as pd
from pandas.testing import assert_frame_equal

from installs import pace, rules

W = datetime.date(2022, 11, 21)
DEADLINE = datetime.date(2022, 12, 31)


def weeks_before(n: int) -> datetime.date:
    return W - datetime.timedelta(days=7 * n)


def history(*reports: tuple[datetime.date, int, int], region: int = 1, measure: int = 1):
    """(week date, households, installed) reports of one region and measure, as rules compute them."""
    frame = pd.DataFrame(
        [(date, region, measure, households, installed) for date, households, installed in reports],
        columns=rules.HISTORY_COLUMNS,
    )
    return rules.history_table(frame)


def targets(rate="1", deadline: datetime.date | None = DEADLINE, measure: int = 1):
    return pd.DataFrame(
        {"target_rate": [Decimal(rate)], "target_date": [deadline]},
        index=pd.Index([measure], name="measure"),
    )


def forecast_row(table: pd.DataFrame, week: datetime.date = W, **target) -> dict:
    result = pace.forecast(table, week, targets(**target))
    assert len(result) == 1
    return result.iloc[0].to_dict()


class TestPace:
    def test_it_averages_the_last_four_weeks(self):
        row = forecast_row(
            history(
                (weeks_before(5), 1000, 0),
                (weeks_before(4), 1000, 100),
                (weeks_before(3), 1000, 110),
                (weeks_before(2), 1000, 150),
                (weeks_before(1), 1000, 190),
                (W, 1000, 220),
            )
        )
        assert row["base_week"] == weeks_before(4)
        assert row["gained"] == 120
        assert row["pace"] == 30.0
        assert row["window_weeks"] == 4.0

    def test_it_uses_the_one_week_of_history_there_is(self):
        row = forecast_row(history((weeks_before(1), 100, 10), (W, 100, 25)))
        assert row["pace"] == 15.0
        assert row["window_weeks"] == 1.0
        assert row["weeks_left"] == 5  # ceil(75 / 15)

    def test_it_uses_the_three_weeks_of_history_there_are(self):
        row = forecast_row(
            history((weeks_before(3), 100, 10), (weeks_before(1), 100, 20), (W, 100, 40))
        )
        assert row["base_week"] == weeks_before(3)
        assert row["pace"] == 10.0

    def test_it_has_no_pace_without_an_earlier_report(self):
        row = forecast_row(history((W, 100, 10)))
        assert pd.isna(row["pace"])
        assert pd.isna(row["weeks_left"])
        assert row["projected_date"] is None
        assert row["status"] == pace.NO_HISTORY
        assert row["missed"] is False

    def test_it_counts_a_skipped_week_as_time_passed(self):
        row = forecast_row(history((weeks_before(2), 100, 10), (W, 100, 30)))
        assert row["window_weeks"] == 2.0
        assert row["pace"] == 10.0

    def test_it_has_no_pace_when_the_last_report_is_older_than_four_weeks(self):
        row = forecast_row(history((weeks_before(5), 100, 10), (W, 100, 30)))
        assert pd.isna(row["pace"])
        assert row["status"] == pace.NO_HISTORY
        # New installs are the table's: against the previous report, however old.
        assert row["new"] == 20

    def test_it_reads_only_the_last_four_weeks(self):
        reports = [(weeks_before(n), 1000, 500 - 40 * n) for n in range(10, -1, -1)]
        full = pace.forecast(history(*reports), W, targets())
        recent = pace.forecast(history(*reports[-5:]), W, targets())
        assert_frame_equal(full, recent)

    def test_it_takes_new_installs_from_the_last_earlier_report(self):
        row = forecast_row(
            history((weeks_before(3), 100, 10), (weeks_before(2), 100, 30), (W, 100, 30))
        )
        assert row["new"] == 0
        assert row["stalled"] is True

    def test_it_ignores_weeks_after_the_week_shown(self):
        table = history(
            (weeks_before(1), 100, 10), (W, 100, 20), (W + datetime.timedelta(7), 100, 90)
        )
        row = forecast_row(table)
        assert row["installed"] == 20
        assert row["pace"] == 10.0


class TestZeroPace:
    def test_it_never_reaches_the_target_without_progress(self):
        row = forecast_row(
            history((weeks_before(2), 100, 40), (weeks_before(1), 100, 40), (W, 100, 40))
        )
        assert row["pace"] == 0.0
        assert pd.isna(row["weeks_left"])
        assert row["projected_date"] is None
        assert row["status"] == pace.ZERO_PACE
        assert row["missed"] is True

    def test_it_treats_a_lower_count_as_no_progress(self):
        row = forecast_row(history((weeks_before(1), 100, 45), (W, 100, 40)))
        assert row["pace"] == -5.0
        assert row["status"] == pace.ZERO_PACE
        assert pd.isna(row["weeks_left"])

    def test_it_flags_no_deadline_miss_when_there_is_no_deadline(self):
        row = forecast_row(history((weeks_before(1), 100, 40), (W, 100, 40)), deadline=None)
        assert row["status"] == pace.ZERO_PACE
        assert row["missed"] is False


class TestForecast:
    def test_it_rounds_the_required_households_up(self):
        # 95% of 101 households is 95.95: the target needs 96 equipped households.
        row = forecast_row(history((weeks_before(1), 101, 80), (W, 101, 90)), rate="0.95")
        assert row["required"] == 96
        assert row["remaining"] == 6

    def test_it_counts_weeks_left_exactly(self):
        # 10 gained over 3 weeks: 10 ÷ (10/3) is 3.0000000000000004 in floats, 3 exactly.
        row = forecast_row(history((weeks_before(3), 100, 80), (W, 100, 90)))
        assert row["weeks_left"] == 3
        assert row["projected_date"] == W + datetime.timedelta(days=21)

    def test_it_rounds_weeks_left_up(self):
        row = forecast_row(history((weeks_before(1), 100, 50), (W, 100, 70)))
        assert row["weeks_left"] == 2  # 30 remaining at 20 a week
        assert row["projected_date"] == datetime.date(2022, 12, 5)

    def test_it_is_on_track_when_projected_on_the_deadline(self):
        row = forecast_row(
            history((weeks_before(1), 100, 50), (W, 100, 70)), deadline=datetime.date(2022, 12, 5)
        )
        assert row["status"] == pace.ON_TRACK
        assert row["missed"] is False

    def test_it_flags_a_projection_after_the_deadline(self):
        row = forecast_row(
            history((weeks_before(1), 100, 50), (W, 100, 70)), deadline=datetime.date(2022, 12, 4)
        )
        assert row["status"] == pace.WILL_MISS
        assert row["missed"] is True

    def test_it_is_on_track_without_a_deadline(self):
        row = forecast_row(history((weeks_before(1), 100, 50), (W, 100, 70)), deadline=None)
        assert row["status"] == pace.ON_TRACK
        assert row["projected_date"] == datetime.date(2022, 12, 5)


class TestComplete:
    def test_it_says_complete_at_100_percent(self):
        row = forecast_row(history((weeks_before(1), 100, 90), (W, 100, 100)))
        assert row["status"] == pace.COMPLETE
        assert row["remaining"] == 0
        assert pd.isna(row["weeks_left"])
        assert row["missed"] is False

    def test_it_says_complete_at_a_target_below_100_percent(self):
        row = forecast_row(history((weeks_before(1), 100, 80), (W, 100, 90)), rate="0.9")
        assert row["status"] == pace.COMPLETE

    def test_it_says_complete_after_the_deadline_too(self):
        row = forecast_row(
            history((weeks_before(1), 100, 90), (W, 100, 100)), deadline=datetime.date(2022, 11, 1)
        )
        assert row["status"] == pace.COMPLETE
        assert row["missed"] is False

    def test_it_has_nothing_to_do_without_households(self):
        row = forecast_row(history((weeks_before(1), 0, 0), (W, 0, 0)))
        assert row["status"] == pace.NO_HOUSEHOLDS
        assert row["stalled"] is False
        assert row["missed"] is False


class TestDeadlinePast:
    def test_it_says_a_past_deadline_was_missed(self):
        row = forecast_row(
            history((weeks_before(1), 100, 50), (W, 100, 70)), deadline=datetime.date(2022, 11, 20)
        )
        assert row["status"] == pace.DEADLINE_PAST
        assert row["missed"] is True
        assert row["projected_date"] == datetime.date(2022, 12, 5)  # still said, for information

    def test_it_does_not_call_the_deadline_day_itself_past(self):
        row = forecast_row(history((weeks_before(1), 100, 50), (W, 100, 70)), deadline=W)
        assert row["status"] == pace.WILL_MISS


class TestStalled:
    def test_it_flags_no_new_installs_below_100_percent(self):
        row = forecast_row(history((weeks_before(1), 100, 70), (W, 100, 70)))
        assert row["stalled"] is True

    def test_it_does_not_flag_a_region_at_100_percent(self):
        row = forecast_row(history((weeks_before(1), 100, 100), (W, 100, 100)))
        assert row["stalled"] is False

    def test_it_does_not_flag_a_first_report(self):
        row = forecast_row(history((W, 100, 70)))
        assert row["stalled"] is False

    def test_it_does_not_flag_new_installs(self):
        row = forecast_row(history((weeks_before(1), 100, 69), (W, 100, 70)))
        assert row["stalled"] is False


def test_it_gives_flags_per_region_and_measure():
    table = pd.concat(
        [
            history((weeks_before(1), 100, 70), (W, 100, 70), region=1),
            history((weeks_before(1), 100, 60), (W, 100, 80), region=2),
        ]
    )
    flags = pace.flags(pace.forecast(table, W, targets()))
    assert flags == {
        (1, 1): {"missed": True, "stalled": True, "band": rules.BAND_FAR_BEHIND},
        (2, 1): {"missed": False, "stalled": False, "band": rules.BAND_ON_TRACK},
    }


class TestBandAgainstTheDeadline:
    """The forecast's band, pace needed and shortfall (rules.target_band and friends) per row."""

    def test_it_needs_the_remaining_households_over_the_whole_weeks_left(self):
        # 75 to go, 40 days to 2022-12-31 = 5 whole weeks: 15 a week; 15 a week is on track.
        row = forecast_row(history((weeks_before(1), 100, 10), (W, 100, 25)))
        assert row["weeks_to_deadline"] == 5
        assert row["needed_pace"] == 15
        assert row["band"] == rules.BAND_ON_TRACK
        assert row["shortfall"] == 0
        assert row["status"] == pace.ON_TRACK  # the same verdict as the projected date

    def test_it_is_behind_between_half_and_the_whole_pace_needed(self):
        # 80 to go, 16 a week needed, 10 a week done: 30 short at the deadline.
        row = forecast_row(history((weeks_before(1), 100, 10), (W, 100, 20)))
        assert row["needed_pace"] == 16
        assert row["band"] == rules.BAND_BEHIND
        assert row["shortfall"] == 30
        assert row["status"] == pace.WILL_MISS

    def test_it_is_far_behind_below_half(self):
        row = forecast_row(history((weeks_before(1), 100, 10), (W, 100, 15)))
        assert row["band"] == rules.BAND_FAR_BEHIND
        assert row["shortfall"] == 85 - 25

    def test_it_gives_no_band_without_a_deadline(self):
        row = forecast_row(history((weeks_before(1), 100, 10), (W, 100, 15)), deadline=None)
        assert row["band"] is None
        assert pd.isna(row["needed_pace"])
        assert pd.isna(row["shortfall"])

    def test_it_gives_no_band_to_a_first_report(self):
        row = forecast_row(history((W, 100, 15)))
        assert row["band"] is None
        assert row["needed_pace"] == 17  # ceil(85 / 5)
