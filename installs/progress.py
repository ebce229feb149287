"""
The computed progress of one week and of every week: plain data that the
selectors fill and the builders (table, charts, workbook, API) read.

No Django here: the builders import these classes without importing the ORM
layer that fills them; regions, measures and weeks are the model objects the
selector read, used only through their attributes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import pandas as pd

from installs import rules

if TYPE_CHECKING:
    from installs.models import Measure, Region, Week


@dataclass(frozen=True)
class CarriedFigure:
    """A figure shown for a week that did not report it: the latest earlier one, from ``date``."""

    region: Region
    measure: Measure
    date: datetime.date


@dataclass
class WeekProgress:
    """One week's computed table: the rules' output with the regions and measures it is about."""

    week: Week
    previous_week: Week | None
    next_week: Week | None
    regions: list[Region]
    measures: list[Measure]
    # rules.week_table(): one row per (region id, measure id) with a figure, the
    # week's own or carried (``carried_from``: rules.carry_forward).
    table: pd.DataFrame
    totals: pd.DataFrame  # rules.week_totals(): indexed by measure id, carried figures counted
    # What each pair showed the week before (region, measure, households, installed;
    # carried ones too), read in the same query; None where the builder did not read them.
    previous_snapshots: pd.DataFrame | None = None
    # ``frame_records`` of ``table`` and of ``totals`` (with the totals' measure ids), when
    # the caller has them already: the history export cuts 260 weeks from the records of
    # the whole history, made at once: week by week they were half its time.
    table_records: list[dict] | None = field(default=None, repr=False)
    totals_records: tuple[list[int], list[dict]] | None = field(default=None, repr=False)
    records: dict[tuple[int, int], dict] = field(init=False)

    def __post_init__(self) -> None:
        rows = frame_records(self.table) if self.table_records is None else self.table_records
        self.records = {(row["region"], row["measure"]): row for row in rows}
        if self.totals_records is None:
            self._totals = dict(
                zip(self.totals.index.tolist(), frame_records(self.totals), strict=True)
            )
        else:
            self._totals = dict(zip(*self.totals_records, strict=True))
        self.table_records = self.totals_records = None  # held once, in records

    @cached_property
    def _own_figures(self) -> list[tuple[int, int]]:
        """The (region, measure) pairs with the week's own figure: carried ones left out."""
        return [pair for pair, record in self.records.items() if record["carried_from"] is None]

    @cached_property
    def _active_measures(self) -> list[int]:
        return [m.pk for m in self.measures if m.active]

    @cached_property
    def reported_region_ids(self) -> set[int]:
        """The regions that reported the week (``rules.has_reported``: every active measure)."""
        return rules.reported_regions(self._own_figures, self._active_measures)

    @cached_property
    def partial_region_ids(self) -> set[int]:
        """The regions with a figure for some measures of the week only (部分填报)."""
        return {r for r, _ in self._own_figures} - self.reported_region_ids

    @cached_property
    def missing_region_ids(self) -> set[int]:
        """The active regions with no figure of the week at all (未填报)."""
        return {r.pk for r in self.regions if r.active} - {r for r, _ in self._own_figures}

    def carried(self) -> list[CarriedFigure]:
        """Every carried figure (沿用M月D日数据), regions and measures in official order."""
        found = []
        for region in self.regions:
            for measure in self.measures:
                record = self.records.get((region.pk, measure.pk))
                if record is not None and record["carried_from"] is not None:
                    found.append(CarriedFigure(region, measure, record["carried_from"]))
        return found

    @cached_property
    def _reporting_count(self) -> tuple[int, int]:
        active_regions = [r.pk for r in self.regions if r.active]
        return rules.reporting_count(self.reported_region_ids, active_regions)

    @property
    def reported_count(self) -> int:
        """How many of the active regions reported (``rules.reporting_count``)."""
        return self._reporting_count[0]

    @property
    def region_count(self) -> int:
        """How many regions are expected to report: the active ones."""
        return self._reporting_count[1]

    def total(self, measure: Measure) -> dict | None:
        return self._totals.get(measure.pk)


def frame_records(frame: pd.DataFrame) -> list[dict]:
    """
    ``frame.to_dict("records")`` (Python ints and floats; None where a nullable
    column is missing, NaN where a float is) in a third of its time: it runs
    for every row of every ranking page.
    """
    names = frame.columns.tolist()
    columns = [_python_values(column) for _, column in frame.items()]
    return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]


def _python_values(column: pd.Series) -> list:
    values = column.tolist()
    if isinstance(column.dtype, pd.api.extensions.ExtensionDtype):
        # Cheaper than asking the column whether it has any missing value first.
        return [None if value is pd.NA else value for value in values]
    return values


@dataclass
class ProgressHistory:
    """Every week's computed table up to a week, for the trend charts, region pages and the pace."""

    dates: list[datetime.date]  # every week up to ``until``, oldest first
    regions: list[Region]  # official order: active ones and any that reported
    measures: list[Measure]
    table: (
        pd.DataFrame
    )  # rules.history_table(): one row per reported (week date, region id, measure id)
    totals: pd.DataFrame  # rules.history_totals(): indexed by (week date, measure id)

    def region_rows(self, region: Region) -> pd.DataFrame:
        """The region's own reports (carried figures left out: a skipped week is 未填报 there)."""
        table = self.table
        return table[(table["region"] == region.pk) & table["carried_from"].isna()]

    def until(self, date: datetime.date) -> ProgressHistory:
        """
        The history as it stood at ``date``: the weeks up to it. Each week's
        row depends only on that week and earlier ones (the previous report, a
        carried figure, ranks within the week), so cutting the whole history
        gives what computing it up to ``date`` gives (tests/test_history_memo.py).
        """
        if not self.dates or self.dates[-1] <= date:
            return self
        table = self.table[self.table["week"] <= date].reset_index(drop=True)
        reported_regions = set(table["region"].tolist())
        reported_measures = set(table["measure"].tolist())
        weeks = self.totals.index.get_level_values("week")
        return ProgressHistory(
            dates=[d for d in self.dates if d <= date],
            regions=[r for r in self.regions if r.active or r.pk in reported_regions],
            measures=[m for m in self.measures if m.active or m.pk in reported_measures],
            table=table,
            totals=self.totals[weeks <= date],
        )
