"""
The history (历周数据) of a province or of the nation: every county of its cities,
every week, in long form, with the province's and the city's name in front.

Built city by city: each city's rows are exactly its own history export's
(``history_export.history_frame``: ranks among the city's counties, carried
figures left out), written and then dropped before the next city is read, so
the memory a build takes is one city's, whatever the number of cities. The
workbook is written with openpyxl's write-only mode (rows go to a temporary
file, not a tree of cells) and continues on a new sheet when one is full; the
CSV file is written row by row. Rows come province by province, city by city,
and within a city as in the city's export (oldest week first, counties and
measures in official order).

The background task (installs.services.history_exports) calls ``write_history``
with a callback that records the progress after each city.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterator
from pathlib import Path

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from installs import history_export, level_tables, rules, selectors
from installs.models import Area

AREA_FIELDS = ["province", "city"]
FIELDS = [*AREA_FIELDS, *history_export.LONG_FIELDS]
# Excel's last row is 1,048,576: a sheet takes this many rows of figures under its header.
SHEET_ROWS = 1_048_575
WIDTHS = [14, 12, 12, 8, 16, 12, 10, 10, 10, 16, 10, 8]


def labels() -> list[str]:
    """The column headings: 省（自治区、直辖市）, 市, then the city export's."""
    return [
        str(level_tables.PROVINCE_LABEL),
        str(level_tables.CITY_LABEL),
        *history_export.long_labels(),
    ]


def city_rows(city: Area, *, states: dict[datetime.date, str]) -> list[list]:
    """One city's rows: its export's long rows with the province and the city in front."""
    history = selectors.progress_history(city=city)
    frame = history_export.history_frame(history, states=states)
    names = [city.parent.name if city.parent_id else "", city.name]
    return [[*names, *row] for row in history_export.long_rows(frame)]


def rows(cities: list[Area], *, on_city: Callable[[int], None] | None = None) -> Iterator[list]:
    """Every city's rows in turn; ``on_city(n)`` after the n-th city's rows are all given."""
    states = history_export.week_states()
    for done, city in enumerate(cities, start=1):
        yield from city_rows(city, states=states)
        if on_city is not None:
            on_city(done)


def write_history(
    path: Path, *, cities: list[Area], format: str, on_city: Callable[[int], None] | None = None
) -> int:
    """
    Write the history of ``cities`` (``areas.cities_in`` of a province or of the
    nation) to ``path`` as "xlsx" or "csv"; returns the number of rows of figures.
    """
    writer = write_xlsx if format == "xlsx" else write_csv
    return writer(path, rows(cities, on_city=on_city))


def write_csv(path: Path, rows: Iterator[list]) -> int:
    """UTF-8 with a BOM (Excel opens the Chinese), as the city's CSV: the rate as shown last."""
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file, lineterminator="\r\n")
        writer.writerow([*labels(), _("Installation rate (as shown)")])
        for values in rows:
            row = dict(zip(FIELDS, values, strict=True))
            shown = rules.rate_text(row["installed"], row["households"])
            writer.writerow([history_export.csv_value(f, row[f]) for f in FIELDS] + [shown])
            count += 1
    return count


def write_xlsx(path: Path, rows: Iterator[list], *, sheet_rows: int = SHEET_ROWS) -> int:
    """
    The long sheet 全部周次 in write-only mode; past ``sheet_rows`` rows of figures
    it goes on in 全部周次 (2), (3)… each with the header again.
    """
    workbook = Workbook(write_only=True)
    ws = None
    count = 0
    for values in rows:
        if count % sheet_rows == 0:
            ws = _new_sheet(workbook, count // sheet_rows + 1)
        ws.append(
            [
                history_export.long_cell(ws, f, value)
                for f, value in zip(FIELDS, values, strict=True)
            ]
        )
        count += 1
    if ws is None:
        _new_sheet(workbook, 1)
    workbook.save(path)
    return count


def _new_sheet(workbook: Workbook, number: int):
    title = _("All weeks")
    ws = workbook.create_sheet(title if number == 1 else f"{title} ({number})")
    for col, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "A2"
    ws.append(history_export.header_cells(ws, labels()))
    return ws
