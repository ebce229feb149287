"""
Workbook builders: the official progress table as an .xlsx sheet.

Everything on the sheet comes from ``selectors.week_progress`` and
``installs.layout`` (title, date line, header, rows, note), the same sources the
ranking page reads, so page and workbook cannot drift apart. Values are written
as values, never formulas: chat-app previews show formulas as blank cells.

``write_week_sheet`` fills one worksheet and is reused by other workbooks (the
history export puts one sheet per week in this same layout).
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from installs import layout
from installs.selectors import WeekProgress

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Where the parts of the table sit (1-based rows, as Excel numbers them).
TITLE_ROW = 1
DATE_ROW = 2
HEADER_FIRST_ROW = 3
HEADER_ROW_COUNT = 3
FIRST_DATA_ROW = HEADER_FIRST_ROW + HEADER_ROW_COUNT  # 6

COUNT_FORMAT = "0"  # no thousands separators, as the newspaper prints them
RATE_FORMAT = "0.0%"  # Excel rounds this half-up, as rules.rate_text does
NO_VALUE = "—"  # a reported measure with nothing to show here (no earlier week, no rate)

# A spreadsheet treats text starting with one of these as a formula (or may, once
# a user edits the cell): CWE-1236 / OWASP "CSV injection".
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

FONT_NAME = "宋体"  # SimSun: what the bureau's own sheets use; LibreOffice substitutes a CJK font
TITLE_FONT = Font(name=FONT_NAME, size=16, bold=True)
HEADER_FONT = Font(name=FONT_NAME, size=11, bold=True)
BODY_FONT = Font(name=FONT_NAME, size=11)
TOTAL_FONT = Font(name=FONT_NAME, size=11, bold=True)
NOTE_FONT = Font(name=FONT_NAME, size=10)
THIN = Side(style="thin", color="000000")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRED = Alignment(horizontal="center", vertical="center", wrap_text=True)
NOTE_ALIGNMENT = Alignment(horizontal="left", vertical="center", wrap_text=True)

# Column widths in Excel's character units (a CJK glyph counts two).
REGION_MIN_WIDTH = 12
DATA_MIN_WIDTH = 8


def sheet_title(date: datetime.date) -> str:
    """A sheet is named by its week as the newspaper prints dates: 2022.11.21."""
    return f"{date.year}.{date.month:02d}.{date.day:02d}"


def export_filename(date: datetime.date) -> str:
    """The download's name: the official title and the week, e.g. 焦作市…进度表_2022-11-21.xlsx."""
    title = re.sub(r'[\\/:*?"<>|\s]+', "_", layout.table_title()).strip("_")
    return f"{title}_{date.isoformat()}.xlsx"


def export_ascii_filename(date: datetime.date) -> str:
    """For clients that cannot read an RFC 5987 file name."""
    return f"gas-safety-progress_{date.isoformat()}.xlsx"


def week_workbook(progress: WeekProgress) -> Workbook:
    """A workbook with one sheet: the official table of ``progress.week``."""
    workbook = Workbook()
    write_week_sheet(workbook.active, progress)
    return workbook


def write_week_sheet(ws: Worksheet, progress: WeekProgress, *, title: str | None = None) -> None:
    """
    Write the official table of one week onto an empty worksheet: title, date
    line, the merged three-row header, a row per region, 合计, the note; then
    borders, widths, frozen header and an A4 landscape page set-up.
    """
    ws.title = title or sheet_title(progress.week.date)
    measures = progress.measures
    last_col = 1 + len(layout.leaf_keys(measures))

    _merged_text(ws, TITLE_ROW, 1, TITLE_ROW, last_col, layout.table_title(), TITLE_FONT, CENTRED)
    _merged_text(
        ws,
        DATE_ROW,
        1,
        DATE_ROW,
        last_col,
        date_text(progress.week),
        BODY_FONT,
        CENTRED,
    )
    for header_row in layout.header_rows(measures):
        for h in header_row:
            row, col = HEADER_FIRST_ROW + h.row, 1 + h.col
            _merged_text(
                ws, row, col, row + h.rowspan - 1, col + h.colspan - 1, h.text, HEADER_FONT, CENTRED
            )
            _border(ws, row, col, row + h.rowspan - 1, col + h.colspan - 1)

    row = FIRST_DATA_ROW
    for values in layout.region_rows(progress):
        _write_data_row(ws, row, values, measures, BODY_FONT, is_total=False)
        row += 1
    _write_data_row(ws, row, layout.totals_row(progress), measures, TOTAL_FONT, is_total=True)
    last_table_row = row
    note_row = row + 1
    _merged_text(ws, note_row, 1, note_row, last_col, str(layout.NOTE), NOTE_FONT, NOTE_ALIGNMENT)

    _set_widths_and_heights(ws, last_col, last_table_row, note_row)
    _set_print_layout(ws, last_col, note_row)


