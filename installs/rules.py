"""
The weekly rules of the progress table, as pure pandas functions.

No Django here: DataFrames in, DataFrames out, so the rules can be read in one
place and tested without a database. The one rule for ranking is
``rank_by_rate``; the one rule for showing a rate to people is ``rate_text``.
Nothing else in the project ranks or rounds. The same goes for what a rate is
(``rates``, ``rate``), when a region has reported (``has_reported``), what the
previous report and new installs are (``new_installs``) and when a region is
stalled (``stalled``).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection, Iterable
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

# The previous report of a (region, measure) for a week is the same region's most
# recent report of the same measure in an earlier week, however long ago: a
# region that skipped weeks is compared with its last report, not with nothing.
# ``selectors.previous_reports`` is the one reader of it; ``history_table`` finds
# it for every week at once (each pair's preceding row). New installs are
# ``new_installs`` of the installed count and the previous report's.

# One row per (region, measure) reported in the week. ``previous_installed`` is
# the installed count of the previous report, or missing when there is none.
SNAPSHOT_COLUMNS = ["region", "measure", "households", "installed", "previous_installed"]


def week_table(snapshots: pd.DataFrame) -> pd.DataFrame:
    """
    Compute new installs, rate and rank for one week's reported snapshots.

    Returns the snapshot rows (same order) with three more columns:
    ``new`` (Int64, missing where there is no earlier week), ``rate`` (float,
    missing where households is 0) and ``rank`` (Int64, per measure, missing
    where there is no rate).
    """
    # Built from arrays in one constructor: on frames of a few hundred rows each
    # pandas call costs far more than its arithmetic (column assignments, index
    # alignment, dtype casts), and this runs on every ranking page.
    households = snapshots["households"].to_numpy(dtype="int64")
    installed = snapshots["installed"].to_numpy(dtype="int64")
    previous = pd.array(snapshots["previous_installed"], dtype="Int64")
    rate = rates(snapshots["installed"], snapshots["households"])
    return pd.DataFrame(
        {
            "region": snapshots["region"].to_numpy(),
            "measure": snapshots["measure"].to_numpy(),
            "households": households,
            "installed": installed,
            "previous_installed": previous,
            "new": new_installs(pd.array(installed, dtype="Int64"), previous),
            "rate": rate.to_numpy(),
            "rank": rank_by_rate(rate, snapshots["measure"]).array,
            # The week a carried figure is from (``carry_forward``); None for the week's own.
            "carried_from": (
                snapshots["carried_from"].to_numpy()
                if "carried_from" in snapshots
                else np.full(len(snapshots), None, dtype=object)
            ),
        },
        index=snapshots.index,
    )


def rates(installed: pd.Series, households: pd.Series) -> pd.Series:
    """installed / households as float, missing (not infinite) where households is 0."""
    # One division for every row: equal fractions give identical floats, so ties stay ties.
    numerator, denominator = _floats(installed), _floats(households)
    result = np.full(len(numerator), np.nan)
    np.divide(numerator, denominator, out=result, where=denominator > 0)
    return pd.Series(result, index=installed.index, dtype="float64")


def rate(installed: int, households: int) -> float | None:
    """
    One rate as a number: the same division as ``rates`` (so the same float),
    None where households is 0. For a single figure, e.g. the city-wide line.
    """
    installed, households = int(installed), int(households)
    return float(installed) / float(households) if households > 0 else None


def new_installs(installed, previous_installed):
    """
    New installs (环比新增安装数): installed minus the previous report's installed
    count; missing where there is no previous report (None for a number, NA in
    a nullable array). A correction downwards gives a negative number.
    """
    if previous_installed is None:
        return None
    return installed - previous_installed


def stalled(new: int | None, installed: int, households: int) -> bool:
    """
    Stalled (停滞): no new installs this week (new installs 0 or fewer) while
    below 100% (installed < households). Unknown new installs (no previous
    report) are not stalled; a complete figure never is.
    """
    if new is None or new is pd.NA:
        return False
    return bool(new <= 0 and installed < households)


def has_reported(measures: Collection[int], active_measures: Collection[int]) -> bool:
    """
    Whether a region has reported a week (已填报), given the measures it has a
    figure for in that week: a figure for every active measure. Some but not
    all is 部分填报 (``has_partly_reported``); the missing ones are carried
    (``carry_forward``). The status panel, the week list, the ranking table,
    the API, the summary and the publish step all ask here.
    """
    return len(measures) > 0 and set(active_measures).issubset(measures)


def has_partly_reported(measures: Collection[int], active_measures: Collection[int]) -> bool:
    """部分填报: a figure for some measures of the week, but not for every active one."""
    return len(measures) > 0 and not has_reported(measures, active_measures)


def reported_regions(
    figures: Iterable[tuple[int, int]], active_measures: Collection[int]
) -> set[int]:
    """The regions that have reported (``has_reported``), from a week's (region, measure) figures."""
    measures: dict[int, set[int]] = {}
    for region, measure in figures:
        measures.setdefault(region, set()).add(measure)
    return {
        region for region, reported in measures.items() if has_reported(reported, active_measures)
    }


