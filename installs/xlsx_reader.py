"""
Reading a week's progress table from an uploaded workbook in the official layout.

Two steps, each refusing what it cannot read with a message in Chinese:

1. ``check_upload`` checks the bytes before any XML is parsed: the size limit,
   the zip signature (a renamed .xls or .csv is not a zip), the workbook's parts,
   the zip's declared sizes (each part's and all together) and compression
   ratios (a zip bomb is refused before openpyxl decompresses anything). Only
   then ``xlsx_child`` has openpyxl read the values, in read-only mode with
   defusedxml guarding the XML parser, in a child process with a memory limit
   and a timeout, a few at a time per machine.
2. ``parse_week_table`` finds the table by its header texts, not by fixed rows:
   县(市、区), 户数 / 已安装数, the devices and gas types of the measures. Blank
   rows and columns, merged cells, numbers stored as text (also full-width
   digits and thousands separators), aliases of region names all read. It
   returns the figures with cell-addressed errors and warnings; nothing here
   touches the database's figures.

``computed_warnings`` compares the file's computed columns (环比新增安装数,
安装率, 名次, the 合计 row) with what the app computes once the figures are in:
the file's values are never imported, but a disagreement is worth a warning.
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from installs import layout, rules, validation, xlsx_child
from installs.models import Measure, Region
from installs.progress import WeekProgress

# Limits on what is read from an upload. An official weekly table is a few dozen
# kilobytes, a dozen zip entries and some 20 rows; a history workbook of five
# years has about 600 entries.
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_UNCOMPRESSED = 50 * 1024 * 1024  # declared, all entries together
# Declared, each entry. openpyxl parses styles.xml and the shared strings whole,
# at some 18 and 11 bytes of memory per byte of XML and about a second per MB
# (measured: 8 MB of styles, 147 MB and 7 s). A real 11-region table's largest
# part is its 10 KB theme, its styles 3-50 KB; a 3,000-row national table's
# sheet is 2-3 MB, its shared strings at most 1.5 MB (numbers stored as text).
# The shared strings may sit under another name (the content types name it):
# there the limit of any part applies, and the child process's limits behind it.
ZIP_MAX_PART = 8 * 1024 * 1024
ZIP_MAX_PARTS = {
    "xl/styles.xml": 1024 * 1024,
    "xl/sharedStrings.xml": 2 * 1024 * 1024,
}
ZIP_MAX_RATIO = 100  # declared size / compressed size of one entry ...
ZIP_RATIO_FLOOR = 1024 * 1024  # ... checked for entries larger than this
HEADER_SEARCH_ROWS = 60  # the header's first row lies within these
HEADER_MAX_DEPTH = 6  # rows from 县(市、区) down to 户数
MAX_ERRORS = 200

ZIP_SIGNATURE = b"PK\x03\x04"
OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and an encrypted .xlsx

# Header texts, compared after ``normal_text`` (NFKC, no whitespace).
REGION_HEADERS = {"县(市、区)", "县(市、区)名称", "县市区", "地区", "单位"}
FIELD_HEADERS = {
    "households": {"户数", "总户数", "应安装户数"},
    "installed": {"已安装数", "已安装户数", "已安装"},
    "new": {"环比新增安装数", "环比新增", "新增安装数", "本周新增"},
    "rate": {"安装率"},
    "rank": {"名次", "排名"},
}
TOTAL_ROWS = {"合计", "总计", "全市", "全市合计"}
NOTE_PREFIXES = ("备注", "注:", "注释", "说明")
# A cell with one of these holds no figure: the export writes 未填报 and —.
BLANKS = {"", "-", "—", "--", "——", "/", "\\", "无", "未填报", "未报"}

DATE_PATTERN = re.compile(r"(\d{4})\s*[.\-/年]\s*(\d{1,2})\s*[.\-/月]\s*(\d{1,2})")


class UploadRejected(Exception):
    """The file cannot be read as a progress table at all; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CellMessage:
    """An error or warning about one cell (``cell`` like "C7"), or about the file ("")."""

    cell: str
    message: str

    def __str__(self) -> str:
        return f"{self.cell}: {self.message}" if self.cell else self.message


