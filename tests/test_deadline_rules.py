"""The deadline and 催报 rules, with hand-written times in Asia/Shanghai (no database)."""

from __future__ import annotations

import datetime

import pytest

from installs import deadline_rules as rules

SH = rules.SHANGHAI


def at(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SH)


def test_the_default_is_the_report_date_at_noon():
    assert rules.default_deadline(datetime.date(2022, 11, 28), "0 12:00") == at("2022-11-28 12:00")


def test_the_default_may_be_days_before_or_after():
    assert rules.default_deadline(datetime.date(2022, 11, 28), "-1 17:30") == at("2022-11-27 17:30")
    assert rules.default_deadline(datetime.date(2022, 11, 28), "2 9:00") == at("2022-11-30 09:00")


def test_the_default_is_in_shanghai_time_not_utc():
    deadline = rules.default_deadline(datetime.date(2022, 11, 28), "0 12:00")
    assert deadline.astimezone(datetime.UTC) == datetime.datetime(
        2022, 11, 28, 4, 0, tzinfo=datetime.UTC
    )


@pytest.mark.parametrize("spec", ["12:00", "0 25:00", "0 12:60", "x 12:00", "", "0 12"])
def test_a_bad_default_is_refused(spec):
    with pytest.raises(ValueError):
        rules.parse_deadline_default(spec)


def test_the_report_time_is_the_latest_first_save():
    saves = [at("2022-11-28 09:10"), at("2022-11-28 11:59"), at("2022-11-28 10:00")]
    assert rules.report_time(saves) == at("2022-11-28 11:59")
    assert rules.report_time([]) is None


def test_reported_at_the_deadline_minute_is_on_time():
    deadline = at("2022-11-28 12:00")
    now = at("2022-11-29 08:00")
    assert (
        rules.timeliness(reported=True, reported_at=deadline, deadline=deadline, now=now)
        == rules.ON_TIME
    )
    one_later = deadline + datetime.timedelta(minutes=1)
    assert (
        rules.timeliness(reported=True, reported_at=one_later, deadline=deadline, now=now)
        == rules.LATE
    )


def test_not_reported_is_overdue_only_after_the_deadline():
    deadline = at("2022-11-28 12:00")
    before, after = at("2022-11-28 11:00"), at("2022-11-28 12:01")
    assert (
        rules.timeliness(reported=False, reported_at=None, deadline=deadline, now=before)
        == rules.PENDING
    )
    assert (
        rules.timeliness(reported=False, reported_at=None, deadline=deadline, now=after)
        == rules.OVERDUE
    )


def test_the_on_time_rate_counts_weeks_whose_deadline_passed():
    statuses = [rules.ON_TIME, rules.LATE, rules.OVERDUE, rules.ON_TIME, rules.PENDING]
    assert rules.on_time_rate(statuses) == (2, 4)
    assert rules.on_time_rate([]) == (0, 0)


def test_offsets_are_read_and_ordered():
    assert rules.parse_offsets("+24h, -2h,+0h,+30m") == [
        ("-2h", datetime.timedelta(hours=-2)),
        ("+0h", datetime.timedelta(0)),
        ("+30m", datetime.timedelta(minutes=30)),
        ("+24h", datetime.timedelta(hours=24)),
    ]
    with pytest.raises(ValueError):
        rules.parse_offsets("-2h,2 hours")


def test_occasions_come_due_at_their_time():
    offsets = rules.parse_offsets("-2h,+0h,+24h")
    deadline = at("2022-11-28 12:00")
    assert rules.due_occasions(deadline=deadline, offsets=offsets, now=at("2022-11-28 09:59")) == []
    assert rules.due_occasions(deadline=deadline, offsets=offsets, now=at("2022-11-28 10:00")) == [
        "-2h"
    ]
    assert rules.due_occasions(deadline=deadline, offsets=offsets, now=at("2022-11-29 12:00")) == [
        "-2h",
        "+0h",
        "+24h",
    ]


@pytest.mark.parametrize(
    ("minutes", "text"),
    [
        (200, "3小时20分"),
        (120, "2小时"),
        (5, "5分"),
        (0, "不到1分"),
        (3 * 1440 + 60, "3天1小时"),
        (-120, "2小时"),
    ],
)
def test_durations_read_as_people_say_them(minutes, text):
    assert rules.duration_text(datetime.timedelta(minutes=minutes)) == text
