"""The upload page, its preview and the confirmation: bureau staff only, nothing saved before confirming."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from installs.models import Region, Snapshot, Week
from installs.services.figures import FigureInput, figures_save
from installs.views.transfer import SESSION_KEY
from tests.factories import load_seed, make_user
from tests.official_workbooks import official_bytes, seed_table

pytestmark = pytest.mark.django_db

UPLOAD = "/import/"
CONFIRM = "/import/confirm/"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def bureau(client):
    load_seed()
    user = make_user("ju", "bureau")
    client.force_login(user)
    return user


def upload(client, data: bytes, name: str = "第48周.xlsx", week: str = "", reason: str = ""):
    return client.post(
        UPLOAD,
        {
            "file": SimpleUploadedFile(name, data, content_type=XLSX),
            "week": week,
            "reason": reason,
        },
    )


def state() -> tuple:
    return (
        list(Week.objects.values_list("date", "state").order_by("date")),
        list(
            Snapshot.objects.values_list(
                "week_id", "region_id", "measure_id", "households", "installed"
            ).order_by("week_id", "region_id", "measure_id")
        ),
        Snapshot.history.count(),
    )


def changed_rows() -> list[list]:
    """The 2022-11-21 table with 温县's 自闭阀 moved on, dated 2022.11.28."""
    return seed_table(changes={("温县", "valve_pipe"): (71840, 20500)})


def token_of(response) -> str:
    return response.context["token"]


# Who may use it -----------------------------------------------------------------


@pytest.mark.parametrize("role", ["district", "leader"])
def test_it_refuses_other_roles(client, role):
    load_seed()
    region = Region.objects.first() if role == "district" else None
    client.force_login(make_user("u", role, region))
    assert client.get(UPLOAD).status_code == 403
    before = state()
    assert upload(client, official_bytes()).status_code == 403
    assert client.post(CONFIRM, {"token": "x"}).status_code == 403
    assert state() == before


def test_it_refuses_an_account_without_a_role(client):
    load_seed()
    client.force_login(make_user("nobody", None))
    assert client.get(UPLOAD).status_code == 403


def test_it_sends_anonymous_to_the_login_page(client):
    for url in (UPLOAD, CONFIRM):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_it_shows_the_form_to_bureau_staff(client, bureau):
    response = client.get(UPLOAD)
    assert response.status_code == 200
    assert "导入进度表" in response.content.decode()


def test_the_confirmation_takes_post_only(client, bureau):
    assert client.get(CONFIRM).status_code == 405


# Upload and preview -------------------------------------------------------------


def test_it_previews_the_changes_without_saving(client, bureau):
    before = state()
    response = upload(client, official_bytes(changed_rows()))
    assert response.status_code == 200
    html = response.content.decode()
    assert "导入预览" in html
    assert "2022年11月28日" in html
    assert "新周次：将自动开启" in html
    assert "20500" in html
    assert state() == before


def test_it_shows_old_and_new_values_of_a_changed_figure(client, bureau):
    response = upload(client, official_bytes(changed_rows(), date_line="(2022.11.21)"))
    html = response.content.decode()
    assert "<del>19860</del> → <ins>20500</ins>" in html
    assert "修改 1 项" in html and "不变 32 项" in html


def test_it_shows_the_resulting_table(client, bureau):
    response = upload(client, official_bytes(changed_rows()))
    table = response.context["table"]
    wenxian = next(row for row in table.data.data if row["region"] == "温县")
    assert (wenxian["valve_pipe_installed"], wenxian["valve_pipe_new"]) == (20500, 640)
    assert 'class="progress-table"' in response.content.decode()


def test_it_keeps_the_preview_in_the_session_not_the_file(client, bureau):
    response = upload(client, official_bytes(changed_rows()))
    payload = client.session[SESSION_KEY][token_of(response)]
    assert payload["week"] == "2022-11-28"
    assert payload["file_name"] == "第48周.xlsx"
    assert len(payload["figures"]) == 33