@dataclass(frozen=True)
class ParsedFigure:
    """The households and installed one row of the file gives one measure of one region."""

    region: Region
    measure: Measure
    households: int
    installed: int
    households_cell: str
    installed_cell: str


@dataclass(frozen=True)
class FileValue:
    """A computed cell as the file has it (never imported; compared)."""

    cell: str
    value: object


@dataclass
class ParsedTable:
    """A week's table as read from a workbook."""

    file_name: str
    sheet: str
    date: datetime.date | None
    figures: list[ParsedFigure] = field(default_factory=list)
    # (region id or None for 合计, measure id) -> field -> the file's computed cell
    computed: dict[tuple[int | None, int], dict[str, FileValue]] = field(default_factory=dict)
    errors: list[CellMessage] = field(default_factory=list)
    warnings: list[CellMessage] = field(default_factory=list)
    # What was read and deliberately left out (a carried figure: 沿用数据，未导入).
    notes: list[CellMessage] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)  # in the file's column order

    @property
    def regions(self) -> list[Region]:
        seen: dict[int, Region] = {}
        for figure in self.figures:
            seen.setdefault(figure.region.pk, figure.region)
        return list(seen.values())

    def figure_cell(self, region_id: int, measure_id: int, field_name: str) -> str:
        for figure in self.figures:
            if (figure.region.pk, figure.measure.pk) == (region_id, measure_id):
                return (
                    figure.installed_cell if field_name == "installed" else figure.households_cell
                )
        return ""


def normal_text(value: object) -> str:
    """A cell as comparable text: NFKC (full-width forms to ASCII), no whitespace at all."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "".join(unicodedata.normalize("NFKC", str(value)).split())


def address(row: int, col: int) -> str:
    """A 0-based (row, col) as Excel names the cell: (6, 2) -> "C7"."""
    return f"{get_column_letter(col + 1)}{row + 1}"


# Opening the upload --------------------------------------------------------


def check_upload(data: bytes) -> None:
    """
    UploadRejected unless the bytes may be given to openpyxl: not too large, a
    zip, a workbook's parts, no part declaring more than a progress table needs.
    openpyxl has no limit on the decompressed size, and a workbook of 200 KB
    can hold gigabytes of XML.
    """
    if len(data) > settings.UPLOAD_MAX_BYTES:
        raise UploadRejected(file_too_large_message())
    if data.startswith(OLE_SIGNATURE):
        raise UploadRejected(
            _(
                "This is an old-style .xls file (or a password-protected workbook). "
                "Open it in Excel or WPS and save it as an .xlsx workbook."
            )
        )
    if not data.startswith(ZIP_SIGNATURE):
        raise UploadRejected(not_xlsx_message())
    _check_zip(data)


def read_sheets(data: bytes) -> xlsx_child.Sheets:
    """
    Every sheet's title and values (the active sheet first): the upload checked,
    then read by a child process within the memory and time limits of the
    settings, or UploadRejected with the reason in people's words.
    """
    check_upload(data)
    try:
        return xlsx_child.read_sheets(
            data,
            memory_bytes=settings.IMPORT_MEMORY_BYTES,
            timeout=settings.IMPORT_TIMEOUT_SECONDS,
            slots_dir=Path(settings.IMPORT_SLOTS_DIR),
            slots=settings.IMPORT_SLOTS,
        )
    except xlsx_child.ReadFailed as failed:
        raise UploadRejected(
            {
                xlsx_child.TOO_LARGE: _memory_message,
                xlsx_child.TIMEOUT: _timeout_message,
                xlsx_child.BUSY: _busy_message,
            }.get(failed.reason, _corrupt_message)()
        ) from None


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise UploadRejected(_corrupt_message()) from None
    names = {entry.filename for entry in entries}
    if len(entries) > ZIP_MAX_ENTRIES:
        raise UploadRejected(_too_large_message())
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        # A .docx, .pptx or any other zip: not a workbook.
        raise UploadRejected(not_xlsx_message())
    total = 0
    for entry in entries:
        total += entry.file_size
        if total > ZIP_MAX_UNCOMPRESSED or entry.file_size > ZIP_MAX_PARTS.get(
            entry.filename, ZIP_MAX_PART
        ):
            raise UploadRejected(_too_large_message())
        if entry.file_size > ZIP_RATIO_FLOOR and (
            entry.compress_size == 0 or entry.file_size / entry.compress_size > ZIP_MAX_RATIO
        ):
            raise UploadRejected(_too_large_message())


def has_xlsx_name(name: str) -> bool:
    """Only .xlsx: an .xlsm carries macros, an .xls or .csv is another format altogether."""
    return name.lower().endswith(".xlsx")


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def not_xlsx_message() -> str:
    return _("This is not an Excel .xlsx workbook. Please upload the table saved as .xlsx.")


def _corrupt_message() -> str:
    return _(
        "The workbook is damaged and cannot be read. Open it in Excel or WPS and save it again."
    )


def file_too_large_message() -> str:
    return _("The file is larger than %(limit)s MB.") % {
        "limit": _megabytes(settings.UPLOAD_MAX_BYTES)
    }


def _too_large_message() -> str:
    return _(
        "The file is too large: the workbook unpacks to far more data than a progress "
        "table holds (too many parts, parts too large, or compressed far too well); "
        "it was not read."
    )


def _memory_message() -> str:
    return _(
        "The file is too large: reading the workbook needs far more memory than a "
        "progress table does; it was not imported."
    )


def _timeout_message() -> str:
    return _(
        "Reading the workbook took too long (more than %(seconds)s seconds); it was not "
        "imported. A progress table reads in a second: save only the table's sheet as a "
        "new .xlsx and upload that."
    ) % {"seconds": f"{settings.IMPORT_TIMEOUT_SECONDS:g}"}


def _busy_message() -> str:
    return _("Imports are busy: other workbooks are being read. Please try again shortly.")


# Finding and reading the table ---------------------------------------------


@dataclass(frozen=True)
class _Column:
    """Where one measure's columns are: 0-based column indexes, None where absent."""

    measure: Measure
    columns: dict[str, int]


