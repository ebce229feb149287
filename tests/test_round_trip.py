"""Export a week, import it into a database without figures, export again: the same workbook."""

from __future__ import annotations

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from openpyxl import load_workbook

from installs import sheets
from installs.models import Snapshot, Week
from installs.selectors import week_progress
from installs.services.imports import import_preview, payload_figures, table_import
from installs.services.weeks import week_lock, week_publish
from installs.xlsx_reader import read_week_table
from tests.factories import load_seed, make_user

pytestmark = pytest.mark.django_db

DATES = [datetime.date(2022, 11, 14), datetime.date(2022, 11, 21)]


def export(date: datetime.date) -> bytes:
    week = Week.objects.get(date=date)
    return sheets.workbook_bytes(sheets.week_workbook(week_progress(week)))


def cells(data: bytes) -> dict:
    """Every cell of every sheet: value and number format, and the merged ranges."""
    workbook = load_workbook(io.BytesIO(data))
    found = {}
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    found[(ws.title, cell.coordinate)] = (cell.value, cell.number_format)
        found[(ws.title, "merged")] = sorted(str(r) for r in ws.merged_cells.ranges)
    return found


def import_file(data: bytes, name: str, actor) -> None:
    parsed = read_week_table(data, file_name=name)
    preview = import_preview(parsed=parsed, week=None, actor=actor)
    assert preview.errors == []
    week_date, file_name, figures = payload_figures(preview.payload())
    table_import(week_date=week_date, figures=figures, actor=actor, file_name=file_name)


def empty_the_figures() -> None:
    """Regions and measures stay; every week and every figure goes."""
    Snapshot.objects.all().delete()
    Week.objects.all().delete()


def publish_all(actor) -> None:
    # The seed's weeks are published; the imported ones are opened, so publish them alike.
    for week in Week.objects.order_by("date"):
        week_publish(week=week_lock(week=week, actor=actor), actor=actor)


def test_it_exports_imports_and_exports_the_same_values():
    load_seed()
    bureau = make_user("ju", "bureau")
    first = {date: export(date) for date in DATES}
    empty_the_figures()
    assert not Snapshot.objects.exists()

    for date in DATES:
        import_file(first[date], f"{date}.xlsx", bureau)
    publish_all(bureau)

    for date in DATES:
        again = cells(export(date))
        original = cells(first[date])
        assert again == original, date


def test_it_round_trips_one_week_alone_except_what_needs_the_week_before():
    load_seed()
    bureau = make_user("ju", "bureau")
    first = export(DATES[1])
    empty_the_figures()
    import_file(first, "2022-11-21.xlsx", bureau)
    publish_all(bureau)
    again, original = cells(export(DATES[1])), cells(first)
    # With no earlier week, 环比新增安装数 has nothing to compare with: — instead of a count.
    new_columns = {"D", "I", "N"}
    differing = {key for key in set(again) | set(original) if again.get(key) != original.get(key)}
    assert differing and all(coordinate[0] in new_columns for _, coordinate in differing)
    assert all(again[key][0] == sheets.NO_VALUE for key in differing)


def test_it_round_trips_through_the_management_command(tmp_path):
    load_seed()
    make_user("ju", "bureau")
    paths = []
    for date in DATES:
        path = tmp_path / f"{date}.xlsx"
        path.write_bytes(export(date))
        paths.append(path)
    first = [cells(p.read_bytes()) for p in paths]
    empty_the_figures()
    for path in paths:
        call_command("import_table", str(path), user="ju", stdout=io.StringIO())
    publish_all(get_user_model().objects.get(username="ju"))
    assert [cells(export(date)) for date in DATES] == first
