"""
Reads: the one place that turns ORM rows into DataFrames for the rules.

A week's progress costs a fixed handful of queries however many weeks are
stored: the weeks before and after it, regions, measures, and each region ×
measure's two latest figures at or before the week (one windowed query), from
which the rules complete the week (``rules.carry_forward``).
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from installs import pace, revision, rules, validation
from installs.models import Area, Measure, Region, Snapshot, Week
from installs.progress import ProgressHistory, WeekProgress, frame_records


def region_list(city: Area | None = None) -> list[Region]:
    """
    Every active region of ``city`` in official order: the region switcher's choices.
    None: every region of the deployment (a deployment of one city: its counties).
    """
    regions = Region.objects.filter(active=True)
    if city is not None:
        regions = regions.filter(city=city)
    return list(regions.order_by("order", "name"))


def week_list(*, published_only: bool = False) -> list[Week]:
    """Every week (or every published one), newest first."""
    weeks = Week.objects.order_by("-date")
    if published_only:
        weeks = weeks.filter(state=Week.State.PUBLISHED)
    return list(weeks)


def active_measures() -> list[Measure]:
    """The measures reported now, in the table's order: the entry form's cards."""
    return list(Measure.objects.filter(active=True).order_by("order", "pk"))


def latest_open_week() -> Week | None:
    """The newest week still open for entry (本周填报's target)."""
    return Week.objects.filter(state=Week.State.OPEN).order_by("-date").first()


def region_week_snapshots(week: Week, region: Region) -> dict[int, Snapshot]:
    """A region's stored figures of a week by measure id, with who saved each."""
    return {
        s.measure_id: s
        for s in Snapshot.objects.filter(week=week, region=region).select_related("updated_by")
    }


def week_dates() -> list[datetime.date]:
    """Every week's date, newest first: the week picker needs only these (years of weeks)."""
    return list(Week.objects.order_by("-date").values_list("date", flat=True))


def latest_week(*, published_only: bool = False) -> Week | None:
    weeks = Week.objects.order_by("-date")
    if published_only:
        weeks = weeks.filter(state=Week.State.PUBLISHED)
    return weeks.first()


def previous_reports(
    *, before: datetime.date, pairs: Iterable[tuple[int, int]], count: int = 1
) -> dict[tuple[int, int], list[tuple[int, int]]]:
    """
    The previous report (see ``rules``: the most recent report in a week before
    ``before``, however long ago) of each (region id, measure id), and when
    ``count`` > 1 the reports before it too: up to ``count`` of them, newest
    first, as (households, installed). Pairs never reported before are absent.

    The one reader of "the previous report": the week's table, the entry form
    and the grid (last week's figures), the validation (a decrease, the pace
    check) all come here. One query, read newest first until every pair has
    what it needs.
    """
    wanted = set(pairs)
    if not wanted:
        return {}
    rows = (
        Snapshot.objects.filter(
            week__date__lt=before,
            region_id__in={r for r, _ in wanted},
            measure_id__in={m for _, m in wanted},
        )
        .order_by("-week__date")
        .values_list("region_id", "measure_id", "households", "installed")
    )
    found: dict[tuple[int, int], list[tuple[int, int]]] = {}
    complete = 0
    for region_id, measure_id, households, installed in rows.iterator():
        pair = (region_id, measure_id)
        if pair not in wanted:
            continue
        reports = found.setdefault(pair, [])
        if len(reports) < count:
            reports.append((households, installed))
            if len(reports) == count:
                complete += 1
                if complete == len(wanted):
                    break
    return found


def earlier_figures(
    *, week: Week, pairs: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], validation.Earlier]:
    """
    For each (region_id, measure_id), what the validation compares a figure of
    ``week`` with: its previous report and the weekly new installs of the
    reports before that (for the pace check). Pairs never reported before are absent.
    """
    history = previous_reports(before=week.date, pairs=pairs, count=validation.PACE_WEEKS + 1)
    return {
        pair: validation.Earlier(
            households=reports[0][0],
            installed=reports[0][1],
            recent_new=validation.recent_new([installed for _, installed in reports]),
        )
        for pair, reports in history.items()
    }


