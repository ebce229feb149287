"""
Reads: the one place that turns ORM rows into DataFrames for the rules.

A week's progress costs a fixed handful of queries however many weeks are
stored: the weeks before and after it, regions, measures, the snapshots of the
week and of the previous week together, and only when a region skipped the
previous week, one more.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from installs import pace, rules
from installs.models import Measure, Region, Snapshot, Week


@dataclass(frozen=True)
class CarriedFigure:
    """A figure shown for a week that did not report it: its latest earlier one, from ``date``."""

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
    table: pd.DataFrame  # rules.week_table(): one row per reported (region id, measure id)
    totals: pd.DataFrame  # rules.week_totals(): indexed by measure id
    # The previous week's own rows (region, measure, households, installed), read in
    # the same query as the week's; None where the builder did not read them.
    previous_snapshots: pd.DataFrame | None = None
    records: dict[tuple[int, int], dict] = field(init=False)

    def __post_init__(self) -> None:
        self.records = {(row["region"], row["measure"]): row for row in _records(self.table)}
        self._totals = dict(zip(self.totals.index.tolist(), _records(self.totals), strict=True))

    @cached_property
    def _own_measures(self) -> dict[int, set[int]]:
        """Region → the measures it has this week's own figure for (carried ones left out)."""
        own: dict[int, set[int]] = {}
        for (region, measure), record in self.records.items():
            if record["carried_from"] is None:
                own.setdefault(region, set()).add(measure)
        return own

    @cached_property
    def reported_region_ids(self) -> set[int]:
        """The regions that reported the week: a figure for every active measure (已填报)."""
        active = {m.pk for m in self.measures if m.active}
        return {r for r, own in self._own_measures.items() if rules.has_reported(own, active)}

    @cached_property
    def partial_region_ids(self) -> set[int]:
        """The regions with some measures of the week only (部分填报)."""
        active = {m.pk for m in self.measures if m.active}
        return {
            r for r, own in self._own_measures.items() if rules.has_partly_reported(own, active)
        }

    @cached_property
    def missing_region_ids(self) -> set[int]:
        """The active regions with no figure of the week at all (未填报)."""
        return {r.pk for r in self.regions if r.active and r.pk not in self._own_measures}

    def carried(self) -> list[CarriedFigure]:
        """Every carried figure (沿用M月D日数据), regions and measures in official order."""
        measures = {m.pk: m for m in self.measures}
        return [
            CarriedFigure(region=region, measure=measures[m], date=record["carried_from"])
            for region in self.regions
            for m in measures
            if (record := self.records.get((region.pk, m))) is not None
            and record["carried_from"] is not None
        ]

    @property
    def reported_count(self) -> int:
        return len(self.reported_region_ids)

    @property
    def region_count(self) -> int:
        return len(self.regions)

    def total(self, measure: Measure) -> dict | None:
        return self._totals.get(measure.pk)


def _records(frame: pd.DataFrame) -> list[dict]:
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


def region_list() -> list[Region]:
    """Every active region in official order: the region switcher's choices."""
    return list(Region.objects.filter(active=True).order_by("order", "name"))


def week_list() -> list[Week]:
    """Every week, newest first."""
    return list(Week.objects.order_by("-date"))


def week_dates() -> list[datetime.date]:
    """Every week's date, newest first: the week picker needs only these (years of weeks)."""
    return list(Week.objects.order_by("-date").values_list("date", flat=True))


def latest_week(*, published_only: bool = False) -> Week | None:
    weeks = Week.objects.order_by("-date")
    if published_only:
        weeks = weeks.filter(state=Week.State.PUBLISHED)
    return weeks.first()


def week_snapshots(week: Week, previous_week: Week | None) -> pd.DataFrame:
    """The week's snapshots with the installed count of each pair's most recent earlier report."""
    region_ids = list(Region.objects.order_by("order", "name").values_list("pk", flat=True))
    measure_ids = list(Measure.objects.order_by("order", "pk").values_list("pk", flat=True))
    return _snapshot_frames(week, previous_week, region_ids, measure_ids)[0]


