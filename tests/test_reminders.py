"""
填报截止时间 and 催报 against the database: who reported on time (hand-written
times in Asia/Shanghai), automatic and one-click reminders, remind_late run
twice, delivered over real HTTP to a WeCom-compatible receiver on 127.0.0.1.
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from installs import deadline_rules, deadlines, outbox, rules
from installs.models import OutboxMessage, RegionContact, Reminder, Snapshot, Week
from installs.services import reminders
from tests.factories import make_measure, make_region, make_snapshot, make_user, make_week
from tests.robot_receiver import RobotReceiver

pytestmark = pytest.mark.django_db
SH = deadline_rules.SHANGHAI


def at(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SH)


@pytest.fixture
def city():
    regions = [
        make_region("解放区", "jiefang", order=1),
        make_region("山阳区", "shanyang", order=2),
        make_region("博爱县", "boai", order=3),
    ]
    measures = [make_measure("valve", order=1), make_measure("hose", "软管", order=2)]
    return regions, measures


@pytest.fixture
def robot(settings):
    with RobotReceiver() as receiver:
        settings.WECOM_ROBOTS = {"districts": receiver.url}
        settings.REMINDER_OFFSETS = "-2h,+0h,+24h"
        yield receiver


def save_at(week, region, measure, when: datetime.datetime) -> Snapshot:
    """A figure first saved at ``when`` (its history record says so)."""
    snapshot = make_snapshot(week, region, measure, 100, 50)
    Snapshot.history.filter(id=snapshot.pk).update(history_date=when)
    return snapshot


def week_with_deadline(date: str, deadline: datetime.datetime, **kwargs) -> Week:
    week = make_week(date, **kwargs)
    Week.objects.filter(pk=week.pk).update(deadline=deadline)
    week.refresh_from_db()
    return week


# Who reported on time.


def test_the_report_time_is_when_the_region_became_complete(city):
    (jiefang, shanyang, boai), (valve, hose) = city
    week = week_with_deadline("2022-11-28", at("2022-11-28 12:00"))
    save_at(week, jiefang, valve, at("2022-11-28 09:00"))
    save_at(week, jiefang, hose, at("2022-11-28 11:30"))
    save_at(week, shanyang, valve, at("2022-11-28 10:00"))
    save_at(week, shanyang, hose, at("2022-11-28 12:05"))

    rows = {r.region.slug: r for r in deadlines.week_timeliness(week, now=at("2022-11-28 15:00"))}

    assert (rows["jiefang"].status, rows["jiefang"].reported_at) == (
        deadline_rules.ON_TIME,
        at("2022-11-28 11:30"),
    )
    assert (rows["shanyang"].status, rows["shanyang"].reported_at) == (
        deadline_rules.LATE,
        at("2022-11-28 12:05"),
    )
    assert (rows["boai"].status, rows["boai"].reported_at) == (deadline_rules.OVERDUE, None)
    assert str(rows["boai"].label) == "逾期未填报"
    assert str(rows["shanyang"].label) == "逾期填报"


def test_a_partly_reported_region_follows_the_one_reported_rule(city):
    """Whether one figure of two is "reported" is rules.has_reported's to say, not this module's."""
    (_, _, boai), (valve, hose) = city
    week = week_with_deadline("2022-11-28", at("2022-11-28 12:00"))
    save_at(week, boai, valve, at("2022-11-28 08:00"))
    row = {r.region.slug: r for r in deadlines.week_timeliness(week, now=at("2022-11-28 15:00"))}[
        "boai"
    ]
    if rules.has_reported({valve.pk}, {valve.pk, hose.pk}):
        assert (row.status, row.reported_at) == (deadline_rules.ON_TIME, at("2022-11-28 08:00"))
    else:
        assert (row.status, row.reported_at) == (deadline_rules.OVERDUE, None)


def test_a_correction_after_the_deadline_does_not_make_a_region_late(city):
    (jiefang, *_), (valve, hose) = city
    week = week_with_deadline("2022-11-28", at("2022-11-28 12:00"))
    save_at(week, jiefang, valve, at("2022-11-28 09:00"))
    corrected = save_at(week, jiefang, hose, at("2022-11-28 09:30"))
    corrected.installed = 60
    corrected.save()  # a second history record, now: after the deadline

    row = deadlines.week_timeliness(week, now=timezone.now())[0]
    assert (row.status, row.reported_at) == (deadline_rules.ON_TIME, at("2022-11-28 09:30"))


def test_before_the_deadline_a_missing_region_is_not_yet_overdue(city):
    week = week_with_deadline("2022-11-28", at("2022-11-28 12:00"))
    rows = deadlines.week_timeliness(week, now=at("2022-11-28 11:59"))
    assert {r.status for r in rows} == {deadline_rules.PENDING}
    assert str(rows[0].label) == "未填报"


def test_the_on_time_rate_counts_the_campaigns_weeks(city):
    (jiefang, shanyang, boai), (valve, hose) = city
    first = week_with_deadline("2022-11-21", at("2022-11-21 12:00"))
    second = week_with_deadline("2022-11-28", at("2022-11-28 12:00"))
    for measure in (valve, hose):
        save_at(first, jiefang, measure, at("2022-11-21 10:00"))
        save_at(second, jiefang, measure, at("2022-11-28 13:00"))  # late
        save_at(first, shanyang, measure, at("2022-11-21 11:00"))
        save_at(second, shanyang, measure, at("2022-11-28 11:00"))

    rates = deadlines.on_time_rates(now=at("2022-11-29 00:00"))

    assert (rates[jiefang.pk].on_time, rates[jiefang.pk].counted) == (1, 2)
    assert rates[jiefang.pk].text == "50.0%"
    assert (rates[shanyang.pk].on_time, rates[shanyang.pk].counted) == (2, 2)
    assert (rates[boai.pk].on_time, rates[boai.pk].counted, rates[boai.pk].text) == (0, 2, "0.0%")
    # Before the second deadline, the second week counts only for who made it already.
    early = deadlines.on_time_rates(now=at("2022-11-28 11:30"))
    assert (early[shanyang.pk].on_time, early[shanyang.pk].counted) == (2, 2)
    assert (early[boai.pk].on_time, early[boai.pk].counted) == (0, 1)


def test_a_week_without_a_stored_deadline_has_the_default(settings, city):
    settings.DEADLINE_DEFAULT = "1 09:00"
    week = make_week("2022-11-28")
    assert deadlines.week_deadline(week) == at("2022-11-29 09:00")


def test_the_district_sees_the_time_left(city):
    week = week_with_deadline("2022-11-28", at("2022-11-28 12:00"))
    shown = deadlines.deadline_text(week, now=at("2022-11-28 08:40"))
    assert (shown["when"], shown["passed"], shown["remaining"]) == (
        "11月28日 12:00",
        False,
        "3小时20分",
    )
    late = deadlines.deadline_text(week, now=at("2022-11-28 14:00"))
    assert (late["passed"], late["remaining"]) == (True, "2小时")


# Automatic reminders.


def test_reminders_go_to_the_regions_not_fully_reported_at_their_times(city, robot):
    (jiefang, shanyang, boai), (valve, hose) = city
    week = week_with_deadline("2022-11-28", at("2022-11-28 12:00"))
    save_at(week, jiefang, valve, at("2022-11-28 08:00"))
    save_at(week, jiefang, hose, at("2022-11-28 08:00"))
    RegionContact.objects.create(region=boai, name="王五", mobile="13800000003", email="w@x.cn")
    RegionContact.objects.create(region=shanyang, name="李四", wecom_userid="lisi")

    assert reminders.reminders_send_due(week=week, now=at("2022-11-28 09:59")) is None
    batch = reminders.reminders_send_due(week=week, now=at("2022-11-28 10:00"))
    assert batch.occasion == "-2h"
    assert [r.slug for r in batch.regions] == ["shanyang", "boai"]

    outbox.deliver_due(now=timezone.now() + datetime.timedelta(minutes=1))
    (post,) = robot.posts
    text = post["body"]["text"]
    assert "山阳区（李四）、博爱县（王五）" in text["content"]
    assert "解放区" not in text["content"]
    assert text["mentioned_mobile_list"] == ["13800000003"]
    assert text["mentioned_list"] == ["lisi"]
    assert [m.to for m in mail.outbox] == [["w@x.cn"]]
    assert "博爱县" in mail.outbox[0].subject

    # The same occasion again: nothing new.
    again = reminders.reminders_send_due(week=week, now=at("2022-11-28 11:00"))
    assert again.regions == []
    assert OutboxMessage.objects.count() == 2


def test_a_missed_occasion_is_not_sent_late_on_top_of_the_next(city, robot):
    week = week_with_deadline("2022-11-28", at("2022-11-28 12:00"))
    batch = reminders.reminders_send_due(week=week, now=at("2022-11-29 12:30"))
    assert batch.occasion == "+24h"
    assert set(Reminder.objects.values_list("occasion", flat=True)) == {"+24h"}


def test_no_reminder_for_a_locked_week(city, robot):
    week = week_with_deadline("2022-11-28", at("2022-11-28 12:00"), state=Week.State.LOCKED)
    assert reminders.reminders_send_due(week=week, now=at("2022-11-29 12:30")) is None


def test_remind_late_run_twice_sends_once(city, robot):
    week = week_with_deadline("2022-11-28", timezone.now() - datetime.timedelta(minutes=30))
    first, second = io.StringIO(), io.StringIO()

    call_command("remind_late", "--week", week.date.isoformat(), stdout=first)
    call_command("remind_late", stdout=second)  # the newest open week: the same one

    assert "+0h" in first.getvalue() and "解放区、山阳区、博爱县" in first.getvalue()
    assert ": 已发送" in first.getvalue() or ": sent" in first.getvalue()
    assert "SECRET-KEY" not in first.getvalue()
    assert len(robot.posts) == 1
    assert "+0h" not in second.getvalue()
    assert Reminder.objects.count() == 3


# 一键催报.


def test_one_click_reminder_has_a_cool_down(city, robot):
    bureau = make_user("bureau", "bureau")
    week = week_with_deadline("2022-11-28", at("2022-11-28 12:00"))

    first = reminders.reminders_send_now(week=week, actor=bureau, now=at("2022-11-28 13:00"))
    assert len(first.regions) == 3 and len(first.messages) == 1
    with pytest.raises(reminders.ReminderRefused) as refused:
        reminders.reminders_send_now(week=week, actor=bureau, now=at("2022-11-28 13:29"))
    assert refused.value.code == "cooldown"
    assert "13:30" in refused.value.message
    again = reminders.reminders_send_now(week=week, actor=bureau, now=at("2022-11-28 13:30"))
    assert len(again.regions) == 3
    assert OutboxMessage.objects.count() == 2


def test_one_click_reminder_is_for_bureau_staff_and_open_weeks(city, robot):
    (jiefang, *_), _measures = city
    week = week_with_deadline("2022-11-28", at("2022-11-28 12:00"))
    with pytest.raises(PermissionDenied):
        reminders.reminders_send_now(week=week, actor=make_user("d", "district", jiefang))
    Week.objects.filter(pk=week.pk).update(state=Week.State.LOCKED)
    with pytest.raises(reminders.ReminderRefused) as refused:
        reminders.reminders_send_now(week=week, actor=make_user("bureau", "bureau"))
    assert refused.value.code == "not_open"
    assert Reminder.objects.count() == 0


def test_nobody_to_remind_when_everyone_reported(city, robot):
    regions, measures = city
    week = week_with_deadline("2022-11-28", at("2022-11-28 12:00"))
    for region in regions:
        for measure in measures:
            save_at(week, region, measure, at("2022-11-28 09:00"))
    with pytest.raises(reminders.ReminderRefused) as refused:
        reminders.reminders_send_now(week=week, actor=make_user("bureau", "bureau"))
    assert refused.value.code == "nobody"
    assert Reminder.objects.count() == OutboxMessage.objects.count() == 0


def test_the_copy_text_names_regions_and_liaisons(city):
    (jiefang, shanyang, _), _measures = city
    RegionContact.objects.create(region=jiefang, name="张三")
    week = week_with_deadline("2022-11-28", at("2022-11-28 12:00"))
    text = reminders.reminder_text(
        week, [jiefang, shanyang], reminders.contacts_of([jiefang]), now=at("2022-11-28 14:00")
    )
    assert text == (
        "【催报】11月28日进度表：填报截止时间11月28日 12:00已过（已逾期2小时）。"
        "尚未完成填报：解放区（张三）、山阳区。请尽快填报。"
    )