# latest_figures looks in the weeks of this many days up to the week first: nearly
# every pair has its two latest figures there, and reading them is cheap.
RECENT_DAYS = 8 * 7


def latest_figures(
    week: Week, city: Area | None = None, *, pairs: set[tuple[int, int]] | None = None
) -> pd.DataFrame:
    """
    Per (region, measure), its two latest figures at or before the week
    (``rules.LATEST_COLUMNS``; recency 1 is the latest): what ``rules.carry_forward``
    completes the week with. One windowed query, whatever the number of weeks.

    ``pairs``: every (region, measure) pair that may have figures (all the city's
    regions × all measures). Then the last eight weeks are read first, and only the
    pairs with fewer than two figures there are looked up in the whole history (a
    second query, only when there are such pairs): a page reads a few weeks of
    figures, not years of them.
    """
    snapshots = Snapshot.objects.filter(week__date__lte=week.date)
    if city is not None:
        snapshots = snapshots.filter(region__city=city)
    return latest_of(snapshots, week, pairs=pairs)


def latest_of(snapshots, week: Week, *, pairs: set[tuple[int, int]] | None) -> pd.DataFrame:
    """``latest_figures`` of any set of snapshots at or before the week (a city's, a province's)."""
    if pairs is None:
        return pd.DataFrame(_latest_two(snapshots), columns=rules.LATEST_COLUMNS)
    since = week.date - datetime.timedelta(days=RECENT_DAYS)
    recent = _latest_two(snapshots.filter(week__date__gt=since))
    found: dict[tuple[int, int], int] = {}
    for row in recent:
        found[(row[1], row[2])] = found.get((row[1], row[2]), 0) + 1
    # Two figures in those weeks: no older figure can be among its latest two.
    complete = {pair for pair, count in found.items() if count == 2}
    rows = [row for row in recent if (row[1], row[2]) in complete]
    missing = set(pairs) - complete
    if missing:
        older = snapshots.filter(
            region_id__in={region for region, _ in missing},
            measure_id__in={measure for _, measure in missing},
        )
        rows += [row for row in _latest_two(older) if (row[1], row[2]) in missing]
    return pd.DataFrame(rows, columns=rules.LATEST_COLUMNS)


def _latest_two(snapshots) -> list[tuple]:
    recency = Window(
        RowNumber(),
        partition_by=[F("region_id"), F("measure_id")],
        order_by=F("week__date").desc(),
    )
    return list(
        snapshots.annotate(recency=recency)
        .filter(recency__lte=2)
        .order_by()
        .values_list("week__date", "region_id", "measure_id", "households", "installed", "recency")
    )


def week_progress(week: Week, city: Area | None = None) -> WeekProgress:
    """
    Everything the ranking page, the workbook and the API show for one week of
    one city (ranks among its counties; None: every region, which in a deployment
    of one city is its table): every active region and measure, a figure not reported this week carried
    from its latest earlier one (``rules.carry_forward``). Five queries
    whatever the number of weeks: the weeks before and after, regions,
    measures, and the latest figures.
    """
    previous_week = Week.objects.filter(date__lt=week.date).order_by("-date").first()
    next_week = Week.objects.filter(date__gt=week.date).order_by("date").first()
    all_regions = Region.objects.order_by("order", "name")
    if city is not None:
        all_regions = all_regions.filter(city=city)
    all_regions = list(all_regions)
    all_measures = list(Measure.objects.order_by("order", "pk"))
    latest = latest_figures(
        week, city, pairs={(r.pk, m.pk) for r in all_regions for m in all_measures}
    )
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


