"""
Clean input, whichever page or command it comes through: counts written only
with digits (separators between groups of three), week dates within a sane
range and on the usual weekday, free text without control characters.
"""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from installs import free_text
from installs.models import ApiToken, Measure, Region, Snapshot, Week
from installs.services.accounts import account_add
from installs.services.api_tokens import api_token_create
from tests.factories import PASSWORD, load_seed, make_user
from tests.official_workbooks import official_bytes, seed_table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WEEK = "2022-11-21"
SLIPS = ["1,2,3", "1 2 3", "①", "²"]


def state() -> tuple:
    return (
        list(Snapshot.objects.order_by("pk").values_list("pk", "households", "installed")),
        list(Week.objects.order_by("pk").values_list("pk", "date", "state")),
        Snapshot.history.count(),
        Week.history.count(),
    )


@pytest.fixture
def bureau(client, db):
    load_seed()
    Week.objects.filter(date=WEEK).update(state=Week.State.OPEN)
    user = make_user("ju", "bureau")
    client.force_login(user)
    return user


# Counts.


@pytest.mark.parametrize("typed", SLIPS)
def test_the_form_refuses_a_count_that_only_looks_like_one(client, bureau, typed):
    data = {
        f"{s.measure.slug}-{name}": str(getattr(s, name))
        for s in Snapshot.objects.filter(week__date=WEEK, region__slug="wenxian")
        for name in ("households", "installed", "version")
    }
    data["valve_pipe-installed"] = typed
    before = state()
    response = client.post(f"/weeks/{WEEK}/entry/wenxian/", data)
    assert response.status_code == 200
    [error] = response.context["form"].errors["valve_pipe-installed"]
    assert error.startswith("自闭阀·管道气 的已安装数")
    assert state() == before


@pytest.mark.parametrize("typed", SLIPS)
def test_the_grid_refuses_a_count_that_only_looks_like_one(client, bureau, typed):
    snapshot = Snapshot.objects.get(
        week__date=WEEK, region__slug="wenxian", measure__slug="valve_pipe"
    )
    prefix = "wenxian.valve_pipe"
    before = state()
    # The page as it stands (every region's inputs), with one cell typed over.
    page = client.get(f"/weeks/{WEEK}/grid/").content.decode()
    data = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', page))
    assert data[f"{prefix}.version"] == str(snapshot.version)
    response = client.post(f"/weeks/{WEEK}/grid/", {**data, f"{prefix}.installed": typed})
    assert response.status_code == 200
    [(region, message)] = response.context["errors"]
    assert region.slug == "wenxian" and message.startswith("自闭阀·管道气 的已安装数")
    assert state() == before


@pytest.mark.parametrize("typed", SLIPS)
def test_the_import_refuses_a_count_that_only_looks_like_one(client, bureau, typed):
    rows = seed_table()
    rows[2][2] = typed  # 温县's 自闭阀 已安装数, as text in the cell
    upload = SimpleUploadedFile(
        "进度表.xlsx", official_bytes(rows, date_line="(2022.11.21)"), content_type=XLSX
    )
    before = state()
    response = client.post("/import/", {"file": upload, "week": "", "reason": ""})
    errors = [str(e) for e in response.context["preview"].errors]
    assert len(errors) == 1 and errors[0].startswith("C8: ")
    assert response.context["token"] == ""
    assert state() == before


# Week dates.


def test_an_import_dated_1022_opens_no_week(client, bureau):
    upload = SimpleUploadedFile(
        "进度表.xlsx", official_bytes(seed_table(), date_line="(1022.11.28)"), content_type=XLSX
    )
    before = state()
    response = client.post("/import/", {"file": upload, "week": "", "reason": ""})
    assert "1022-11-28 早于 2000-01-01，请检查年份。" in [
        str(e) for e in response.context["preview"].errors
    ]
    assert response.context["token"] == ""
    assert state() == before


def test_the_import_command_opens_no_week_dated_1022(bureau, tmp_path):
    path = tmp_path / "进度表.xlsx"
    path.write_bytes(official_bytes(seed_table(), date_line="(1022.11.28)"))
    before = state()
    with pytest.raises(CommandError):
        call_command("import_table", str(path), "--user", "ju", stdout=io.StringIO())
    assert state() == before


def test_an_import_opens_a_week_on_another_weekday_only_when_told(client, bureau, tmp_path):
    path = tmp_path / "进度表.xlsx"
    path.write_bytes(official_bytes(seed_table(), date_line="(2022.11.29)"))  # a Tuesday
    before = state()
    errors = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_table", str(path), "--user", "ju", stdout=io.StringIO(), stderr=errors)
    assert "2022年11月29日是星期二" in errors.getvalue()
    assert state() == before
    call_command("import_table", str(path), "--user", "ju", "--other-weekday", stdout=io.StringIO())
    assert Week.objects.filter(date="2022-11-29").exists()


