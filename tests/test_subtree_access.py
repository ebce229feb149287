"""
No read or write outside one's subtree, by any path (issue 10, "Scope everywhere").

Two provinces with a city each: 河南省 › 焦作市 (city A: 解放区, 山阳区) and
山西省 › 晋城市 (city B: 泽州县, 高平市), figures in two weeks. The accounts
bound inside province A (a district of city A, bureau staff of city A,
leadership of province A) try every URL pattern of installs.urls (iterated,
so a new one cannot be forgotten) on city B: by ``?area=``, by a county's
slug, a liaison's pk or a history file's id, and by date with their session's area set. Each is
refused or shows nothing of city B, and changes nothing of city B. Then every
write path is tried on city B directly: the services, the form, the grid, the
import, the liaisons, 催报 and the commands with --area. Bureau staff of the
whole deployment are the control: they do read city B.
"""

from __future__ import annotations

import datetime
import io
import uuid
import zipfile

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Sum
from django.test import Client
from django.urls import URLPattern, reverse

from installs import outbox
from installs import urls as installs_urls
from installs.models import (
    Area,
    HistoryExport,
    Profile,
    Region,
    RegionContact,
    Reminder,
    Snapshot,
    Week,
)
from installs.services import contacts as contact_services
from installs.services import history_exports
from installs.services import imports as import_services
from installs.services import reminders as reminder_services
from installs.services import targets as target_services
from installs.services import weeks as week_services
from installs.services.figures import ANY_VERSION, FigureInput, figures_save
from tests.factories import PASSWORD, make_area, make_measure, make_region, make_week
from tests.official_workbooks import official_bytes

pytestmark = pytest.mark.django_db

OPEN_DATE = datetime.date(2022, 11, 21)
JOB_B = uuid.UUID("00000000-0000-4000-8000-0000000000b1")
B_NAMES = ("泽州县", "高平市", "晋城市", "山西省")
RESTRICTED = ("district_a", "bureau_a", "leader_province_a")


