"""
The history export: every week, as one workbook and as one CSV file.

The workbook has a long sheet first (one row per week, region and measure:
the week's state, households, installed, new, rate, rank) and then one sheet per week in the
official layout (``sheets.write_week_sheet``), newest week first. The CSV
file is the long sheet in UTF-8 with a BOM, so that Excel opens the Chinese
correctly.

Every number comes from ``selectors.progress_history``: one query for all
snapshots and the rules' ``history_table`` (new, rate and rank of every week
in one pandas pass), so five years of weeks cost what one does. Each week's
sheet gets a WeekProgress cut from that history, equal to what
``selectors.week_progress`` gives the page (tested). The workbook is streamed
(``xlsx_stream.StreamedWorkbook``): each sheet is filled and written while the
file is sent. The long sheet's cells (``long_cell``) are the province's and the
nation's history file's too (``area_history``).
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import itertools
from collections.abc import Iterator

import pandas as pd
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from installs import layout, rules, selectors, sheets, xlsx_stream
from installs.models import Area, Week
from installs.progress import ProgressHistory, WeekProgress, frame_records

LONG_FIELDS = ["week", "state", "region", "device", "gas_type", *layout.FIELDS]
RATE_FORMAT = "0.0%"
HEADER_FONT = Font(name=sheets.FONT_NAME, bold=True)
BODY_FONT = Font(name=sheets.FONT_NAME)


def long_labels() -> list[str]:
    """The long form's column headings, in the bureau's words."""
    return [
        pgettext("history column", "Week"),
        pgettext("history column", "State"),
        str(layout.REGION_LABEL),
        pgettext("history column", "Device"),
        pgettext("history column", "Gas supply"),
        *(str(layout.FIELD_LABELS[f]) for f in layout.FIELDS),
    ]


def week_states() -> dict[datetime.date, str]:
    """Each week's state as people read it (填报中, 已锁定, 已发布), by date."""
    return {week.date: str(week.get_state_display()) for week in Week.objects.all()}


def history_frame(history: ProgressHistory, *, states: dict[datetime.date, str]) -> pd.DataFrame:
    """
    The long form: one row per reported (week, region, measure), oldest week
    first, regions and measures in official order. ``state`` is the week's
    state (``states``, by date): figures of a week not yet published say so. ``new`` and ``rank`` are
    Int64 (missing where there is none), ``rate`` the exact ratio (missing where
    households is 0).
    """
    # What was reported: carried figures repeat an earlier row (their ranks count them, though).
    table = history.table[history.table["carried_from"].isna()]
    region_order = {r.pk: i for i, r in enumerate(history.regions)}
    measure_order = {m.pk: i for i, m in enumerate(history.measures)}
    regions = {r.pk: r for r in history.regions}
    measures = {m.pk: m for m in history.measures}
    frame = pd.DataFrame(
        {
            "week": table["week"],
            "state": table["week"].map(states),
            "region": table["region"].map(lambda pk: regions[pk].name),
            "device": table["measure"].map(lambda pk: measures[pk].device),
            "gas_type": table["measure"].map(lambda pk: measures[pk].gas_type),
            "households": table["households"],
            "installed": table["installed"],
            "new": table["new"],
            "rate": table["rate"],
            "rank": table["rank"],
            "_region_order": table["region"].map(region_order),
            "_measure_order": table["measure"].map(measure_order),
        }
    )
    frame = frame.sort_values(["week", "_region_order", "_measure_order"], kind="stable")
    return frame.drop(columns=["_region_order", "_measure_order"]).reset_index(drop=True)


def week_progresses(history: ProgressHistory, weeks: list[Week]) -> list[WeekProgress]:
    """
    The WeekProgress of each of ``weeks`` (oldest first, as stored), cut from the
    history instead of one week_progress() call per week: the same table, totals,
    regions and measures as the page (regions and measures that are active or
    reported that week).
    """
    return list(iter_week_progresses(history, weeks))