def _snapshot_frames(
    week: Week, previous_week: Week | None, region_ids: list[int], measure_ids: list[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """
    Both weeks' rows in one query: the week's (``week_snapshots``), in official
    order (regions, then measures), and the previous week's own rows.

    The query has no ORDER BY: Snapshot's default ordering joins Week, Region and
    Measure and sorts every row in SQL, which cost more than the rest of the
    page at province scale; the rows are put in order here instead.
    """
    week_ids = [week.pk] if previous_week is None else [week.pk, previous_week.pk]
    rows = (
        Snapshot.objects.filter(week_id__in=week_ids)
        .order_by()
        .values_list("week_id", "region_id", "measure_id", "households", "installed")
    )
    current: list[tuple[int, int, int, int]] = []
    previous_rows: list[tuple[int, int, int, int]] = []
    for week_id, *row in rows:
        (current if week_id == week.pk else previous_rows).append(tuple(row))
    previous = {(r, m): installed for r, m, _households, installed in previous_rows}
    region_place = {pk: place for place, pk in enumerate(region_ids)}
    measure_place = {pk: place for place, pk in enumerate(measure_ids)}
    current.sort(key=lambda row: (region_place[row[0]], measure_place[row[1]]))
    pairs = [(row[0], row[1]) for row in current]
    if previous_week is not None:
        _add_older_reports(previous, pairs, previous_week)
    previous_installed = pd.array([previous.get(pair) for pair in pairs], dtype="Int64")
    frame = pd.DataFrame({**_count_columns(current), "previous_installed": previous_installed})
    return frame, pd.DataFrame(_count_columns(previous_rows))


def _count_columns(rows: list[tuple[int, int, int, int]]) -> dict[str, np.ndarray]:
    columns = list(zip(*rows, strict=True)) or [(), (), (), ()]
    names = ("region", "measure", "households", "installed")
    return {
        name: np.array(values, dtype="int64") for name, values in zip(names, columns, strict=True)
    }


def _add_older_reports(
    previous: dict[tuple[int, int], int], pairs: list[tuple[int, int]], previous_week: Week
) -> None:
    """For a pair missing from the previous week, its most recent earlier report, if any."""
    wanted = {pair for pair in pairs if pair not in previous}
    if not wanted:
        return
    # A region that skipped the previous week: look further back, newest first.
    older = Snapshot.objects.filter(
        week__date__lt=previous_week.date, region_id__in={r for r, _ in wanted}
    ).order_by("-week__date")
    for r, m, installed in older.values_list("region_id", "measure_id", "installed").iterator():
        if (r, m) in wanted:
            previous[(r, m)] = installed
            wanted.discard((r, m))
            if not wanted:
                break


def latest_figures(week: Week) -> pd.DataFrame:
    """
    Per (region, measure), its two latest figures at or before the week, in one
    query however many weeks are stored (``rules.LATEST_COLUMNS``; recency 1 is
    the latest): what ``rules.carry_forward`` completes the week with.
    """
    recency = Window(
        RowNumber(),
        partition_by=[F("region_id"), F("measure_id")],
        order_by=F("week__date").desc(),
    )
    rows = (
        Snapshot.objects.filter(week__date__lte=week.date)
        .annotate(recency=recency)
        .filter(recency__lte=2)
        .order_by()
        .values_list("week__date", "region_id", "measure_id", "households", "installed", "recency")
    )
    return pd.DataFrame(list(rows), columns=rules.LATEST_COLUMNS)


def week_progress(week: Week) -> WeekProgress:
    """
    Everything the ranking page, the workbook and the API show for one week:
    every active region and measure, a figure not reported this week carried
    from its latest earlier one (``rules.carry_forward``). Five queries
    whatever the number of weeks: the weeks before and after, regions,
    measures, and the latest figures.
    """
    previous_week = Week.objects.filter(date__lt=week.date).order_by("-date").first()
    next_week = Week.objects.filter(date__gt=week.date).order_by("date").first()
    all_regions = list(Region.objects.order_by("order", "name"))
    all_measures = list(Measure.objects.order_by("order", "pk"))
    latest = latest_figures(week)
    own = latest[(latest["recency"] == 1) & (latest["week"] == week.date)]
    reported_regions = set(own["region"].tolist())
    reported_measures = set(own["measure"].tolist())
    regions = [r for r in all_regions if r.active or r.pk in reported_regions]
    measures = [m for m in all_measures if m.active or m.pk in reported_measures]
    snapshots, previous_snapshots = rules.carry_forward(
        latest, week=week.date, pairs=[(r.pk, m.pk) for r in regions for m in measures]
    )
    table = rules.week_table(snapshots)
    totals = rules.week_totals(table)
    return WeekProgress(
        week=week,
        previous_week=previous_week,
        next_week=next_week,
        regions=regions,
        measures=measures,
        table=table,
        totals=totals,
        # Last week as its own table showed it (carried figures too), for the rank movement.
        previous_snapshots=previous_snapshots if previous_week is not None else None,
    )


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


def progress_history(*, until: Week | None = None) -> ProgressHistory:
    """
    Every week's table (new, rate, rank) and totals up to and including ``until``
    (every week when None), in four queries: weeks, snapshots, regions, measures.
    Ranks equal what ``week_progress`` gives each of those weeks.
    """
    weeks = Week.objects.order_by("date")
    # No ORDER BY: Snapshot's default ordering joins and sorts in SQL; history_table sorts.
    snapshots = Snapshot.objects.order_by()
    if until is not None:
        weeks = weeks.filter(date__lte=until.date)
        snapshots = snapshots.filter(week__date__lte=until.date)
    dates = list(weeks.values_list("date", flat=True))
    frame = pd.DataFrame(
        list(
            snapshots.values_list(
                "week__date", "region_id", "measure_id", "households", "installed"
            )
        ),
        columns=rules.HISTORY_COLUMNS,
    )
    all_regions = list(Region.objects.order_by("order", "name"))
    all_measures = list(Measure.objects.order_by("order", "pk"))
    # Every week complete, as week_progress shows it: active regions × active measures carried.
    expected = {(r.pk, m.pk) for r in all_regions if r.active for m in all_measures if m.active}
    table = rules.history_table(frame, dates=dates, carried_pairs=expected)
    reported_regions = set(table["region"])
    reported_measures = set(table["measure"])
    regions = [r for r in all_regions if r.active or r.pk in reported_regions]
    measures = [m for m in all_measures if m.active or m.pk in reported_measures]
    return ProgressHistory(
        dates=dates,
        regions=regions,
        measures=measures,
        table=table,
        totals=rules.history_totals(table),
    )


def recent_reports(week: Week, *, days: int) -> pd.DataFrame:
    """
    Every report of the ``days`` up to and including the week, in one query:
    columns ``rules.HISTORY_COLUMNS`` (week is a date). The pace reads these.
    """
    start = week.date - datetime.timedelta(days=days)
    rows = (
        Snapshot.objects.filter(week__date__gte=start, week__date__lte=week.date)
        .order_by()
        .values_list("week__date", "region_id", "measure_id", "households", "installed")
    )
    return pd.DataFrame(list(rows), columns=rules.HISTORY_COLUMNS)


def week_forecast(progress: WeekProgress) -> pd.DataFrame:
    """
    ``pace.forecast`` of every reported (region, measure) of the week against
    its measure's target: one query more than the week's progress.
    """
    reports = recent_reports(progress.week, days=pace.WINDOW_DAYS)
    targets = pd.DataFrame(
        {
            "target_rate": [m.target_rate for m in progress.measures],
            "target_date": [m.target_date for m in progress.measures],
        },
        index=pd.Index([m.pk for m in progress.measures], name="measure"),
    )
    return pace.forecast(reports, progress.week.date, targets)


def week_rank_movement(progress: WeekProgress) -> dict[tuple[int, int], int]:
    """
    Places each (region, measure) gained since the previous week, positive = up
    (``rules.rank_movement`` on both weeks' ranks), for the pairs ranked in both
    weeks: the previous week's snapshots ranked as its own page ranks them. No
    query when ``week_progress`` read them already, one otherwise.
    """
    if progress.previous_week is None or progress.table.empty:
        return {}
    previous = progress.previous_snapshots
    if previous is None:
        rows = (
            Snapshot.objects.filter(week=progress.previous_week)
            .order_by()
            .values_list("region_id", "measure_id", "households", "installed")
        )
        previous = pd.DataFrame(
            list(rows), columns=["region", "measure", "households", "installed"]
        )
    if previous.empty:
        return {}
    previous_rank = rules.rank_by_rate(
        rules.rates(previous["installed"], previous["households"]), previous["measure"]
    )
    # Both weeks' ranks lined up on the week's own rows with a dict, not on a
    # (region, measure) MultiIndex: building and reindexing one cost more than the ranking.
    table = progress.table
    pairs = list(zip(table["region"].tolist(), table["measure"].tolist(), strict=True))
    ranked_before = dict(
        zip(
            zip(previous["region"].tolist(), previous["measure"].tolist(), strict=True),
            previous_rank.tolist(),
            strict=True,
        )
    )
    movement = rules.rank_movement(
        table["rank"],
        pd.Series([ranked_before.get(pair) for pair in pairs], index=table.index, dtype="Int64"),
    )
    return {
        pair: places
        for pair, places in zip(pairs, movement.tolist(), strict=True)
        if places is not pd.NA
    }


def week_for_date(date: datetime.date) -> Week | None:
    return Week.objects.filter(date=date).first()


@dataclass(frozen=True)
class MeasureStanding:
    """Where a region stands in one measure in one week, and what it takes to move up or finish."""

    measure: Measure
    households: int
    installed: int
    rate: str  # rules.rate_text
    rank: int | None
    ranked: int  # how many regions are ranked in the measure
    new: int | None  # 环比新增安装数
    above: Region | None  # the region ranked just above
    above_rate: str
    gap: int | None  # rules.households_to_pass that region
    pace: float | None  # average weekly new installs of the last 4 weeks (pace.forecast)
    needed_pace: int | None  # households a week the deadline needs (rules.weekly_pace_needed)
    weeks_to_deadline: int | None
    band: str | None  # rules.BAND_*
    shortfall: int | None  # households short at the deadline at this pace
    stalled: bool  # 停滞（本周无新增）


@dataclass(frozen=True)
class RegionStanding:
    region: Region
    week: Week
    measures: list[MeasureStanding]


def region_standing(region: Region, week: Week) -> RegionStanding:
    """The region's standing per measure in the week: its rank, the gap to the next rank up, the pace."""
    progress = week_progress(week)
    forecast = week_forecast(progress)
    table = progress.table
    gaps = rules.next_rank_gaps(table)
    regions = {r.pk: r for r in progress.regions}
    measures = []
    for measure in progress.measures:
        mine = table[(table["region"] == region.pk) & (table["measure"] == measure.pk)]
        if mine.empty:
            continue
        index = mine.index[0]
        row = _records(mine)[0]
        gap = gaps.loc[index]
        above = None if gap["above"] is pd.NA else regions.get(int(gap["above"]))
        above_record = None if above is None else progress.records.get((above.pk, measure.pk))
        ahead = forecast[(forecast["region"] == region.pk) & (forecast["measure"] == measure.pk)]
        plan = _records(ahead)[0] if not ahead.empty else {}
        measures.append(
            MeasureStanding(
                measure=measure,
                households=row["households"],
                installed=row["installed"],
                rate=rules.rate_text(row["installed"], row["households"]),
                rank=row["rank"],
                ranked=int(table[table["measure"] == measure.pk]["rank"].notna().sum()),
                new=row["new"],
                above=above,
                above_rate=""
                if above_record is None
                else rules.rate_text(above_record["installed"], above_record["households"]),
                gap=None if gap["gap"] is pd.NA else int(gap["gap"]),
                pace=None
                if plan.get("pace") is None or plan["pace"] != plan["pace"]
                else plan["pace"],
                needed_pace=plan.get("needed_pace"),
                weeks_to_deadline=plan.get("weeks_to_deadline"),
                band=plan.get("band"),
                shortfall=plan.get("shortfall"),
                stalled=bool(plan.get("stalled", False)),
            )
        )
    return RegionStanding(region=region, week=week, measures=measures)