def test_it_lists_errors_by_cell_and_offers_no_confirmation(client, bureau):
    rows = changed_rows()
    rows[3][0] = "某某区"
    response = upload(client, official_bytes(rows))
    html = response.content.decode()
    assert '<span class="cell-ref">A9</span> 未知的县(市、区)“某某区”' in html
    assert CONFIRM not in html
    assert token_of(response) == ""


def test_it_lists_warnings_and_still_offers_the_confirmation(client, bureau):
    rows = seed_table(changes={("沁阳市", "valve_pipe"): (87326, 29000)})
    response = upload(client, official_bytes(rows))
    html = response.content.decode()
    assert "条提示（不影响保存）" in html
    assert '<span class="cell-ref">C6</span>' in html
    assert CONFIRM in html


def test_it_takes_the_week_chosen_on_the_form(client, bureau):
    response = upload(client, official_bytes(changed_rows()), week="2022-12-05")
    assert response.context["preview"].week_date == datetime.date(2022, 12, 5)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"a,b\n1,2\n", "table.csv", "这不是 Excel .xlsx 工作簿"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "table.xlsx", "这是旧版 .xls 文件"),
        (b"PK\x03\x04garbage", "table.xlsx", "工作簿已损坏"),
    ],
)
def test_it_refuses_a_file_it_cannot_read_with_a_message(client, bureau, data, name, message):
    before = state()
    response = upload(client, data, name=name)
    assert response.status_code == 200  # the form again, with the message under the file field
    assert message in "".join(response.context["form"].errors["file"])
    assert state() == before


def test_it_refuses_a_workbook_named_otherwise_than_xlsx(client, bureau):
    response = upload(client, official_bytes(), name="table.xls")
    assert response.status_code == 200
    assert "这不是 Excel .xlsx 工作簿" in response.content.decode()


def test_it_refuses_a_file_over_the_limit(client, bureau, settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    response = upload(client, b"PK\x03\x04" + b"\0" * (1024 * 1024 + 1))
    assert response.status_code == 200
    assert "文件超过 1 MB。" in response.content.decode()


def test_it_needs_a_file(client, bureau):
    response = client.post(UPLOAD, {})
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert "preview" not in response.context


# Confirmation ---------------------------------------------------------------


def test_it_saves_on_confirmation_and_shows_the_week(client, bureau):
    token = token_of(upload(client, official_bytes(changed_rows())))
    response = client.post(CONFIRM, {"token": token})
    assert response.status_code == 302
    assert response["Location"] == "/weeks/2022-11-28/"
    saved = Snapshot.objects.get(
        week__date="2022-11-28", region__name="温县", measure__slug="valve_pipe"
    )
    assert saved.installed == 20500
    assert saved.history.first().history_change_reason == "导入: 第48周.xlsx"
    assert token not in client.session[SESSION_KEY]


def test_it_does_not_save_a_preview_twice(client, bureau):
    token = token_of(upload(client, official_bytes(changed_rows())))
    client.post(CONFIRM, {"token": token})
    before = state()
    response = client.post(CONFIRM, {"token": token}, follow=True)
    assert "该预览已过期或已保存" in response.content.decode()
    assert state() == before


def test_it_refuses_an_unknown_preview(client, bureau):
    before = state()
    response = client.post(CONFIRM, {"token": "forged"})
    assert response.status_code == 302
    assert response["Location"] == UPLOAD
    assert state() == before


def test_it_refuses_to_overwrite_what_changed_since_the_preview(client, bureau):
    token = token_of(
        upload(client, official_bytes(changed_rows(), date_line="(2022.11.21)"), reason="更正")
    )
    week = Week.objects.get(date="2022-11-21")
    wenxian = Snapshot.objects.get(week=week, region__name="温县", measure__slug="valve_pipe")
    figures_save(
        week=week,
        figures=[
            FigureInput(
                region=wenxian.region,
                measure=wenxian.measure,
                households=71840,
                installed=19999,
                version=wenxian.version,
            )
        ],
        actor=bureau,
        reason="温县更正",
    )
    before = state()
    response = client.post(CONFIRM, {"token": token})
    assert response.status_code == 409
    html = response.content.decode()
    assert "导入未保存" in html
    assert "71840 / 19999" in html and "71840 / 20500" in html
    assert state() == before