@dataclass(frozen=True)
class _Header:
    first_row: int
    last_row: int
    region_col: int
    groups: list[_Column]


def read_week_table(
    data: bytes,
    *,
    file_name: str,
    regions: list[Region] | None = None,
    measures: list[Measure] | None = None,
) -> ParsedTable:
    """Read the upload's table (UploadRejected when it has none or cannot be read)."""
    return parse_week_table(
        read_sheets(data),
        file_name=file_name,
        regions=regions if regions is not None else list(Region.objects.all()),
        measures=measures if measures is not None else list(Measure.objects.all()),
    )


def parse_week_table(
    sheets: list[tuple[str, list[list[object]]]],
    *,
    file_name: str,
    regions: list[Region],
    measures: list[Measure],
) -> ParsedTable:
    """
    The first sheet that has a progress table's header, read into figures.
    UploadRejected when no sheet has one; everything wrong inside the table
    becomes a cell-addressed error or warning instead.
    """
    found: list[tuple[str, list[list[object]], _Header | list[CellMessage]]] = []
    for title, rows in sheets:
        header = _find_header(rows, measures)
        if header is not None:
            found.append((title, rows, header))
    if not found:
        raise UploadRejected(
            _(
                "No progress table was found: no sheet has a header with "
                "“%(region)s” and “%(households)s” columns."
            )
            % {"region": layout.REGION_LABEL, "households": layout.FIELD_LABELS["households"]}
        )
    title, rows, header = found[0]
    parsed = ParsedTable(file_name=file_name, sheet=title, date=None)
    if len(found) > 1:
        parsed.warnings.append(
            CellMessage(
                "",
                _(
                    "The workbook has %(count)s sheets with a progress table; only “%(sheet)s” was read."
                )
                % {"count": len(found), "sheet": title},
            )
        )
    if isinstance(header, list):
        parsed.errors.extend(header)  # the header names a measure that does not exist
        return parsed
    parsed.measures = [group.measure for group in header.groups]
    parsed.date = _find_date(rows[: header.first_row], title)
    _read_rows(parsed, rows, header, regions)
    if not parsed.figures and not parsed.errors:
        parsed.errors.append(CellMessage("", _("The table has no figures.")))
    return parsed


def _cell(rows: list[list[object]], row: int, col: int) -> object:
    if row >= len(rows) or col >= len(rows[row]):
        return None
    return rows[row][col]


