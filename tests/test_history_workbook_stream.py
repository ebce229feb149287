"""
The every-week workbook is streamed (installs/xlsx_stream.py): it must be, to its
readers, the workbook openpyxl builds the ordinary way from the same fillers
(the long sheet, then ``sheets.write_week_sheet`` per week, newest first).
"""

from __future__ import annotations

import copy
import datetime
import io
import zipfile

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from openpyxl import Workbook, load_workbook
from openpyxl.styles.proxy import StyleProxy
from openpyxl.utils import get_column_letter

from installs import history_export, selectors, sheets, xlsx_stream
from installs.models import Measure, Region, Snapshot, Week
from tests.factories import (
    load_seed,
    make_user,
    make_week,
    seed_figures_carried_on,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def weeks_of_every_kind():
    """
    The seed's two weeks, then: 温县 skipping a week (carried: 未填报※ and the note),
    a week opened with no figure yet (every region 未填报), a week being reported and
    a locked one (their date lines say so); names a spreadsheet would run as a formula,
    names to escape in XML, a name with spaces around it.
    """
    load_seed()
    week_28, week_05 = make_week("2022-11-28"), make_week("2022-12-05", Week.State.LOCKED)
    make_week("2022-12-12")
    seed_figures_carried_on(week_28, week_05)
    Region.objects.filter(name="沁阳市").update(name="=1+1")
    Region.objects.filter(name="孟州市").update(name="A&B<县>")
    Region.objects.filter(name="修武县").update(name=" 修武县 ")
    Measure.objects.filter(slug="hose_lpg").update(gas_type="@SUM(1)")


def streamed_bytes() -> bytes:
    return b"".join(history_export.history_workbook().chunks())


def ordinary_bytes() -> bytes:
    """The workbook as it was built before streaming: openpyxl's own cells and save."""
    history = selectors.progress_history()
    weeks = list(Week.objects.order_by("date"))
    states = {week.date: str(week.get_state_display()) for week in weeks}
    workbook = Workbook()
    history_export._write_long_sheet(
        workbook.active,
        history_export.long_rows(history_export.history_frame(history, states=states)),
    )
    for progress in reversed(history_export.week_progresses(history, weeks)):
        sheets.write_week_sheet(workbook.create_sheet(), progress)
    return sheets.workbook_bytes(workbook)


CELL_ATTRIBUTES = [
    "value",
    "data_type",
    "number_format",
    "font",
    "border",
    "fill",
    "alignment",
    "protection",
    "style",
    "quotePrefix",
]


def sheet_description(ws) -> dict:
    """What a reader sees of a sheet, besides its cells."""
    return {
        "merged": sorted(map(str, ws.merged_cells.ranges)),
        "widths": {
            letter: (d.width, d.customWidth) for letter, d in sorted(ws.column_dimensions.items())
        },
        "heights": {row: d.height for row, d in sorted(ws.row_dimensions.items())},
        "freeze_panes": ws.freeze_panes,
        "auto_filter": ws.auto_filter.ref,
        "print_area": ws.print_area,
        "print_title_rows": ws.print_title_rows,
        "page_setup": (
            ws.page_setup.orientation,
            ws.page_setup.paperSize,
            ws.page_setup.fitToWidth,
            ws.page_setup.fitToHeight,
            ws.sheet_properties.pageSetUpPr.fitToPage,
        ),
        "print_options": ws.print_options.horizontalCentered,
        "margins": tuple(
            getattr(ws.page_margins, side)
            for side in ("left", "right", "top", "bottom", "header", "footer")
        ),
        "dimensions": ws.dimensions,
    }


def plain(value):
    """A cell's font, border…: openpyxl gives a proxy, which never equals another cell's."""
    return copy.copy(value) if isinstance(value, StyleProxy) else value


def differences(expected: bytes, found: bytes) -> list[str]:
    """Every difference a reader of the two files would see, as text."""
    ours, theirs = load_workbook(io.BytesIO(found)), load_workbook(io.BytesIO(expected))
    if ours.sheetnames != theirs.sheetnames:
        return [f"sheets {ours.sheetnames} != {theirs.sheetnames}"]
    found_differences = []
    for title in theirs.sheetnames:
        a, b = ours[title], theirs[title]
        if sheet_description(a) != sheet_description(b):
            found_differences.append(f"{title}: {sheet_description(a)} != {sheet_description(b)}")
        coordinates = {c.coordinate for row in a.iter_rows() for c in row}
        coordinates |= {c.coordinate for row in b.iter_rows() for c in row}
        for coordinate in sorted(coordinates):
            for attribute in CELL_ATTRIBUTES:
                mine = plain(getattr(a[coordinate], attribute))
                wanted = plain(getattr(b[coordinate], attribute))
                if mine != wanted:
                    found_differences.append(
                        f"{title}!{coordinate}.{attribute}: {mine!r} != {wanted!r}"
                    )
    return found_differences


def test_it_is_the_ordinary_workbook_cell_by_cell(weeks_of_every_kind):
    found = streamed_bytes()
    assert differences(ordinary_bytes(), found) == []
    workbook = load_workbook(io.BytesIO(found))
    # The fixture's cases are there: a carried figure, an unreported week, text kept as text.
    assert len(workbook.sheetnames) == 6
    texts = {c.value for ws in workbook for row in ws.iter_rows() for c in row}
    assert {"=1+1", "A&B<县>", " 修武县 ", "@SUM(1)"} <= texts
    assert any(isinstance(t, str) and t.startswith("※注：温县") for t in texts)
    assert "未填报※" in texts
    formula_like = [c for row in workbook["全部周次"].iter_rows() for c in row if c.value == "=1+1"]
    assert formula_like and all(c.data_type == "s" and c.quotePrefix for c in formula_like)


def test_its_parts_are_openpyxls_byte_for_byte(weeks_of_every_kind):
    # Stricter than what openpyxl reads back: every part of the file as openpyxl writes it,
    # but the time it was written (docProps/core.xml).
    found, expected = (
        zipfile.ZipFile(io.BytesIO(streamed_bytes())),
        zipfile.ZipFile(io.BytesIO(ordinary_bytes())),
    )
    assert found.namelist() == expected.namelist()
    for name in expected.namelist():
        if name != "docProps/core.xml":
            assert found.read(name) == expected.read(name), name


def test_the_download_sends_the_file_before_its_sheets_are_written(client, weeks_of_every_kind):
    client.force_login(make_user("u", "leader"))
    response = client.get("/export/history.xlsx")
    assert response.streaming
    chunks = iter(response.streaming_content)
    first = next(chunks)
    assert first.startswith(b"PK\x03\x04")  # a zip's first entry
    assert b"xl/worksheets/" not in first
    data = first + b"".join(chunks)
    assert load_workbook(io.BytesIO(data)).sheetnames[:2] == ["全部周次", "2022.12.12"]


def test_the_download_speaks_the_language_of_the_request(client, weeks_of_every_kind):
    # The sheets are written after the view has returned, when the thread may have
    # moved on to another language: still in the request's.
    client.force_login(make_user("u", "leader"))
    with translation.override(settings.LANGUAGE_CODE):
        response = client.get("/export/history.xlsx", headers={"accept-language": "en"})
        translation.activate(settings.LANGUAGE_CODE)
        data = b"".join(response.streaming_content)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames[0] == "All weeks"
    assert workbook["All weeks"]["A1"].value == "Week"


def test_writing_it_costs_the_same_queries_for_three_weeks_and_for_six(weeks_of_every_kind):
    Week.objects.filter(date__gt=datetime.date(2022, 11, 28)).delete()
    with CaptureQueriesContext(connection) as three:
        streamed_bytes()
    regions, measures = list(Region.objects.all()), list(Measure.objects.all())
    for i in range(3):
        week = Week.objects.create(date=datetime.date(2022, 12, 5) + datetime.timedelta(weeks=i))
        Snapshot.objects.bulk_create(
            Snapshot(week=week, region=r, measure=m, households=1000, installed=10 * i)
            for r in regions
            for m in measures
        )
    with CaptureQueriesContext(connection) as six:
        data = streamed_bytes()
    assert len(load_workbook(io.BytesIO(data)).sheetnames) == 7
    assert len(six) == len(three)


# The streamed workbook alone ------------------------------------------------


def fill_with(value):
    def fill(ws):
        ws.title = "A"
        ws.cell(row=1, column=1).value = value

    return fill


def test_a_streamed_sheet_refuses_a_formula():
    workbook = xlsx_stream.StreamedWorkbook(["A"], [fill_with("=SUM(1)")])
    with pytest.raises(ValueError, match="not formulas"):
        b"".join(workbook.chunks())


def test_a_sheet_must_be_the_one_announced():
    workbook = xlsx_stream.StreamedWorkbook(["B"], [fill_with(1)])
    with pytest.raises(ValueError, match="announced as 'B'"):
        b"".join(workbook.chunks())


def test_it_writes_what_an_ordinary_sheet_holds():
    def fill(ws):
        ws.title = "A"
        ws.cell(row=1, column=1).value = datetime.date(2022, 11, 21)
        ws.cell(row=1, column=2).value = 1.5
        ws.cell(row=1, column=3).value = 10**17 + 1  # beyond 16 digits: openpyxl writes 1e+17
        ws.cell(row=2, column=3).value = "a < b & c"
        ws.cell(row=3, column=1).style = "Normal"
        ws.cell(row=3, column=2).number_format = "0.0%"
        ws.column_dimensions[get_column_letter(2)].width = 20
        ws.row_dimensions[4].height = 30
        ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=2)
        ws.freeze_panes = "B2"

    ordinary = Workbook()
    fill(ordinary.active)
    streamed = b"".join(xlsx_stream.StreamedWorkbook(["A"], [fill]).chunks())
    assert differences(sheets.workbook_bytes(ordinary), streamed) == []
    assert load_workbook(io.BytesIO(streamed))["A"]["A1"].value == datetime.datetime(2022, 11, 21)


def test_an_appended_sheet_is_the_ordinary_one():
    def fill(ws):
        ws.title = "A"
        header = xlsx_stream.new_cell(ws, "周")
        header.font = history_export.HEADER_FONT
        ws.append([header, "x"])
        ws.append([None, 1, None])  # the dimension counts the empty last cell, as openpyxl's
        ws.append([datetime.date(2022, 11, 21), history_export.long_cell(ws, "rate", 0.5)])
        ws.auto_filter.ref = ws.dimensions

    ordinary = Workbook()
    fill(ordinary.active)
    streamed = b"".join(xlsx_stream.StreamedWorkbook(["A"], [fill]).chunks())
    assert differences(sheets.workbook_bytes(ordinary), streamed) == []
    assert load_workbook(io.BytesIO(streamed))["A"].auto_filter.ref == "A1:C3"


def test_a_streamed_sheet_is_filled_one_way():
    def fill(ws):
        ws.title = "A"
        ws.append([1])
        ws.cell(row=2, column=1).value = 2

    with pytest.raises(ValueError, match="not filled by cell"):
        b"".join(xlsx_stream.StreamedWorkbook(["A"], [fill]).chunks())