def date_text(week) -> str:
    """The date line; a week not yet published says so, so a forwarded file cannot pass for the official one."""
    if week.is_published:
        return layout.date_line(week.date)
    mark = _("Not published: for internal checking only")
    return f"{layout.date_line(week.date)}　{mark}"


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def workbook_response(workbook: Workbook, *, filename: str, ascii_filename: str) -> HttpResponse:
    """
    The workbook as a download. Content-Disposition carries both an ASCII
    ``filename`` and the real name as RFC 5987 ``filename*`` (Django's own
    helper sends only the latter, which some mail and chat clients drop).
    """
    response = HttpResponse(workbook_bytes(workbook), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    return response


def put_text(cell: Cell, text: str) -> None:
    """
    Write text so that it stays text: openpyxl turns a string starting with "="
    into a formula (and "#N/A" into an error), so the type is forced back to a
    string; a leading formula character also gets Excel's quote prefix, so the
    cell stays text when a user edits it.
    """
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True


def _write_data_row(ws: Worksheet, row: int, values: dict, measures, font, *, is_total: bool):
    last_col = 1 + len(layout.leaf_keys(measures))
    name = ws.cell(row=row, column=1)
    put_text(name, values["region"])
    name.font, name.alignment = font, CENTRED
    if not values["reported"]:
        _merged_text(ws, row, 2, row, last_col, _("Not reported"), font, CENTRED)
        _border(ws, row, 1, row, last_col)
        return
    col = 2
    for measure in measures:
        cells = {f: values[layout.cell_key(measure, f)] for f in layout.FIELDS}
        if cells["households"] is None and not is_total:
            # The region reported other measures this week, but not this one.
            last = col + len(layout.FIELDS) - 1
            _merged_text(ws, row, col, row, last, _("Not reported"), font, CENTRED)
        else:
            for offset, field in enumerate(layout.FIELDS):
                cell = ws.cell(row=row, column=col + offset)
                _put_value(cell, field, cells[field], is_total=is_total)
                cell.font, cell.alignment = font, CENTRED
        col += len(layout.FIELDS)
    _border(ws, row, 1, row, last_col)


def _put_value(cell: Cell, field: str, value: int | float | None, *, is_total: bool) -> None:
    if value is None:
        # 合计 has no rank: its rank cells stay empty, as printed.
        if not (is_total and field == "rank"):
            put_text(cell, NO_VALUE)
        return
    if field == "rate":
        put_exact_float(cell, value)
        cell.number_format = RATE_FORMAT
    else:
        cell.value = value
        cell.number_format = COUNT_FORMAT


def put_exact_float(cell: Cell, value: float) -> None:
    """
    Write a float so that it reads back as the same float. openpyxl writes
    numbers with 16 significant digits ("%.16g"), one short of what a double
    needs: 771/1815 would come back one unit in the last place off. Python's
    repr is the shortest text that reads back exactly (Excel writes 17 digits
    itself), so the cell carries that text as a number. In memory the cell then
    holds a str; the file holds a number.
    """
    cell.value = repr(float(value))
    cell.data_type = "n"


def _merged_text(ws, first_row, first_col, last_row, last_col, text, font, alignment) -> None:
    cell = ws.cell(row=first_row, column=first_col)
    put_text(cell, text)
    cell.font, cell.alignment = font, alignment
    if (first_row, first_col) != (last_row, last_col):
        ws.merge_cells(
            start_row=first_row, start_column=first_col, end_row=last_row, end_column=last_col
        )


def _border(ws: Worksheet, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
    """Thin borders on every cell of a range: a merged range shows the edges of all its cells."""
    for row in ws.iter_rows(
        min_row=first_row, max_row=last_row, min_col=first_col, max_col=last_col
    ):
        for cell in row:
            cell.border = GRID


def display_width(text: str) -> int:
    """Width in Excel's character units: wide (CJK) glyphs count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _set_widths_and_heights(ws: Worksheet, last_col: int, last_table_row: int, note_row: int):
    widths = dict.fromkeys(range(2, last_col + 1), DATA_MIN_WIDTH)
    widths[1] = REGION_MIN_WIDTH
    # A text merged over several columns spreads over them: it does not size one column.
    spread = {(r.min_row, r.min_col) for r in ws.merged_cells.ranges if r.max_col > r.min_col}
    for row in ws.iter_rows(min_row=HEADER_FIRST_ROW, max_row=last_table_row, max_col=last_col):
        for cell in row:
            if cell.value is None or (cell.row, cell.column) in spread:
                continue
            # A rate holds its exact digits (put_exact_float) but shows at most "100.0%".
            text = "100.0%" if cell.number_format == RATE_FORMAT else str(cell.value)
            # Labels on one line, as printed: 环比新增安装数 broken in two reads badly.
            widths[cell.column] = max(widths[cell.column], display_width(text) + 2)
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[TITLE_ROW].height = 30
    ws.row_dimensions[DATE_ROW].height = 18
    for row in range(HEADER_FIRST_ROW, FIRST_DATA_ROW):
        ws.row_dimensions[row].height = 22
    for row in range(FIRST_DATA_ROW, last_table_row + 1):
        ws.row_dimensions[row].height = 20
    ws.row_dimensions[note_row].height = 30


def _set_print_layout(ws: Worksheet, last_col: int, note_row: int) -> None:
    # Scroll the regions under a fixed header and a fixed region column.
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=2)
    ws.print_area = f"A1:{get_column_letter(last_col)}{note_row}"
    ws.print_title_rows = f"{TITLE_ROW}:{FIRST_DATA_ROW - 1}"
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    # One page wide, as many tall as needed: one page for a city's dozen regions.
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.3
