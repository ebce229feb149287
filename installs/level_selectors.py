"""
Reads for the table at every level above the city: a province's table of its
cities, the nation's of its provinces (``installs.level_rules`` sums them).

Summed from each city's sums, a fixed number of queries whatever the number of
counties, cities or weeks. A city's sums (``cities_sums``) come from its
counties' two latest figures at or before the week (as ``selectors.latest_figures``
reads a city's), completed by ``rules.carry_forward`` as the city's own table
does; they are kept per city under the city's own token (``installs.revision``),
so a figure saved in one county sums its city again, not the whole province or
nation. The table is kept under the data revision, per week and area.
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


def _subtree_cities(area: Area | None, children: list[Area]) -> list[tuple[int, int]]:
    """
    (city, child) of every city whose counties the table sums, in the children's order:
    a province's active cities (each its own child), or the active cities of the
    nation's active provinces (their province the child). Kept until an area changes.
    """
    if area is not None:
        return [(city.pk, city.pk) for city in children] if area.active else []
    position = {province.pk: i for i, province in enumerate(children)}

    def read() -> list[tuple[int, int]]:
        rows = (
            Area.objects.filter(level=Area.Level.CITY, active=True, parent_id__in=list(position))
            .order_by("order", "code")
            .values_list("pk", "parent_id")
        )
        return sorted(rows, key=lambda row: position[row[1]])

    return revision.memoised(("subtree-cities", "root"), read, week=areas.NO_FIGURES)


def cities_sums(
    week: Week, cities: list[int], measures: list[Measure]
) -> dict[int, level_rules.CitySums]:
    """
    Each city's counties summed for the week (``level_rules.city_sums``), computed
    from the database for all of ``cities`` at once: three or four queries however
    many (the counties, and each county × measure's two latest figures at or before
    the week: the last weeks first, the whole history only for pairs quiet longer,
    ``selectors.latest_of``, as a city's table reads them). Every measure is summed,
    the inactive ones too: the table keeps those some county reported in the week.
    """
    counties = list(
        Region.objects.filter(city_id__in=cities)
        .order_by("order", "name")
        .values_list("pk", "active", "city_id")
    )
    snapshots = Snapshot.objects.filter(week__date__lte=week.date, region__city_id__in=cities)
    latest = selectors.latest_of(
        snapshots, week, pairs={(pk, m.pk) for pk, _a, _c in counties for m in measures}
    )
    own = latest[(latest["recency"] == 1) & (latest["week"] == week.date)]
    own_pairs = list(zip(own["region"].tolist(), own["measure"].tolist(), strict=True))
    reporting = {region for region, _ in own_pairs}
    regions = [pk for pk, active, _c in counties if active or pk in reporting]
    current, previous = rules.carry_forward(
        latest, week=week.date, pairs=[(r, m.pk) for r in regions for m in measures]
    )
    return level_rules.city_sums(
        current,
        previous,
        {pk: city for pk, _a, city in counties},
        cities,
        own=own_pairs,
        reported=rules.reported_regions(own_pairs, [m.pk for m in measures if m.active]),
        active=[pk for pk, active, _c in counties if active],
    )


def level_progress(week: Week, area: Area | None) -> LevelProgress:
    """
    The table of ``area``'s children (a province's cities; for None the nation's
    provinces) for the week, with last week's ranks for the movement: summed from
    each city's sums (``cities_sums``), kept per city under the city's own token
    (``revision.memoised_per_city``), so after a figure is saved only its city is
    summed again. Six queries whatever the number of counties, cities or weeks (the
    weeks before and after, the measures, the cities' tokens, and when some city's
    sums are not kept, its counties and their latest figures: ``cities_sums``).
    """
    if area is not None and area.is_city:
        raise ValueError("a city's table is the county table (selectors.week_progress)")
    previous_week = Week.objects.filter(date__lt=week.date).order_by("-date").first()
    next_week = Week.objects.filter(date__gt=week.date).order_by("date").first()
    children = areas.children(area)
    all_measures = list(Measure.objects.order_by("order", "pk"))
    cities = _subtree_cities(area, children)
    kept = revision.memoised_per_city(
        ("city-sums", week.pk),
        [city for city, _child in cities],
        lambda missing: cities_sums(week, missing, all_measures),
    )
    parts = [(city, kept[city]) for city, _child in cities]
    reported_measures = set().union(*(sums.own_measures for _city, sums in parts))
    measures = [m for m in all_measures if m.active or m.pk in reported_measures]
    shown = {m.pk for m in measures}
    child_of = dict(cities)
    child_ids = [c.pk for c in children]
    sums = level_rules.child_sums(level_rules.cities_table(parts, shown), child_of, child_ids)
    if previous_week is not None:
        previous_sums = level_rules.child_sums(
            level_rules.cities_table(parts, shown, previous=True), child_of, child_ids
        )
        sums["move"] = level_rules.level_movement(sums, previous_sums)
    else:
        sums["move"] = pd.array([None] * len(sums), dtype="Int64")
    return LevelProgress(
        week=week,
        previous_week=previous_week,
        next_week=next_week,
        area=area,
        children=children,
        measures=measures,
        table=sums,
        totals=level_rules.level_totals(sums),
        reported=level_rules.children_reported(parts, child_of, child_ids),
    )


def computed_level(week: Week, area: Area | None) -> LevelProgress:
    """``level_progress`` kept under the data revision, per week (and its state) and area."""
    key = ("level", week.pk, week.state, area.code if area is not None else "root")
    return revision.memoised(key, lambda: level_progress(week, area), week=week.date)


def city_standing(week: Week, city: Area) -> list[level_rules.Standing]:
    """A city's rank among its province's cities and its movement, per measure."""
    return computed_level(week, city.parent).standing(city)
