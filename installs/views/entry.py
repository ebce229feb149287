"""
The weekly entry form: a district reports its region's week; bureau staff
enter or correct any region. Load, check, render; every write goes through
installs.services.figures.figures_save.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats
from django.utils.translation import gettext as _

from installs import reporting, rules, selectors, validation
from installs.forms import EntryForm, EntryRow
from installs.models import Region, Snapshot, Week
from installs.permissions import Role, get_region_for_edit_or_403, role_required, user_role
from installs.services.figures import (
    FigureProblem,
    FiguresConflict,
    FiguresRejected,
    ReasonRefused,
    WeekNotOpen,
    figures_save,
)
from installs.views import city_page, week_or_404


@dataclass
class EntryCard:
    """One measure on the page: its inputs, last week, and what the typed numbers give."""

    row: EntryRow
    previous: validation.Earlier | None
    snapshot: Snapshot | None  # this week's, as stored
    households: int | None  # the numbers shown in the inputs, where they are numbers
    installed: int | None
    warnings: dict[str, list[str]] = field(default_factory=dict)
    conflict: Snapshot | None = None

    @property
    def figure_warnings(self) -> list[str]:
        return self.warnings.get("", [])

    @property
    def new(self) -> int | None:
        if self.installed is None or self.previous is None:
            return None
        return rules.new_installs(self.installed, self.previous.installed)

    @property
    def rate(self) -> str:
        if self.installed is None or self.households is None:
            return ""
        return rules.rate_text(self.installed, self.households)

    @property
    def previous_rate(self) -> str:
        if self.previous is None:
            return ""
        return rules.rate_text(self.previous.installed, self.previous.households)


def _who(user) -> str:
    """A user as people are named on the page; "—" where nobody is recorded (e.g. the seed)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username


@role_required(Role.DISTRICT, Role.BUREAU)
def entry_current(request: HttpRequest) -> HttpResponse:
    """The nav's "this week's entry": the newest open week, else the newest week."""
    week = selectors.latest_open_week() or selectors.latest_week()
    if week is None:
        messages.info(request, _("No week has been opened for entry yet."))
        return redirect("installs:home")
    return redirect("installs:entry", date=week.date)


@role_required(Role.DISTRICT, Role.BUREAU)
@city_page
def entry_start(request: HttpRequest, date: datetime.date, city) -> HttpResponse:
    """District staff go to their own region's form; bureau staff choose a region of the city."""
    week = week_or_404(date)
    if user_role(request.user) == Role.DISTRICT:
        return redirect(
            "installs:entry_region", date=week.date, slug=request.user.profile.region.slug
        )
    reports = reporting.week_reporting(week, city).regions
    return render(request, "installs/entry_choose.html", {"week": week, "reports": reports})


@role_required(Role.DISTRICT, Role.BUREAU)
def entry_region(request: HttpRequest, date: datetime.date, slug: str) -> HttpResponse:
    week = week_or_404(date)
    region = get_object_or_404(Region, slug=slug)
    get_region_for_edit_or_403(request.user, region)
    measures = selectors.active_measures()
    read_only = user_role(request.user) == Role.DISTRICT and week.state != Week.State.OPEN
    stored = selectors.region_week_snapshots(week, region)
    previous = {
        measure_id: earlier
        for (_region_id, measure_id), earlier in selectors.earlier_figures(
            week=week, pairs=[(region.pk, m.pk) for m in measures]
        ).items()
    }

    if request.method != "POST":
        form = EntryForm(initial=_initial(measures, stored, previous), measures=measures)
        return _render(request, week, region, form, stored, previous, read_only=read_only)

    form = EntryForm(request.POST, measures=measures)
    if read_only:
        # The week was locked while the form was open: show what was typed, save nothing.
        messages.error(
            request, _("This week is no longer open for entry; the figures were not saved")
        )
        return _render(request, week, region, form, stored, previous, read_only=True, status=403)
    if not form.is_valid():
        return _render(request, week, region, form, stored, previous)
    try:
        saved = figures_save(
            week=week,
            figures=form.figures(region),
            actor=request.user,
            reason=form.cleaned_data["reason"],
            source="form",
            confirmed=form.cleaned_data["confirmed"],
        )
    except WeekNotOpen:
        messages.error(
            request, _("This week is no longer open for entry; the figures were not saved")
        )
        return _render(request, week, region, form, stored, previous, read_only=True, status=403)
    except ReasonRefused as refused:
        form.add_error("reason", refused.message)
        return _render(request, week, region, form, stored, previous)
    except FiguresRejected as rejected:
        warnings = _place_problems(form, rejected.problems)
        return _render(request, week, region, form, stored, previous, warnings=warnings)
    except FiguresConflict as conflict:
        return _render_conflict(request, week, region, form, measures, previous, conflict)
    if not saved:
        messages.info(request, _("Nothing changed: the figures were already saved."))
    if user_role(request.user) == Role.DISTRICT:
        # A district lands on what it reported, not on the 16-column table.
        return redirect("installs:entry_saved", date=week.date, slug=region.slug)
    if saved:
        messages.success(
            request,
            _("Saved %(count)d figure(s) of %(region)s for the week of %(date)s.")
            % {"count": len(saved), "region": region.name, "date": formats.date_format(week.date)},
        )
    return redirect("installs:week_detail", date=week.date)


