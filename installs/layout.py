"""
The official table's layout, defined once: its column groups (device → gas
supply → 户数 / 已安装数 / 环比新增安装数, then 安装率 and 名次 per measure),
its title, date line and note, and its rows as plain dicts.

The ranking page, the workbook and the API all read their header and cells
from here, so they cannot drift apart.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from itertools import groupby

import pandas as pd
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from installs.models import Measure
from installs.progress import WeekProgress

# The five columns of each measure, in the official order.
FIELDS = ("households", "installed", "new", "rate", "rank")
FIELD_LABELS = {
    "households": _("Households"),
    "installed": _("Installed"),
    "new": _("New this week"),
    "rate": _("Installation rate"),
    "rank": _("Rank"),
}
REGION_LABEL = _("County (city, district)")
TOTAL_LABEL = _("Total")
NOTE = _(
    "Note: this table ranks by installation rate; installation rate = "
    "households equipped / households to equip × 100%."
)


@dataclass(frozen=True)
class HeaderCell:
    """One cell of the three header rows; row and col are 0-based within the header."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    key: str = ""  # the leaf column this cell sorts, where it is a leaf


def cell_key(measure: Measure, field: str) -> str:
    return f"{measure.slug}_{field}"


def table_title() -> str:
    return settings.PROGRESS_TABLE_TITLE


def date_line(date: datetime.date) -> str:
    """The date as the newspaper prints it under the title: (2022.11.21)."""
    return f"({date.year}.{date.month:02d}.{date.day:02d})"


def leaf_keys(measures: list[Measure]) -> list[str]:
    """Every data column after the region's, in order."""
    return [cell_key(m, f) for m in measures for f in FIELDS]


def header_rows(measures: list[Measure]) -> list[list[HeaderCell]]:
    """The three header rows, each cell placed with its spans, as printed."""
    top = [HeaderCell(str(REGION_LABEL), 0, 0, rowspan=3, key="region")]
    middle: list[HeaderCell] = []
    bottom: list[HeaderCell] = []
    col = 1
    # Consecutive measures of one device share its top cell (金属软管 over 管道气 and 液化气).
    for device, group in groupby(measures, key=lambda m: m.device):
        group = list(group)
        top.append(HeaderCell(device, 0, col, colspan=len(FIELDS) * len(group)))
        for measure in group:
            middle.append(HeaderCell(measure.gas_type, 1, col, colspan=3))
            for offset, field in enumerate(("households", "installed", "new")):
                bottom.append(
                    HeaderCell(
                        str(FIELD_LABELS[field]), 2, col + offset, key=cell_key(measure, field)
                    )
                )
            for offset, field in ((3, "rate"), (4, "rank")):
                middle.append(
                    HeaderCell(
                        str(FIELD_LABELS[field]),
                        1,
                        col + offset,
                        rowspan=2,
                        key=cell_key(measure, field),
                    )
                )
            col += len(FIELDS)
    return [top, middle, bottom]


def region_rows(progress: WeekProgress) -> list[dict]:
    """
    One dict per region in official order; a region that did not report
    (``rules.has_reported``) has reported=False.
    """
    # The ranking page builds this for up to 200 regions per request: keys are made
    # once, and a region starts from an all-empty row that only reported measures fill.
    measures = [(m.pk, [(f, cell_key(m, f)) for f in FIELDS]) for m in progress.measures]
    empty = {key: None for _, keys in measures for _, key in keys}
    records = progress.records
    reported = progress.reported_region_ids
    rows = []
    for region in progress.regions:
        row = {
            "region": region.name,
            "slug": region.slug,
            "reported": region.pk in reported,
            **empty,
        }
        for measure_pk, keys in measures:
            record = records.get((region.pk, measure_pk))
            if record is not None:
                for f, key in keys:
                    row[key] = _cell_value(f, record.get(f))
        rows.append(row)
    return rows


def totals_row(progress: WeekProgress) -> dict:
    """The 合计 row: sums over the regions that reported, with no rank."""
    row = {"region": str(TOTAL_LABEL), "slug": "", "reported": True}
    for measure in progress.measures:
        total = progress.total(measure)
        if total is not None:
            total = {**total, "rank": None}
        row.update(_measure_cells(measure, total))
    return row


def _measure_cells(measure: Measure, values: dict | None) -> dict:
    """The five cells of one measure; None where there is nothing to show (also pandas' NA)."""
    if values is None:
        return {cell_key(measure, f): None for f in FIELDS}
    return {cell_key(measure, f): _cell_value(f, values.get(f)) for f in FIELDS}


def _cell_value(field: str, value) -> int | float | None:
    # pd.isna() per cell costs more than the rest of the row: test NA and NaN directly.
    if value is None or value is pd.NA or value != value:
        return None
    return float(value) if field == "rate" else int(value)