def iter_week_progresses(
    history: ProgressHistory, weeks: list[Week], *, newest_first: bool = False
) -> Iterator[WeekProgress]:
    """``week_progresses`` one at a time, as each is needed (newest first if asked)."""
    columns = [*rules.SNAPSHOT_COLUMNS, "new", "rate", "rank", "carried_from"]
    table = history.table.loc[:, columns]
    # Each week's rows and totals by position, found once: a boolean filter, .xs or a
    # groupby's frames per week cost a city's 260 weeks most of a second.
    rows_of = history.table.groupby("week", sort=False).indices
    totals_of = history.totals.groupby(level="week", sort=False).indices
    all_totals = history.totals.reset_index(level="week", drop=True)  # by measure, as a week's
    regions = table["region"].to_numpy()
    measures = table["measure"].to_numpy()
    own = table["carried_from"].isna().to_numpy()
    # Each week's records cut from the whole history's, made at once (WeekProgress would
    # make them from each week's frames).
    table_records = frame_records(table)
    totals_records = frame_records(all_totals)
    totals_measures = all_totals.index.tolist()
    empty_table = table.iloc[[]].reset_index(drop=True)
    order = range(len(weeks) - 1, -1, -1) if newest_first else range(len(weeks))
    for i in order:
        week = weeks[i]
        rows = rows_of.get(week.date)
        if rows is None:
            week_table, totals = empty_table, rules.week_totals(empty_table)
            reported_regions, reported_measures = set(), set()
            records = None
        else:
            week_table = table.take(rows).reset_index(drop=True)
            totals_rows = totals_of[week.date]
            totals = all_totals.take(totals_rows)
            # Each record is one week's (the weeks' rows do not overlap): none is shared.
            records = {
                "table_records": [table_records[i] for i in rows.tolist()],
                "totals_records": (
                    [totals_measures[i] for i in totals_rows.tolist()],
                    [totals_records[i] for i in totals_rows.tolist()],
                ),
            }
            # Shown: active, or with the week's own figure (carried figures are of active ones).
            own_rows = rows[own[rows]]
            reported_regions = set(regions[own_rows].tolist())
            reported_measures = set(measures[own_rows].tolist())
        yield WeekProgress(
            week=week,
            previous_week=weeks[i - 1] if i > 0 else None,
            next_week=weeks[i + 1] if i + 1 < len(weeks) else None,
            regions=[r for r in history.regions if r.active or r.pk in reported_regions],
            measures=[m for m in history.measures if m.active or m.pk in reported_measures],
            table=week_table,
            totals=totals,
            **(records or {}),
        )


def _cell_value(field: str, value):
    if field == "week":
        return value
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if field == "rate":
        return float(value)
    if field in layout.FIELDS:
        return int(value)
    return str(value)


def long_rows(frame: pd.DataFrame) -> list[list]:
    """The long form as plain Python values (date, str, int, float, None)."""
    return [
        [_cell_value(f, value) for f, value in zip(LONG_FIELDS, row, strict=True)]
        for row in frame.loc[:, LONG_FIELDS].itertuples(index=False, name=None)
    ]


def long_sheet_title() -> str:
    return _("All weeks")


def history_workbook(city: Area | None = None) -> xlsx_stream.StreamedWorkbook:
    """
    The long sheet, then one official sheet per week, newest first (of ``city``'s
    table). The figures are read here; the sheets are filled and written while the
    file is sent (``StreamedWorkbook.chunks``), one at a time, so the first bytes
    leave at once and memory holds one sheet.
    """
    history = selectors.progress_history(city=city)
    weeks = list(Week.objects.order_by("date"))
    states = {week.date: str(week.get_state_display()) for week in weeks}

    def long_sheet(ws) -> None:
        _write_long_sheet(ws, long_rows(history_frame(history, states=states)))

    week_sheets = (
        functools.partial(sheets.write_week_sheet, progress=progress)
        for progress in iter_week_progresses(history, weeks, newest_first=True)
    )
    return xlsx_stream.StreamedWorkbook(
        [long_sheet_title(), *(sheets.sheet_title(week.date) for week in reversed(weeks))],
        itertools.chain([long_sheet], week_sheets),
    )


