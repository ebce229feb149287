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

from collections.abc import Collection, Iterable

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


def region_stalled(figures: Iterable[tuple[int | None, int | None, int | None]]) -> bool:
    """
    A region is stalled when at least one of its measures is (``stalled``) and
    none moved forward: (new, installed, households) per measure, None where
    the region did not report the measure.
    """
    moved, any_stalled = False, False
    for new, installed, households in figures:
        if installed is None or new is None or new is pd.NA:
            continue
        moved = moved or new > 0
        any_stalled = any_stalled or stalled(new, installed, households)
    return any_stalled and not moved


def has_reported(measures: Collection[int], active_measures: Collection[int]) -> bool:
    """
    Whether a region has reported a week, given the measures it has a figure for
    in that week: it has when it has any figure. The status panel, the week
    list, the ranking table and the API all ask here. (``active_measures`` is
    for a stricter rule, such as a figure for every active measure.)
    """
    return len(measures) > 0


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


def history_table(snapshots: pd.DataFrame) -> pd.DataFrame:
    """
    ``week_table`` for every week at once: one pandas pass instead of one per week.

    ``previous_installed`` is the pair's most recent earlier report, as the
    selector gives ``week_table``; ranks are by rate within each (week, measure),
    so each week's ranks equal that week's table. Rows come back sorted by
    week, region and measure.
    """
    table = snapshots.loc[:, HISTORY_COLUMNS].sort_values(["week", "region", "measure"])
    table = table.reset_index(drop=True)
    table["households"] = table["households"].astype("int64")
    table["installed"] = table["installed"].astype("int64")
    # Sorted by week, so shift(1) within a pair is its previous report.
    previous = table.groupby(["region", "measure"], sort=False)["installed"].shift(1)
    table["previous_installed"] = previous.astype("Int64")
    table["new"] = new_installs(table["installed"].astype("Int64"), table["previous_installed"])
    table["rate"] = rates(table["installed"], table["households"])
    week_and_measure = pd.Series(
        list(zip(table["week"], table["measure"], strict=True)), index=table.index
    )
    table["rank"] = rank_by_rate(table["rate"], week_and_measure)
    return table


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
    installed, households = int(installed), int(households)
    if households <= 0:
        return ""
    tenths_of_percent, remainder = divmod(installed * 1000, households)
    if 2 * remainder >= households:
        tenths_of_percent += 1
    return f"{tenths_of_percent // 10}.{tenths_of_percent % 10}%"