@pytest.fixture
def world(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    province_a = make_area("河南省", "410000")
    city_a = make_area("焦作市", "410800", province_a)
    province_b = make_area("山西省", "140000", order=1)
    city_b = make_area("晋城市", "140500", province_b)
    regions = {
        "a1": make_region("解放区", "jiefang", order=1, city=city_a),
        "a2": make_region("山阳区", "shanyang", order=2, city=city_a),
        "b1": make_region("泽州县", "zezhou", order=1, city=city_b),
        "b2": make_region("高平市", "gaoping", order=2, city=city_b),
    }
    measure = make_measure("valve_pipe", "自闭阀", "管道气")
    weeks = [make_week("2022-11-14", Week.State.PUBLISHED), make_week(OPEN_DATE)]
    for step, week in enumerate(weeks):
        for position, region in enumerate(regions.values()):
            Snapshot.objects.create(
                week=week,
                region=region,
                measure=measure,
                households=1000 + position,
                installed=400 + 10 * step + position,
            )
    contacts = {
        key: RegionContact.objects.create(region=regions[key], name=f"联络员{key}")
        for key in ("a1", "b1")
    }
    users = {
        "district_a": _user("district_a", Profile.Role.DISTRICT, region=regions["a1"]),
        "bureau_a": _user("bureau_a", Profile.Role.BUREAU, area=city_a),
        "leader_province_a": _user("leader_pa", Profile.Role.LEADER, area=province_a),
        "bureau_root": _user("bureau_root", Profile.Role.BUREAU),
    }
    # A history file of province B, built (its job's id is the sample for <uuid:job>).
    job_b = HistoryExport.objects.create(
        id=JOB_B,
        requested_by=users["bureau_root"],
        area=province_b,
        format="csv",
        total=1,
    )
    history_exports.history_export_run(job_id=job_b.pk)
    assert "泽州县" in history_exports.history_export_path(job_b).read_text(encoding="utf-8-sig")
    # In the delivery log: a 催报 of a county of city B and a notice of city B (their
    # summaries name it), sent by the deployment's bureau, as the automatic ones are.
    _message(regions=[regions["b1"]], summary="催报：泽州县", actor=users["bureau_root"])
    _message(area=city_b, summary="晋城市进度通报（第1期）：PDF", actor=users["bureau_root"])
    return {
        "city_a": city_a,
        "city_b": city_b,
        "province_a": province_a,
        "regions": regions,
        "measure": measure,
        "weeks": weeks,
        "contacts": contacts,
        "users": users,
    }


def _user(username: str, role: str, *, region=None, area=None):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    Profile.objects.create(user=user, role=role, region=region, area=area)
    return user


def _message(*, summary: str, actor=None, regions=(), area=None):
    return outbox.enqueue_email(
        to=["liaison@example.cn"],
        subject=summary,
        body=summary,
        summary=summary,
        source="reminder" if regions else "notice",
        actor=actor,
        regions=regions,
        area=area,
    )


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def city_b_state() -> tuple:
    """Everything of city B a write could change: figures, their history, liaisons, reminders."""
    snapshots = Snapshot.objects.filter(region__city__code="140500")
    return (
        snapshots.count(),
        tuple(
            snapshots.aggregate(h=Sum("households"), i=Sum("installed"), v=Sum("version")).values()
        ),
        Snapshot.history.filter(region__city__code="140500").count(),
        tuple(
            RegionContact.objects.filter(region__city__code="140500")
            .order_by("pk")
            .values_list("pk", "name", "region_id")
        ),
        Reminder.objects.filter(region__city__code="140500").count(),
        tuple(Week.objects.order_by("date").values_list("date", "state", "deadline")),
    )


def patterns() -> list[URLPattern]:
    return [p for p in installs_urls.urlpatterns if isinstance(p, URLPattern)]


def url_for(pattern: URLPattern, *, slug: str, pk: int) -> str:
    samples = {
        "date": OPEN_DATE,
        "slug": slug,
        "pk": pk,
        "number": 1,
        "extension": "pdf",
        "job": JOB_B,
    }
    names = pattern.pattern.converters.keys()
    missing = [n for n in names if n not in samples]
    assert not missing, f"add a sample for {missing} to url_for"
    return reverse(f"installs:{pattern.name}", kwargs={n: samples[n] for n in names})


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return text_of(b"".join(response.streaming_content))
    return text_of(response.content)


def text_of(content: bytes) -> str:
    """What a reader sees: the text, or a workbook's strings (they are in its zip)."""
    if content[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return content.decode("utf-8", "replace")


POST_DATA = {
    "valve_pipe-households": "2000",
    "valve_pipe-installed": "900",
    "reason": "subtree",
    "date": "2022-11-28",
    "name": "某人",
    "region": "",  # filled with a county of city B
    "zezhou.valve_pipe-households": "2000",
    "zezhou.valve_pipe-installed": "900",
    "zezhou-include": "on",
    "deadline": "2022-11-22T18:00",
}


def attempt(client: Client, method: str, url: str, data: dict | None = None):
    """One request; whether it changed anything of city B (rolled back either way)."""
    with transaction.atomic():
        before = city_b_state()
        response = client.get(url) if method == "GET" else client.post(url, data or {})
        body = body_of(response)
        changed = city_b_state() != before
        transaction.set_rollback(True)
    return response, body, changed


def leaks(body: str) -> list[str]:
    return [name for name in B_NAMES if name in body]


@pytest.mark.parametrize("pattern", patterns(), ids=lambda p: p.name)
def test_it_refuses_city_b_chosen_by_area_on_every_url(pattern, world):
    data = {**POST_DATA, "region": str(world["regions"]["b1"].pk)}
    url = url_for(pattern, slug="jiefang", pk=world["contacts"]["a1"].pk)
    wrong = []
    for visitor in RESTRICTED:
        client = _client(world["users"][visitor])
        for method in ("GET", "POST"):
            response, body, changed = attempt(client, method, f"{url}?area=140500", data)
            # The read-only API answers any POST with its 405 first.
            if response.status_code not in ({404} if method == "GET" else {404, 405}):
                wrong.append(f"{method} {url}?area=B as {visitor}: {response.status_code}")
            if leaks(body) or changed:
                wrong.append(
                    f"{method} {url}?area=B as {visitor}: leaks {leaks(body)}, changed {changed}"
                )
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "pattern",
    [p for p in patterns() if {"slug", "pk", "job"} & set(p.pattern.converters)],
    ids=lambda p: p.name,
)
def test_it_refuses_a_county_or_liaison_of_city_b_in_the_address(pattern, world):
    data = {**POST_DATA, "region": str(world["regions"]["b1"].pk)}
    url = url_for(pattern, slug="zezhou", pk=world["contacts"]["b1"].pk)
    wrong = []
    for visitor in RESTRICTED:
        client = _client(world["users"][visitor])
        for method in ("GET", "POST"):
            response, body, changed = attempt(client, method, url, data)
            if response.status_code not in (403, 404, 405):
                wrong.append(f"{method} {url} as {visitor}: {response.status_code}")
            if leaks(body) or changed:
                wrong.append(f"{method} {url} as {visitor}: leaks {leaks(body)}, changed {changed}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("pattern", patterns(), ids=lambda p: p.name)
def test_it_shows_and_changes_nothing_of_city_b_with_the_session_on_city_a(pattern, world):
    """By date (and county of city A) with the session's area set: city A only, whatever the status."""
    data = {**POST_DATA, "region": str(world["regions"]["b1"].pk)}
    url = url_for(pattern, slug="jiefang", pk=world["contacts"]["a1"].pk)
    wrong = []
    for visitor in RESTRICTED:
        client = _client(world["users"][visitor])
        home = world["city_a"] if visitor != "leader_province_a" else world["province_a"]
        client.get(reverse("installs:week_detail", args=[OPEN_DATE]), {"area": home.code})
        for method in ("GET", "POST"):
            response, body, changed = attempt(client, method, url, data)
            if response.status_code >= 500:
                wrong.append(f"{method} {url} as {visitor}: {response.status_code}")
            if leaks(body) or changed:
                wrong.append(f"{method} {url} as {visitor}: leaks {leaks(body)}, changed {changed}")
    assert not wrong, "\n".join(wrong)


def test_the_control_bureau_of_the_deployment_reads_city_b(world):
    """The checks above can see city B: bureau staff bound to no area are shown it."""
    client = _client(world["users"]["bureau_root"])
    page = client.get(reverse("installs:week_detail", args=[OPEN_DATE]), {"area": "140500"})
    assert page.status_code == 200
    assert "泽州县" in page.content.decode() and "解放区" not in page.content.decode()
    chooser = client.get(reverse("installs:week_charts", args=[OPEN_DATE]), {"area": ""})
    assert "请选择城市" in chooser.content.decode()
    assert "晋城市" in chooser.content.decode() and "焦作市" in chooser.content.decode()
    download = client.get(reverse("installs:history_job_download", kwargs={"job": JOB_B}))
    assert "泽州县" in body_of(download)


def test_bureau_staff_of_city_a_read_city_a(world):
    client = _client(world["users"]["bureau_a"])
    page = client.get(reverse("installs:week_detail", args=[OPEN_DATE])).content.decode()
    assert "解放区" in page and not leaks(page)


def test_leadership_of_a_province_with_one_city_land_on_it(world):
    client = _client(world["users"]["leader_province_a"])
    page = client.get(reverse("installs:week_charts", args=[OPEN_DATE])).content.decode()
    assert "解放区" in page and not leaks(page)


# The write paths, on city B directly.


def _figure(world, key: str, households: int = 2000, installed: int = 900) -> FigureInput:
    return FigureInput(
        region=world["regions"][key],
        measure=world["measure"],
        households=households,
        installed=installed,
        version=ANY_VERSION,
    )


@pytest.mark.parametrize("visitor", ["district_a", "bureau_a", "leader_province_a"])
def test_figures_save_refuses_a_county_of_city_b(world, visitor):
    before = city_b_state()
    with pytest.raises(PermissionDenied):
        figures_save(
            week=world["weeks"][1],
            figures=[_figure(world, "b1")],
            actor=world["users"][visitor],
            reason="subtree",
        )
    assert city_b_state() == before


def test_figures_save_names_the_county_outside_the_area(world):
    with pytest.raises(PermissionDenied, match="泽州县"):
        figures_save(
            week=world["weeks"][1],
            figures=[_figure(world, "a1"), _figure(world, "b1")],
            actor=world["users"]["bureau_a"],
        )
    assert not Snapshot.objects.filter(households=2000).exists()  # nothing of city A either


def test_bureau_staff_of_city_a_correct_city_a(world):
    saved = figures_save(
        week=world["weeks"][1],
        figures=[_figure(world, "a1", 1000, 450)],
        actor=world["users"]["bureau_a"],
    )
    assert len(saved) == 1


def test_the_week_and_the_targets_need_bureau_staff_of_the_deployment(world):
    bureau_a = world["users"]["bureau_a"]
    week = world["weeks"][1]
    before = city_b_state()
    for step in (week_services.week_lock,):
        with pytest.raises(PermissionDenied):
            step(week=week, actor=bureau_a, reason="x")
    with pytest.raises(PermissionDenied):
        week_services.week_open(date=datetime.date(2022, 11, 28), actor=bureau_a)
    with pytest.raises(PermissionDenied):
        week_services.week_deadline_change(
            week=week,
            deadline=datetime.datetime(2022, 11, 22, 18, tzinfo=datetime.UTC),
            actor=bureau_a,
        )
    with pytest.raises(PermissionDenied):
        target_services.targets_save(
            targets=[
                target_services.TargetInput(
                    measure=world["measure"],
                    target_percent=90,
                    target_date=datetime.date(2023, 1, 1),
                )
            ],
            actor=bureau_a,
        )
    assert city_b_state() == before
    # The control: bureau staff of the whole deployment move the week.
    week_services.week_lock(week=week, actor=world["users"]["bureau_root"], reason="")


def test_liaisons_of_city_b_are_not_theirs(world):
    bureau_a = world["users"]["bureau_a"]
    before = city_b_state()
    with pytest.raises(PermissionDenied):
        contact_services.contact_save(region=world["regions"]["b1"], name="某人", actor=bureau_a)
    with pytest.raises(PermissionDenied):
        contact_services.contact_save(
            contact=world["contacts"]["a1"],
            region=world["regions"]["b1"],
            name="某人",
            actor=bureau_a,
        )
    with pytest.raises(PermissionDenied):
        contact_services.contact_delete(contact=world["contacts"]["b1"], actor=bureau_a)
    assert city_b_state() == before


def test_a_reminder_reaches_only_their_city(world):
    bureau_a = world["users"]["bureau_a"]
    Snapshot.objects.filter(week=world["weeks"][1]).delete()  # nobody has reported
    before = city_b_state()
    with pytest.raises(PermissionDenied):
        reminder_services.reminders_send_now(
            week=world["weeks"][1], actor=bureau_a, city=world["city_b"]
        )
    batch = reminder_services.reminders_send_now(week=world["weeks"][1], actor=bureau_a)
    assert {r.city_id for r in batch.regions} == {world["city_a"].pk}
    assert city_b_state() == before


def test_a_paste_of_city_b_into_the_grid_of_city_a_saves_nothing(world):
    client = _client(world["users"]["bureau_a"])
    before = city_b_state()
    response = client.post(
        reverse("installs:week_grid", args=[OPEN_DATE]),
        {"paste": "泽州县\t2000\t900", "reason": "x", "confirmed": "on"},
    )
    assert response.status_code == 200
    assert city_b_state() == before


def _b_table() -> bytes:
    return official_bytes(
        [["泽州县", 2000, 900, 0, "45.0%", 1], ["高平市", 2000, 900, 0, "45.0%", 1]],
        measures=[("自闭阀", "管道气")],
    )


def test_an_upload_of_city_b_names_matches_nothing_in_city_a(world):
    client = _client(world["users"]["bureau_a"])
    upload = io.BytesIO(_b_table())
    upload.name = "晋城.xlsx"
    before = city_b_state()
    response = client.post(
        reverse("installs:import_upload"), {"file": upload, "week": OPEN_DATE.isoformat()}
    )
    assert response.status_code == 200
    assert "import/confirm" not in response.content.decode()  # no preview to save
    assert city_b_state() == before


def test_the_import_service_refuses_figures_of_city_b(world):
    before = city_b_state()
    for actor, city in (
        (world["users"]["bureau_a"], world["city_a"]),
        (world["users"]["bureau_a"], None),
        (world["users"]["bureau_root"], world["city_a"]),
    ):
        with pytest.raises(import_services.ImportRefused):
            import_services.table_import(
                week_date=OPEN_DATE,
                figures=[_figure(world, "b1")],
                actor=actor,
                file_name="晋城.xlsx",
                reason="x",
                city=city,
            )
    assert city_b_state() == before


def test_the_import_command_refuses_city_b_for_bureau_staff_of_city_a(world, tmp_path):
    path = tmp_path / "jincheng.xlsx"
    path.write_bytes(_b_table())
    before = city_b_state()
    for area in ("140500", "410800"):
        with pytest.raises(CommandError):
            call_command(
                "import_table",
                str(path),
                "--week",
                OPEN_DATE.isoformat(),
                "--reason",
                "x",
                "--user",
                "bureau_a",
                "--area",
                area,
                stdout=io.StringIO(),
                stderr=io.StringIO(),
            )
    # Several cities: a city must be named.
    with pytest.raises(CommandError, match="--area"):
        call_command("import_table", str(path), "--user", "bureau_root", stdout=io.StringIO())
    assert city_b_state() == before


def test_the_commands_need_a_city_when_there_are_several(world, tmp_path):
    with pytest.raises(CommandError, match="--area"):
        call_command("export_table", "--week", OPEN_DATE.isoformat(), "--output", str(tmp_path))
    call_command(
        "export_table",
        "--week",
        OPEN_DATE.isoformat(),
        "--output",
        str(tmp_path / "a.xlsx"),
        "--area",
        "410800",
        stdout=io.StringIO(),
    )
    workbook = text_of((tmp_path / "a.xlsx").read_bytes())
    assert "解放区" in workbook and not leaks(workbook)


def test_add_user_binds_bureau_staff_to_an_area_and_district_staff_to_none(world):
    call_command(
        "add_user",
        "bureau_b",
        "--role",
        "bureau",
        "--area",
        "140500",
        "--password",
        PASSWORD,
        stdout=io.StringIO(),
    )
    assert get_user_model().objects.get(username="bureau_b").profile.area == world["city_b"]
    with pytest.raises(CommandError, match="--area"):
        call_command(
            "add_user",
            "district_b",
            "--role",
            "district",
            "--region",
            "zezhou",
            "--area",
            "140500",
            "--password",
            PASSWORD,
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="--area"):
        call_command(
            "add_user",
            "bureau_x",
            "--role",
            "bureau",
            "--area",
            "999999",
            "--password",
            PASSWORD,
            stdout=io.StringIO(),
        )
    assert not Area.objects.filter(code="999999").exists()
    assert not Region.objects.filter(city=None).exists()


def test_an_api_token_reads_the_city_asked_for(world):
    from installs.services.api_tokens import api_token_create

    _token, key = api_token_create(name="平台")
    client = Client()
    headers = {"Authorization": f"Bearer {key}"}
    week = world["weeks"][0]  # tokens read published weeks
    url = reverse("installs:api_week", args=[week.date])
    b = client.get(url, {"area": "140500"}, headers=headers).json()
    assert [r["name"] for r in b["regions"]] == ["泽州县", "高平市"]
    # Without ?area= a token reads the root's table: the nation's provinces.
    nation = client.get(url, headers=headers).json()
    assert {c["code"] for c in nation["children"]} == {"410000", "140000"}
    assert client.get(url, {"area": "000000"}, headers=headers).status_code == 404


def test_remind_late_sends_one_reminder_per_city(world, settings):
    settings.REMINDER_OFFSETS = "+0h"
    Snapshot.objects.filter(week=world["weeks"][1]).delete()  # nobody has reported
    out = io.StringIO()
    call_command("remind_late", "--no-deliver", stdout=out)
    reminded = Reminder.objects.filter(week=world["weeks"][1])
    assert {r.region.slug for r in reminded} == {"jiefang", "shanyang", "zezhou", "gaoping"}
    lines = [line for line in out.getvalue().splitlines() if "泽州县" in line or "解放区" in line]
    assert len(lines) == 2  # one per city, neither naming the other's counties
    assert not any("泽州县" in line and "解放区" in line for line in lines)


def test_each_reads_the_notice_of_their_own_area_only(world):
    """
    Published by the deployment's bureau: the nation's notice (its two provinces)
    and each city's. Accounts inside province A read 焦作市's, by page and by
    number, and never 晋城市's or the nation's; the control reads the nation's.
    """
    from installs.models import Notice

    week = week_services.week_lock(week=world["weeks"][1], actor=world["users"]["bureau_root"])
    week_services.week_publish(week=week, actor=world["users"]["bureau_root"])
    made = {n.area.code if n.area else "": n for n in Notice.objects.select_related("area")}
    assert set(made) == {"", "410800", "140500"}
    page = reverse("installs:week_notice", args=[OPEN_DATE])
    download = reverse("installs:notice_download", args=[OPEN_DATE, 1, "pdf"])
    for visitor in RESTRICTED:
        client = _client(world["users"][visitor])
        response = client.get(page)
        assert "解放区" in response.content.decode(), visitor
        assert not leaks(response.content.decode()), visitor
        assert client.get(download).content == bytes(made["410800"].pdf), visitor
        for area in ("140500", ""):
            assert client.get(page, {"area": area}).status_code == 404, visitor
            assert client.get(download, {"area": area}).status_code == 404, visitor
    control = _client(world["users"]["bureau_root"])
    html = control.get(page).content.decode()
    assert "全国燃气居民用户安全装置加装情况进度表" in html
    assert "山西省" in html and "河南省" in html
    assert control.get(download).content == bytes(made[""].pdf)


def test_the_delivery_log_shows_the_messages_of_their_subtree_only(world):
    """
    Bureau staff of city A read the messages that concern city A, whoever queued
    them (the automatic 催报 has no sender), and never city B's; staff of province
    A the same, with the notices of the province; the control reads everything.
    """
    a1, b1 = world["regions"]["a1"], world["regions"]["b1"]
    _message(regions=[a1], summary="催报：解放区")
    _message(
        area=world["city_a"], summary="焦作市进度通报：PDF", actor=world["users"]["bureau_root"]
    )
    _message(area=world["province_a"], summary="河南省进度通报：PDF")
    _message(regions=[a1, b1], summary="催报：两市")  # names a county of city B
    _message(summary="全国进度通报：PDF", actor=world["users"]["bureau_root"])  # the nation's
    # Queued before messages named what they concern: the sender still reads it.
    _message(summary="旧催报", actor=world["users"]["bureau_a"])
    url = reverse("installs:outbox_log")

    def shown(user) -> set[str]:
        html = _client(user).get(url).content.decode()
        names = ("解放区", "焦作市进度通报", "河南省进度通报", "两市", "全国进度通报", "旧催报")
        names += ("泽州县", "晋城市")
        return {name for name in names if name in html}

    city_only = {"解放区", "焦作市进度通报"}
    assert shown(world["users"]["bureau_a"]) == city_only | {"旧催报"}
    province_a = _user("bureau_pa", Profile.Role.BUREAU, area=world["province_a"])
    assert shown(province_a) == city_only | {"河南省进度通报"}
    everything = set(city_only) | {"河南省进度通报", "两市", "全国进度通报", "旧催报"}
    everything |= {"泽州县", "晋城市"}
    assert shown(world["users"]["bureau_root"]) == everything


def test_reminders_and_notices_name_what_they_concern(world, settings):
    """The services link each message to its counties or its area: what the log's scope reads."""
    settings.WECOM_ROBOTS = {"districts": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x"}
    RegionContact.objects.filter(region=world["regions"]["a1"]).update(email="a1@example.cn")
    leader = world["users"]["leader_province_a"]
    leader.email = "leader@example.cn"
    leader.save()
    Snapshot.objects.filter(week=world["weeks"][1]).delete()  # nobody has reported
    batch = reminder_services.reminders_send_now(
        week=world["weeks"][1], actor=world["users"]["bureau_a"]
    )
    robot, email = batch.messages
    assert set(robot.regions.all()) == {world["regions"]["a1"], world["regions"]["a2"]}
    assert list(email.regions.all()) == [world["regions"]["a1"]]  # the e-mail to its liaison
    week = week_services.week_lock(week=world["weeks"][1], actor=world["users"]["bureau_root"])
    week_services.week_publish(week=week, actor=world["users"]["bureau_root"], reason="test")
    sent = outbox.OutboxMessage.objects.filter(source="notice", payload__to=[leader.email])
    assert [m.area for m in sent] == [world["city_a"]]  # 焦作市's notice, to its leader


ADMIN_MODELS = ("snapshot", "region", "profile", "user")


def _admin_staff(user):
    """Staff who are not superusers, with the admin's view and change permissions."""
    from django.contrib.auth.models import Permission

    user.is_staff = True
    user.save()
    codenames = [f"{verb}_{model}" for verb in ("view", "change") for model in ADMIN_MODELS]
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return get_user_model().objects.get(pk=user.pk)  # without the cached permissions


def test_the_admin_shows_staff_of_city_a_nothing_of_city_b(world):
    """
    The admin lets in staff who hold a permission: bureau staff of city A with
    view permissions read the figures, counties and accounts of city A only, in
    the lists, the filters, each object's page and its history.
    """
    bureau_a = _admin_staff(world["users"]["bureau_a"])
    client = _client(bureau_a)
    b1 = world["regions"]["b1"]
    snapshot_b = Snapshot.objects.filter(region=b1).first()
    district_b = _user("district_b", Profile.Role.DISTRICT, region=b1)
    wrong = []
    for model in ADMIN_MODELS:
        listing = client.get(f"/admin/{'auth' if model == 'user' else 'installs'}/{model}/")
        body = listing.content.decode()
        if listing.status_code != 200 or leaks(body) or "district_b" in body:
            wrong.append(f"{model} list: {listing.status_code}, leaks {leaks(body)}")
    for url in (
        f"/admin/installs/snapshot/{snapshot_b.pk}/change/",
        f"/admin/installs/snapshot/{snapshot_b.pk}/history/",
        f"/admin/installs/snapshot/{snapshot_b.pk}/history/{snapshot_b.history.first().pk}/",
        f"/admin/installs/region/{b1.pk}/change/",
        f"/admin/installs/profile/{district_b.profile.pk}/change/",
        f"/admin/auth/user/{district_b.pk}/change/",
    ):
        response = client.get(url)
        if response.status_code not in (302, 403, 404) or leaks(response.content.decode()):
            wrong.append(f"{url}: {response.status_code}, leaks {leaks(response.content.decode())}")
    assert not wrong, "\n".join(wrong)
    # What is theirs they read: the control that the lists are not simply empty.
    figures = client.get("/admin/installs/snapshot/").content.decode()
    assert "解放区" in figures


def test_staff_of_city_a_give_roles_in_city_a_only_and_no_admin_rights(world):
    bureau_a = _admin_staff(world["users"]["bureau_a"])
    client = _client(bureau_a)
    district_a = world["users"]["district_a"]
    url = f"/admin/auth/user/{district_a.pk}/change/"
    form = {
        "username": "district_a",
        "role": Profile.Role.DISTRICT,
        "region": world["regions"]["b1"].pk,
        "is_active": "on",
        "is_superuser": "on",
        "is_staff": "on",
        "date_joined_0": "2022-11-21",
        "date_joined_1": "08:00:00",
    }
    page = client.get(url).content.decode()
    assert not leaks(page)  # no county of city B to choose
    client.post(url, form)
    district_a.refresh_from_db()
    assert district_a.profile.region == world["regions"]["a1"]
    assert not (district_a.is_superuser or district_a.is_staff)
    # A valid form of their own account: saved, but not its admin rights.
    own = {**form, "username": "bureau_a", "role": Profile.Role.BUREAU, "region": ""}
    own["area"] = world["city_a"].pk
    own["first_name"] = "甲"
    response = client.post(f"/admin/auth/user/{bureau_a.pk}/change/", own)
    assert response.status_code == 302
    bureau_a.refresh_from_db()
    assert bureau_a.first_name == "甲" and not bureau_a.is_superuser
    # Nor bind themselves to no area (the whole deployment).
    response = client.post(f"/admin/auth/user/{bureau_a.pk}/change/", {**own, "area": ""})
    assert "请选择您负责范围内的行政区域。" in response.content.decode()
    assert Profile.objects.get(user=bureau_a).area == world["city_a"]