@pytest.mark.parametrize(
    ("date", "other_weekday", "message"),
    [
        ("1022-11-28", "on", "1022-11-28 早于 2000-01-01，请检查年份。"),
        ("2022-11-29", "", "2022年11月29日是星期二"),
    ],
)
def test_week_management_refuses_an_implausible_date(client, bureau, date, other_weekday, message):
    before = state()
    response = client.post("/weeks/open/", {"date": date, "allow_other_weekday": other_weekday})
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["date"])
    assert state() == before


# Free text.


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("上周漏报，已补录", False),
        ("tab\there", True),
        ("a\x00b", True),
        ("a\x1bb", True),
        ("a\x7fb", True),
        ("a\u2028b", True),
        ("a\u202eb", True),
        ("\ud800", True),
        ("emoji 🙂 and 全角，标点", False),
    ],
)
def test_one_rule_for_free_text(text, refused):
    assert (free_text.text_error(text) is not None) == refused


def test_a_textarea_keeps_its_line_breaks_and_tabs():
    assert free_text.text_error("沁阳市\t1\t2\r\n温县\t3\t4", multiline=True) is None
    assert free_text.text_error("沁阳市\t1\x00", multiline=True) is not None


@pytest.mark.parametrize("reason", ["更正\x00", "更正\n第二行"])
def test_the_grid_refuses_a_reason_with_a_control_character(client, bureau, reason):
    snapshot = Snapshot.objects.get(
        week__date=WEEK, region__slug="wenxian", measure__slug="valve_pipe"
    )
    prefix = "wenxian.valve_pipe"
    before = state()
    response = client.post(
        f"/weeks/{WEEK}/grid/",
        {
            f"{prefix}.households": str(snapshot.households),
            f"{prefix}.installed": str(snapshot.installed + 5),
            f"{prefix}.version": str(snapshot.version),
            "reason": reason,
        },
    )
    assert response.status_code == 200
    assert (
        "控制字符" in response.context["form"]["reason_error"]
        or "一行" in (response.context["form"]["reason_error"])
    )
    assert "\x00" not in response.content.decode()
    assert state() == before


def test_the_grid_refuses_a_paste_with_a_nul(client, bureau):
    before = state()
    response = client.post(f"/weeks/{WEEK}/grid/", {"paste": "温县\t71840\t19865\x00"})
    assert response.status_code == 200
    assert "控制字符" in response.context["form"]["paste_errors"][0].message
    assert state() == before


def test_the_targets_page_refuses_a_nul_without_a_500(client, bureau):
    response = client.post(
        "/targets/",
        {
            "valve_pipe-target_percent": "100\x00",
            "valve_pipe-target_date": "2023-06-30",
        },
    )
    assert response.status_code == 200


# Free text that reaches a query or a row by other ways than the reasons: the region
# switcher's parameter, the admin's reference data and accounts, the commands' names.
# On PostgreSQL a NUL that reaches a query is a DataError (a 500, or a traceback).

CONTROL = ["温县\x00", "温县\x01"]


@pytest.mark.parametrize("text", CONTROL)
def test_the_region_switcher_answers_404_to_a_control_character(client, bureau, text):
    assert client.get("/regions/", {"region": text}).status_code == 404


@pytest.fixture
def superuser(client, db):
    load_seed()
    user = make_user("root", "bureau", is_superuser=True, is_staff=True)
    client.force_login(user)
    return user


@pytest.mark.parametrize("text", CONTROL)
@pytest.mark.parametrize("field", ["name", "aliases", "code"])
def test_the_admin_refuses_a_region_name_with_a_control_character(client, superuser, field, text):
    data = {"name": "新区", "slug": "xinqu", "code": "", "aliases": "", "order": 0, "active": "on"}
    data[field] = text
    response = client.post("/admin/installs/region/add/", data)
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors[field]
    assert "控制字符" in message
    assert not Region.objects.filter(slug="xinqu").exists()


@pytest.mark.parametrize("text", CONTROL)
@pytest.mark.parametrize("field", ["device", "gas_type"])
def test_the_admin_refuses_a_measure_name_with_a_control_character(client, superuser, field, text):
    data = {"device": "报警器", "gas_type": "管道气", "slug": "alarm", "order": 0}
    data |= {"active": "on", "target_rate": "1", "target_date": ""}
    data[field] = text
    response = client.post("/admin/installs/measure/add/", data)
    assert response.status_code == 200
    [message] = response.context["adminform"].form.errors[field]
    assert "控制字符" in message
    assert not Measure.objects.filter(slug="alarm").exists()


