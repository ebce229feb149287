"""
Reads for the week's workflow: the 填报情况 panel (which regions reported a
week, when, by whom, how completely).

Two queries whatever the number of regions: the active regions and measures,
and the week's snapshots with their last editor.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from installs.models import Measure, Region, Snapshot, Week


@dataclass(frozen=True)
class RegionReport:
    """One region's reporting for a week: how many active measures it filled, last change and by whom."""

    region: Region
    filled: int
    measure_count: int
    updated_at: datetime.datetime | None
    updated_by: object | None  # a user, or None when unknown (e.g. deleted)

    @property
    def reported(self) -> bool:
        # Until the reads branch lands: rules.has_reported (every active measure).
        return self.filled > 0 and self.filled >= self.measure_count

    @property
    def complete(self) -> bool:
        return self.filled >= self.measure_count


@dataclass(frozen=True)
class WeekReporting:
    week: Week
    regions: list[RegionReport]
    measure_count: int

    @property
    def reported_count(self) -> int:
        return sum(1 for r in self.regions if r.reported)

    @property
    def region_count(self) -> int:
        return len(self.regions)

    @property
    def missing(self) -> list[Region]:
        return [r.region for r in self.regions if not r.reported]


def week_reporting(week: Week) -> WeekReporting:
    """Every active region, in official order, with what it reported for the week's active measures."""
    regions = list(Region.objects.filter(active=True).order_by("order", "name"))
    measure_ids = set(Measure.objects.filter(active=True).values_list("pk", flat=True))
    snapshots = (
        Snapshot.objects.filter(week=week, region__active=True, measure_id__in=measure_ids)
        .select_related("updated_by")
        .order_by("updated_at")
    )
    filled: dict[int, int] = {}
    last: dict[int, Snapshot] = {}
    for snapshot in snapshots:
        filled[snapshot.region_id] = filled.get(snapshot.region_id, 0) + 1
        last[snapshot.region_id] = snapshot  # ordered by updated_at: the last one wins
    reports = [
        RegionReport(
            region=region,
            filled=filled.get(region.pk, 0),
            measure_count=len(measure_ids),
            updated_at=last[region.pk].updated_at if region.pk in last else None,
            updated_by=last[region.pk].updated_by if region.pk in last else None,
        )
        for region in regions
    ]
    return WeekReporting(week=week, regions=reports, measure_count=len(measure_ids))
