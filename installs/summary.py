"""
The week's summary: what a leader reads in thirty seconds above the table, and
what the weekly notice (进度通报) will say, from one computation.

``week_summary`` turns a computed week (the rules' table, totals and the
previous week's rows, plus the pace forecast) into plain facts: numbers and
names, no HTML, no ORM query. ``summary_paragraphs`` words those facts as
Chinese sentences (through gettext, so the source strings stay English like
every UI string). The ranking page shows the paragraphs; the notice reuses them.

Every number here comes from ``installs.rules`` (rates, ranks, percentage
points) or ``installs.pace`` (stalled, bands), so the summary and the table
cannot disagree; whether a region reported on time is the 填报情况 panel's
status (``installs.deadlines.week_statuses``), passed in, never judged here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

import pandas as pd
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from installs import deadline_rules, layout, rules

if TYPE_CHECKING:
    from installs.progress import WeekProgress


@dataclass(frozen=True)
class Place:
    """A region named in the summary, with its rank and rate as the table shows them."""

    name: str
    slug: str
    rank: int
    rate: str  # rules.rate_text


@dataclass(frozen=True)
class MeasureSummary:
    """One measure's facts for the week: the city-wide row, the ends of the ranking, the bands."""

    name: str  # 自闭阀·管道气
    slug: str
    rate: str  # 全市 (the 合计 row's rate), rules.rate_text; "" without households
    # Since last week in percentage points, over the regions that reported both weeks;
    # None in a first week.
    change_points: Decimal | None
    new: int | None  # the 合计 row's 环比新增安装数; None without an earlier week
    top: list[Place]  # rank 1–3 (ties included), best first
    bottom: list[Place]  # the last three places (ties included), best first
    stalled: list[str]  # regions stalled in this measure: 停滞（本周无新增）
    target_rate: str  # 目标安装率, e.g. "100.0%"
    deadline: datetime.date | None  # 完成期限
    # Regions per band (rules.BAND_*), names in official order; only where a deadline is set.
    bands: dict[str, list[str]] = field(default_factory=dict)

    @property
    def will_miss(self) -> list[str]:
        """按当前进度无法按期完成: behind and far behind together, official order kept per band."""
        return self.bands.get(rules.BAND_BEHIND, []) + self.bands.get(rules.BAND_FAR_BEHIND, [])


@dataclass(frozen=True)
class WeekSummary:
    """The week's facts: who reported, each measure's summary, which regions stalled."""

    date: datetime.date
    reported: int  # 已填报 n …
    region_count: int  # … of N
    unreported: list[str]  # 未填报 (no figure at all), official order
    partial: list[str]  # 部分填报, official order
    # 沿用M月D日数据: per week carried from, the regions (or region and measure) carried.
    carried: list[tuple[datetime.date, list[str]]]
    # 按时填报: how many reported by the 填报截止时间, as the 填报情况 panel counts
    # them. None when the week's timeliness is not known (its figures were loaded,
    # not saved through the app: deadlines.week_statuses), never zero for "unknown".
    reported_on_time: int | None
    late: list[str]  # 逾期填报: reported after the deadline
    # 逾期未填报: not fully reported and the deadline passed (unreported and partial alike).
    overdue: list[str]
    measures: list[MeasureSummary]
    stalled: list[str]  # regions with no new installs in any measure not yet complete


def week_summary(
    progress: WeekProgress,
    forecast: pd.DataFrame,
    *,
    statuses: dict[int, str] | None = None,
) -> WeekSummary:
    """
    The facts of one computed week. ``progress``: ``selectors.week_progress``;
    ``forecast``: ``pace.forecast`` of the same week (``selectors.week_forecast``);
    ``statuses``: region id → ``deadline_rules`` status as on the 填报情况 panel
    (``deadlines.week_statuses``), None when the week's timeliness is not known.

    The tables have a row per region and measure (a few hundred at most): the
    helpers below read their columns as plain lists rather than filter the frames
    again and again, each filter of a wide frame costing more than the whole loop
    (the summary took 40 ms of the 80 a week's table costs after a change, at 30
    regions; every save in an open week makes it be computed again).
    """
    names = {region.pk: region for region in progress.regions}
    order = {region.pk: place for place, region in enumerate(progress.regions)}
    table = _rows(progress.table, "measure", "region", "rank", "installed", "households")
    previous = progress.previous_snapshots
    if previous is not None and not previous.empty:
        previous = _rows(previous, "measure", "region", "installed", "households")
    else:
        previous = None
    forecast_rows = _rows(forecast, "measure", "region", "stalled", "band", "new")
    measures = []
    for measure in progress.measures:
        rows = [row for row in table if row[0] == measure.pk]
        measure_forecast = [row for row in forecast_rows if row[0] == measure.pk]
        total = progress.total(measure)
        measures.append(
            MeasureSummary(
                name=str(measure),
                slug=measure.slug,
                rate=""
                if total is None
                else rules.rate_text(total["installed"], total["households"]),
                change_points=_change(table, previous, measure.pk),
                new=None if total is None else total["new"],
                top=_places(rows, names, order, top=True),
                bottom=_places(rows, names, order, top=False),
                stalled=_in_order(
                    [row[1] for row in measure_forecast if _true(row[2])], names, order
                ),
                target_rate=_percent(measure.target_rate),
                deadline=measure.target_date,
                bands=_bands(measure_forecast, names, order)
                if measure.target_date is not None
                else {},
            )
        )
    return WeekSummary(
        date=progress.week.date,
        # Counted as on 填报情况 (rules.reporting_count): over the active regions.
        reported=progress.reported_count,
        region_count=progress.region_count,
        unreported=[r.name for r in progress.regions if r.pk in progress.missing_region_ids],
        partial=[r.name for r in progress.regions if r.pk in progress.partial_region_ids],
        carried=layout.carried_groups(progress),
        reported_on_time=_on_time(progress, statuses),
        late=_with_status(progress, statuses, deadline_rules.LATE),
        overdue=_with_status(progress, statuses, deadline_rules.OVERDUE),
        measures=measures,
        stalled=_stalled_regions(forecast_rows, names, order),
    )