@pytest.mark.parametrize("text", CONTROL)
def test_the_admin_refuses_a_token_name_with_a_control_character(client, superuser, text):
    token, _key = api_token_create(name="城市运行管理服务平台")
    response = client.post(
        f"/admin/installs/apitoken/{token.pk}/change/", {"name": text, "active": "on"}
    )
    assert response.status_code == 200
    assert "控制字符" in response.context["adminform"].form.errors["name"][0]
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["城市运行管理服务平台"]


def test_the_admin_makes_no_token(client, superuser):
    """A token is made by `api_token create`, which prints its key once; the admin's
    form had made one without a key (and a second one was a 500 on the unique hash)."""
    for name in ("甲", "乙"):
        response = client.post("/admin/installs/apitoken/add/", {"name": name, "active": "on"})
        assert response.status_code == 403
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("text", CONTROL)
def test_the_admin_refuses_a_person_name_with_a_control_character(client, superuser, text):
    user = make_user("wang", "leader")
    data = {
        "username": "wang",
        "first_name": text,
        "last_name": "",
        "email": "",
        "role": "leader",
        "is_active": "on",
        "date_joined_0": "2022-11-21",
        "date_joined_1": "08:00:00",
    }
    response = client.post(f"/admin/auth/user/{user.pk}/change/", data)
    assert response.status_code == 200
    assert "控制字符" in response.context["adminform"].form.errors["first_name"][0]
    user.refresh_from_db()
    assert user.first_name == ""


@pytest.mark.parametrize("text", CONTROL)
def test_api_token_refuses_a_name_with_a_control_character(db, text):
    with pytest.raises(CommandError, match="控制字符"):
        call_command("api_token", "create", text)
    with pytest.raises(CommandError):
        call_command("api_token", "revoke", text)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("text", CONTROL)
def test_add_user_refuses_a_control_character_in_a_name(db, text):
    load_seed()
    before = list(get_user_model().objects.values_list("username", flat=True))
    with pytest.raises(CommandError, match="控制字符"):
        call_command("add_user", text, "--role", "leader", "--password", PASSWORD)
    with pytest.raises(CommandError, match="控制字符"):
        call_command(
            "add_user", "wang", "--role", "district", "--region", text, "--password", PASSWORD
        )
    with pytest.raises(ValidationError, match="控制字符"):
        account_add(username=text, role="leader", region=None, password=PASSWORD, actor=None)
    assert list(get_user_model().objects.values_list("username", flat=True)) == before


# A reason must say something: one made only of invisible characters (a zero-width
# space, a word joiner, a byte-order mark) reads as blank in the audit trail.

INVISIBLE = ["\u200b", "\u2060\ufeff", " \u200b\u3000"]


@pytest.mark.parametrize("reason", INVISIBLE)
def test_a_closed_week_refuses_an_invisible_reason(bureau, reason):
    from installs.services.figures import FigureInput, ReasonRefused, figures_save

    week = Week.objects.get(date=WEEK)
    week.state = Week.State.LOCKED
    week.save()
    snapshot = Snapshot.objects.get(week=week, region__slug="wenxian", measure__slug="valve_pipe")
    figure = FigureInput(
        region=snapshot.region,
        measure=snapshot.measure,
        households=snapshot.households,
        installed=snapshot.installed + 5,
        version=snapshot.version,
    )
    before = state()
    with pytest.raises(ReasonRefused):
        figures_save(week=week, figures=[figure], actor=bureau, reason=reason)
    assert state() == before


@pytest.mark.parametrize("reason", INVISIBLE)
def test_unlock_refuses_an_invisible_reason(bureau, reason):
    from installs.services.weeks import WeekWorkflowError, week_unlock

    week = Week.objects.get(date=WEEK)
    week.state = Week.State.LOCKED
    week.save()
    before = state()
    with pytest.raises(WeekWorkflowError):
        week_unlock(week=week, actor=bureau, reason=reason)
    assert state() == before


@pytest.mark.parametrize("text", CONTROL)
def test_the_commands_refuse_a_control_character_in_a_username(bureau, tmp_path, text):
    path = tmp_path / "进度表.xlsx"
    path.write_bytes(official_bytes(seed_table(), date_line="(2022.11.21)"))
    before = state()
    with pytest.raises(CommandError, match="控制字符"):
        call_command("import_table", str(path), "--user", text, stdout=io.StringIO())
    with pytest.raises(CommandError, match="控制字符"):
        call_command("open_week", "2022-11-28", "--by", text, stdout=io.StringIO())
    assert state() == before
