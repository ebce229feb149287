"""
Reads of the audit trail: every change of a figure (Snapshot.history) and of a
week's state (Week.history), newest first, each with who, when, old → new and
the reason.

django-simple-history keeps the whole row after each save; the value before a
change is the same snapshot's previous history row, fetched in the same query
(a correlated subquery), so filtering by user or week never hides it. The
figure and week histories are merged in the database (UNION ALL), so a page of
the list costs the same few queries however long the trail grows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    BigIntegerField,
    CharField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from installs.models import Measure, Region, Snapshot, Week
from installs.services.figures import SOURCE_LABELS

FIGURE = "figure"
WEEK = "week"

FIELD_LABELS = {
    "households": _("Households"),
    "installed": _("Installed"),
    "state": _("State"),
}
ACTION_LABELS = {
    "+": _("created"),
    "~": _("changed"),
    "-": _("deleted"),
}

# The columns both histories are reduced to, in this order, for the UNION.
COLUMNS = (
    "a_kind",
    "a_history_id",
    "a_date",
    "a_user",
    "a_reason",
    "a_type",
    "a_week",
    "a_region",
    "a_measure",
    "a_households",
    "a_installed",
    "a_old_households",
    "a_old_installed",
    "a_state",
    "a_old_state",
)


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: int | str | None
    new: int | str | None


@dataclass(frozen=True)
class AuditEntry:
    """One saved change: a figure of one region-measure-week, or a week's state."""

    kind: str  # FIGURE or WEEK
    at: datetime.datetime
    user: object | None
    action: str  # "+", "~", "-"
    week_date: datetime.date | None
    region: Region | None
    measure: Measure | None
    reason: str
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))

    @property
    def source(self) -> str:
        """The writer the figures service named in the reason (填报, 批量填报, 导入…), if any."""
        return _split_reason(self.reason)[0] if self.kind == FIGURE else ""

    @property
    def note(self) -> str:
        """The reason the person gave, without the writer's name."""
        return _split_reason(self.reason)[1] if self.kind == FIGURE else self.reason


# Former names of a writer, as stored in older audit rows.
FORMER_SOURCE_LABELS = ("批量录入",)


def _split_reason(text: str) -> tuple[str, str]:
    # installs.services.figures.history_reason writes "<source>" or "<source>: <reason>",
    # the source in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        labels = {str(label): str(label) for label in SOURCE_LABELS.values()}
        # Rows stored before the grid's name became 批量填报 (docs/GLOSSARY.md) read as it.
        labels.update(dict.fromkeys(FORMER_SOURCE_LABELS, str(SOURCE_LABELS["grid"])))
    head, sep, tail = text.partition(": ")
    if head in labels:
        return labels[head], tail
    return "", text


def audit_queryset(
    *,
    week: Week | None = None,
    region: Region | None = None,
    user=None,
    include_weeks: bool | None = None,
    include_figures: bool = True,
    regions: list[Region] | None = None,
) -> QuerySet:
    """
    Value rows (dicts of COLUMNS), newest first: figure changes filtered by
    week, region and user, and the week state changes filtered by week and
    user. Week state changes belong to no region: by default they are left out
    when a region is asked for (``include_weeks`` decides otherwise). ``regions``
    limits the figure changes to those regions (an account's city); None: all.
    """
    if include_weeks is None:
        include_weeks = region is None
    order = ("-a_date", "-a_history_id")
    figures = _figure_rows(week=week, region=region, user=user)
    if regions is not None:
        figures = figures.filter(region_id__in=[r.pk for r in regions])
    if not include_weeks:
        return figures.order_by(*order)
    weeks = _week_rows(week=week, user=user)
    if not include_figures:
        return weeks.order_by(*order)
    return figures.union(weeks, all=True).order_by(*order)


def _version_before(history) -> QuerySet:
    """The same object's history row just before the outer one: the "old" of old → new."""
    return (
        history.objects.filter(id=OuterRef("id"))
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
    )