def reporting_count(reported: Collection[int], active_regions: Collection[int]) -> tuple[int, int]:
    """
    "Reported 8/11": how many regions reported, of how many. Both counted over
    the active regions, the ones expected to report; an inactive region that
    reported still shows in its week's table but is not counted here.
    """
    active = set(active_regions)
    return len(active & set(reported)), len(active)


def _floats(counts: pd.Series) -> np.ndarray:
    if isinstance(counts.dtype, pd.api.extensions.ExtensionDtype):
        return counts.to_numpy(dtype="float64", na_value=np.nan)
    return counts.to_numpy(dtype="float64")


def rank_by_rate(rate: pd.Series, measure: pd.Series) -> pd.Series:
    """Competition ranking (1, 1, 3) by exact rate, highest first, within each measure."""
    ranks = rate.groupby(measure, sort=False).rank(method="min", ascending=False, na_option="keep")
    # Whole numbers as nullable integers, missing where there is no rate: what
    # astype("Int64") gives, at a tenth of its cost.
    places = ranks.to_numpy()
    missing = np.isnan(places)
    integers = pd.arrays.IntegerArray(np.where(missing, 0, places).astype("int64"), missing)
    return pd.Series(integers, index=ranks.index, name=ranks.name)


def week_totals(table: pd.DataFrame) -> pd.DataFrame:
    """
    The 合计 row per measure, over the regions that reported: sums of households,
    installed and new, and the rate Σinstalled / Σhouseholds. Indexed by measure.
    """
    grouped = table.groupby("measure", sort=False)
    households = grouped["households"].sum()
    installed = grouped["installed"].sum()
    return pd.DataFrame(
        {
            "households": households,
            "installed": installed,
            # Regions without an earlier week add nothing; all of them missing means missing.
            "new": grouped["new"].sum(min_count=1).astype("Int64"),
            "rate": rates(installed, households),
        }
    )


# One row per (week, region, measure) reported, any number of weeks at once.
HISTORY_COLUMNS = ["week", "region", "measure", "households", "installed"]


def history_table(
    snapshots: pd.DataFrame,
    *,
    dates: list[datetime.date] | None = None,
    carried_pairs: set[tuple[int, int]] | None = None,
) -> pd.DataFrame:
    """
    ``week_table`` for every week at once: one pandas pass instead of one per week.

    ``previous_installed`` is the pair's most recent earlier report, as the
    selector gives ``week_table``; ranks are by rate within each (week, measure),
    so each week's ranks equal that week's table. With ``dates`` (every week)
    and ``carried_pairs`` (the (region, measure) pairs expected every week),
    a pair missing from a week after its first report is carried from its
    latest earlier one (``carry_forward``'s rule: ``carried_from`` set, no new
    installs) and counts in that week's ranks and totals. Rows come back
    sorted by week, region and measure.
    """
    table = snapshots.loc[:, HISTORY_COLUMNS].sort_values(["week", "region", "measure"])
    table = table.reset_index(drop=True)
    table["households"] = table["households"].astype("int64")
    table["installed"] = table["installed"].astype("int64")
    # Sorted by week, so shift(1) within a pair is its previous report.
    previous = table.groupby(["region", "measure"], sort=False)["installed"].shift(1)
    table["previous_installed"] = previous.astype("Int64")
    table["new"] = new_installs(table["installed"].astype("Int64"), table["previous_installed"])
    table["carried_from"] = pd.Series([None] * len(table), index=table.index, dtype="object")
    if dates and carried_pairs:
        table = _with_carried(table, dates, carried_pairs)
    table["rate"] = rates(table["installed"], table["households"])
    week_and_measure = pd.Series(
        list(zip(table["week"], table["measure"], strict=True)), index=table.index
    )
    table["rank"] = rank_by_rate(table["rate"], week_and_measure)
    # The columns in week_table's order, so one week cut from here equals it.
    return table[[c for c in table.columns if c != "carried_from"] + ["carried_from"]]


