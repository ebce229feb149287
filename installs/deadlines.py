"""
Reads for the 填报截止时间: a week's deadline, when each region became fully
reported, whether on time (按时 / 逾期填报 / 逾期未填报 / 未填报), and each
region's on-time rate over the campaign. The rules themselves are in
installs.deadline_rules; whether a region has reported is the one rule
rules.has_reported, read here through installs.reporting (RegionReport.reported),
never restated.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Min
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from installs import deadline_rules, reporting, revision, rules
from installs.models import Area, Region, Snapshot, Week


def week_deadline(week: Week) -> datetime.datetime:
    """The week's 填报截止时间: the one set on it, else the default (a week made by a fixture)."""
    if week.deadline is not None:
        return week.deadline
    return deadline_rules.default_deadline(week.date, settings.DEADLINE_DEFAULT)


def deadline_passed(week: Week, *, now: datetime.datetime | None = None) -> bool:
    return (now or timezone.now()) > week_deadline(week)


def first_saves(week: Week, city: Area | None = None) -> dict[int, dict[int, datetime.datetime]]:
    """
    region id → measure id → when that figure was first saved this week: the
    first history record of the snapshot. A figure with none (loaded from a
    fixture or a backup) is absent: when it was reported is not known, and its
    updated_at says when it was loaded. One query for the snapshots, one for the history.
    ``city``: its counties' figures only.
    """
    history = Snapshot.history.model.objects.filter(week_id=week.pk)
    snapshots = Snapshot.objects.filter(week=week)
    if city is not None:
        history = history.filter(region__city=city)
        snapshots = snapshots.filter(region__city=city)
    first_by_snapshot = dict(
        history.values("id").annotate(first=Min("history_date")).values_list("id", "first")
    )
    saves: dict[int, dict[int, datetime.datetime]] = {}
    for pk, region_id, measure_id in snapshots.values_list("pk", "region_id", "measure_id"):
        if pk in first_by_snapshot:
            saves.setdefault(region_id, {})[measure_id] = first_by_snapshot[pk]
    return saves


@dataclass(frozen=True)
class RegionTimeliness:
    region: Region
    reported: bool  # rules.has_reported
    reported_at: datetime.datetime | None  # when it became reported
    status: str  # deadline_rules.ON_TIME / LATE / OVERDUE / PENDING

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.status])


def _week_report_times(
    week: Week, city: Area | None = None
) -> list[tuple[Region, bool, datetime.datetime | None]]:
    week_report = reporting.week_reporting(week, city)
    saves = first_saves(week, city)
    rows = []
    for report in week_report.regions:
        reported_at = (
            deadline_rules.report_time(saves.get(report.region.pk, {}).values())
            if report.reported
            else None
        )
        rows.append((report.region, report.reported, reported_at))
    return rows


def week_timeliness(
    week: Week, *, city: Area | None = None, now: datetime.datetime | None = None
) -> list[RegionTimeliness]:
    """Every active region of the week (of ``city``; None: all), in official order, with its timeliness now."""
    now = now or timezone.now()
    deadline = week_deadline(week)
    if city is None:
        rows = revision.memoised(
            ("report-times", week.pk), lambda: _week_report_times(week), week=week.date
        )
    else:
        # A city's own: kept under its token, so another city's save keeps it, and a
        # save in this city reads this city's figures again, not the deployment's.
        rows = revision.memoised_per_city(
            ("report-times", week.pk),
            [city.pk],
            lambda _missing: {city.pk: _week_report_times(week, city)},
        )[city.pk]
    return [
        RegionTimeliness(
            region=region,
            reported=reported,
            reported_at=reported_at,
            status=deadline_rules.timeliness(
                reported=reported, reported_at=reported_at, deadline=deadline, now=now
            ),
        )
        for region, reported, reported_at in rows
    ]


def week_statuses(
    week: Week, *, city: Area | None = None, now: datetime.datetime | None = None
) -> dict[int, str] | None:
    """
    region id → its timeliness now, exactly as the 填报情况 panel shows it
    (``week_timeliness``), for the summary above the table and the notice.

    None when the week's timeliness is not known: it has figures and none of
    them was saved through the app (no history record: a fixture or a loaded
    backup), so their times say when they were loaded, not when the districts
    reported. A week with no figure yet is known: nobody has reported. Judged per
    city (None: every region): one city's fixture week is not timed by another
    city's saves.
    """
    snapshots = Snapshot.objects.filter(week=week)
    if city is not None:
        snapshots = snapshots.filter(region__city=city)
    # The records of the figures there now (a deleted figure leaves one too).
    saved = Snapshot.history.model.objects.filter(id__in=snapshots.values("pk"))
    if snapshots.exists() and not saved.exists():
        return None
    return {row.region.pk: row.status for row in week_timeliness(week, city=city, now=now)}


