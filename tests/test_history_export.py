"""The history export: every week in one workbook (long sheet + official sheets) and as CSV."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from installs import history_export, layout, selectors, sheets
from installs.models import Measure, Region, Snapshot, Week
from installs.selectors import week_progress
from tests.factories import (
    load_seed,
    make_snapshot,
    make_user,
    make_week,
    seed_figures_carried_on,
)

pytestmark = pytest.mark.django_db

LONG_HEADER = [
    "周",
    "状态",
    "县(市、区)",
    "设施",
    "气源",
    "户数",
    "已安装数",
    "环比新增安装数",
    "安装率",
    "名次",
]


@pytest.fixture
def seed():
    load_seed()


def page_records() -> list[tuple]:
    """Every reported figure as week_progress (the page) computes it, in the export's order."""
    rows = []
    for week in Week.objects.order_by("date"):
        progress = week_progress(week)
        for region in progress.regions:
            for measure in progress.measures:
                record = progress.records.get((region.pk, measure.pk))
                if record is None:
                    continue
                new = (
                    None
                    if record["new"] is None or record["new"] != record["new"]
                    else record["new"]
                )
                rank = (
                    None
                    if record["rank"] is None or record["rank"] != record["rank"]
                    else record["rank"]
                )
                rows.append(
                    [
                        week.date,
                        str(week.get_state_display()),
                        region.name,
                        measure.device,
                        measure.gas_type,
                        int(record["households"]),
                        int(record["installed"]),
                        None if new is None else int(new),
                        float(record["rate"]),
                        None if rank is None else int(rank),
                    ]
                )
    return rows


def export_bytes() -> bytes:
    return sheets.workbook_bytes(history_export.history_workbook())


def test_it_has_one_long_row_per_reported_figure_equal_to_the_pages(seed):
    rows = history_export.long_rows(
        history_export.history_frame(
            selectors.progress_history(), states=history_export.week_states()
        )
    )
    assert len(rows) == 66
    assert rows == page_records()


def test_its_week_tables_equal_the_pages(seed):
    weeks = list(Week.objects.order_by("date"))
    cut = history_export.week_progresses(selectors.progress_history(), weeks)
    for progress, week in zip(cut, weeks, strict=True):
        page = week_progress(week)
        assert layout.region_rows(progress) == layout.region_rows(page)
        assert layout.totals_row(progress) == layout.totals_row(page)
        assert (progress.previous_week, progress.next_week) == (page.previous_week, page.next_week)
        assert progress.reported_count == page.reported_count


def test_its_week_tables_equal_the_pages_with_gaps_and_an_empty_week(seed):
    # 温县 skips 2022-11-28 and reports again on 2022-12-05; 2022-12-12 is opened, empty.
    week_28, week_05 = make_week("2022-11-28"), make_week("2022-12-05")
    make_week("2022-12-12")
    seed_figures_carried_on(week_28, week_05)
    weeks = list(Week.objects.order_by("date"))
    cut = history_export.week_progresses(selectors.progress_history(), weeks)
    for progress, week in zip(cut, weeks, strict=True):
        page = week_progress(week)
        assert layout.region_rows(progress) == layout.region_rows(page), week
        assert layout.totals_row(progress) == layout.totals_row(page), week


def test_the_workbook_has_the_long_sheet_then_every_week_newest_first(seed):
    workbook = load_workbook(io.BytesIO(export_bytes()))
    assert workbook.sheetnames == ["全部周次", "2022.11.21", "2022.11.14"]


def test_the_long_sheet_holds_the_pages_values_with_rates_as_fractions(seed):
    ws = load_workbook(io.BytesIO(export_bytes()))["全部周次"]
    values = list(ws.iter_rows(values_only=True))
    assert list(values[0]) == LONG_HEADER
    body = [
        [v.date() if isinstance(v, datetime.datetime) else v for v in row] for row in values[1:]
    ]
    assert body == page_records()  # rates to the last digit
    assert ws["I2"].number_format == "0.0%"
    assert ws.freeze_panes == "A2"


def test_each_week_sheet_is_the_official_workbook_of_that_week(seed):
    workbook = load_workbook(io.BytesIO(export_bytes()))
    for week in Week.objects.all():
        official = load_workbook(
            io.BytesIO(sheets.workbook_bytes(sheets.week_workbook(week_progress(week))))
        ).active
        ws = workbook[sheets.sheet_title(week.date)]
        assert [[c.value for c in row] for row in ws.iter_rows()] == [
            [c.value for c in row] for row in official.iter_rows()
        ]
        assert sorted(map(str, ws.merged_cells.ranges)) == sorted(
            map(str, official.merged_cells.ranges)
        )


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_csv_is_utf8_with_a_bom_and_the_long_form(seed):
    rows = read_csv(history_export.history_csv())
    assert rows[0] == [*LONG_HEADER, "安装率（显示）"]
    assert rows[1] == [
        "2022-11-14", "已发布", "沁阳市", "自闭阀", "管道气", "87326", "29577", "", repr(29577 / 87326), "6", "33.9%"
    ]  # fmt: skip
    assert len(rows) == 67


