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


@dataclass
class WeekProgress:
    """One week's computed table: the rules' output with the regions and measures it is about."""

    week: Week
    previous_week: Week | None
    next_week: Week | None
    regions: list[Region]
    measures: list[Measure]
    table: pd.DataFrame  # rules.week_table(): one row per reported (region id, measure id)
    totals: pd.DataFrame  # rules.week_totals(): indexed by measure id
    # The previous week's own rows (region, measure, households, installed), read in
    # the same query as the week's; None where the builder did not read them.
    previous_snapshots: pd.DataFrame | None = None
    records: dict[tuple[int, int], dict] = field(init=False)

    def __post_init__(self) -> None:
        self.records = {(row["region"], row["measure"]): row for row in frame_records(self.table)}
        self._totals = dict(
            zip(self.totals.index.tolist(), frame_records(self.totals), strict=True)
        )

    @cached_property
    def reported_region_ids(self) -> set[int]:
        """The regions that reported the week (``rules.has_reported``)."""
        active_measures = [m.pk for m in self.measures if m.active]
        return rules.reported_regions(self.records, active_measures)

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
        return self.table[self.table["region"] == region.pk]
