"""
A province's or the nation's history (历周数据), built in the background: the
request makes a job, the task builds the file city by city (progress), the page
shows the bar and then the link; only accounts whose subtree holds the area see it.
The task's body runs here directly (history_export_run), as the worker would.
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from installs import area_history, history_export, sheets
from installs.models import HistoryExport, Profile
from installs.services import history_exports
from tests.factories import make_user
from tests.tree import two_provinces

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    return two_provinces()


def _bound(username: str, role: str, area):
    user = make_user(username, role)
    Profile.objects.filter(user=user).update(area=area)
    user.refresh_from_db()
    return user


@pytest.fixture
def people(tree):
    return {
        "root": _bound("bureau_root", "bureau", None),
        "henan": _bound("leader_henan", "leader", tree.henan),
        "shanxi": _bound("bureau_shanxi", "bureau", tree.shanxi),
        "jiaozuo": _bound("bureau_jiaozuo", "bureau", tree.jiaozuo),
    }


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ask(client: Client, area_code: str, format: str = "xlsx"):
    """POST 历周数据 at an area: the job is made, its task enqueued when the transaction commits."""
    url = reverse(f"installs:history_{format}")
    return client.post(f"{url}?area={area_code}")


def read_xlsx(path) -> list[list]:
    workbook = load_workbook(path, read_only=True)
    rows = []
    for ws in workbook.worksheets:
        sheet = [list(r) for r in ws.iter_rows(values_only=True)]
        rows.extend(sheet[1:])
    return rows


def read_csv_file(path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def city_rows_from_city_export(city) -> list[list[str]]:
    """The city's own CSV export (the synchronous one), without its header."""
    content = history_export.history_csv(city).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(content)))[1:]


