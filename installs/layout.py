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
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from installs import rules
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
    One dict per region in official order. ``reported``: the region reported
    the week (``rules.has_reported``: every active measure); ``partial``: some
    measures only (部分填报); ``figures``: the row has any figure to show, its
    own or carried. Per measure, "<slug>_carried_from" is the week a carried
    figure is from (沿用M月D日数据), None for the week's own figure.
    """
    # The ranking page builds this for up to 200 regions per request: keys are made
    # once, and a region starts from an all-empty row that only its figures fill.
    measures = [
        (m.pk, [(f, cell_key(m, f)) for f in FIELDS], cell_key(m, "carried_from"))
        for m in progress.measures
    ]
    empty = {key: None for _, keys, _carried in measures for _, key in keys}
    empty.update({carried: None for _, _keys, carried in measures})
    records = progress.records
    reported = progress.reported_region_ids
    partial = progress.partial_region_ids
    rows = []
    for region in progress.regions:
        row = {
            "region": region.name,
            "slug": region.slug,
            "reported": region.pk in reported,
            "partial": region.pk in partial,
            "figures": False,
            **empty,
        }
        for measure_pk, keys, carried_key in measures:
            record = records.get((region.pk, measure_pk))
            if record is not None:
                row["figures"] = True
                for f, key in keys:
                    row[key] = _cell_value(f, record.get(f))
                row[carried_key] = record.get("carried_from")
        rows.append(row)
    return rows


# A carried figure's 环比新增安装数 reads 未填报 with this mark, on the page, in the
# workbook and in the notice; the notes under the table explain it.
CARRIED_MARK = "※"


def carried_cell_text() -> str:
    """未填报※: the 环比新增安装数 of a carried figure, as text (workbook, notice)."""
    return gettext("Not reported") + CARRIED_MARK


def carried_text(date: datetime.date) -> str:
    """The mark of a carried figure, as the glossary words it: 沿用11月21日数据."""
    return gettext("Carried from %(month)s-%(day)s") % {"month": date.month, "day": date.day}


def carried_groups(progress: WeekProgress) -> list[tuple[datetime.date, list[str]]]:
    """
    What is carried, per week carried from (oldest first): a region with every
    measure carried from one week is named alone, otherwise with the measure
    (温县金属软管·液化气). Regions in official order.
    """
    by_region: dict[int, list] = {}
    for item in progress.carried():
        by_region.setdefault(item.region.pk, []).append(item)
    shown = len(progress.measures)
    carried = []
    for items in by_region.values():
        if len(items) == shown and len({item.date for item in items}) == 1:
            carried.append((items[0].region.name, None, items[0].date))
        else:
            carried += [(i.region.name, str(i.measure), i.date) for i in items]
    return rules.carried_note_groups(carried)


def carried_notes(progress: WeekProgress) -> list[str]:
    """The lines under the table that say what is carried: "注：山阳区、马村区沿用11月21日数据。"."""
    return [
        gettext("Note: %(regions)s: %(carried)s.")
        % {
            "regions": pgettext("between names in a list", ", ").join(names),
            "carried": carried_text(date),
        }
        for date, names in carried_groups(progress)
    ]


def totals_row(progress: WeekProgress) -> dict:
    """The 合计 row: sums over every region's figures, carried ones included, with no rank."""
    row = {
        "region": str(TOTAL_LABEL),
        "slug": "",
        "reported": True,
        "partial": False,
        "figures": True,
    }
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


def figure_cells(row: dict, measure: Measure) -> dict | None:
    """
    One measure's figures of a table row as the API gives them (a county's or a
    city's, a province's): None when there is none.
    """
    households = row[cell_key(measure, "households")]
    if households is None:
        return None
    installed = row[cell_key(measure, "installed")]
    return {
        "households": households,
        "installed": installed,
        "new": row[cell_key(measure, "new")],
        "rate": row[cell_key(measure, "rate")],
        "rate_text": rules.rate_text(installed, households) or None,
    }
