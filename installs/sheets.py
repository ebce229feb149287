"""
Workbook builders: the official progress table as an .xlsx sheet.

Everything on the sheet comes from ``selectors.week_progress`` and
``installs.layout`` (title, date line, header, rows, note), the same sources the
ranking page reads, so page and workbook cannot drift apart. Values are written
as values, never formulas: chat-app previews show formulas as blank cells.

``write_week_sheet`` fills one worksheet and is reused by other workbooks (the
history export puts one sheet per week in this same layout, on the streamed sheets
of ``xlsx_stream``, which take the same calls as an ordinary openpyxl sheet).
"""

from __future__ import annotations

import datetime
import functools
import io
import re
import unicodedata
from collections.abc import Iterator
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from installs import layout
from installs.progress import WeekProgress
from installs.xlsx_stream import StreamedWorkbook

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
    sheet = _SheetWriter(ws, last_col)

    sheet.merged(TITLE_ROW, 1, TITLE_ROW, last_col, layout.table_title(), "title")
    sheet.merged(DATE_ROW, 1, DATE_ROW, last_col, date_text(progress.week), "date")
    for header_row in layout.header_rows(measures):
        for h in header_row:
            row, col = HEADER_FIRST_ROW + h.row, 1 + h.col
            sheet.merged(row, col, row + h.rowspan - 1, col + h.colspan - 1, h.text, "header")

    row = FIRST_DATA_ROW
    for values in layout.region_rows(progress):
        sheet.data_row(row, values, measures, is_total=False)
        row += 1
    sheet.data_row(row, layout.totals_row(progress), measures, is_total=True)
    last_table_row = row
    note_row = row + 1
    sheet.merged(note_row, 1, note_row, last_col, str(layout.NOTE), "note")
    # What is carried, one line per week carried from (注：山阳区沿用11月21日数据。).
    for line in layout.carried_notes(progress):
        note_row += 1
        sheet.merged(note_row, 1, note_row, last_col, f"{layout.CARRIED_MARK}{line}", "note")

    sheet.set_widths_and_heights(last_table_row, note_row)
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
    response["Content-Disposition"] = attachment_header(filename, ascii_filename)
    return response


def streamed_workbook_response(
    workbook: StreamedWorkbook, *, filename: str, ascii_filename: str
) -> StreamingHttpResponse:
    """
    A streamed workbook as a download: its bytes leave as its sheets are written,
    in the language of the request (the sheets' words are translated as they are
    written, after the view has returned).
    """
    response = StreamingHttpResponse(
        _in_language(workbook.chunks(), translation.get_language()),
        content_type=XLSX_CONTENT_TYPE,
    )
    response["Content-Disposition"] = attachment_header(filename, ascii_filename)
    return response


def _in_language(chunks: Iterator[bytes], language: str | None) -> Iterator[bytes]:
    while True:
        with translation.override(language):
            chunk = next(chunks, None)
        if chunk is None:
            return
        yield chunk


def attachment_header(filename: str, ascii_filename: str) -> str:
    return f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename, safe='')}"


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


@functools.lru_cache(maxsize=4096)  # a history workbook measures the same texts thousands of times
def display_width(text: str) -> int:
    """Width in Excel's character units: wide (CJK) glyphs count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


# Every cell gets one of these named styles. Assigning a named style is one
# lookup; assigning a font, an alignment and a border hashes each of them for
# every cell, which made a province's sheet take most of a second.
STYLE_PREFIX = "progress-table "


def _style_specs() -> dict[str, dict]:
    body = {"alignment": CENTRED, "border": GRID}
    return {
        "title": {"font": TITLE_FONT, "alignment": CENTRED},
        "date": {"font": BODY_FONT, "alignment": CENTRED},
        "header": {"font": HEADER_FONT, **body},
        "text": {"font": BODY_FONT, **body},
        "count": {"font": BODY_FONT, "number_format": COUNT_FORMAT, **body},
        "rate": {"font": BODY_FONT, "number_format": RATE_FORMAT, **body},
        "total text": {"font": TOTAL_FONT, **body},
        "total count": {"font": TOTAL_FONT, "number_format": COUNT_FORMAT, **body},
        "total rate": {"font": TOTAL_FONT, "number_format": RATE_FORMAT, **body},
        "note": {"font": NOTE_FONT, "alignment": NOTE_ALIGNMENT},
    }


def _named_styles(workbook: Workbook) -> dict[str, str]:
    """The sheet's styles, added to the workbook once (a history workbook has many sheets)."""
    names = {}
    for key, spec in _style_specs().items():
        name = STYLE_PREFIX + key
        if name not in workbook.named_styles:
            workbook.add_named_style(NamedStyle(name=name, **spec))
        names[key] = name
    return names


