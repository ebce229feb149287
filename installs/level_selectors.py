"""
Reads for the table at every level above the city: a province's table of its
cities, the nation's of its provinces (``installs.level_rules`` sums them).

One pass over the subtree's counties, a fixed number of queries whatever the
number of counties or weeks: the weeks before and after, the children, the
counties, the measures, and each county × measure's two latest figures at or
before the week (one windowed query, as ``selectors.latest_figures``), from which
``rules.carry_forward`` completes the week as the city's own table does. The
result is kept under the data revision (``installs.revision``), per week and area.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from installs import areas, level_rules, revision, rules, selectors
from installs.models import Area, Measure, Region, Snapshot, Week
from installs.progress import frame_records


@dataclass
class LevelProgress:
    """One week's table of the children of ``area`` (None: the nation's provinces)."""

    week: Week
    previous_week: Week | None
    next_week: Week | None
    area: Area | None
    children: list[Area]
    measures: list[Measure]
    # level_rules.child_sums() with ``move`` (places gained since last week, Int64).
    table: pd.DataFrame
    totals: pd.DataFrame  # level_rules.level_totals(): indexed by measure id
    # Per child id: (counties reported, active counties) of the week.
    reported: dict[int, tuple[int, int]]
    records: dict[tuple[int, int], dict] = field(init=False)

    def __post_init__(self) -> None:
        self.records = {(row["child"], row["measure"]): row for row in frame_records(self.table)}
        self._totals = dict(
            zip(self.totals.index.tolist(), frame_records(self.totals), strict=True)
        )

    def total(self, measure: Measure) -> dict | None:
        return self._totals.get(measure.pk)

    @property
    def reported_count(self) -> tuple[int, int]:
        """(counties reported, active counties) over the whole subtree."""
        counts = self.reported.values()
        return sum(n for n, _ in counts), sum(total for _, total in counts)

    def standing(self, child: Area) -> list[level_rules.Standing]:
        """The child's rank among its siblings and its movement, per measure."""
        return level_rules.child_standing(self.table, self.table["move"], child.pk)


def _subtree_counties(area: Area | None):
    regions = Region.objects.filter(city__active=True, city__parent__active=True)
    if area is not None:
        regions = regions.filter(city__parent=area)
    return regions


def _subtree_latest(week: Week, area: Area | None, pairs: set[tuple[int, int]]) -> pd.DataFrame:
    """
    Per county × measure of the subtree, its two latest figures at or before the week:
    the last weeks read first, the whole history only for pairs quiet longer
    (``selectors.latest_of``, as a city's table reads them).
    """
    snapshots = Snapshot.objects.filter(week__date__lte=week.date)
    if area is not None:
        snapshots = snapshots.filter(region__city__parent=area)
    return selectors.latest_of(snapshots, week, pairs=pairs)


def level_progress(week: Week, area: Area | None) -> LevelProgress:
    """
    The table of ``area``'s children (a province's cities; for None the nation's
    provinces) for the week, with last week's ranks for the movement. Six queries
    whatever the number of counties or weeks.
    """
    if area is not None and area.is_city:
        raise ValueError("a city's table is the county table (selectors.week_progress)")
    previous_week = Week.objects.filter(date__lt=week.date).order_by("-date").first()
    next_week = Week.objects.filter(date__gt=week.date).order_by("date").first()
    children = areas.children(area)
    # (id, active, city, province) of every county of the subtree: plain tuples, not
    # model instances (3,100 of them cost more than the sums).
    counties = list(
        _subtree_counties(area)
        .order_by("order", "name")
        .values_list("pk", "active", "city_id", "city__parent_id")
    )
    all_measures = list(Measure.objects.order_by("order", "pk"))
    latest = _subtree_latest(
        week, area, {(pk, m.pk) for pk, *_rest in counties for m in all_measures}
    )

    child_ids = [c.pk for c in children]
    # A county's child: its city under a province, its province under the root.
    child_of = {pk: city if area is not None else province for pk, _a, city, province in counties}
    own = latest[(latest["recency"] == 1) & (latest["week"] == week.date)]
    own_pairs = list(zip(own["region"].tolist(), own["measure"].tolist(), strict=True))
    reported_measures = set(own["measure"].tolist())
    reporting = {r for r, _ in own_pairs}
    regions = [pk for pk, active, _c, _p in counties if active or pk in reporting]
    measures = [m for m in all_measures if m.active or m.pk in reported_measures]
    current, previous = rules.carry_forward(
        latest, week=week.date, pairs=[(r, m.pk) for r in regions for m in measures]
    )
    table = rules.week_table(current)
    sums = level_rules.child_sums(table, child_of, child_ids)
    if previous_week is not None:
        previous_sums = level_rules.child_sums(previous, child_of, child_ids)
        sums["move"] = level_rules.level_movement(sums, previous_sums)
    else:
        sums["move"] = pd.array([None] * len(sums), dtype="Int64")
    reported = rules.reported_regions(own_pairs, [m.pk for m in measures if m.active])
    active_by_child: dict[int, list[int]] = {c: [] for c in child_ids}
    for pk, active, _city, _province in counties:
        if active and child_of[pk] in active_by_child:
            active_by_child[child_of[pk]].append(pk)
    return LevelProgress(
        week=week,
        previous_week=previous_week,
        next_week=next_week,
        area=area,
        children=children,
        measures=measures,
        table=sums,
        totals=level_rules.level_totals(sums),
        reported=level_rules.reported_by_child(reported, active_by_child),
    )


def computed_level(week: Week, area: Area | None) -> LevelProgress:
    """``level_progress`` kept under the data revision, per week (and its state) and area."""
    key = ("level", week.pk, week.state, area.code if area is not None else "root")
    return revision.memoised(key, lambda: level_progress(week, area), week=week.date)


def city_standing(week: Week, city: Area) -> list[level_rules.Standing]:
    """A city's rank among its province's cities and its movement, per measure."""
    return computed_level(week, city.parent).standing(city)