def _with_carried(
    table: pd.DataFrame, dates: list[datetime.date], carried_pairs: set[tuple[int, int]]
) -> pd.DataFrame:
    """The own rows and, for every expected pair and week without one, its carried figure."""
    latest: dict[tuple[int, int], tuple] = {}
    own = {
        (week, region, measure): (households, installed)
        for week, region, measure, households, installed in zip(
            *(table[c].tolist() for c in HISTORY_COLUMNS), strict=True
        )
    }
    carried: list[tuple] = []
    pairs = sorted(carried_pairs)
    for date in sorted(dates):
        for pair in pairs:
            figure = own.get((date, *pair))
            if figure is not None:
                latest[pair] = (date, *figure)
            elif pair in latest:
                since, households, installed = latest[pair]
                carried.append((date, *pair, households, installed, since))
    if not carried:
        return table
    extra = pd.DataFrame(carried, columns=[*HISTORY_COLUMNS, "carried_from"])
    extra["households"] = extra["households"].astype("int64")
    extra["installed"] = extra["installed"].astype("int64")
    extra["previous_installed"] = pd.array([None] * len(extra), dtype="Int64")
    extra["new"] = pd.array([None] * len(extra), dtype="Int64")
    extra["carried_from"] = extra["carried_from"].astype("object")
    whole = pd.concat([table, extra.loc[:, table.columns]], ignore_index=True)
    return whole.sort_values(["week", "region", "measure"], kind="stable").reset_index(drop=True)


def history_totals(table: pd.DataFrame) -> pd.DataFrame:
    """``week_totals`` for every week of a ``history_table``: indexed by (week, measure)."""
    grouped = table.groupby(["week", "measure"], sort=True)
    totals = pd.DataFrame(
        {
            "households": grouped["households"].sum(),
            "installed": grouped["installed"].sum(),
            "new": grouped["new"].sum(min_count=1).astype("Int64"),
        }
    )
    totals["rate"] = rates(totals["installed"], totals["households"])
    return totals


def rank_movement(current_rank: pd.Series, previous_rank: pd.Series) -> pd.Series:
    """
    Places gained since the previous week (positive = moved up), aligned on the
    index of ``current_rank``; missing where either week has no rank.
    """
    previous = previous_rank.reindex(current_rank.index)
    return (previous.astype("Int64") - current_rank.astype("Int64")).astype("Int64")


def rate_text(installed: int, households: int) -> str:
    """
    The rate as people read it: a percentage with one decimal, rounded half-up on
    the exact fraction, as Excel shows ``0.0%`` (37.45% shows as 37.5%).

    Integer arithmetic on purpose: a float such as 0.3745 is really 0.37449999…,
    and Python's round() and format() would show 37.4%.
    """
    if int(households) <= 0:
        return ""
    tenths_of_percent = _tenths_of_percent(installed, households)
    return f"{tenths_of_percent // 10}.{tenths_of_percent % 10}%"


# How many places at the top and at the bottom of each ranking the summary names.
NAMED_PLACES = 3


def bottom_places_from(ranks: list[int]) -> int | None:
    """
    The lowest rank counted among the last ``NAMED_PLACES`` places: the third
    rank from the end, so that fewer than three regions rank behind it. Ties
    share the place (four regions tied for last are all named).
    """
    if not ranks:
        return None
    return sorted(ranks)[-NAMED_PLACES] if len(ranks) >= NAMED_PLACES else min(ranks)


def households_to_pass(
    *, installed: int, households: int, above_installed: int, above_households: int
) -> int | None:
    """
    How many more households a region must equip, at its current households, to
    pass the region ranked just above it: the smallest whole x with
    (installed + x) / households > above_installed / above_households.

    Integer arithmetic on the exact fractions (no float can tip a tie). None
    where no x can do it: no households, or the region above is at 100%
    (a region can draw level there, never pass).
    """
    installed, households = int(installed), int(households)
    above_installed, above_households = int(above_installed), int(above_households)
    if households <= 0 or above_households <= 0:
        return None
    # x > above_installed × households / above_households − installed, so x is one
    # more than the whole part of the right side.
    needed = above_installed * households // above_households - installed + 1
    needed = max(needed, 0)
    return needed if installed + needed <= households else None