def _find_header(rows: list[list[object]], measures: list[Measure]):
    """
    The header, found by its text: the 县(市、区) cell, the 户数 cells below it,
    and above each 户数 the texts naming its device and gas type. None when the
    sheet has no such header; a list of errors when it names an unknown measure.
    """
    for first in range(min(HEADER_SEARCH_ROWS, len(rows))):
        for region_col, value in enumerate(rows[first]):
            if normal_text(value) not in REGION_HEADERS:
                continue
            for last in range(first, min(first + HEADER_MAX_DEPTH, len(rows))):
                households_cols = [
                    c
                    for c, v in enumerate(rows[last])
                    if c > region_col and normal_text(v) in FIELD_HEADERS["households"]
                ]
                if households_cols:
                    return _header_groups(rows, first, last, region_col, households_cols, measures)
    return None


def _header_groups(rows, first, last, region_col, households_cols, measures):
    by_names = {(normal_text(m.device), normal_text(m.gas_type)): m for m in measures}
    devices = {normal_text(m.device) for m in measures}
    gas_types = {normal_text(m.gas_type) for m in measures}
    groups: list[_Column] = []
    errors: list[CellMessage] = []
    for i, start in enumerate(households_cols):
        end = households_cols[i + 1] if i + 1 < len(households_cols) else xlsx_child.MAX_COLUMNS
        columns: dict[str, int] = {"households": start}
        for r in range(first, last + 1):
            for c in range(start + 1, min(end, len(rows[r]))):
                text = normal_text(rows[r][c])
                for name, texts in FIELD_HEADERS.items():
                    if text in texts and name not in columns:
                        columns[name] = c
        # A merged header cell holds its text in its first column: the device
        # and the gas type of this group are the nearest texts at or left of it.
        # The texts above this 户数 (a merged cell holds its text in its first
        # column, so each is the nearest text at or left of it): device, gas type.
        above = []
        for r in range(first, last):
            c, text = _nearest_left(rows[r], start, region_col)
            if text:
                above.append((address(r, c), text))
        device = next((text for _at, text in above if text in devices), None)
        gas_type = next((text for _at, text in above if text in gas_types), None)
        measure = by_names.get((device, gas_type))
        households_at = address(last, start)
        if measure is None:
            labels = [text for _at, text in above if not _is_field_label(text)]
            errors.append(
                CellMessage(
                    above[0][0] if above else households_at,
                    _("Unknown measure “%(name)s”: no device and gas supply type of that name")
                    % {"name": "·".join(labels) or "?"},
                )
            )
            continue
        if "installed" not in columns:
            errors.append(
                CellMessage(
                    households_at,
                    _("No “%(label)s” column next to this “%(households)s” column")
                    % {
                        "label": layout.FIELD_LABELS["installed"],
                        "households": layout.FIELD_LABELS["households"],
                    },
                )
            )
            continue
        if any(g.measure.pk == measure.pk for g in groups):
            errors.append(
                CellMessage(
                    households_at,
                    _("The measure “%(measure)s” appears twice in the header")
                    % {"measure": measure},
                )
            )
            continue
        groups.append(_Column(measure=measure, columns=columns))
    if errors:
        return errors
    return _Header(first_row=first, last_row=last, region_col=region_col, groups=groups)


def _is_field_label(text: str) -> bool:
    return any(text in texts for texts in FIELD_HEADERS.values())


def _nearest_left(row: list[object], col: int, region_col: int) -> tuple[int, str]:
    for c in range(min(col, len(row) - 1), region_col, -1):
        text = normal_text(row[c])
        if text:
            return c, text
    return col, ""


def _find_date(rows: list[list[object]], sheet_title: str) -> datetime.date | None:
    """The week's date from the date line above the header, e.g. (2022.11.28); else the sheet's name."""
    for values in rows:
        for value in values:
            if isinstance(value, datetime.datetime):
                return value.date()
            if isinstance(value, datetime.date):
                return value
            date = parse_date_text(normal_text(value))
            if date is not None:
                return date
    return parse_date_text(normal_text(sheet_title))