def _rows(frame: pd.DataFrame, *columns: str) -> list[tuple]:
    """The frame's rows as tuples of these columns' values (as pandas holds them)."""
    return list(zip(*(frame[column] for column in columns), strict=True))


def _true(value) -> bool:
    """A flag of a nullable column: NA (not known) is not true, as in a pandas filter."""
    return not pd.isna(value) and bool(value)


def _sum(values) -> int:
    """A column's sum as pandas takes it: missing values (NA) left out."""
    return int(sum(value for value in values if not pd.isna(value)))


def _on_time(progress: WeekProgress, statuses: dict[int, str] | None) -> int | None:
    if statuses is None:
        return None
    return len(_with_status(progress, statuses, deadline_rules.ON_TIME))


def _with_status(progress: WeekProgress, statuses: dict[int, str] | None, status: str) -> list[str]:
    """The active regions with this timeliness, official order (none when it is not known)."""
    if statuses is None:
        return []
    return [r.name for r in progress.regions if r.active and statuses.get(r.pk) == status]


def _percent(fraction: Decimal) -> str:
    """A target such as Decimal("0.95") as a rate reads: "95.0%"."""
    exact = Fraction(str(fraction))
    return rules.rate_text(exact.numerator, exact.denominator)


def _change(table: list[tuple], previous: list[tuple] | None, measure: int) -> Decimal | None:
    """
    The 全市 rate's change since last week, like for like: both weeks' rates over
    the regions that reported the measure in both. When every region reported
    both weeks (the usual case) that is the 合计 row's change; a region missing
    from one week cannot make the city seem to move. ``table``: (measure, region,
    rank, installed, households) rows; ``previous``: (measure, region, installed,
    households) rows, None when there is no previous week.
    """
    if previous is None:
        return None
    now = [(row[1], row[3], row[4]) for row in table if row[0] == measure]
    before = [(row[1], row[2], row[3]) for row in previous if row[0] == measure]
    both = {row[0] for row in now} & {row[0] for row in before}
    if not both:
        return None
    now = [row for row in now if row[0] in both]
    before = [row for row in before if row[0] in both]
    return rules.rate_change_points(
        installed=_sum(row[1] for row in now),
        households=_sum(row[2] for row in now),
        previous_installed=_sum(row[1] for row in before),
        previous_households=_sum(row[2] for row in before),
    )


def _places(rows: list[tuple], names: dict, order: dict, *, top: bool) -> list[Place]:
    """``rows``: one measure's (measure, region, rank, installed, households)."""
    ranked = [row for row in rows if not pd.isna(row[2])]
    if not ranked:
        return []
    if top:
        chosen = [row for row in ranked if row[2] <= rules.NAMED_PLACES]
    else:
        bottom = rules.bottom_places_from([int(row[2]) for row in ranked])
        chosen = [row for row in ranked if row[2] >= bottom]
    chosen = sorted(
        (int(rank), order[region], region, installed, households)
        for _measure, region, rank, installed, households in chosen
        if region in names
    )
    return [
        Place(
            name=names[region].name,
            slug=names[region].slug,
            rank=rank,
            rate=rules.rate_text(installed, households),
        )
        for rank, _place, region, installed, households in chosen
    ]


def _in_order(region_ids, names: dict, order: dict) -> list[str]:
    ids = [int(r) for r in region_ids if int(r) in names]
    return [names[r].name for r in sorted(set(ids), key=order.__getitem__)]


def _bands(rows: list[tuple], names: dict, order: dict) -> dict[str, list[str]]:
    """``rows``: one measure's forecast (measure, region, stalled, band, new)."""
    by_band: dict[str, list] = {}
    for row in rows:
        if isinstance(row[3], str):  # NA: no band
            by_band.setdefault(row[3], []).append(row[1])
    return {
        band: _in_order(by_band.get(band, []), names, order)
        for band in (
            rules.BAND_COMPLETE,
            rules.BAND_ON_TRACK,
            rules.BAND_BEHIND,
            rules.BAND_FAR_BEHIND,
        )
    }


