"""
催报 in chromium: a week whose 填报截止时间 has passed shows 逾期未填报, 一键催报
reaches a WeCom-compatible robot on 127.0.0.1, and 催报记录 shows it sent.
Screenshots of the status panel, the liaisons and the log at 1400 and 390 px.
"""

from __future__ import annotations

import datetime

import pytest

from installs import deadline_rules, outbox
from installs.models import Measure, Region, RegionContact, Snapshot, Week
from tests.browser.conftest import save_screenshot
from tests.factories import load_seed, make_user
from tests.robot_receiver import RobotReceiver

pytestmark = pytest.mark.django_db(transaction=True)
SH = deadline_rules.SHANGHAI
WEEK = "2022-11-28"


def at(text: str) -> datetime.datetime:
    return datetime.datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=SH)


@pytest.fixture
def late_week(settings):
    """The seed's two weeks reported on time, and an open week 11-28 whose deadline has passed."""
    load_seed()
    for date in ("2022-11-14", "2022-11-21"):
        # Loaded from the fixture (no history): their save time is updated_at.
        Snapshot.objects.filter(week__date=date).update(updated_at=at(f"{date} 09:30"))
        Snapshot.history.filter(week__date=date).update(history_date=at(f"{date} 09:30"))
    week = Week.objects.create(date=datetime.date(2022, 11, 28), state=Week.State.OPEN)
    Week.objects.filter(pk=week.pk).update(deadline=at("2022-11-28 12:00"))
    previous = {
        (s.region_id, s.measure_id): s for s in Snapshot.objects.filter(week__date="2022-11-21")
    }
    measures = list(Measure.objects.all())
    times = {"qinyang": "10:05", "mengzhou": "11:40", "wenxian": "13:15", "jiefang": "09:20"}
    for slug, time in times.items():
        region = Region.objects.get(slug=slug)
        for measure in measures:
            old = previous[(region.pk, measure.pk)]
            snapshot = Snapshot.objects.create(
                week=week,
                region=region,
                measure=measure,
                households=old.households,
                installed=min(old.households, old.installed + 30),
            )
            Snapshot.history.filter(id=snapshot.pk).update(history_date=at(f"{WEEK} {time}"))
    # 博爱县 partly: one measure of three (whether that is "reported" is rules.has_reported's).
    boai = Region.objects.get(slug="boai")
    old = previous[(boai.pk, measures[0].pk)]
    Snapshot.objects.create(
        week=week,
        region=boai,
        measure=measures[0],
        households=old.households,
        installed=old.installed,
    )
    for slug, name, mobile, email in [
        ("boai", "王丽", "13803910001", ""),
        ("wuzhi", "李强", "13803910002", ""),
        ("shanyang", "赵敏", "", "shanyang@example.cn"),
    ]:
        RegionContact.objects.create(
            region=Region.objects.get(slug=slug), name=name, mobile=mobile, email=email
        )
    with RobotReceiver() as robot:
        settings.WECOM_ROBOTS = {"districts": robot.url}
        yield robot


def test_one_click_reminder_after_the_deadline(late_week, login, live_server):
    robot = late_week
    page = login(make_user("shiju", "bureau"), f"/weeks/{WEEK}/status/")

    assert "填报截止时间：" in page.locator(".deadline-panel .deadline-line").inner_text()
    assert "已逾期" in page.locator(".deadline-panel .deadline-line").inner_text()
    row = page.locator('tr[data-deadline-region="wuzhi"]')
    assert row.locator(".timeliness").inner_text() == "逾期未填报"
    assert page.locator('tr[data-deadline-region="wenxian"] .timeliness').inner_text() == "逾期填报"
    assert page.locator('tr[data-deadline-region="qinyang"] .timeliness').inner_text() == "按时"
    assert "11月28日 10:05" in page.locator('tr[data-deadline-region="qinyang"]').inner_text()
    # The seed's two weeks were loaded, not saved: their report times are not known and
    # count neither way. So this week alone: 沁阳市 on time, 温县 late.
    assert "100.0% （1/1）" in page.locator('tr[data-deadline-region="qinyang"]').inner_text()
    assert "0.0% （0/1）" in page.locator('tr[data-deadline-region="wenxian"]').inner_text()
    # The copy button appears with the script; the text names the late regions.
    assert page.locator(".copy-button").is_visible()
    assert "武陟县（李强）" in page.locator("#reminder-text").input_value()
    for width in (1400, 390):
        page.set_viewport_size({"width": width, "height": 900})
        save_screenshot(page, f"reminders-status-{width}")

    page.set_viewport_size({"width": 1400, "height": 900})
    page.get_by_role("button", name="一键催报").click()
    page.wait_for_load_state()
    assert "已向" in page.locator(".messages").inner_text()
    assert page.get_by_role("button", name="一键催报").is_disabled()  # the cool-down

    # The worker's pass (what db_worker runs), then the log.
    results = outbox.deliver_due()
    assert results and all(r.ok for r in results)
    (post,) = robot.posts
    content = post["body"]["text"]["content"]
    assert "武陟县（李强）" in content and "沁阳市" not in content
    assert "13803910002" in post["body"]["text"]["mentioned_mobile_list"]

    page.goto(f"{live_server.url}/outbox/")
    assert page.locator(".outbox-table tbody tr").count() == 2  # the group, 山阳区's e-mail
    assert page.locator(".outbox-status-sent").count() == 2
    assert "SECRET-KEY" not in page.content()
    for width in (1400, 390):
        page.set_viewport_size({"width": width, "height": 900})
        save_screenshot(page, f"reminders-outbox-{width}")

    page.goto(f"{live_server.url}/contacts/")
    assert "王丽" in page.locator(".contacts-table").inner_text()
    for width in (1400, 390):
        page.set_viewport_size({"width": width, "height": 900})
        save_screenshot(page, f"reminders-contacts-{width}")


def test_the_district_sees_the_deadline_passed(late_week, login):
    district = make_user("wuzhi", "district", Region.objects.get(slug="wuzhi"))
    page = login(district, f"/weeks/{WEEK}/entry/wuzhi/")
    notice = page.locator(".deadline-notice").inner_text()
    assert notice.startswith("填报截止时间：11月28日 12:00")
    assert "已逾期" in notice
    page.set_viewport_size({"width": 390, "height": 900})
    save_screenshot(page, "reminders-district-entry-390")
