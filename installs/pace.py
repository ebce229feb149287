"""
Pace and forecast: at the pace of the last four weeks, when does each region
reach its measure's target, and will that be before the deadline?

Pure pandas, no Django: the reports of the last four weeks and the
measures' targets in, one row per (region, measure) out, so every rule here
is tested on hand-made histories. Only reports of the 28 days up to the week
count, so a caller may pass any longer history and gets the same answer (the
ranking page fetches just those weeks).

The rules, precisely:

- **Pace** is the average weekly new installs over the last 4 weeks:
  (installed now − installed at the base report) ÷ the weeks between them.
  The base report is the pair's earliest report in the 28 days before the
  week (with weekly reports: 4 weeks earlier). With a shorter history that is
  the earliest one there is (one week of history: pace = that week's new
  installs); with no earlier report in those 28 days there is no pace. Weeks
  are counted as days ÷ 7, so a region that skipped a week is not credited
  with a faster pace.
- **New this week** = installed now − installed at the pair's latest earlier
  report in those 28 days.
- **Remaining** = ceil(target rate × households) − installed: the target is
  reached only by whole households.
- **Weeks left** = ceil(remaining ÷ pace), in exact integer arithmetic;
  **projected date** = the week's date + weeks left × 7 days.
- A pace of zero or less never reaches the target: no weeks left, no date,
  and never a division by zero.
- **Stalled**: no new installs this week (new ≤ 0) while below 100%.
- **Missed**: the target will not be reached by the deadline at this pace
  (projected after the deadline, or no progress at all), or the deadline has
  already passed without reaching it. Unknown (no pace) is not flagged.
"""

from __future__ import annotations

import datetime
from fractions import Fraction

import pandas as pd

from installs import rules

WINDOW_DAYS = 28  # the last 4 weeks

# One status per row, most decisive first; the page words each of them.
COMPLETE = "complete"  # the target is reached
NO_HOUSEHOLDS = "no_households"  # nothing to equip
DEADLINE_PAST = "deadline_past"  # the deadline is over and the target not reached
NO_HISTORY = "no_history"  # a first report: no pace yet
ZERO_PACE = "zero_pace"  # no progress over the window: never completes at this pace
WILL_MISS = "will_miss"  # projected after the deadline
ON_TRACK = "on_track"  # projected on or before the deadline, or no deadline set

FORECAST_COLUMNS = [
    "region",
    "measure",
    "households",
    "installed",
    "new",
    "rate",
    "required",
    "remaining",
    "base_week",
    "window_weeks",
    "gained",
    "pace",
    "weeks_left",
    "projected_date",
    "target_rate",
    "target_date",
    "status",
    "stalled",
    "missed",
]


def forecast(history: pd.DataFrame, week: datetime.date, targets: pd.DataFrame) -> pd.DataFrame:
    """
    The forecast of every (region, measure) reported in ``week``.

    ``history``: reports with columns week (a date), region, measure,
    households, installed (``rules.HISTORY_COLUMNS``), any weeks; only the
    28 days up to ``week`` are read. ``targets``: indexed by measure, columns
    ``target_rate`` (a fraction, e.g. Decimal("0.95")) and ``target_date``
    (a date or None).
    """
    start = week - datetime.timedelta(days=WINDOW_DAYS)
    window = history[(history["week"] >= start) & (history["week"] <= week)]
    current = window[window["week"] == week].set_index(["region", "measure"])
    earlier = window[window["week"] < week].sort_values("week").groupby(["region", "measure"])
    base = earlier[["week", "installed"]].first().reindex(current.index)
    previous = earlier["installed"].last().reindex(current.index)
    rates = rules.rates(current["installed"], current["households"])

    rows = []
    for (region, measure), now in current.iterrows():
        target_rate = targets.at[measure, "target_rate"]
        target_date = targets.at[measure, "target_date"]
        if pd.isna(target_date):
            target_date = None
        households, installed = int(now["households"]), int(now["installed"])
        last = previous.at[(region, measure)]
        new = pd.NA if pd.isna(last) else installed - int(last)
        required = _ceil(Fraction(str(target_rate)) * households)
        remaining = required - installed
        base_week = base.at[(region, measure), "week"]
        base_installed = base.at[(region, measure), "installed"]
        row = {
            "region": region,
            "measure": measure,
            "households": households,
            "installed": installed,
            "new": new,
            "rate": rates.at[(region, measure)],
            "required": required,
            "remaining": remaining,
            "base_week": None,
            "window_weeks": None,
            "gained": None,
            "pace": None,
            "weeks_left": None,
            "projected_date": None,
            "target_rate": target_rate,
            "target_date": target_date,
        }
        if not pd.isna(base_week):
            days = (week - base_week).days
            gained = installed - int(base_installed)
            row.update(
                base_week=base_week,
                window_weeks=days / 7,
                gained=gained,
                pace=gained * 7 / days,
            )
            if remaining > 0 and gained > 0:
                # ceil(remaining / (gained * 7 / days)) without floats.
                weeks_left = _ceil(Fraction(remaining * days, gained * 7))
                row.update(
                    weeks_left=weeks_left,
                    projected_date=week + datetime.timedelta(days=7 * weeks_left),
                )
        row["status"] = _status(row, week)
        row["stalled"] = bool(not pd.isna(new) and new <= 0 and installed < households)
        row["missed"] = row["status"] in (DEADLINE_PAST, WILL_MISS) or (
            row["status"] == ZERO_PACE and target_date is not None
        )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=FORECAST_COLUMNS)
    for column in ("new", "gained", "weeks_left"):
        frame[column] = frame[column].astype("Int64")
    frame["pace"] = frame["pace"].astype("float64")
    frame["window_weeks"] = frame["window_weeks"].astype("float64")
    frame["stalled"] = frame["stalled"].astype(bool)
    frame["missed"] = frame["missed"].astype(bool)
    return frame


def _status(row: dict, week: datetime.date) -> str:
    if row["households"] == 0:
        return NO_HOUSEHOLDS
    if row["remaining"] <= 0:
        return COMPLETE
    target_date = row["target_date"]
    if target_date is not None and target_date < week:
        return DEADLINE_PAST
    if row["pace"] is None:
        return NO_HISTORY
    if row["weeks_left"] is None:
        return ZERO_PACE
    if target_date is not None and row["projected_date"] > target_date:
        return WILL_MISS
    return ON_TRACK


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def flags(forecast_table: pd.DataFrame) -> dict[tuple[int, int], dict[str, bool]]:
    """(region, measure) → {"missed": …, "stalled": …}, for marks on the ranking page."""
    return {
        (row.region, row.measure): {"missed": bool(row.missed), "stalled": bool(row.stalled)}
        for row in forecast_table.itertuples()
    }