def next_rank_gaps(table: pd.DataFrame) -> pd.DataFrame:
    """
    For every row of a ``week_table``: ``above``, the region ranked just above it
    in its measure (the lowest exact rate above its own; the first in table
    order among ties), and ``gap``, ``households_to_pass`` that region.
    Both missing for rank 1 and for a row without a rate; ``gap`` also where
    passing cannot be done. Aligned on the table's index, Int64 columns.
    """
    above: dict[object, int] = {}
    gaps: dict[object, int] = {}
    for _measure, rows in table.groupby("measure", sort=False):
        ranked = rows[rows["rate"].notna()].sort_values("rate", ascending=False, kind="stable")
        ahead: tuple[int, int, int] | None = None  # (region, installed, households) just above
        leader_of_rate: tuple[int, int, int] | None = None  # the first row of the current rate
        current_rate: float | None = None
        for index, region, installed, households, rate in zip(
            ranked.index,
            ranked["region"].tolist(),
            ranked["installed"].tolist(),
            ranked["households"].tolist(),
            ranked["rate"].tolist(),
            strict=True,
        ):
            if rate != current_rate:
                # A lower rate begins: the tie group above it is led by its first row.
                ahead, leader_of_rate = leader_of_rate, (region, installed, households)
                current_rate = rate
            if ahead is None:
                continue
            above[index] = ahead[0]
            gap = households_to_pass(
                installed=installed,
                households=households,
                above_installed=ahead[1],
                above_households=ahead[2],
            )
            if gap is not None:
                gaps[index] = gap
    return pd.DataFrame(
        {
            "above": pd.array([above.get(i) for i in table.index], dtype="Int64"),
            "gap": pd.array([gaps.get(i) for i in table.index], dtype="Int64"),
        },
        index=table.index,
    )


def whole_weeks_until(week: datetime.date, deadline: datetime.date) -> int:
    """
    The weekly reports still to come on or before the deadline: whole weeks from
    the week's date to it (0 when it falls within the week, negative when past).
    The pace page projects in whole weeks too, so "on track" means the same there.
    """
    return (deadline - week).days // 7