def computed_week(week: Week, city: Area | None = None) -> WeekProgress:
    """
    ``week_progress``, computed once per process until any figure, week, region
    or measure changes (``installs.revision``): the ranking page, its compact
    charts and the API read the same computed week. Kept per week and city.

    A city's week is kept under the data revision (the token every request reads
    already) and, beneath it, under the city's own token: a figure saved in another
    city gives the data a new token, but this city's table is then found under its
    own (one query more, for the token) instead of computed again.
    """
    key = ("week", week.pk, week.state, *city_key(city))
    if city is None:
        return revision.memoised(key, lambda: week_progress(week, None), week=week.date)

    def city_week() -> WeekProgress:
        kept = revision.memoised_per_city(
            key, [city.pk], lambda _missing: {city.pk: week_progress(week, city)}
        )
        return kept[city.pk]

    return revision.memoised(key, city_week, week=week.date)


def city_key(city: Area | None) -> tuple:
    """What a memo key adds for a city: nothing for None (the whole deployment), else its id."""
    return () if city is None else (f"city{city.pk}",)


def reported_counts(weeks: list[Week], city: Area | None = None) -> dict[int, int]:
    """
    Week id → how many active regions (under ``city``, which may be a province) reported it (``rules.has_reported``,
    ``rules.reporting_count``); of ``active_region_count()``. Two queries for any
    number of weeks: the active measures, and each week's (region, measure) figures.
    """
    active_measures = list(Measure.objects.filter(active=True).values_list("pk", flat=True))
    figures: dict[int, list[tuple[int, int]]] = {week.pk: [] for week in weeks}
    snapshots = Snapshot.objects.filter(week__in=weeks, region__active=True)
    if city is not None:
        snapshots = snapshots.filter(**_under(city, "region__city"))
    rows = snapshots.order_by().values_list("week_id", "region_id", "measure_id")
    for week_id, region_id, measure_id in rows:
        figures[week_id].append((region_id, measure_id))
    return {
        week_id: len(rules.reported_regions(pairs, active_measures))
        for week_id, pairs in figures.items()
    }


def active_region_count(city: Area | None = None) -> int:
    """How many regions (of ``city``) are expected to report a week."""
    regions = Region.objects.filter(active=True)
    if city is not None:
        regions = regions.filter(**_under(city, "city"))
    return regions.count()


def _under(area: Area, city_field: str) -> dict:
    """A filter on ``city_field`` for the cities of ``area`` (a city, or a province: its cities)."""
    return {city_field: area} if area.is_city else {f"{city_field}__parent": area}


def progress_history(*, until: Week | None = None, city: Area | None = None) -> ProgressHistory:
    """
    Every week's table (new, rate, rank) and totals up to and including ``until``
    (every week when None). Ranks equal what ``week_progress`` gives each of those weeks.

    Computed once per data revision (``installs.revision``), every week at once,
    and kept: the charts page and a region's page read the weeks computed
    already, in one query (the revision token) whatever the number of weeks
    and regions. An earlier ``until`` is cut from the same history
    (``ProgressHistory.until``). After any write the first reader computes it
    again, in four queries (``history_computed``).
    """
    # Per city: each city's history is its own (a nation's in one entry would be ~200 MB).
    history = revision.memoised(("history", *city_key(city)), lambda: history_computed(city=city))
    return history if until is None else history.until(until.date)


def history_computed(*, until: Week | None = None, city: Area | None = None) -> ProgressHistory:
    """
    ``progress_history`` computed from the database, in four queries: weeks,
    snapshots, regions, measures.
    """
    weeks = Week.objects.order_by("date")
    # No ORDER BY: Snapshot's default ordering joins and sorts in SQL; history_table sorts.
    snapshots = Snapshot.objects.order_by()
    if city is not None:
        snapshots = snapshots.filter(region__city=city)
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
    all_regions = Region.objects.order_by("order", "name")
    if city is not None:
        all_regions = all_regions.filter(city=city)
    all_regions = list(all_regions)
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


