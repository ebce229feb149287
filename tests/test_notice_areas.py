"""
The weekly notice per area: in a province of two cities, publishing makes the
province's level notice (its table of cities, 合计 at the province) and each
city's county notice, each numbered within its area; every account reads the
notices of its own area, and each leader is e-mailed theirs.

河南省 › 焦作市 (解放区, 山阳区) and 新乡市 (卫滨区, 红旗区), one measure:

=========  ==========  ==========  =====
county     2022-11-14  2022-11-21  new
=========  ==========  ==========  =====
解放区     1000 / 400  1000 / 450     50
山阳区     2000 / 500  2000 / 560     60
卫滨区     3000 / 600  3000 / 900    300
红旗区     4000 / 700  4000 / 800    100
=========  ==========  ==========  =====

焦作市 3000 / 1010 = 33.7% (+110), 新乡市 7000 / 1700 = 24.3% (+400);
河南省 合计 10000 / 2710 = 27.1% (+510), a week before 10000 / 2200 = 22.0%.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from installs import outbox
from installs.models import Notice, Profile, Week
from installs.services import notices
from installs.services.weeks import week_publish, week_unpublish
from tests.factories import (
    make_area,
    make_measure,
    make_region,
    make_snapshot,
    make_user,
    make_week,
)
from tests.robot_receiver import RobotReceiver
from tests.test_notice import fold, pdf_pages

pytestmark = pytest.mark.django_db

DATE = "2022-11-21"
PAGE = f"/weeks/{DATE}/notice/"
FIGURES = {
    "解放区": ((1000, 400), (1000, 450)),
    "山阳区": ((2000, 500), (2000, 560)),
    "卫滨区": ((3000, 600), (3000, 900)),
    "红旗区": ((4000, 700), (4000, 800)),
}


@pytest.fixture
def province():
    henan = make_area("河南省", "410000")
    jiaozuo = make_area("焦作市", "410800", henan, order=8)
    xinxiang = make_area("新乡市", "410700", henan, order=7)
    cities = {"焦作市": jiaozuo, "新乡市": xinxiang}
    city_of = {"解放区": jiaozuo, "山阳区": jiaozuo, "卫滨区": xinxiang, "红旗区": xinxiang}
    measure = make_measure("valve_pipe")
    weeks = [make_week("2022-11-14", Week.State.PUBLISHED), make_week(DATE, Week.State.LOCKED)]
    regions = {}
    for order, (name, figures) in enumerate(FIGURES.items()):
        regions[name] = make_region(name, f"r{order}", order=order, city=city_of[name])
        for week, (households, installed) in zip(weeks, figures, strict=True):
            make_snapshot(week, regions[name], measure, households, installed)
    return {"province": henan, "cities": cities, "regions": regions, "week": weeks[1]}


@pytest.fixture
def bureau():
    return make_user("bureau", Profile.Role.BUREAU, first_name="王局")


def leader(username: str, area=None, **fields):
    user = make_user(username, Profile.Role.LEADER, **fields)
    user.profile.area = area
    user.profile.save()
    return user


def text_of(notice: Notice) -> str:
    ((_size, text),) = pdf_pages(bytes(notice.pdf))
    return fold(text)


def by_area(week: Week) -> dict[str, Notice]:
    return {
        notices.area_name(notice.area): notice
        for notice in Notice.objects.filter(week=week).select_related("area")
    }


def test_publishing_makes_the_provinces_notice_and_each_citys(province, bureau):
    week_publish(week=province["week"], actor=bureau)
    made = by_area(province["week"])
    assert set(made) == {"河南省", "焦作市", "新乡市"}
    assert {notice.number for notice in made.values()} == {1}

    henan = text_of(made["河南省"])
    assert "河南省燃气居民用户安全装置加装情况进度表" in henan
    # A row per city (households, installed, new, rate, rank), then 合计 at the province.
    assert "焦作市3000101011033.7%1" in henan
    assert "新乡市7000170040024.3%2" in henan
    assert "合计10000271051027.1%" in henan
    # The level summary: the province's rate and its change since last week.
    assert "河南省安装率27.1%，较上周提高5.1个百分点" in henan
    assert "进度通报（第1期）" in henan
    assert "解放区" not in henan  # a table of cities, not of counties

    xinxiang = text_of(made["新乡市"])
    assert "新乡市燃气居民用户安全装置加装情况进度表" in xinxiang
    assert "卫滨区3000900300" in xinxiang and "合计7000170040024.3%" in xinxiang
    assert "解放区" not in xinxiang and "山阳区" not in xinxiang
    assert made["新乡市"].summary_text.splitlines()[1].startswith("新乡市燃气")
    jiaozuo = text_of(made["焦作市"])
    assert "解放区100045050" in jiaozuo and "卫滨区" not in jiaozuo


def test_republishing_numbers_each_area_on(province, bureau):
    week = week_publish(week=province["week"], actor=bureau)
    week = week_unpublish(week=week, actor=bureau, reason="更正卫滨区")
    week_publish(week=week, actor=bureau)
    numbers = sorted(
        (notices.area_name(n.area), n.number) for n in Notice.objects.select_related("area")
    )
    assert numbers == [
        ("新乡市", 1),
        ("新乡市", 2),
        ("河南省", 1),
        ("河南省", 2),
        ("焦作市", 1),
        ("焦作市", 2),
    ]


@pytest.fixture
def published(province, bureau):
    week_publish(week=province["week"], actor=bureau)
    return by_area(province["week"])


def test_a_city_leader_reads_only_their_citys_notice(province, published):
    client = Client()
    client.force_login(leader("leader-xx", province["cities"]["新乡市"]))
    page = client.get(PAGE).content.decode()
    assert "卫滨区" in page and "新乡市燃气" in page
    assert "解放区" not in page and "河南省燃气" not in page
    assert client.get(f"{PAGE}1.pdf").content == bytes(published["新乡市"].pdf)
    # The other city and the province are outside their subtree.
    assert client.get(PAGE, {"area": "410800"}).status_code == 404
    assert client.get(PAGE, {"area": "410000"}).status_code == 404
    assert client.get(f"{PAGE}1.pdf", {"area": "410800"}).status_code == 404


def test_district_staff_read_their_citys_notice(province, published):
    client = Client()
    client.force_login(make_user("d", Profile.Role.DISTRICT, province["regions"]["解放区"]))
    assert client.get(f"{PAGE}1.png").content == bytes(published["焦作市"].png)
    assert "山阳区" in client.get(PAGE).content.decode()


def test_the_province_reads_its_level_notice_and_each_citys_by_choosing_it(province, published):
    client = Client()
    client.force_login(leader("leader-henan", province["province"]))
    page = client.get(PAGE).content.decode()
    assert "河南省燃气居民用户安全装置加装情况进度表" in page
    assert "河南省安装率27.1%" in page
    assert client.get(f"{PAGE}1.pdf").content == bytes(published["河南省"].pdf)
    download = client.get(f"{PAGE}1.pdf")
    assert "%E6%B2%B3%E5%8D%97%E7%9C%81_" in download["Content-Disposition"]  # 河南省_
    # A city chosen with ?area= (kept in the session): its notice.
    assert "卫滨区" in client.get(PAGE, {"area": "410700"}).content.decode()
    assert client.get(f"{PAGE}1.pdf").content == bytes(published["新乡市"].pdf)


def test_each_leader_is_mailed_their_areas_notice_and_the_robot_gets_the_top(
    province, bureau, settings
):
    leader("leader-all", email="all@example.gov.cn")
    leader("leader-henan", province["province"], email="henan@example.gov.cn")
    leader("leader-xx", province["cities"]["新乡市"], email="xx@example.gov.cn")
    with RobotReceiver() as receiver:
        settings.WECOM_ROBOTS = {**settings.WECOM_ROBOTS, "leaders": receiver.url}
        settings.ROBOT_TIMEOUT_SECONDS = 5
        week_publish(week=province["week"], actor=bureau)
        made = by_area(province["week"])
        assert all(result.ok for result in outbox.deliver_due())
        markdown, _image = (post["body"] for post in receiver.posts)
    assert markdown["markdown"]["content"].startswith("**进度通报（第1期）**\n")
    assert "河南省安装率27.1%" in markdown["markdown"]["content"]
    sent = {tuple(message.to): message for message in mail.outbox}
    assert set(sent) == {("all@example.gov.cn", "henan@example.gov.cn"), ("xx@example.gov.cn",)}
    top = sent[("all@example.gov.cn", "henan@example.gov.cn")]
    assert top.attachments[0][1] == bytes(made["河南省"].pdf)
    city = sent[("xx@example.gov.cn",)]
    assert city.subject == "新乡市_进度通报（第1期） 2022年11月21日"
    assert city.attachments[0][:2] == (
        "新乡市_进度通报（第1期）_2022-11-21.pdf",
        bytes(made["新乡市"].pdf),
    )


def test_many_cities_get_their_notices_from_the_background_task_once(province, bureau, monkeypatch):
    monkeypatch.setattr(notices, "NOTICES_IN_PUBLISH", 1)
    week = week_publish(week=province["week"], actor=bureau)
    assert set(by_area(week)) == {"河南省"}
    client = Client()
    client.force_login(leader("leader-xx", province["cities"]["新乡市"]))
    assert "正在生成" in client.get(PAGE).content.decode()

    top = Notice.objects.get(week=week)
    assert {
        notices.area_name(n.area) for n in notices.notices_below_top_make(top_notice_id=top.pk)
    } == {
        "焦作市",
        "新乡市",
    }
    assert notices.notices_below_top_make(top_notice_id=top.pk) == []  # repeated: nothing twice
    assert by_area(week)["新乡市"].published_at == top.published_at
    assert "卫滨区" in client.get(PAGE).content.decode()


def test_the_background_task_makes_nothing_for_a_withdrawn_publication(
    province, bureau, monkeypatch
):
    monkeypatch.setattr(notices, "NOTICES_IN_PUBLISH", 1)
    week = week_publish(week=province["week"], actor=bureau)
    top = Notice.objects.get(week=week)
    week_unpublish(week=week, actor=bureau, reason="更正")
    assert notices.notices_below_top_make(top_notice_id=top.pk) == []
    assert Notice.objects.count() == 1


def test_the_command_writes_a_citys_notice(province, published, tmp_path: Path):
    pdf = tmp_path / "n.pdf"
    call_command(
        "notice", "--week", DATE, "--pdf", str(pdf), "--area", "410700", stdout=io.StringIO()
    )
    assert pdf.read_bytes() == bytes(published["新乡市"].pdf)
    call_command("notice", "--week", DATE, "--pdf", str(pdf), stdout=io.StringIO())
    assert pdf.read_bytes() == bytes(published["河南省"].pdf)


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_earlier_notices_the_deployments_city():
    """Notices made before areas had notices were the one city's: 焦作市, numbers kept."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    before, after = ("installs", "0006_area_tree"), ("installs", "0008_notice_area")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    henan = old.get_model("installs", "Area").objects.create(
        name="河南省", code="410000", level="province"
    )
    old.get_model("installs", "Area").objects.create(
        name="焦作市", code="410800", level="city", parent=henan
    )
    week = old.get_model("installs", "Week").objects.create(date="2022-11-21", state="published")
    for number in (1, 2):
        old.get_model("installs", "Notice").objects.create(
            number=number, week=week, summary_text="", png=b"", pdf=b"", published_at=timezone.now()
        )
    executor = MigrationExecutor(connection)
    executor.migrate([after])
    new = executor.loader.project_state([after]).apps
    rows = new.get_model("installs", "Notice").objects.values_list("area__code", "number")
    assert sorted(rows) == [("410800", 1), ("410800", 2)]
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_publication_asks_the_worker_after_the_commit(
    province, bureau, monkeypatch, django_capture_on_commit_callbacks
):
    from installs import tasks

    asked = []

    class Task:
        def enqueue(self, *args):
            asked.append(args)

    monkeypatch.setattr(notices, "NOTICES_IN_PUBLISH", 1)
    monkeypatch.setattr(tasks, "make_notices_below_top", Task())
    with django_capture_on_commit_callbacks(execute=True):
        week = week_publish(week=province["week"], actor=bureau)
        assert asked == []  # not before the commit
    assert asked == [(Notice.objects.get(week=week).pk, bureau.pk)]