def test_a_province_page_offers_the_background_build(tree, people):
    page = client_of(people["henan"]).get(reverse("installs:history_xlsx"), {"area": "410000"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "后台" in text and "<form" in text and "3" in text
    assert HistoryExport.objects.count() == 0  # a GET asks for nothing


def test_the_request_makes_a_job_and_enqueues_the_task(
    tree, people, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client_of(people["henan"]), "410000")
    job = HistoryExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("installs:history_job", kwargs={"job": job.pk})
    assert (job.requested_by, job.area, job.format, job.state) == (
        people["henan"],
        tree.henan,
        "xlsx",
        HistoryExport.State.QUEUED,
    )
    assert (job.done, job.total) == (0, 3)
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [str(job.pk)]
    # Asking again while it is waiting gives the same job.
    with django_capture_on_commit_callbacks(execute=True):
        ask(client_of(people["henan"]), "410000")
    assert HistoryExport.objects.count() == 1 and DBTaskResult.objects.count() == 1


def test_the_province_csv_has_every_county_of_the_province_as_its_cities_exports(tree, people):
    ask(client_of(people["henan"]), "410000", "csv")
    job = history_exports.history_export_run(job_id=HistoryExport.objects.get().pk)
    assert job.state == HistoryExport.State.DONE and (job.done, job.total) == (3, 3)
    rows = read_csv_file(history_exports.history_export_path(job))
    assert rows[0][:3] == ["省（自治区、直辖市）", "市", "周"]
    assert {(r[0], r[1], r[4]) for r in rows[1:]} == {
        ("河南省", "焦作市", "解放区"),
        ("河南省", "焦作市", "山阳区"),
        ("河南省", "新乡市", "红旗区"),
        ("河南省", "洛阳市", "西工区"),
    }
    expected = []
    for city in (tree.jiaozuo, tree.xinxiang, tree.luoyang):
        expected += [["河南省", city.name, *row] for row in city_rows_from_city_export(city)]
    assert rows[1:] == expected


def test_the_nation_workbook_has_every_county_with_the_numbers_of_the_city_exports(tree, people):
    with_hand = {
        # (city, county, week): households, installed, new, rank (among the city's counties)
        ("焦作市", "解放区", datetime.date(2022, 11, 14)): (100, 30, None, 1),
        ("焦作市", "山阳区", datetime.date(2022, 11, 14)): (200, 50, None, 2),
        ("焦作市", "解放区", datetime.date(2022, 11, 21)): (100, 40, 10, 1),
        ("新乡市", "红旗区", datetime.date(2022, 11, 14)): (100, 20, None, 1),
        ("新乡市", "红旗区", datetime.date(2022, 11, 21)): (100, 30, 10, 1),
        ("洛阳市", "西工区", datetime.date(2022, 11, 14)): (100, 10, None, 1),
        ("洛阳市", "西工区", datetime.date(2022, 11, 21)): (100, 50, 40, 1),
        ("太原市", "小店区", datetime.date(2022, 11, 14)): (1000, 100, None, 1),
        ("太原市", "小店区", datetime.date(2022, 11, 21)): (1000, 400, 300, 1),
    }
    ask(client_of(people["root"]), "")
    job = history_exports.history_export_run(job_id=HistoryExport.objects.get().pk)
    assert (job.state, job.done, job.total) == (HistoryExport.State.DONE, 4, 4)
    rows = read_xlsx(history_exports.history_export_path(job))
    found = {}
    for province, city, week, _state, county, _device, _gas, h, i, new, rate, rank in rows:
        assert province == {"太原市": "山西省"}.get(city, "河南省")
        found[(city, county, week.date())] = (h, i, new, rank)
        assert rate == i / h
    assert found == with_hand
    # The same rows as each city's own workbook's long sheet.
    for city in (tree.jiaozuo, tree.xinxiang, tree.luoyang, tree.taiyuan):
        data = sheets.workbook_bytes(history_export.history_workbook(city))
        own = load_workbook(io.BytesIO(data), read_only=True)["全部周次"]
        own_rows = [list(r) for r in own.iter_rows(min_row=2, values_only=True)]
        assert [r[2:] for r in rows if r[1] == city.name] == own_rows


def test_a_full_sheet_goes_on_on_the_next(tree, tmp_path):
    path = tmp_path / "h.xlsx"
    cities = [tree.jiaozuo, tree.xinxiang, tree.luoyang]
    count = area_history.write_xlsx(path, area_history.rows(cities), sheet_rows=2)
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["全部周次", "全部周次 (2)", "全部周次 (3)", "全部周次 (4)"]
    assert count == 7 and len(read_xlsx(path)) == 7


def test_progress_advances_city_by_city(tree, people, monkeypatch):
    ask(client_of(people["henan"]), "410000", "csv")
    job = HistoryExport.objects.get()
    seen = []
    city_rows = area_history.city_rows

    def watched(city, **kwargs):
        seen.append(HistoryExport.objects.get(pk=job.pk).done)
        return city_rows(city, **kwargs)

    monkeypatch.setattr(area_history, "city_rows", watched)
    history_exports.history_export_run(job_id=job.pk)
    assert seen == [0, 1, 2]
    assert HistoryExport.objects.get(pk=job.pk).done == 3


def test_the_status_url_reports_the_progress(tree, people):
    client = client_of(people["henan"])
    ask(client, "410000")
    job = HistoryExport.objects.get()
    HistoryExport.objects.filter(pk=job.pk).update(state="running", done=2)
    status = client.get(reverse("installs:history_job_status", kwargs={"job": job.pk})).json()
    assert status["done"] == 2 and status["total"] == 3 and status["finished"] is False
    assert status["progress_text"] == "已完成 2/3 个市"
    page = client.get(reverse("installs:history_job", kwargs={"job": job.pk})).content.decode()
    assert '<progress id="history-job-progress" value="2" max="3">' in page
    assert 'http-equiv="refresh"' in page and "history-export.js" in page
    assert "history-job-download" not in page


def test_the_finished_page_shows_the_link_and_the_file_downloads(tree, people):
    client = client_of(people["henan"])
    ask(client, "410000")
    job = history_exports.history_export_run(job_id=HistoryExport.objects.get().pk)
    page = client.get(reverse("installs:history_job", kwargs={"job": job.pk})).content.decode()
    url = reverse("installs:history_job_download", kwargs={"job": job.pk})
    assert f'href="{url}"' in page and 'http-equiv="refresh"' not in page
    response = client.get(url)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "%E5%8E%86%E5%91%A8%E6%95%B0%E6%8D%AE" in response["Content-Disposition"]  # 历周数据
    data = b"".join(response.streaming_content)
    assert data[:2] == b"PK"
    assert len(read_xlsx(io.BytesIO(data))) == 7  # 山阳区 did not report the second week


def test_a_failure_shows_its_error_on_the_page(tree, people, monkeypatch):
    client = client_of(people["henan"])
    ask(client, "410000")

    def broken(city, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(area_history, "city_rows", broken)
    job = history_exports.history_export_run(job_id=HistoryExport.objects.get().pk)
    assert job.state == HistoryExport.State.FAILED and "disk full" in job.error
    assert not list(history_exports.history_export_path(job).parent.glob(f"{job.pk}*"))
    page = client.get(reverse("installs:history_job", kwargs={"job": job.pk})).content.decode()
    assert "无法生成" in page and "disk full" in page and 'role="alert"' in page
    url = reverse("installs:history_job_download", kwargs={"job": job.pk})
    assert client.get(url).status_code == 404


def test_a_repeated_task_builds_once(tree, people, monkeypatch):
    ask(client_of(people["henan"]), "410000")
    job_id = HistoryExport.objects.get().pk
    history_exports.history_export_run(job_id=job_id)
    monkeypatch.setattr(area_history, "write_history", lambda *a, **k: pytest.fail("built twice"))
    assert history_exports.history_export_run(job_id=job_id).state == "done"


@pytest.mark.parametrize(
    "visitor, sees", [("henan", True), ("root", True), ("shanxi", False), ("jiaozuo", False)]
)
def test_only_accounts_whose_subtree_holds_the_area_see_the_job(tree, people, visitor, sees):
    ask(client_of(people["henan"]), "410000")
    job = history_exports.history_export_run(job_id=HistoryExport.objects.get().pk)
    client = client_of(people[visitor])
    for name in ("history_job", "history_job_status", "history_job_download"):
        response = client.get(reverse(f"installs:{name}", kwargs={"job": job.pk}))
        assert response.status_code == (200 if sees else 404), name
        assert sees or "河南" not in response.content.decode()


def test_a_province_may_not_ask_for_the_nation_and_a_city_account_builds_nothing(tree, people):
    assert ask(client_of(people["henan"]), "").status_code == 404
    jiaozuo = client_of(people["jiaozuo"])
    response = jiaozuo.get(reverse("installs:history_csv"))
    assert response.status_code == 200 and response.streaming  # its city's, at once
    assert HistoryExport.objects.count() == 0


def test_old_files_are_deleted_with_their_jobs(tree, people, settings):
    ask(client_of(people["henan"]), "410000", "csv")
    job = history_exports.history_export_run(job_id=HistoryExport.objects.get().pk)
    path = history_exports.history_export_path(job)
    assert path.exists()
    later = timezone.now() + datetime.timedelta(days=settings.HISTORY_EXPORT_RETENTION_DAYS - 1)
    assert history_exports.history_exports_expire(now=later) == 0 and path.exists()
    later += datetime.timedelta(days=2)
    assert history_exports.history_exports_expire(now=later) == 1
    assert not path.exists() and not HistoryExport.objects.exists()


def test_the_city_csv_streams_its_header_before_reading_a_figure(tree, people, monkeypatch):
    from installs import selectors

    read = []
    progress_history = selectors.progress_history

    def recorded(**kwargs):
        read.append(kwargs["city"])
        return progress_history(**kwargs)

    monkeypatch.setattr(selectors, "progress_history", recorded)
    response = client_of(people["jiaozuo"]).get(reverse("installs:history_csv"))
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert first.startswith("\ufeff".encode()) and "县(市、区)".encode() in first
    assert read == []  # the header left before any figure was read
    rest = b"".join(chunks).decode()
    assert read == [tree.jiaozuo]
    assert "解放区" in rest and "红旗区" not in rest