def parse_date_text(text: str) -> datetime.date | None:
    """2022.11.28, (2022.11.28), 2022年11月28日, 2022-11-28 -> a date; None when there is none."""
    match = DATE_PATTERN.search(text)
    if match is None:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _read_rows(parsed: ParsedTable, rows, header: _Header, regions: list[Region]) -> None:
    names: dict[str, Region] = {}
    for region in regions:
        for name in (region.name, *region.alias_list()):
            names.setdefault(normal_text(name), region)
    seen_rows: dict[int, int] = {}
    for r in range(header.last_row + 1, len(rows)):
        if len(parsed.errors) >= MAX_ERRORS:
            parsed.errors.append(CellMessage("", _("Too many errors; reading stopped.")))
            return
        values = rows[r]
        if not any(normal_text(v) for v in values):
            continue
        label = normal_text(_cell(rows, r, header.region_col))
        if label.startswith(NOTE_PREFIXES) or normal_text(values[0] if values else "").startswith(
            NOTE_PREFIXES
        ):
            return  # the 备注 row ends the table
        if label in TOTAL_ROWS:
            _read_computed(parsed, rows, r, header, None)
            continue
        has_figures = any(
            normal_text(_cell(rows, r, c)) not in BLANKS
            for g in header.groups
            for c in (g.columns["households"], g.columns["installed"])
        )
        if label == "" and not has_figures:
            continue  # stray text beside the table, e.g. 制表人
        at = address(r, header.region_col)
        if label == "":
            parsed.errors.append(
                CellMessage(at, _("The name of the county (city, district) is missing"))
            )
            continue
        region = names.get(label)
        if region is None:
            parsed.errors.append(
                CellMessage(
                    at,
                    _("Unknown county (city, district) “%(name)s”")
                    % {"name": str(_cell(rows, r, header.region_col)).strip()},
                )
            )
            continue
        if region.pk in seen_rows:
            parsed.errors.append(
                CellMessage(
                    at,
                    _("“%(name)s” appears again (already in row %(row)s)")
                    % {"name": region.name, "row": seen_rows[region.pk] + 1},
                )
            )
            continue
        seen_rows[region.pk] = r
        for group in header.groups:
            _read_figure(parsed, rows, r, group, region)
        _read_computed(parsed, rows, r, header, region)


def is_carried(value: object) -> bool:
    """
    A 环比新增安装数 cell of a carried figure, as the app exports it (未填报※,
    layout.carried_cell_text): the figures beside it are an earlier week's,
    shown because the region did not report this one.
    """
    return normal_text(value).endswith(layout.CARRIED_MARK)


def _read_figure(parsed: ParsedTable, rows, r: int, group: _Column, region: Region) -> None:
    new_col = group.columns.get("new")
    if new_col is not None and is_carried(_cell(rows, r, new_col)):
        # Importing them would store another week's figures as this week's report.
        parsed.notes.append(
            CellMessage(
                address(r, new_col),
                _("%(region)s %(measure)s: carried figures, not imported")
                % {"region": region.name, "measure": group.measure},
            )
        )
        return
    cells = {}
    for name in ("households", "installed"):
        col = group.columns[name]
        cells[name] = (address(r, col), _cell(rows, r, col))
    values: dict[str, int | None] = {}
    failed = False
    for name, (at, value) in cells.items():
        try:
            values[name] = cell_count(value)
        except validation.CountError as error:
            parsed.errors.append(CellMessage(at, count_message(error.code)))
            failed = True
    if failed:
        return
    households, installed = values["households"], values["installed"]
    if households is None and installed is None:
        return  # this region did not report this measure
    for name in ("households", "installed"):
        if values[name] is None:
            parsed.errors.append(
                CellMessage(
                    cells[name][0],
                    _("%(field)s is missing") % {"field": layout.FIELD_LABELS[name]},
                )
            )
            return
    if installed > households:
        parsed.errors.append(
            CellMessage(cells["installed"][0], _("Installed is greater than households"))
        )
        return
    parsed.figures.append(
        ParsedFigure(
            region=region,
            measure=group.measure,
            households=households,
            installed=installed,
            households_cell=cells["households"][0],
            installed_cell=cells["installed"][0],
        )
    )


def _read_computed(
    parsed: ParsedTable, rows, r: int, header: _Header, region: Region | None
) -> None:
    for group in header.groups:
        found = {}
        for name in (
            ("households", "installed", "new", "rate", "rank")
            if region is None
            else (
                "new",
                "rate",
                "rank",
            )
        ):
            col = group.columns.get(name)
            if col is not None:
                found[name] = FileValue(address(r, col), _cell(rows, r, col))
        parsed.computed[(None if region is None else region.pk, group.measure.pk)] = found