def recent_reports(week: Week, *, days: int, regions: list[Region] | None = None) -> pd.DataFrame:
    """
    Every report of the ``days`` before the week (not the week's own), of ``regions``
    (None: every region), in one query: columns ``rules.HISTORY_COLUMNS`` (week is a
    date). The pace reads these.
    """
    start = week.date - datetime.timedelta(days=days)
    snapshots = Snapshot.objects.filter(week__date__gte=start, week__date__lt=week.date)
    if regions is not None:
        snapshots = snapshots.filter(region_id__in=[r.pk for r in regions])
    rows = snapshots.order_by().values_list(
        "week__date", "region_id", "measure_id", "households", "installed"
    )
    return pd.DataFrame(list(rows), columns=rules.HISTORY_COLUMNS)


def week_forecast(progress: WeekProgress) -> pd.DataFrame:
    """
    ``pace.forecast`` of every reported (region, measure) of the week against
    its measure's target: one query more than the week's progress. The week's
    own rows come from its table, with their new installs (the rules' previous
    report, however long ago); the earlier weeks of the window give the pace.
    """
    current = progress.table.loc[:, ["region", "measure", "households", "installed", "new"]]
    current.insert(0, "week", progress.week.date)
    # Only the table's own regions (one city's): the pace of no other county is asked for.
    earlier = recent_reports(progress.week, days=pace.WINDOW_DAYS, regions=progress.regions)
    reports = current
    if not earlier.empty:
        reports = pd.concat([earlier.assign(new=None), current], ignore_index=True)
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
            Snapshot.objects.filter(
                week=progress.previous_week, region__in=[r.pk for r in progress.regions]
            )
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
    """
    The week of a report date. Every page asks: its row is kept under the data revision,
    and each caller gets a Week of its own (a view may change and save it).
    """
    names = [f.attname for f in Week._meta.concrete_fields]
    row = revision.memoised(
        ("week-of", date.isoformat()),
        lambda: Week.objects.filter(date=date).values_list(*names).first(),
        week=datetime.date.min,  # no figure read: only a change of a week renews it
    )
    return Week.from_db(Week.objects.db, names, row) if row is not None else None


def regions_key(regions: list[Region]) -> str:
    """
    A short digest of which regions a computation is about, for its memo key: the same
    week computed for another set of regions (another city) is kept apart.
    """
    return hashlib.sha256(",".join(str(r.pk) for r in regions).encode()).hexdigest()[:16]


def computed_standings(progress: WeekProgress) -> tuple[pd.DataFrame, pd.DataFrame]:
    """
    The week's forecast (``week_forecast``: a query of the last weeks' reports
    and ``pace.forecast`` of every region) and the gaps to the next rank up
    (``rules.next_rank_gaps``), computed once per data revision for all the
    regions of ``progress``: a region's page picks its own rows.
    """
    key = ("standings", progress.week.pk, progress.week.state, regions_key(progress.regions))
    return revision.memoised(
        key, lambda: (week_forecast(progress), rules.next_rank_gaps(progress.table))
    )


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
    progress = computed_week(week, region.city)
    forecast, gaps = computed_standings(progress)
    table = progress.table
    regions = {r.pk: r for r in progress.regions}
    measures = []
    for measure in progress.measures:
        mine = table[(table["region"] == region.pk) & (table["measure"] == measure.pk)]
        if mine.empty:
            continue
        index = mine.index[0]
        row = frame_records(mine)[0]
        gap = gaps.loc[index]
        above = None if gap["above"] is pd.NA else regions.get(int(gap["above"]))
        above_record = None if above is None else progress.records.get((above.pk, measure.pk))
        ahead = forecast[(forecast["region"] == region.pk) & (forecast["measure"] == measure.pk)]
        plan = frame_records(ahead)[0] if not ahead.empty else {}
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
