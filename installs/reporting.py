"""
Reads for the week's workflow: the 填报情况 panel (which regions reported a
week, when, by whom, how completely).

Three queries whatever the number of regions: the active regions, the active
measures, and the week's snapshots with their last editor.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from installs import rules
from installs.models import Area, Measure, Region, Snapshot, Week


@dataclass(frozen=True)
class RegionReport:
    """One region's reporting for a week: how many active measures it filled, last change and by whom."""

    region: Region
    filled: int
    measure_count: int
    updated_at: datetime.datetime | None
    updated_by: object | None  # a user, or None when unknown (e.g. deleted)
    reported: bool  # rules.has_reported

    @property
    def complete(self) -> bool:
        return self.filled >= self.measure_count

    @property
    def partial(self) -> bool:
        """部分填报: some of the week's figures, not every active measure's."""
        return not self.reported and self.filled > 0


@dataclass(frozen=True)
class WeekReporting:
    week: Week
    regions: list[RegionReport]
    measure_count: int

    @property
    def reported_count(self) -> int:
        return rules.reporting_count(self._reported_ids, self._region_ids)[0]

    @property
    def region_count(self) -> int:
        return rules.reporting_count(self._reported_ids, self._region_ids)[1]

    @property
    def missing(self) -> list[Region]:
        """未填报: no figure of the week at all."""
        return [r.region for r in self.regions if not r.reported and not r.partial]

    @property
    def partial(self) -> list[Region]:
        """部分填报: some measures only (their others are carried on the table)."""
        return [r.region for r in self.regions if r.partial]

    @property
    def _region_ids(self) -> list[int]:
        return [r.region.pk for r in self.regions]

    @property
    def _reported_ids(self) -> list[int]:
        return [r.region.pk for r in self.regions if r.reported]


def week_reporting(week: Week, city: Area | None = None) -> WeekReporting:
    """
    Every active region of ``city`` (None: of the whole deployment), in official
    order: whether it reported the week (``rules.has_reported``), how many of the
    active measures it filled, and its last change.
    """
    regions = Region.objects.filter(active=True)
    snapshots = Snapshot.objects.filter(week=week, region__active=True)
    if city is not None:
        regions = regions.filter(city=city)
        snapshots = snapshots.filter(region__city=city)
    regions = list(regions.order_by("order", "name"))
    active_measures = set(Measure.objects.filter(active=True).values_list("pk", flat=True))
    snapshots = snapshots.select_related("updated_by").order_by("updated_at")
    measures: dict[int, set[int]] = {}
    last: dict[int, Snapshot] = {}
    for snapshot in snapshots:
        measures.setdefault(snapshot.region_id, set()).add(snapshot.measure_id)
        last[snapshot.region_id] = snapshot  # ordered by updated_at: the last one wins
    reports = [
        RegionReport(
            region=region,
            filled=len(measures.get(region.pk, set()) & active_measures),
            measure_count=len(active_measures),
            updated_at=last[region.pk].updated_at if region.pk in last else None,
            updated_by=last[region.pk].updated_by if region.pk in last else None,
            reported=rules.has_reported(measures.get(region.pk, set()), active_measures),
        )
        for region in regions
    ]
    return WeekReporting(week=week, regions=reports, measure_count=len(active_measures))