def _figure_rows(*, week, region, user) -> QuerySet:
    history = Snapshot.history.model
    rows = history.objects.all()
    if week is not None:
        rows = rows.filter(week_id=week.pk)
    if region is not None:
        rows = rows.filter(region_id=region.pk)
    if user is not None:
        rows = rows.filter(history_user_id=user.pk)
    before = _version_before(history)
    rows = rows.annotate(
        a_kind=Value(FIGURE, output_field=CharField()),
        a_history_id=F("history_id"),
        a_date=F("history_date"),
        a_user=F("history_user_id"),
        a_reason=F("history_change_reason"),
        a_type=F("history_type"),
        a_week=F("week_id"),
        a_region=F("region_id"),
        a_measure=F("measure_id"),
        a_households=F("households"),
        a_installed=F("installed"),
        a_old_households=Subquery(before.values("households")[:1], output_field=IntegerField()),
        a_old_installed=Subquery(before.values("installed")[:1], output_field=IntegerField()),
        a_state=Value(None, output_field=CharField()),
        a_old_state=Value(None, output_field=CharField()),
    )
    # The history models order by date; a part of a UNION may not be ordered.
    return rows.order_by().values(*COLUMNS)


def _week_rows(*, week, user) -> QuerySet:
    history = Week.history.model
    rows = history.objects.all()
    if week is not None:
        rows = rows.filter(id=week.pk)
    if user is not None:
        rows = rows.filter(history_user_id=user.pk)
    before = _version_before(history)
    rows = rows.annotate(
        a_kind=Value(WEEK, output_field=CharField()),
        a_history_id=F("history_id"),
        a_date=F("history_date"),
        a_user=F("history_user_id"),
        a_reason=F("history_change_reason"),
        a_type=F("history_type"),
        a_week=F("id"),
        a_region=Value(None, output_field=BigIntegerField()),
        a_measure=Value(None, output_field=BigIntegerField()),
        a_households=Value(None, output_field=IntegerField()),
        a_installed=Value(None, output_field=IntegerField()),
        a_old_households=Value(None, output_field=IntegerField()),
        a_old_installed=Value(None, output_field=IntegerField()),
        a_state=F("state"),
        a_old_state=Subquery(before.values("state")[:1], output_field=CharField()),
    )
    # The history models order by date; a part of a UNION may not be ordered.
    return rows.order_by().values(*COLUMNS)


def audit_entries(rows) -> list[AuditEntry]:
    """Turn a page of value rows into entries, loading their users, weeks, regions and measures at once."""
    rows = list(rows)
    users = get_user_model().objects.in_bulk({r["a_user"] for r in rows if r["a_user"]})
    weeks = Week.objects.in_bulk({r["a_week"] for r in rows if r["a_week"]})
    regions = Region.objects.in_bulk({r["a_region"] for r in rows if r["a_region"]})
    measures = Measure.objects.in_bulk({r["a_measure"] for r in rows if r["a_measure"]})
    states = dict(Week.State.choices)
    entries = []
    for row in rows:
        week = weeks.get(row["a_week"])
        if row["a_kind"] == WEEK:
            changes = [
                FieldChange(
                    "state",
                    str(FIELD_LABELS["state"]),
                    str(states[row["a_old_state"]]) if row["a_old_state"] else None,
                    str(states.get(row["a_state"], row["a_state"])),
                )
            ]
        else:
            changes = _figure_changes(row)
        entries.append(
            AuditEntry(
                kind=row["a_kind"],
                at=row["a_date"],
                user=users.get(row["a_user"]),
                action=row["a_type"],
                week_date=week.date if week else None,
                region=regions.get(row["a_region"]),
                measure=measures.get(row["a_measure"]),
                reason=row["a_reason"] or "",
                changes=changes,
            )
        )
    return entries


def _figure_changes(row: dict) -> list[FieldChange]:
    changes = []
    for name in ("households", "installed"):
        old = row[f"a_old_{name}"]
        new = None if row["a_type"] == "-" else row[f"a_{name}"]
        if row["a_type"] == "-":
            old = row[f"a_{name}"]
        if old != new:
            changes.append(FieldChange(name, str(FIELD_LABELS[name]), old, new))
    return changes


def audit_users(regions: list[Region] | None = None) -> list:
    """Everyone who appears in the trail (of ``regions``' figures and of the weeks), for the list's filter."""
    figures = Snapshot.history.model.objects.exclude(history_user=None)
    if regions is not None:
        figures = figures.filter(region_id__in=[r.pk for r in regions])
    ids = set(figures.values_list("history_user_id", flat=True).distinct())
    ids |= set(
        Week.history.model.objects.exclude(history_user=None)
        .values_list("history_user_id", flat=True)
        .distinct()
    )
    return list(get_user_model().objects.filter(pk__in=ids).order_by("username"))