@dataclass(frozen=True)
class OnTimeRate:
    on_time: int
    counted: int

    @property
    def text(self) -> str:
        return rules.rate_text(self.on_time, self.counted) or "—"


def on_time_rates(
    *, until: Week | None = None, now: datetime.datetime | None = None
) -> dict[int, OnTimeRate]:
    """
    region id → its on-time rate over every week up to ``until`` (all weeks
    when None): weeks reported on time / weeks whose deadline has passed.
    """
    now = now or timezone.now()

    def campaign() -> list[tuple[datetime.datetime, list]]:
        weeks = Week.objects.order_by("date")
        if until is not None:
            weeks = weeks.filter(date__lte=until.date)
        return [(week_deadline(week), _week_report_times(week)) for week in weeks]

    # One memo entry for the whole campaign (not one per week: the memo is small).
    weeks = revision.memoised(
        ("report-times-until", until.pk if until else None),
        campaign,
        week=until.date if until else None,
    )
    statuses: dict[int, list[str]] = {}
    for deadline, rows in weeks:
        for region, reported, reported_at in rows:
            status = deadline_rules.timeliness(
                reported=reported, reported_at=reported_at, deadline=deadline, now=now
            )
            statuses.setdefault(region.pk, []).append(status)
    return {
        region_id: OnTimeRate(*deadline_rules.on_time_rate(region_statuses))
        for region_id, region_statuses in statuses.items()
    }


def deadline_text(week: Week, *, now: datetime.datetime | None = None) -> dict:
    """
    What a district sees: "填报截止时间：11月28日 12:00（还剩 3小时20分）" or
    "（已逾期 2小时）", as parts a template can place.
    """
    now = now or timezone.now()
    deadline = week_deadline(week)
    local = timezone.localtime(deadline)
    return {
        "deadline": deadline,
        "when": f"{formats.date_format(local, 'MONTH_DAY_FORMAT')} {local:%H:%M}",
        "passed": now > deadline,
        "remaining": deadline_rules.duration_text(deadline - now),
    }


# Labels in the glossary's words (the Chinese is in the catalogue).
STATUS_LABELS = {
    deadline_rules.ON_TIME: _("On time"),
    deadline_rules.LATE: _("Reported late"),
    deadline_rules.OVERDUE: _("Overdue, not reported"),
    deadline_rules.PENDING: _("Not reported"),
    deadline_rules.UNKNOWN: _("Reported, time not known"),
}


@dataclass(frozen=True)
class DeadlineRow:
    timeliness: RegionTimeliness
    rate: OnTimeRate
    contacts: list


def week_deadline_panel(
    week: Week, *, city: Area | None = None, now: datetime.datetime | None = None
) -> dict:
    """What the status panel shows of the deadline and 催报 for one week (of ``city``'s regions)."""
    from installs.models import Reminder
    from installs.services import reminders

    now = now or timezone.now()
    rows = week_timeliness(week, city=city, now=now)
    rates = on_time_rates(until=week, now=now)
    late_regions = [row.region for row in rows if not row.reported]
    contacts = reminders.contacts_of([row.region for row in rows])
    sent = Reminder.objects.filter(week=week)
    if city is not None:
        sent = sent.filter(region__city=city)
    last_manual = (
        sent.filter(occasion__startswith=f"{reminders.MANUAL}-").order_by("-created_at").first()
    )
    cooldown = datetime.timedelta(minutes=settings.REMINDER_MANUAL_COOLDOWN_MINUTES)
    return {
        "deadline": deadline_text(week, now=now),
        "rows": [
            DeadlineRow(
                timeliness=row,
                rate=rates.get(row.region.pk, OnTimeRate(0, 0)),
                contacts=contacts.get(row.region.pk, []),
            )
            for row in rows
        ],
        "late_regions": late_regions,
        "reminder_text": reminders.reminder_text(week, late_regions, contacts, now=now)
        if late_regions
        else "",
        "reminders": sent.select_related("region", "created_by").order_by(
            "-created_at", "region__order"
        )[:30],
        "next_manual_at": last_manual.created_at + cooldown
        if last_manual and last_manual.created_at + cooldown > now
        else None,
    }
