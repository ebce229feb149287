"""
The pages of 催报 and the 填报截止时间: the liaisons (validated, audited), the
status panel, 一键催报, the delivery log (no webhook key), the deadline on the
district's form, and the deadline when a week is opened or moved.
"""

from __future__ import annotations

import datetime
import importlib
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from installs import deadline_rules, outbox
from installs.models import OutboxMessage, RegionContact, Reminder, Week
from installs.services import weeks as week_services
from tests.factories import make_measure, make_region, make_snapshot, make_user, make_week
from tests.robot_receiver import RobotReceiver

pytestmark = pytest.mark.django_db
SH = deadline_rules.SHANGHAI


def _md(day: datetime.date) -> str:
    return f"{day.month}月{day.day}日"


def at(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SH)


@pytest.fixture
def region():
    return make_region("解放区", "jiefang", order=1)


@pytest.fixture
def bureau(client):
    user = make_user("bureau", "bureau")
    client.force_login(user)
    return user


# The liaisons.


def test_bureau_staff_add_a_liaison_and_the_history_keeps_who(client, bureau, region):
    response = client.post(
        reverse("installs:contact_add"),
        {
            "region": region.pk,
            "name": " 张三 ",
            "mobile": "13800000001",
            "email": "zs@example.cn",
            "wecom_userid": "zhangsan",
        },
    )
    assert response.status_code == 302
    contact = RegionContact.objects.get()
    assert (contact.name, contact.mobile, contact.email) == ("张三", "13800000001", "zs@example.cn")
    assert contact.history.get().history_user == bureau
    page = client.get(reverse("installs:contact_list")).content.decode()
    assert "张三" in page and "13800000001" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mobile", "1380000000", "手机号为以1开头的11位数字。"),
        ("mobile", "23800000001", "手机号为以1开头的11位数字。"),
        ("email", "not-an-address", "请输入电子邮箱地址，例如 name@example.cn。"),
        ("wecom_userid", "张 三", "企业微信账号只能包含"),
        ("name", "张\x00三", ""),
    ],
)
def test_a_bad_liaison_is_refused_with_a_message(client, bureau, region, field, value, message):
    data = {"region": region.pk, "name": "张三", "mobile": "", "email": "", "wecom_userid": ""}
    data[field] = value
    response = client.post(reverse("installs:contact_add"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert RegionContact.objects.count() == 0


def test_a_liaison_is_edited_and_removed_with_history(client, bureau, region):
    contact = RegionContact.objects.create(region=region, name="张三")
    response = client.post(
        reverse("installs:contact_edit", kwargs={"pk": contact.pk}),
        {
            "region": region.pk,
            "name": "李四",
            "mobile": "13900000000",
            "email": "",
            "wecom_userid": "",
        },
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "李四"
    client.post(reverse("installs:contact_delete", kwargs={"pk": contact.pk}))
    assert not RegionContact.objects.exists()
    kinds = list(RegionContact.history.order_by("history_date").values_list("history_type", "name"))
    assert kinds == [("+", "张三"), ("~", "李四"), ("-", "李四")]


# The status panel and 一键催报.


def test_the_status_panel_shows_who_is_late_and_the_rate(client, bureau, region):
    measure = make_measure("valve")
    other = make_region("山阳区", "shanyang", order=2)
    week = make_week("2022-11-28")
    Week.objects.filter(pk=week.pk).update(deadline=at("2022-11-28 12:00"))
    snapshot = make_snapshot(week, region, measure, 10, 5)
    snapshot.history.update(history_date=at("2022-11-28 11:00"))

    page = client.get(reverse("installs:week_status", kwargs={"date": week.date})).content.decode()

    assert "填报截止时间：" in page and "11月28日 12:00" in page and "已逾期" in page
    jiefang = page[page.index('data-deadline-region="jiefang"') :]
    jiefang = jiefang[: jiefang.index("</tr>")]
    assert "按时" in jiefang and "11月28日 11:00" in jiefang and "100.0%" in jiefang
    shanyang = page[page.index('data-deadline-region="shanyang"') :]
    shanyang = shanyang[: shanyang.index("</tr>")]
    assert "逾期未填报" in shanyang and "0.0%" in shanyang
    assert "一键催报" in page
    assert "尚未完成填报：山阳区" in page  # the text to copy
    assert other.name in page


def test_leadership_see_the_panel_without_the_buttons(client, region):
    make_measure("valve")
    week = make_week("2022-11-28")
    client.force_login(make_user("leader", "leader"))
    page = client.get(reverse("installs:week_status", kwargs={"date": week.date})).content.decode()
    assert "按时填报情况" in page
    assert "一键催报" not in page and "复制催报文本" not in page


def test_one_click_reminder_reaches_the_robot_and_the_log_shows_it(
    client, bureau, region, settings
):
    make_measure("valve")
    week = make_week("2022-11-28")
    with RobotReceiver() as robot:
        settings.WECOM_ROBOTS = {"districts": robot.url}
        response = client.post(reverse("installs:week_remind", kwargs={"date": week.date}))
        assert response.status_code == 302
        outbox.deliver_due(now=timezone.now() + datetime.timedelta(seconds=1))
        assert "解放区" in robot.posts[0]["body"]["text"]["content"]
        # Pressed again at once: refused by the cool-down, nothing more queued.
        again = client.post(
            reverse("installs:week_remind", kwargs={"date": week.date}), follow=True
        )
        assert "后可再次一键催报" in again.content.decode()
        assert OutboxMessage.objects.count() == 1
        log = client.get(reverse("installs:outbox_log")).content.decode()
    assert "已发送" in log and "解放区" in log
    assert "SECRET-KEY" not in log and robot.url not in log


def test_the_log_shows_a_failure_without_the_key(client, bureau, settings):
    with RobotReceiver() as robot:
        settings.WECOM_ROBOTS = {"districts": robot.url}
        robot.answers = ["errcode"]
        outbox.enqueue_wecom_text(robot="districts", content="x", summary="催报测试")
        outbox.deliver_due(now=timezone.now() + datetime.timedelta(seconds=1))
    log = client.get(reverse("installs:outbox_log") + "?status=retrying").content.decode()
    assert "重试中" in log and "errcode 93000" in log
    assert "SECRET-KEY" not in log


# The deadline on the district's pages.


def test_the_district_sees_the_deadline_on_its_form_and_home(client, region):
    make_measure("valve")
    week = make_week(timezone.localdate())
    Week.objects.filter(pk=week.pk).update(
        deadline=timezone.now() + datetime.timedelta(hours=3, minutes=20, seconds=30)
    )
    client.force_login(make_user("district", "district", region))
    form = client.get(
        reverse("installs:entry_region", kwargs={"date": week.date, "slug": region.slug})
    ).content.decode()
    assert "填报截止时间：" in form and "还剩 3小时20分" in form
    home = client.get(reverse("installs:home"), follow=True).content.decode()
    assert "还剩 3小时20分" in home


# Setting and moving the deadline.


def test_a_week_opens_with_the_default_deadline(settings):
    settings.DEADLINE_DEFAULT = "0 12:00"
    week = week_services.week_open(date=timezone.localdate())
    assert timezone.localtime(week.deadline).time() == datetime.time(12, 0)
    assert timezone.localtime(week.deadline).date() == week.date


def test_open_week_takes_a_deadline():
    out = io.StringIO()
    day = timezone.localdate()
    call_command("open_week", day.isoformat(), "--deadline", f"{day} 17:30", stdout=out)
    week = Week.objects.get()
    assert timezone.localtime(week.deadline).strftime("%H:%M") == "17:30"
    assert f"{day} 17:30" in out.getvalue()


def test_the_week_form_takes_a_deadline(client, bureau):
    day = timezone.localdate()
    client.post(
        reverse("installs:week_open"), {"date": day.isoformat(), "deadline": f"{day}T09:15"}
    )
    assert timezone.localtime(Week.objects.get().deadline).strftime("%H:%M") == "09:15"


def test_bureau_staff_move_the_deadline_and_the_history_keeps_it(client, bureau):
    week = week_services.week_open(date=timezone.localdate())
    new = f"{week.date + datetime.timedelta(days=1)}T18:00"
    client.post(
        reverse("installs:week_deadline", kwargs={"date": week.date}),
        {"deadline": new, "reason": "节假日顺延"},
    )
    week.refresh_from_db()
    assert timezone.localtime(week.deadline).strftime("%Y-%m-%dT%H:%M") == new
    record = week.history.order_by("-history_date").first()
    assert record.history_user == bureau
    assert record.history_change_reason.startswith("填报截止时间 ")
    assert record.history_change_reason.endswith(
        "→ " + _md(week.date + datetime.timedelta(days=1)) + " 18:00；节假日顺延"
    )
    status = client.get(
        reverse("installs:week_status", kwargs={"date": week.date})
    ).content.decode()
    assert "节假日顺延" in status[status.index("state-changes") :]


def test_a_deadline_far_from_the_report_date_is_refused(client, bureau):
    week = week_services.week_open(date=timezone.localdate())
    before = week.deadline
    response = client.post(
        reverse("installs:week_deadline", kwargs={"date": week.date}),
        {"deadline": f"{week.date + datetime.timedelta(days=40)}T12:00"},
        follow=True,
    )
    assert "离报表日期" in response.content.decode()
    week.refresh_from_db()
    assert week.deadline == before


def test_the_migration_gives_old_weeks_the_default(settings):
    settings.DEADLINE_DEFAULT = "0 12:00"
    week = make_week("2022-11-21")
    assert week.deadline is None
    migration = importlib.import_module("installs.migrations.0004_week_deadline_contacts_outbox")
    migration.give_existing_weeks_the_default_deadline(apps, None)
    week.refresh_from_db()
    assert week.deadline == at("2022-11-21 12:00")
    assert Reminder.objects.count() == 0


def test_the_contact_service_names_the_actor_without_a_request(region):
    from installs.services.contacts import contact_delete, contact_save

    bureau = make_user("bureau", "bureau")
    contact = contact_save(region=region, name="张三", mobile="13800000001", actor=bureau)
    contact_delete(contact=contact, actor=bureau)
    assert [r.history_user for r in RegionContact.history.all()] == [bureau, bureau]