def weekly_pace_needed(*, remaining: int, weeks_left: int) -> int | None:
    """
    Households a week still needed to meet the target by the deadline:
    remaining ÷ weeks left, rounded up to a whole household; 0 when the target
    is met; None when no week is left (the deadline falls within this week or has passed).
    """
    remaining = int(remaining)
    if remaining <= 0:
        return 0
    if weeks_left <= 0:
        return None
    return -(-remaining // weeks_left)


# Progress against the target, as a DHIS2 scorecard's traffic light: the pace
# of the last weeks compared with the pace the deadline needs.
BAND_COMPLETE = "complete"  # the target is reached
BAND_ON_TRACK = "on_track"  # pace ≥ the pace needed: done by the deadline
BAND_BEHIND = "behind"  # pace ≥ half the pace needed
BAND_FAR_BEHIND = "far_behind"  # pace < half the pace needed, or the deadline is past
# Below this share of the pace needed, a region is far behind, not just behind.
BEHIND_SHARE = Fraction(1, 2)


def target_band(*, remaining: int, pace: Fraction | None, weeks_left: int | None) -> str | None:
    """
    The band of one region and measure. ``remaining``: households still to
    equip for the target; ``pace``: households a week over the last weeks
    (exact, None without an earlier report); ``weeks_left``: ``whole_weeks_until``
    the deadline, None without one. None where there is no band to give: no
    deadline set, or no pace yet.

    on track ⟺ pace × weeks left ≥ remaining, which is exactly when the pace
    page projects completion on or before the deadline.
    """
    if remaining <= 0:
        return BAND_COMPLETE
    if weeks_left is None:
        return None
    if weeks_left <= 0:
        return BAND_FAR_BEHIND
    if pace is None:
        return None
    needed = Fraction(remaining, weeks_left)
    if pace >= needed:
        return BAND_ON_TRACK
    if pace >= needed * BEHIND_SHARE:
        return BAND_BEHIND
    return BAND_FAR_BEHIND


def shortfall_at_deadline(*, remaining: int, pace: Fraction | None, weeks_left: int) -> int:
    """
    Households still short of the target at the deadline at this pace: remaining
    minus the whole households the pace adds in the weeks left (0 when it suffices).
    """
    if remaining <= 0:
        return 0
    gained = 0 if pace is None or pace <= 0 or weeks_left <= 0 else int(pace * weeks_left)
    return max(int(remaining) - gained, 0)


def rate_change_points(
    *, installed: int, households: int, previous_installed: int, previous_households: int
) -> Decimal | None:
    """
    The change of a rate since last week in percentage points, as people read
    it: the difference of the two rates as shown (``rate_text``, one decimal),
    e.g. Decimal("0.1"), Decimal("-2.0"), Decimal("0.0"). The rates shown are
    what readers compare, so the change always agrees with them. None where
    either rate is missing.
    """
    if int(households) <= 0 or int(previous_households) <= 0:
        return None
    tenths = _tenths_of_percent(installed, households) - _tenths_of_percent(
        previous_installed, previous_households
    )
    return Decimal(tenths).scaleb(-1)


def _tenths_of_percent(installed: int, households: int) -> int:
    """The rate in tenths of a percent, half-up: what ``rate_text`` shows, as an integer."""
    tenths, remainder = divmod(int(installed) * 1000, int(households))
    return tenths + 1 if 2 * remainder >= int(households) else tenths


# Carried figures (沿用M月D日数据). The table of a week is always complete: a
# region or measure with no figure for the week shows its latest earlier figure,
# marked with that figure's week, and counts in 合计 and in the ranking as it
# stood, so 合计 never drops because a district was late and a late district
# keeps its place. Its 环比新增安装数 is unknown (未填报), not 0.
# ``selectors.week_progress`` reads, per region × measure, the two latest
# figures at or before the week in one query; ``carry_forward`` computes with them.
LATEST_COLUMNS = ["week", "region", "measure", "households", "installed", "recency"]


def carry_forward(
    latest: pd.DataFrame, *, week: datetime.date, pairs: list[tuple[int, int]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """
    The week's complete figures and the previous week's, from each pair's two
    latest figures at or before ``week`` (``LATEST_COLUMNS``; recency 1 is the
    latest). ``pairs``: the (region, measure) pairs the table shows, in order.

    Returns ``(current, previous)``. ``current`` has ``SNAPSHOT_COLUMNS`` and
    ``carried_from`` (the week a carried figure is from; None for the week's
    own), one row per pair with any figure, in the order of ``pairs``; a
    carried figure has no ``previous_installed``, so its new installs are
    missing. ``previous`` holds what each pair showed the week before (its
    latest figure before ``week``, itself carried or not): region, measure,
    households, installed, for last week's ranks.
    """
    figures: dict[tuple[int, int], dict[int, tuple]] = {}
    for date, region, measure, households, installed, recency in zip(
        *(latest[c].tolist() for c in LATEST_COLUMNS), strict=True
    ):
        figures.setdefault((region, measure), {})[recency] = (date, households, installed)
    current: list[tuple] = []
    previous: list[tuple] = []
    for pair in pairs:
        found = figures.get(pair)
        if not found or 1 not in found:
            continue
        date, households, installed = found[1]
        before = found.get(2)
        if _same_date(date, week):
            earlier = before[2] if before is not None else None
            current.append((*pair, households, installed, earlier, None))
            if before is not None:
                previous.append((*pair, before[1], before[2]))
        else:
            current.append((*pair, households, installed, None, date))
            previous.append((*pair, households, installed))
    current_frame = pd.DataFrame(
        {
            "region": np.array([r[0] for r in current], dtype="int64"),
            "measure": np.array([r[1] for r in current], dtype="int64"),
            "households": np.array([r[2] for r in current], dtype="int64"),
            "installed": np.array([r[3] for r in current], dtype="int64"),
            "previous_installed": pd.array([r[4] for r in current], dtype="Int64"),
            "carried_from": pd.Series([r[5] for r in current], dtype="object"),
        }
    )
    previous_frame = pd.DataFrame(
        {
            name: np.array([r[i] for r in previous], dtype="int64")
            for i, name in enumerate(("region", "measure", "households", "installed"))
        }
    )
    return current_frame, previous_frame


def _same_date(a, b) -> bool:
    # The database gives dates; a frame may hold Timestamps.
    return (a.date() if isinstance(a, pd.Timestamp) else a) == b


def carried_note_groups(
    carried: list[tuple[str, str | None, datetime.date]],
) -> list[tuple[datetime.date, list[str]]]:
    """
    What the notes under the table say: per week carried from (oldest first),
    the regions (or "region measure") carried from it, in the order given.
    ``carried``: (region name, measure name or None for every measure, week).
    """
    groups: dict[datetime.date, list[str]] = {}
    for region, measure, date in carried:
        groups.setdefault(date, []).append(region if measure is None else f"{region}{measure}")
    return sorted(groups.items())