@role_required(Role.DISTRICT, Role.BUREAU)
def entry_saved(request: HttpRequest, date: datetime.date, slug: str) -> HttpResponse:
    """After saving: the region's figures of the week as stored, with rate and rank (已填报 ✓)."""
    week = week_or_404(date)
    region = get_object_or_404(Region, slug=slug)
    get_region_for_edit_or_403(request.user, region)
    progress = selectors.week_progress(week, region.city)
    rows = []
    for measure in progress.measures:
        record = progress.records.get((region.pk, measure.pk))
        rate = (
            None if record is None else rules.rate_text(record["installed"], record["households"])
        )
        # Ranked among the regions that have reported this measure so far.
        ranked = sum(
            1
            for (_region, measure_id), other in progress.records.items()
            if measure_id == measure.pk and other["rank"] is not None
        )
        rows.append({"measure": measure, "record": record, "rate": rate, "ranked": ranked})
    if not any(row["record"] for row in rows):
        return redirect("installs:entry_region", date=week.date, slug=region.slug)
    return render(
        request,
        "installs/entry_saved.html",
        {
            "week": week,
            "region": region,
            "rows": rows,
            "complete": all(row["record"] for row in rows),
            "everyone_reported": progress.reported_count == progress.region_count,
        },
    )


def _initial(measures, stored, previous) -> dict:
    """This week's stored figures, or else the region's latest earlier ones: only changes need typing."""
    initial: dict = {}
    for measure in measures:
        source = stored.get(measure.pk) or previous.get(measure.pk)
        if source is not None:
            initial[EntryForm.field_name(measure, "households")] = source.households
            initial[EntryForm.field_name(measure, "installed")] = source.installed
        if measure.pk in stored:
            initial[EntryForm.field_name(measure, "version")] = stored[measure.pk].version
    return initial


def _place_problems(
    form: EntryForm, problems: list[FigureProblem]
) -> dict[tuple[int, str], list[str]]:
    """Errors go onto their fields; warnings are returned, keyed by (measure id, field), to show beside them."""
    warnings: dict[tuple[int, str], list[str]] = {}
    for problem in problems:
        name = EntryForm.field_name(problem.measure, problem.field) if problem.field else None
        if problem.blocking:
            form.add_error(name, problem.message)
        else:
            warnings.setdefault((problem.measure.pk, problem.field), []).append(problem.message)
    return warnings


def _render_conflict(request, week, region, form, measures, previous, conflict: FiguresConflict):
    """Show the newer figures; keep what the user typed, now based on the newer versions."""
    data = request.POST.copy()
    for (_region_id, measure_id), snapshot in conflict.current.items():
        measure = next(m for m in measures if m.pk == measure_id)
        data[EntryForm.field_name(measure, "version")] = (
            "" if snapshot is None else str(snapshot.version)
        )
    form = EntryForm(data, measures=measures)
    form.is_valid()  # the same input as before, which was valid
    stored = selectors.region_week_snapshots(week, region)
    conflicts = {measure_id: stored.get(measure_id) for (_r, measure_id) in conflict.current}
    messages.warning(
        request,
        _(
            "Someone else saved figures of this region since you opened the form. "
            "Their figures are shown below; your input is kept. Check and save again."
        ),
    )
    return _render(request, week, region, form, stored, previous, conflicts=conflicts, status=409)


def _shown_count(form: EntryForm, name: str) -> int | None:
    """The number in an input: the typed text where it parses, else the initial value."""
    value = form[name].value()
    try:
        return validation.parse_count(value)
    except validation.CountError:
        return None


def _render(
    request,
    week: Week,
    region: Region,
    form: EntryForm,
    stored: dict[int, Snapshot],
    previous: dict[int, validation.Earlier],
    *,
    read_only: bool = False,
    warnings: dict | None = None,
    conflicts: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    warnings = warnings or {}
    conflicts = conflicts or {}
    cards = []
    for row in form.rows():
        measure = row.measure
        cards.append(
            EntryCard(
                row=row,
                previous=previous.get(measure.pk),
                snapshot=stored.get(measure.pk),
                households=_shown_count(form, EntryForm.field_name(measure, "households")),
                installed=_shown_count(form, EntryForm.field_name(measure, "installed")),
                warnings={
                    name: warnings.get((measure.pk, name), [])
                    for name in ("households", "installed", "")
                },
                conflict=conflicts.get(measure.pk),
            )
        )
    if read_only:
        for bound in form:
            bound.field.disabled = True
    last_saved = max((s for s in stored.values()), key=lambda s: s.updated_at, default=None)
    return render(
        request,
        "installs/entry.html",
        {
            "week": week,
            "region": region,
            "form": form,
            "cards": cards,
            "read_only": read_only,
            "has_warnings": any(warnings.values()),
            "conflicts": [
                {"snapshot": s, "who": _who(s.updated_by)}
                for s in conflicts.values()
                if s is not None
            ],
            "last_saved": last_saved,
            "last_saved_by": _who(last_saved.updated_by) if last_saved else "",
            "is_bureau": user_role(request.user) == Role.BUREAU,
            # A bureau correction of a locked or published week needs a reason (figures_save).
            "reason_needed": not read_only and week.state != Week.State.OPEN,
        },
        status=status,
    )