class _SheetWriter:
    """Writes cells with their styles and keeps each column's widest text for its width."""

    def __init__(self, ws: Worksheet, last_col: int) -> None:
        self.ws = ws
        self.last_col = last_col
        self.styles = _named_styles(ws.parent)
        self.widths = dict.fromkeys(range(2, last_col + 1), DATA_MIN_WIDTH)
        self.widths[1] = REGION_MIN_WIDTH

    def merged(self, first_row, first_col, last_row, last_col, text: str, style: str) -> None:
        """Text over a range of cells; every cell of the range styled, so its edges show."""
        if (first_row, first_col) != (last_row, last_col):
            self.ws.merge_cells(
                start_row=first_row, start_column=first_col, end_row=last_row, end_column=last_col
            )
        name = self.styles[style]
        for row in range(first_row, last_row + 1):
            for col in range(first_col, last_col + 1):
                self.ws.cell(row=row, column=col).style = name
        put_text(self.ws.cell(row=first_row, column=first_col), text)
        # Header labels on one line, as printed: 环比新增安装数 broken in two reads badly.
        # A text spread over several columns does not size one of them.
        if style in ("header", "text", "total text") and first_col == last_col:
            self.fit(first_col, text)

    def data_row(self, row: int, values: dict, measures, *, is_total: bool) -> None:
        prefix = "total " if is_total else ""
        self.text(row, 1, values["region"], prefix + "text")
        if not values["figures"]:
            # Not even an earlier figure to carry: a region that never reported.
            self.merged(row, 2, row, self.last_col, _("Not reported"), prefix + "text")
            return
        col = 2
        for measure in measures:
            cells = {f: values[layout.cell_key(measure, f)] for f in layout.FIELDS}
            carried = None if is_total else values.get(layout.cell_key(measure, "carried_from"))
            if cells["households"] is None and not is_total:
                # The region has never reported this measure: nothing to carry.
                last = col + len(layout.FIELDS) - 1
                self.merged(row, col, row, last, _("Not reported"), prefix + "text")
            else:
                for offset, field in enumerate(layout.FIELDS):
                    if field == "new" and carried is not None:
                        # A carried figure: 未填报 and the mark the notes under the table explain.
                        self.text(row, col + offset, layout.carried_cell_text(), prefix + "text")
                        continue
                    self.value(row, col + offset, field, cells[field], prefix, is_total=is_total)
            col += len(layout.FIELDS)

    def value(self, row, col, field: str, value, prefix: str, *, is_total: bool) -> None:
        if value is None:
            # 合计 has no rank: its rank cells stay empty (but bordered), as printed.
            if is_total and field == "rank":
                self.ws.cell(row=row, column=col).style = self.styles[prefix + "text"]
            else:
                self.text(row, col, NO_VALUE, prefix + "text")
            return
        cell = self.ws.cell(row=row, column=col)
        if field == "rate":
            cell.style = self.styles[prefix + "rate"]
            put_exact_float(cell, value)
            self.fit(col, "100.0%")  # the widest a rate shows
        else:
            cell.style = self.styles[prefix + "count"]
            cell.value = value
            self.fit(col, str(value))

    def text(self, row: int, col: int, text: str, style: str) -> None:
        cell = self.ws.cell(row=row, column=col)
        cell.style = self.styles[style]
        put_text(cell, text)
        self.fit(col, text)

    def fit(self, col: int, text: str) -> None:
        self.widths[col] = max(self.widths[col], display_width(text) + 2)

    def set_widths_and_heights(self, last_table_row: int, note_row: int) -> None:
        ws = self.ws
        for col, width in self.widths.items():
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.row_dimensions[TITLE_ROW].height = 30
        ws.row_dimensions[DATE_ROW].height = 18
        for row in range(HEADER_FIRST_ROW, FIRST_DATA_ROW):
            ws.row_dimensions[row].height = 22
        for row in range(FIRST_DATA_ROW, last_table_row + 1):
            ws.row_dimensions[row].height = 20
        for row in range(last_table_row + 1, note_row + 1):
            ws.row_dimensions[row].height = 30


def _set_print_layout(ws: Worksheet, last_col: int, note_row: int) -> None:
    # Scroll the regions under a fixed header and a fixed region column.
    ws.freeze_panes = f"{get_column_letter(2)}{FIRST_DATA_ROW}"
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
