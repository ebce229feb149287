"""
Each chart's numbers as a table, shown collapsed under the chart
(templates/installs/partials/chart_numbers.html): for people who cannot see
the chart, who want the exact figures, or whose browser runs no script.

The tables read the same frames as the charts (``charts.week_rate_frame``,
the week's records, the history) and show rates through ``rules.rate_text``.
A table with no rows means the chart has nothing to draw: the page shows
暂无数据 instead of empty axes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import pandas as pd
from django.utils import formats
from django.utils.translation import gettext as _

from installs import layout, rules
from installs.models import Measure
from installs.selectors import ProgressHistory, WeekProgress


@dataclass(frozen=True)
class NumberTable:
    columns: list[str]  # the header; the first column labels the rows
    rows: list[list[str]] = field(default_factory=list)
    footer: list[list[str]] = field(default_factory=list)  # 合计, 目标


def _count(value) -> str:
    return "—" if value is None or pd.isna(value) else str(int(value))


def rate_table(
    *,
    regions: pd.DataFrame,
    city: tuple[int, int] | None,
    target_rate: Decimal | float | None,
) -> NumberTable:
    """One measure's rate chart: its regions best first (as the bars), then 合计 and the target."""
    shown = regions[regions["rate"].notna()].sort_values("rate", ascending=False, kind="mergesort")
    table = NumberTable(
        columns=[
            _("County (city, district)"),
            _("Installation rate"),
            _("Installed"),
            _("Households"),
        ]
    )
    for name, installed, households in zip(
        shown["name"], shown["installed"], shown["households"], strict=True
    ):
        table.rows.append(
            [name, rules.rate_text(installed, households) or "—", str(installed), str(households)]
        )
    if table.rows and city is not None and city[1] > 0:
        table.footer.append(
            [str(layout.TOTAL_LABEL), rules.rate_text(*city), str(city[0]), str(city[1])]
        )
    if table.rows and target_rate is not None:
        exact = Fraction(str(target_rate))
        table.footer.append(
            [_("Target"), rules.rate_text(exact.numerator, exact.denominator), "", ""]
        )
    return table


def new_installs_table(progress: WeekProgress) -> NumberTable:
    """New installs this week, a row per region (official order), a column per measure."""
    table = NumberTable(
        columns=[_("County (city, district)"), *(str(m) for m in progress.measures)]
    )
    rows = []
    for region in progress.regions:
        values = [progress.records.get((region.pk, m.pk), {}).get("new") for m in progress.measures]
        rows.append([region.name, *(_count(v) for v in values)])
    any_new = any(
        record.get("new") is not None and not pd.isna(record.get("new"))
        for record in progress.records.values()
    )
    if any_new:
        table.rows.extend(rows)
        totals = [progress.total(m) or {} for m in progress.measures]
        table.footer.append([str(layout.TOTAL_LABEL), *(_count(t.get("new")) for t in totals)])
    return table


def trend_table(history: ProgressHistory, measure: Measure) -> NumberTable:
    """One measure's rate by week: a row per week (newest first), a column per region and 合计."""
    rows = history.table[history.table["measure"] == measure.pk]
    regions = [r for r in history.regions if r.pk in set(rows["region"])]
    table = NumberTable(columns=[_("Week"), *(r.name for r in regions), str(layout.TOTAL_LABEL)])
    records = {
        (row["week"], row["region"]): row
        for row in rows.loc[:, ["week", "region", "installed", "households"]].to_dict("records")
    }
    totals = history.totals.reset_index()
    totals = {
        row["week"]: row for row in totals[totals["measure"] == measure.pk].to_dict("records")
    }
    for date in reversed(history.dates):
        if not any((date, r.pk) in records for r in regions):
            continue
        cells = [formats.date_format(date)]
        for region in regions:
            record = records.get((date, region.pk))
            cells.append(
                "—"
                if record is None
                else rules.rate_text(record["installed"], record["households"])
            )
        total = totals.get(date)
        cells.append((total and rules.rate_text(total["installed"], total["households"])) or "—")
        table.rows.append(cells)
    return table