def cell_count(value: object) -> int | None:
    """
    A count from a cell: None when the cell holds no figure (blank, —, 未填报);
    CountError (with a validation code) for anything but a whole number from 0 up.
    Numbers stored as text read like typed ones (validation.parse_count): full-width
    digits, spaces and thousands separators are fine.
    """
    if isinstance(value, bool):
        raise validation.CountError(validation.NOT_WHOLE)
    if isinstance(value, float):
        if not value.is_integer():
            raise validation.CountError(validation.NOT_WHOLE)
        value = int(value)
    if isinstance(value, int):
        return validation.check_count(value)
    if isinstance(value, datetime.date | datetime.time | datetime.timedelta):
        raise validation.CountError(validation.NOT_WHOLE)
    if normal_text(value) in BLANKS:
        return None
    return validation.parse_count(str(value))


def count_message(code: str) -> str:
    return {
        validation.NOT_WHOLE: _("Not a whole number"),
        validation.NOT_DIGITS: _("Not written with the digits 0-9"),
        validation.GROUPING: _("Thousands separators only between groups of three digits (1,234)"),
        validation.NEGATIVE: _("Cannot be negative"),
        validation.TOO_LARGE: _("Too large for a count"),
    }.get(code, _("Not a whole number"))


# Comparing the file's computed columns -------------------------------------


def computed_warnings(parsed: ParsedTable, progress: WeekProgress) -> list[CellMessage]:
    """
    Where the file's 环比新增安装数, 安装率, 名次 (and its 合计 row) disagree with
    what the app computes from the figures as they would be after the import.
    A blank or — in the file is not a disagreement.
    """
    warnings = []
    for (region_id, measure_id), cells in parsed.computed.items():
        if region_id is None:
            measure = next((m for m in progress.measures if m.pk == measure_id), None)
            app = progress.total(measure) if measure is not None else None
            if app is not None:
                app = {**app, "rank": None}
        else:
            app = progress.records.get((region_id, measure_id))
        if app is None:
            continue
        for name, file_value in cells.items():
            message = _disagreement(name, file_value.value, app)
            if message:
                warnings.append(CellMessage(file_value.cell, message))
    return warnings


def _disagreement(name: str, value: object, app: dict) -> str:
    if normal_text(value) in BLANKS or is_carried(value):
        return ""
    label = layout.FIELD_LABELS[name]
    if name == "rate":
        # Compared as the table shows a rate (rules.rate_text, one decimal):
        # 0.3395 in the file and 33.949% computed are 34.0% against 33.9%.
        computed = rules.rate_text(app["installed"], app["households"])
        if not computed:
            return ""
        ratio = _file_rate_ratio(value)
        shown = rules.rate_text(*ratio) if ratio is not None else _shown(value)
        if shown == computed:
            return ""
        value = shown
    else:
        expected = app.get(name)
        if expected is None or _is_missing(expected):
            return ""
        number = _file_integer(value)
        if number is not None and number == int(expected):
            return ""
        computed = str(int(expected))
    return _("%(label)s in the file is %(value)s, but the figures give %(computed)s") % {
        "label": label,
        "value": _shown(value),
        "computed": computed,
    }


def _is_missing(value: object) -> bool:
    try:
        return bool(value != value)  # NaN and pandas' NA
    except TypeError:
        return True


def _file_rate_ratio(value: object) -> tuple[int, int] | None:
    """
    A rate cell as (numerator, denominator) for rules.rate_text: 0.339 (a fraction
    formatted 0.0%), "33.9%", or 33.9 as a number of percent; None when it is no
    rate from 0 up.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number, percent = Decimal(repr(float(value))), False
    else:
        text = normal_text(value)
        percent = text.endswith("%")
        try:
            number = Decimal(text.rstrip("%"))
        except InvalidOperation:
            return None
    if not number.is_finite() or number < 0:
        return None
    numerator, denominator = number.as_integer_ratio()
    if percent or number > 1:
        denominator *= 100
    return numerator, denominator


def _file_integer(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = normal_text(value).replace(",", "")
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else None


def _shown(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