def _write_long_sheet(ws, rows: list[list]) -> None:
    """Fills an empty sheet row by row: an ordinary, write-only or streamed one."""
    ws.title = long_sheet_title()
    ws.append(header_cells(ws, long_labels()))
    for values in rows:
        ws.append([long_cell(ws, f, value) for f, value in zip(LONG_FIELDS, values, strict=True)])
    widths = [12, 8, 16, 12, 10, 10, 10, 16, 10, 8]
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions


def header_cells(ws, labels: list[str]) -> list:
    """A long sheet's header row: bold, centred, wrapped."""
    cells = []
    for label in labels:
        cell = xlsx_stream.new_cell(ws, label)
        cell.font = HEADER_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cells.append(cell)
    return cells


def long_cell(ws, field: str, value):
    """
    A long-form value as a cell to append (None: an empty cell): text stays text,
    never a formula; the rate is the exact ratio shown 0.0%; counts as 0, weeks as dates.
    """
    if value is None:
        return None
    cell = xlsx_stream.new_cell(ws)
    if isinstance(value, str):
        sheets.put_text(cell, value)  # a region's name stays text, never a formula
    elif field == "rate":
        sheets.put_exact_float(cell, value)  # every digit of the exact ratio
        cell.number_format = RATE_FORMAT
    else:
        cell.value = value
        cell.number_format = "yyyy-mm-dd" if field == "week" else sheets.COUNT_FORMAT
    return cell


# CSV ------------------------------------------------------------------------


def csv_text(value: str) -> str:
    """Text a spreadsheet will not run as a formula (OWASP CSV injection): a leading ' if needed."""
    return f"'{value}" if value.startswith(sheets.FORMULA_TRIGGERS) else value


def history_csv(city: Area | None = None) -> bytes:
    """
    The long form as CSV (of ``city``'s table), UTF-8 with a BOM. Rates are the exact
    ratio (as in the workbook), with a last column holding the rate as people read it (37.5%).
    """
    return b"".join(history_csv_chunks(city))


def history_csv_chunks(city: Area | None = None, *, rows_per_chunk: int = 2000) -> Iterator[bytes]:
    """
    ``history_csv`` piece by piece, for a streaming response: the BOM and the
    header first, before any figure is read, then the rows ``rows_per_chunk`` at
    a time. The rows are read when the response is sent, in the language of the
    request (the state's name, 已发布, is words).
    """
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(
        [*long_labels(), _("Installation rate (as shown)")]
    )
    header = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    return itertools.chain(
        [header], _csv_row_chunks(city, translation.get_language(), rows_per_chunk)
    )


def _csv_row_chunks(
    city: Area | None, language: str | None, rows_per_chunk: int
) -> Iterator[bytes]:
    with translation.override(language):
        history = selectors.progress_history(city=city)
        rows = long_rows(history_frame(history, states=week_states()))
    for start in range(0, len(rows), rows_per_chunk):
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for values in rows[start : start + rows_per_chunk]:
            row = dict(zip(LONG_FIELDS, values, strict=True))
            shown = rules.rate_text(row["installed"], row["households"])
            writer.writerow([csv_value(field, row[field]) for field in LONG_FIELDS] + [shown])
        yield buffer.getvalue().encode("utf-8")


def csv_value(field: str, value) -> str:
    """A long-form value as CSV text: ISO dates, text safe from formulas, exact rates."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str):
        return csv_text(value)
    if field == "rate":
        return repr(value)  # the exact ratio, every digit
    return str(value)
