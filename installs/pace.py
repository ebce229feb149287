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
- **New this week** is the rules' new installs (``rules.new_installs``: against
  the previous report, however long ago), read from the week's own rows.
- **Remaining** = ceil(target rate × households) − installed: the target is
  reached only by whole households.
- **Weeks left** = ceil(remaining ÷ pace), in exact integer arithmetic;
  **projected date** = the week's date + weeks left × 7 days.
- A pace of zero or less never reaches the target: no weeks left, no date,
  and never a division by zero.
- **Stalled**: ``rules.stalled``, no new installs this week (new ≤ 0) while below 100%.
- **Band** (``rules.target_band``): complete, on track, behind or far behind,
  comparing the pace with the pace the deadline needs (remaining ÷ whole weeks
  to the deadline, ``needed_pace``, rounded up); none without a deadline or a pace.
  **Shortfall**: households still short at the deadline at this pace.
- **Missed**: the target will not be reached by the deadline at this pace
  (projected after the deadline, or no progress at all), or the deadline has
  already passed without reaching it. Unknown (no pace) is not flagged.
"""

from __future__ import annotations

import datetime
from fractions import Fraction

import numpy as np
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
    "weeks_to_deadline",
    "needed_pace",
    "band",
    "shortfall",
]


def forecast(history: pd.DataFrame, week: datetime.date, targets: pd.DataFrame) -> pd.DataFrame:
    """
    The forecast of every (region, measure) reported in ``week``.

    ``history``: reports with columns week (a date), region, measure,
    households, installed (``rules.HISTORY_COLUMNS``), any weeks, and ``new``
    (new installs, missing where unknown) on the week's own rows, as
    ``rules.week_table`` and ``rules.history_table`` give it; only the 28 days
    up to ``week`` are read. ``targets``: indexed by measure, columns
    ``target_rate`` (a fraction, e.g. Decimal("0.95")) and ``target_date``
    (a date or None).

    Array arithmetic, integers wherever a count is rounded: the ranking page
    marks its cells with this for up to 200 regions on every request.
    """
    start = week - datetime.timedelta(days=WINDOW_DAYS)
    # Per pair: the earliest earlier report in the window (the base). A plain pass
    # over the rows: the window holds five weeks at most.
    base: dict[tuple[int, int], tuple[datetime.date, int]] = {}
    current = []
    for date, region, measure, households, installed, new_installs in zip(
        history["week"].tolist(),
        history["region"].tolist(),
        history["measure"].tolist(),
        history["households"].tolist(),
        history["installed"].tolist(),
        history["new"].tolist(),
        strict=True,
    ):
        if date == week:
            known = new_installs is not None and not pd.isna(new_installs)
            current.append((region, measure, households, installed, known, new_installs))
        elif start <= date < week:
            pair = (region, measure)
            if pair not in base or date < base[pair][0]:
                base[pair] = (date, installed)
    regions = np.array([c[0] for c in current], dtype="int64")
    measures = np.array([c[1] for c in current], dtype="int64")
    households = np.array([c[2] for c in current], dtype="int64")
    installed = np.array([c[3] for c in current], dtype="int64")
    has_new = np.array([c[4] for c in current], dtype=bool)
    new = np.array([int(c[5]) if c[4] else 0 for c in current], dtype="int64")
    pairs = list(zip(regions.tolist(), measures.tolist(), strict=True))

    # ceil(target × households), exactly: the target as numerator / denominator.
    rates = targets["target_rate"].to_dict()
    deadlines = {m: _date_or_none(d) for m, d in targets["target_date"].items()}
    exact = {m: Fraction(str(rate)) for m, rate in rates.items()}
    numerator = np.array([exact[m].numerator for m in measures.tolist()], dtype="int64")
    denominator = np.array([exact[m].denominator for m in measures.tolist()], dtype="int64")
    required = -((-numerator * households) // denominator)
    remaining = required - installed

    has_base = np.array([pair in base for pair in pairs], dtype=bool)
    days = np.array([(week - base[p][0]).days if p in base else 1 for p in pairs], dtype="int64")
    gained = installed - np.array([base[p][1] if p in base else 0 for p in pairs], dtype="int64")
    progressing = has_base & (remaining > 0) & (gained > 0)
    # ceil(remaining ÷ (gained × 7 ÷ days)) without floats; nothing without progress.
    weeks_left = -((-(remaining * days)) // np.where(progressing, gained * 7, 1))
    deadline = [deadlines[m] for m in measures.tolist()]
    projected = [
        week + datetime.timedelta(days=7 * int(n)) if go else None
        for n, go in zip(weeks_left, progressing, strict=True)
    ]

    has_deadline = np.array([d is not None for d in deadline], dtype=bool)
    deadline_past = np.array([d is not None and d < week for d in deadline], dtype=bool)
    after_deadline = np.array(
        [
            d is not None and p is not None and p > d
            for d, p in zip(deadline, projected, strict=True)
        ],
        dtype=bool,
    )
    status = np.select(
        [households == 0, remaining <= 0, deadline_past, ~has_base, ~progressing, after_deadline],
        [NO_HOUSEHOLDS, COMPLETE, DEADLINE_PAST, NO_HISTORY, ZERO_PACE, WILL_MISS],
        default=ON_TRACK,
    )
    missed = (
        (status == DEADLINE_PAST) | (status == WILL_MISS) | ((status == ZERO_PACE) & has_deadline)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        pace = np.where(has_base, gained * 7 / days, np.nan)
    # Against the deadline (rules.target_band and friends): per row, exact fractions.
    weeks_to_deadline = [None if d is None else rules.whole_weeks_until(week, d) for d in deadline]
    exact_pace = [
        Fraction(int(g) * 7, int(n)) if b else None
        for g, n, b in zip(gained.tolist(), days.tolist(), has_base.tolist(), strict=True)
    ]
    needed_pace, band, shortfall = [], [], []
    for left, more, speed, empty in zip(
        weeks_to_deadline, remaining.tolist(), exact_pace, (households == 0).tolist(), strict=True
    ):
        if empty:
            needed_pace.append(None)
            band.append(None)
            shortfall.append(None)
            continue
        band.append(rules.target_band(remaining=more, pace=speed, weeks_left=left))
        if left is None:
            needed_pace.append(None)
            shortfall.append(None)
        else:
            needed_pace.append(rules.weekly_pace_needed(remaining=more, weeks_left=left))
            shortfall.append(
                rules.shortfall_at_deadline(remaining=more, pace=speed, weeks_left=left)
            )
    return pd.DataFrame(
        {
            "region": regions,
            "measure": measures,
            "households": households,
            "installed": installed,
            "new": _nullable(new, has_new),
            "rate": rules.rates(pd.Series(installed), pd.Series(households)),
            "required": required,
            "remaining": remaining,
            "base_week": [base[p][0] if p in base else None for p in pairs],
            "window_weeks": np.where(has_base, days / 7, np.nan),
            "gained": _nullable(gained, has_base),
            "pace": pace,
            "weeks_left": _nullable(weeks_left, progressing),
            "projected_date": pd.Series(projected, dtype=object),
            "target_rate": [rates[m] for m in measures.tolist()],
            "target_date": pd.Series(deadline, dtype=object),
            "status": pd.Series(status, dtype=object),
            "stalled": np.array(
                [
                    rules.stalled(n if known else None, i, h)
                    for n, known, i, h in zip(
                        new.tolist(), has_new, installed.tolist(), households.tolist(), strict=True
                    )
                ],
                dtype=bool,
            ),
            "missed": missed,
            "weeks_to_deadline": pd.array(weeks_to_deadline, dtype="Int64"),
            "needed_pace": pd.array(needed_pace, dtype="Int64"),
            "band": pd.Series(band, dtype=object),
            "shortfall": pd.array(shortfall, dtype="Int64"),
        },
        columns=FORECAST_COLUMNS,
    )


def _nullable(values: np.ndarray, known: np.ndarray) -> pd.arrays.IntegerArray:
    """Int64 values, missing where not ``known``."""
    return pd.arrays.IntegerArray(values.astype("int64"), ~known)


def _date_or_none(value) -> datetime.date | None:
    return None if value is None or pd.isna(value) else value


def flags(forecast_table: pd.DataFrame) -> dict[tuple[int, int], dict]:
    """
    (region, measure) → {"missed": bool, "stalled": bool, "band": rules.BAND_* or None},
    for the marks on the ranking page.
    """
    return {
        (region, measure): {"missed": missed, "stalled": stalled, "band": band}
        for region, measure, missed, stalled, band in zip(
            forecast_table["region"].tolist(),
            forecast_table["measure"].tolist(),
            forecast_table["missed"].tolist(),
            forecast_table["stalled"].tolist(),
            forecast_table["band"].tolist(),
            strict=True,
        )
    }