def test_the_csv_shows_new_installs_once_there_is_a_week_before(seed):
    rows = read_csv(history_export.history_csv())
    qinyang_lpg_21 = next(
        r for r in rows if r[:5] == ["2022-11-21", "已发布", "沁阳市", "金属软管", "液化气"]
    )
    assert qinyang_lpg_21[7:] == ["291", repr(771 / 1815), "9", "42.5%"]


def test_it_says_which_weeks_are_not_published_yet(seed):
    # A week being reported and one locked: their figures must not pass for published ones.
    open_week, locked = make_week("2022-11-28"), make_week("2022-12-05", state=Week.State.LOCKED)
    for week in (open_week, locked):
        for snapshot in Snapshot.objects.filter(week__date="2022-11-21"):
            make_snapshot(
                week, snapshot.region, snapshot.measure, snapshot.households, snapshot.installed
            )
    states = {(r[0], r[1]) for r in read_csv(history_export.history_csv())[1:]}
    assert states == {
        ("2022-11-14", "已发布"),
        ("2022-11-21", "已发布"),
        ("2022-11-28", "填报中"),
        ("2022-12-05", "已锁定"),
    }
    ws = load_workbook(io.BytesIO(export_bytes()))["全部周次"]
    sheet_states = {
        (row[0].date().isoformat(), row[1]) for row in ws.iter_rows(min_row=2, values_only=True)
    }
    assert sheet_states == states


def test_the_csv_neutralises_text_that_a_spreadsheet_would_run(seed):
    Region.objects.filter(name="温县").update(name='=HYPERLINK("http://x")')
    Measure.objects.filter(slug="hose_lpg").update(gas_type="@SUM(1)")
    rows = read_csv(history_export.history_csv())
    assert '\'=HYPERLINK("http://x")' in {r[2] for r in rows}
    assert "'@SUM(1)" in {r[4] for r in rows}
    assert not any(r[2].startswith("=") or r[4].startswith("@") for r in rows[1:])


def test_the_long_sheet_keeps_such_text_as_text(seed):
    Region.objects.filter(name="温县").update(name="=1+1")
    ws = load_workbook(io.BytesIO(export_bytes()))["全部周次"]
    cells = [row[2] for row in ws.iter_rows(min_row=2) if row[2].value == "=1+1"]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_it_costs_the_same_queries_for_two_weeks_and_for_thirty(seed):
    with CaptureQueriesContext(connection) as two:
        history_export.history_csv()
    regions, measures = list(Region.objects.all()), list(Measure.objects.all())
    date = datetime.date(2022, 11, 28)
    for i in range(28):
        week = Week.objects.create(date=date + datetime.timedelta(weeks=i))
        Snapshot.objects.bulk_create(
            Snapshot(week=week, region=r, measure=m, households=1000, installed=10 * i)
            for r in regions
            for m in measures
        )
    with CaptureQueriesContext(connection) as thirty:
        rows = read_csv(history_export.history_csv())
    assert len(rows) == 1 + 30 * 33
    assert len(thirty) == len(two)


def test_the_workbook_costs_the_same_queries_for_two_weeks_and_for_six(seed):
    with CaptureQueriesContext(connection) as two:
        history_export.history_workbook()
    regions, measures = list(Region.objects.all()), list(Measure.objects.all())
    for i in range(4):
        week = Week.objects.create(date=datetime.date(2022, 11, 28) + datetime.timedelta(weeks=i))
        Snapshot.objects.bulk_create(
            Snapshot(week=week, region=r, measure=m, households=1000, installed=10 * i)
            for r in regions
            for m in measures
        )
    with CaptureQueriesContext(connection) as six:
        workbook = history_export.history_workbook()
    assert len(workbook.sheetnames) == 7
    assert len(six) == len(two)


# The download views ---------------------------------------------------------

URLS = ["/export/history.xlsx", "/export/history.csv"]


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("role", ["district", "bureau", "leader"])
def test_every_role_downloads_the_history(client, seed, url, role):
    region = Region.objects.first() if role == "district" else None
    client.force_login(make_user("u", role, region))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        'attachment; filename="gas-safety-progress_history'
    )


@pytest.mark.parametrize("url", URLS)
def test_an_account_without_a_role_gets_nothing(client, seed, url):
    client.force_login(make_user("nobody", None))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", URLS)
def test_anonymous_is_sent_to_the_login_page(client, seed, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_csv_download_is_csv_in_utf8(client, seed):
    client.force_login(make_user("u", "leader"))
    response = client.get("/export/history.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert read_csv(b"".join(response.streaming_content))[0][0] == "周"


def test_the_workbook_download_opens(client, seed):
    client.force_login(make_user("u", "leader"))
    response = client.get("/export/history.xlsx")
    assert response["Content-Type"] == sheets.XLSX_CONTENT_TYPE
    data = b"".join(response.streaming_content)  # streamed: sent as its sheets are written
    assert load_workbook(io.BytesIO(data)).sheetnames[0] == "全部周次"