def _stalled_regions(forecast: list[tuple], names: dict, order: dict) -> list[str]:
    """
    Regions stalled as a whole: stalled in at least one measure (pace's rule: no
    new installs this week while below 100%) and no new installs in any other.
    ``forecast``: (measure, region, stalled, band, new) rows of every measure.
    """
    stalled: dict = {}
    installing = set()
    for _measure, region, is_stalled, _band, new in forecast:
        stalled[region] = stalled.get(region, False) or _true(is_stalled)
        if not pd.isna(new) and new > 0:
            installing.add(region)
    return _in_order(
        [region for region, flag in stalled.items() if flag and region not in installing],
        names,
        order,
    )


# Wording: the Chinese sentences of the summary.


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of the summary: a short label (shown bold) and its sentence."""

    label: str
    text: str


def summary_paragraphs(summary: WeekSummary) -> list[Paragraph]:
    """The summary in words: one paragraph for reporting, one per measure, one for stalled regions."""
    paragraphs = [Paragraph(_("Reporting"), _reporting_text(summary))]
    paragraphs += [Paragraph(m.name, _measure_text(m)) for m in summary.measures]
    if summary.stalled:
        paragraphs.append(
            Paragraph(
                _("Stalled (no new installs this week)"),
                _names(summary.stalled) + pgettext("end of a sentence", "."),
            )
        )
    return paragraphs


def _reporting_text(summary: WeekSummary) -> str:
    text = _("Reported %(reported)s/%(total)s regions") % {
        "reported": summary.reported,
        "total": summary.region_count,
    }
    # No region reported yet: "0 on time" says nothing.
    if summary.reported_on_time is not None and summary.reported:
        text += _(", %(count)s on time") % {"count": summary.reported_on_time}
    if summary.late:
        text += _("; reported late: %(regions)s") % {"regions": _names(summary.late)}
    # Once the deadline has passed, a region with no figure is 逾期未填报.
    overdue = [name for name in summary.unreported if name in summary.overdue]
    pending = [name for name in summary.unreported if name not in summary.overdue]
    if overdue:
        text += _("; overdue, not reported: %(regions)s") % {"regions": _names(overdue)}
    if pending:
        text += _("; not reported: %(regions)s") % {"regions": _names(pending)}
    if summary.partial:
        text += _("; partly reported: %(regions)s") % {"regions": _names(summary.partial)}
    for date, names in summary.carried:
        # The table counts their latest earlier figures: say so, and from when.
        text += pgettext("between clauses", "; ") + _("%(regions)s: %(carried)s") % {
            "regions": _names(names),
            "carried": layout.carried_text(date),
        }
    return text + pgettext("end of a sentence", ".")


def _measure_text(measure: MeasureSummary) -> str:
    parts = [_("City-wide rate %(rate)s") % {"rate": measure.rate or "—"}]
    change = measure.change_points
    if change is not None:
        if change > 0:
            parts.append(_("up %(points)s points on last week") % {"points": change})
        elif change < 0:
            parts.append(_("down %(points)s points on last week") % {"points": -change})
        else:
            parts.append(_("the same as last week"))
    if measure.new is not None:
        parts.append(_("%(count)s new installs this week") % {"count": measure.new})
    sentence = pgettext("between clauses", ", ").join(parts)
    clauses = [sentence]
    if measure.top:
        clauses.append(_("top three: %(places)s") % {"places": _places_text(measure.top)})
    if measure.bottom:
        clauses.append(_("last three: %(places)s") % {"places": _places_text(measure.bottom)})
    if measure.deadline is not None:
        if measure.will_miss:
            # Named, not counted: the notice tells each district where it stands.
            clauses.append(
                _("at the current pace cannot reach %(target)s by %(deadline)s: %(regions)s")
                % {
                    "regions": _names(measure.will_miss),
                    "target": measure.target_rate,
                    "deadline": date_text(measure.deadline),
                }
            )
        else:
            clauses.append(
                _("every region is on track for %(target)s by %(deadline)s")
                % {"target": measure.target_rate, "deadline": date_text(measure.deadline)}
            )
    return pgettext("between clauses", "; ").join(clauses) + pgettext("end of a sentence", ".")


def _places_text(places: list[Place]) -> str:
    return _names([_("%(name)s (%(rate)s)") % {"name": p.name, "rate": p.rate} for p in places])


def _names(names: list[str]) -> str:
    return pgettext("between names in a list", ", ").join(names)


def date_text(date: datetime.date) -> str:
    """The glossary's date in running text: 2022年12月31日."""
    return _("%(year)s-%(month)s-%(day)s") % {
        "year": date.year,
        "month": date.month,
        "day": date.day,
    }
