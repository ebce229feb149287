"""
The table at every level above the city: a province's table of its cities, the
nation's of its provinces, summed from the counties' rows of the week.

No Django here. The input is the counties' ``rules.week_table`` of the week, the
carried figures already in it (``rules.carry_forward``), so a late county counts
in its city as it counts in the city's own table and never lowers the sum.
Ranking, rates and rounding are the ones of ``installs.rules``: this module only
sums and hands the sums to ``rates``, ``rank_by_rate`` and ``week_totals``.

The aggregation rule, per child (a province's city, the nation's province) and measure:
- households, installed: the sums over the child's counties, carried figures included;
- new (环比新增安装数): the sum of the counties' new installs, a county whose
  figure is carried (未填报) adding nothing, exactly as the 合计 row of the city's
  own table adds it; missing when no county of the child has new installs;
- rate: Σ installed / Σ households (``rules.rates``: one division, so equal
  fractions tie), shown through ``rules.rate_text``;
- rank: competition ranks among the siblings (``rules.rank_by_rate``: 1, 1, 3);
- 合计 at the parent: ``rules.week_totals`` over the children's sums;
- reported n/N: of the child's active counties, how many reported the week
  (``rules.reporting_count``); a child with n < N is marked.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from installs import rules

# One row per (child, measure) with any figure among its counties, in the order
# of the children given, then of the measures as first met.
LEVEL_COLUMNS = ["child", "measure", "households", "installed", "new", "rate", "rank"]


def child_sums(
    table: pd.DataFrame, child_of: Mapping[int, int], children: Sequence[int]
) -> pd.DataFrame:
    """
    The counties' rows summed per (child, measure): households, installed and new
    (see the module's rule), rate and rank among the children. ``table`` holds
    ``region``, ``measure``, ``households``, ``installed`` and ``new`` (a county's
    ``rules.week_table`` or a previous week's figures without ``new``);
    ``child_of`` maps a county to its child; counties not in it are left out.
    The rows may also be cities' sums (``cities_table``: ``region`` is then the
    city): sums of sums are the sums over their counties.
    """
    sums = summed(table, child_of, children)
    sums["rate"] = rules.rates(sums["installed"], sums["households"])
    sums["rank"] = rules.rank_by_rate(sums["rate"], sums["measure"])
    return sums[LEVEL_COLUMNS]


def summed(
    table: pd.DataFrame, child_of: Mapping[int, int], children: Sequence[int]
) -> pd.DataFrame:
    """``child_sums`` without rate and rank: child, measure, households, installed, new."""
    rows = zip(
        table["region"].tolist(),
        table["measure"].tolist(),
        table["households"].tolist(),
        table["installed"].tolist(),
        table["new"].tolist() if "new" in table else [None] * len(table),
        strict=True,
    )
    sums = _added_up((child_of.get(region), *rest) for region, *rest in rows)
    position = {c: i for i, c in enumerate(children)}
    # The children's order, then the measures' as first met (a stable sort).
    kept = sorted((pair for pair in sums if pair[0] in position), key=lambda p: position[p[0]])
    return pd.DataFrame(
        {
            "child": np.array([child for child, _ in kept], dtype="int64"),
            "measure": np.array([measure for _, measure in kept], dtype="int64"),
            "households": np.array([sums[pair][0] for pair in kept], dtype="int64"),
            "installed": np.array([sums[pair][1] for pair in kept], dtype="int64"),
            "new": pd.array([sums[pair][2] for pair in kept], dtype="Int64"),
        }
    )


def _added_up(rows) -> dict[tuple[int, int], list]:
    """
    (child, measure, households, installed, new) rows added up per (child, measure), in
    the order first met: [Σ households, Σ installed, Σ new]. Rows of no child (None) are
    left out; a missing new (a carried figure: None or NA) adds nothing, and Σ new is
    None when every one is missing. Plain Python: a few hundred rows, where each pandas
    call costs more than the sums.
    """
    sums: dict[tuple[int, int], list] = {}
    for child, measure, households, installed, new in rows:
        if child is None:
            continue
        found = sums.get((child, measure))
        if found is None:
            found = sums[(child, measure)] = [0, 0, None]
        found[0] += households
        found[1] += installed
        if new is not None and new is not pd.NA:
            found[2] = new if found[2] is None else found[2] + new
    return sums


@dataclass(frozen=True)
class CitySums:
    """
    One city's counties summed for one week (``summed``), carried figures included:
    what its province's table and the nation's add up. Kept per city (under the
    city's own token), so a figure saved in one city sums that city again, not the
    whole province or nation. Per measure with any figure, in the order first met.
    """

    # (measure, households, installed, new or None when no county has new installs).
    current: tuple[tuple[int, int, int, int | None], ...]
    # (measure, households, installed) of last week, as the week's table showed it.
    previous: tuple[tuple[int, int, int], ...]
    # The measures with a figure of the week's own (not carried) in a county of the city.
    own_measures: frozenset[int]
    # (active counties that reported the week, active counties): ``rules.reporting_count``.
    reported: tuple[int, int]


def city_sums(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    city_of: Mapping[int, int],
    cities: Sequence[int],
    *,
    own: Collection[tuple[int, int]],
    reported: Collection[int],
    active: Collection[int],
) -> dict[int, CitySums]:
    """
    ``CitySums`` of each of ``cities`` from its counties' rows (``city_of``: county →
    city, every county of the cities): ``current`` the week's figures, carried ones
    too, and ``previous`` last week's as the week's table showed them (both from
    ``rules.carry_forward``), ``own`` the (county, measure) pairs with a figure of the
    week's own, ``reported`` the counties that reported the week
    (``rules.has_reported``), ``active`` the active counties (the ones counted in n/N,
    ``rules.reporting_count``). New installs as the county table has them
    (``rules.new_installs``; a carried figure has none).
    """
    week = _added_up(
        (
            city_of.get(region),
            measure,
            households,
            installed,
            None if before is pd.NA else rules.new_installs(installed, before),
        )
        for region, measure, households, installed, before in zip(
            current["region"].tolist(),
            current["measure"].tolist(),
            current["households"].tolist(),
            current["installed"].tolist(),
            current["previous_installed"].tolist(),
            strict=True,
        )
    )
    last = _added_up(
        (city_of.get(region), measure, households, installed, None)
        for region, measure, households, installed in zip(
            previous["region"].tolist(),
            previous["measure"].tolist(),
            previous["households"].tolist(),
            previous["installed"].tolist(),
            strict=True,
        )
    )
    rows: dict[int, list] = {city: [] for city in cities}
    for (city, measure), (households, installed, new) in week.items():
        rows[city].append((measure, households, installed, new))
    before_rows: dict[int, list] = {city: [] for city in cities}
    for (city, measure), (households, installed, _new) in last.items():
        before_rows[city].append((measure, households, installed))
    own_measures: dict[int, set[int]] = {city: set() for city in cities}
    for county, measure in own:
        if county in city_of:
            own_measures[city_of[county]].add(measure)
    counties: dict[int, list[int]] = {city: [] for city in cities}
    for county, city in city_of.items():
        counties[city].append(county)
    active = set(active)
    return {
        city: CitySums(
            current=tuple(rows[city]),
            previous=tuple(before_rows[city]),
            own_measures=frozenset(own_measures[city]),
            reported=rules.reporting_count(reported, active.intersection(counties[city])),
        )
        for city in cities
    }


def cities_table(
    parts: Sequence[tuple[int, CitySums]], measures: Collection[int], *, previous: bool = False
) -> pd.DataFrame:
    """
    Kept cities' sums as rows ``child_sums`` sums again (``region`` is the city), for
    the ``measures`` the table shows: the week's (with ``new``) or, with ``previous``,
    last week's (without).
    """
    rows = []
    for city, sums in parts:
        if previous:
            rows += [(city, *row) for row in sums.previous if row[0] in measures]
        else:
            rows += [(city, *row) for row in sums.current if row[0] in measures]
    columns = ["region", "measure", "households", "installed"]
    frame = pd.DataFrame(
        {name: np.array([r[i] for r in rows], dtype="int64") for i, name in enumerate(columns)}
    )
    if not previous:
        frame["new"] = pd.array([r[4] for r in rows], dtype="Int64")
    return frame


def children_reported(
    parts: Sequence[tuple[int, CitySums]], child_of: Mapping[int, int], children: Sequence[int]
) -> dict[int, tuple[int, int]]:
    """Per child, (counties reported, active counties): its cities' counts added up."""
    reported = dict.fromkeys(children, (0, 0))
    for city, sums in parts:
        n, total = reported[child_of[city]]
        reported[child_of[city]] = (n + sums.reported[0], total + sums.reported[1])
    return reported


def level_totals(sums: pd.DataFrame) -> pd.DataFrame:
    """合计 at the parent: ``rules.week_totals`` of the children's sums, indexed by measure."""
    return rules.week_totals(sums)


def level_movement(current: pd.DataFrame, previous: pd.DataFrame) -> pd.Series:
    """
    Places each child gained in each measure since the previous week (positive =
    up; ``rules.rank_movement``), aligned on ``current``'s index; missing where
    the child was not ranked in either week. Both frames are ``child_sums``.
    """
    before = dict(
        zip(
            zip(previous["child"].tolist(), previous["measure"].tolist(), strict=True),
            previous["rank"].tolist(),
            strict=True,
        )
    )
    pairs = zip(current["child"].tolist(), current["measure"].tolist(), strict=True)
    previous_rank = pd.Series(
        [before.get(pair, pd.NA) for pair in pairs], index=current.index, dtype="Int64"
    )
    return rules.rank_movement(current["rank"], previous_rank)


def reported_by_child(
    reported: Collection[int], active_by_child: Mapping[int, Collection[int]]
) -> dict[int, tuple[int, int]]:
    """Per child, (counties reported, active counties): ``rules.reporting_count`` on its counties."""
    return {
        child: rules.reporting_count(reported, regions)
        for child, regions in active_by_child.items()
    }


def fully_reported(count: tuple[int, int]) -> bool:
    """Every active county of the child reported the week (n = N); otherwise it is marked."""
    reported, total = count
    return reported >= total


@dataclass(frozen=True)
class Standing:
    """A child's place among its siblings in one measure: rank of how many, and its movement."""

    measure: int
    rank: int | None
    ranked: int
    move: int | None


def child_standing(sums: pd.DataFrame, movement: pd.Series, child: int) -> list[Standing]:
    """A child's rank and movement per measure (e.g. 焦作市在河南省：自闭阀第2名↑1)."""
    standings = []
    for measure, rows in sums.groupby("measure", sort=False):
        ranked = int(rows["rank"].notna().sum())
        mine = rows[rows["child"] == child]
        if mine.empty:
            continue
        index = mine.index[0]
        rank = mine["rank"].iloc[0]
        move = movement.get(index, pd.NA)
        standings.append(
            Standing(
                measure=int(measure),
                rank=None if rank is pd.NA else int(rank),
                ranked=ranked,
                move=None if move is pd.NA or move is None or np.isnan(move) else int(move),
            )
        )
    return standings
