"""
The week's workflow for bureau staff: open a week, watch who reported (填报情况),
lock and publish it; the bulk grid; and the audit trail pages.

Who may see what:
- week management, state changes and the grid: bureau staff only;
- the 填报情况 panel: bureau staff, and leadership read-only (no buttons);
- the audit trail: bureau staff and leadership everything (read-only roles may
  read who changed what); district staff only their own region's figures.
"""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from installs import (
    areas,
    audit,
    deadline_rules,
    deadlines,
    free_text,
    grid,
    layout,
    reporting,
    selectors,
    tables,
)
from installs.forms import OneLineTextField
from installs.models import Region, Week
from installs.permissions import Role, any_role_required, role_required, user_role
from installs.services import weeks as week_services
from installs.services.figures import (
    FiguresConflict,
    FiguresRejected,
    ReasonRefused,
    figures_save,
)
from installs.views import city_chooser, city_page, deployment_required, week_or_404
from installs.views import reminders as reminder_views

AUDIT_PAGE_SIZE = 50

# history_change_reason holds 100 characters, and the source label ("批量填报: ") comes first.
GRID_REASON_MAX_LENGTH = 80


class WeekOpenForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Report date"),
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    allow_other_weekday = forms.BooleanField(
        label=gettext_lazy("Open it even if it is not the usual weekday (e.g. a holiday shift)"),
        required=False,
    )
    # Empty: the default (settings.DEADLINE_DEFAULT, e.g. the report date at 12:00).
    deadline = forms.DateTimeField(
        label=gettext_lazy("Reporting deadline"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("Leave empty for the default deadline."),
    )


class ReasonForm(forms.Form):
    reason = OneLineTextField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=week_services.REASON_MAX_LENGTH,
    )


class AuditFilterForm(forms.Form):
    week = forms.ModelChoiceField(
        label=gettext_lazy("Week"),
        queryset=Week.objects.order_by("-date"),
        to_field_name="date",
        required=False,
        empty_label=gettext_lazy("All weeks"),
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("Region"),
        queryset=Region.objects.order_by("order", "name"),
        to_field_name="slug",
        required=False,
        empty_label=gettext_lazy("All regions"),
    )
    user = forms.ChoiceField(label=gettext_lazy("Changed by"), required=False)

    def __init__(self, *args, regions: list[Region], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # One city's regions, and the people who changed them or the weeks.
        self.fields["region"].queryset = Region.objects.filter(
            pk__in=[r.pk for r in regions]
        ).order_by("order", "name")
        self.users = {u.username: u for u in audit.audit_users(regions)}
        self.fields["user"].choices = [("", _("Everybody"))] + [
            (name, user.get_full_name() or name) for name, user in self.users.items()
        ]
        self.fields["week"].label_from_instance = lambda week: week.date.isoformat()


# Week management.


@role_required(Role.BUREAU)
@city_page
def week_manage(request: HttpRequest, city) -> HttpResponse:
    """Every week with its state and the city's reporting count, and the form that opens the next one."""
    latest = selectors.latest_week()
    form = WeekOpenForm(initial={"date": week_services.next_week_date(latest)})
    return _render_manage(request, form, city)


def _render_manage(
    request: HttpRequest, form: WeekOpenForm, city, status: int = 200
) -> HttpResponse:
    weeks = selectors.week_list()
    reported = selectors.reported_counts(weeks, city)
    region_count = selectors.active_region_count(city)
    rows = [
        {
            "week": week,
            "reported": reported[week.pk],
            "deadline": deadlines.week_deadline(week),
        }
        for week in weeks
    ]
    return render(
        request,
        "installs/week_manage.html",
        {
            "form": form,
            "rows": rows,
            "region_count": region_count,
            "deadline_default": deadline_rules.default_text(settings.DEADLINE_DEFAULT),
            "can_move_week": areas.covers_deployment(request.user),
        },
        status=status,
    )


@require_POST
@role_required(Role.BUREAU)
@deployment_required
def week_open(request: HttpRequest) -> HttpResponse:
    form = WeekOpenForm(request.POST)
    if form.is_valid():
        try:
            week = week_services.week_open(
                date=form.cleaned_data["date"],
                actor=request.user,
                allow_other_weekday=form.cleaned_data["allow_other_weekday"],
                deadline=form.cleaned_data["deadline"],
            )
        except week_services.WeekWorkflowError as error:
            form.add_error(
                "deadline" if error.code.startswith("deadline") else "date", error.message
            )
        else:
            messages.success(
                request,
                _("The week of %(date)s is open: districts can report now.")
                % {"date": formats.date_format(week.date)},
            )
            return redirect("installs:week_status", date=week.date)
    # Bureau staff of the whole deployment: its counts when no city is chosen.
    return _render_manage(request, form, areas.city_for(request))


@role_required(Role.BUREAU, Role.LEADER)
def status_latest(request: HttpRequest) -> HttpResponse:
    """The menu's 填报情况: the newest week, the one being reported."""
    week = selectors.latest_week()
    if week is None:
        return redirect("installs:home")  # it explains that there are no weeks yet
    return redirect("installs:week_status", date=week.date)


@role_required(Role.BUREAU, Role.LEADER)
@city_page
def week_status(request: HttpRequest, date: datetime.date, city) -> HttpResponse:
    """The 填报情况 panel of one week and city, with its state and (for bureau staff) the next steps."""
    week = week_or_404(date)
    state_changes = audit.audit_entries(audit.audit_queryset(week=week, include_figures=False))
    return render(
        request,
        "installs/week_status.html",
        {
            "week": week,
            "reporting": reporting.week_reporting(week, city),
            "state_changes": state_changes,
            "can_manage": user_role(request.user) == Role.BUREAU,
            # The week's state and deadline: bureau staff who cover the deployment.
            "can_move_week": areas.covers_deployment(request.user),
            "steps": _steps_for(week),
            # The 填报截止时间, who reported on time, 催报 (installs.views.reminders).
            "deadline_panel": deadlines.week_deadline_panel(week, city=city),
            "deadline_form": reminder_views.deadline_form_for(week),
        },
    )


def _steps_for(week: Week) -> list[dict]:
    """The buttons the status page offers in the week's state; stepping back needs a reason."""
    state = Week.State
    steps = {
        state.OPEN: [("installs:week_lock", _("Lock the week…"), False, "primary")],
        state.LOCKED: [
            ("installs:week_publish", _("Publish the week…"), False, "primary"),
            ("installs:week_unlock", _("Unlock for districts"), True, ""),
        ],
        state.PUBLISHED: [("installs:week_unpublish", _("Withdraw publication"), True, "")],
    }[week.state]
    # Lock and publish open their confirmation page first (a link); stepping back is a form.
    confirmed_first = {"installs:week_lock", "installs:week_publish"}
    return [
        {
            "url": url,
            "label": label,
            "reason_required": needs,
            "style": style,
            "confirm": url in confirmed_first,
        }
        for url, label, needs, style in steps
    ]


def _step(
    request: HttpRequest, date: datetime.date, service, done: str, *, refused_to: str = ""
) -> HttpResponse:
    week = week_or_404(date)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        # Never the raw POST value: a NUL in it would reach the database (a 500 on PostgreSQL).
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, _("Reason: %(error)s") % {"error": error})
        return redirect("installs:week_status", date=week.date)
    reason = form.cleaned_data["reason"]
    try:
        week = service(week=week, actor=request.user, reason=reason)
    except week_services.WeekWorkflowError as error:
        messages.error(request, error.message)
        if refused_to and error.code != "wrong_state":
            # Back to the confirmation, which shows what is missing and asks the reason.
            return redirect(refused_to, date=week.date)
    else:
        messages.success(request, done % {"date": formats.date_format(week.date)})
    return redirect("installs:week_status", date=week.date)


@require_http_methods(["GET", "POST"])
@role_required(Role.BUREAU)
@deployment_required
def week_lock(request: HttpRequest, date: datetime.date) -> HttpResponse:
    """GET: what locking fixes (who is missing, what will be carried); POST: lock."""
    if request.method == "GET":
        return _confirm(request, date, "lock")
    return _step(
        request,
        date,
        week_services.week_lock,
        _("The week of %(date)s is locked: districts can no longer change it."),
        refused_to="installs:week_lock",
    )


@require_http_methods(["GET", "POST"])
@role_required(Role.BUREAU)
@deployment_required
def week_publish(request: HttpRequest, date: datetime.date) -> HttpResponse:
    """GET: what leadership will see, and what is carried; POST: publish (the service asks the reason)."""
    if request.method == "GET":
        return _confirm(request, date, "publish")
    return _step(
        request,
        date,
        week_services.week_publish,
        _("The week of %(date)s is published: leadership see it now."),
        refused_to="installs:week_publish",
    )


def _confirm(request: HttpRequest, date: datetime.date, step: str) -> HttpResponse:
    """
    The confirmation before lock and publish: the regions not (fully) reported,
    every figure that will be carried (区县, 填报项, 沿用M月D日数据), and the
    table as leadership will see it (the same computed week as the ranking page).
    """
    week = week_or_404(date)
    if areas.must_choose_city(request):
        return city_chooser(request)
    city = areas.city_for(request)
    needed = Week.State.OPEN if step == "lock" else Week.State.LOCKED
    if week.state != needed:
        messages.info(
            request,
            _("The week of %(date)s is %(state)s now.")
            % {"date": formats.date_format(week.date), "state": week.get_state_display()},
        )
        return redirect("installs:week_status", date=week.date)
    progress = selectors.computed_week(week, city)
    incomplete = [r for r in reporting.week_reporting(week, city).regions if not r.reported]
    return render(
        request,
        "installs/week_confirm.html",
        {
            "week": week,
            "step": step,
            "action": reverse(f"installs:week_{step}", kwargs={"date": week.date}),
            "missing": [r for r in incomplete if r.filled == 0],
            "partial": [r for r in incomplete if r.filled > 0],
            "carried": [
                {"region": c.region, "measure": c.measure, "label": layout.carried_text(c.date)}
                for c in progress.carried()
            ],
            "reported_count": progress.reported_count,
            "region_count": progress.region_count,
            # Publishing with regions missing needs a reason (week_services.week_publish).
            "reason_required": step == "publish" and bool(incomplete),
            "table": tables.progress_table(progress),
            "title": layout.table_title(),
            "date_line": layout.date_line(week.date),
            "note": layout.NOTE,
            "carried_notes": layout.carried_notes(progress),
        },
    )


@require_POST
@role_required(Role.BUREAU)
@deployment_required
def week_unlock(request: HttpRequest, date: datetime.date) -> HttpResponse:
    return _step(
        request,
        date,
        week_services.week_unlock,
        _("The week of %(date)s is open again for districts."),
    )


@require_POST
@role_required(Role.BUREAU)
@deployment_required
def week_unpublish(request: HttpRequest, date: datetime.date) -> HttpResponse:
    return _step(
        request,
        date,
        week_services.week_unpublish,
        _("The publication of the week of %(date)s is withdrawn; the week is locked."),
    )


# The bulk grid.


@role_required(Role.BUREAU)
@city_page
def week_grid(request: HttpRequest, date: datetime.date, city) -> HttpResponse:
    """
    Every active region of the city × measure of the week, typed or pasted;
    saved all or nothing through figures_save, like the entry form.
    """
    week = week_or_404(date)
    rows = grid.grid_rows(week, city)
    if request.method != "POST":
        return _render_grid(request, week, rows)

    grid.read_submission(rows, request.POST)
    raw_reason = request.POST.get("reason", "")
    form = {
        "reason": " ".join(raw_reason.split()),
        "confirmed": request.POST.get("confirmed") == "on",
        "paste": request.POST.get("paste", ""),
    }
    # Checked on what was typed, before the spaces are tidied (a tab or line break is a slip too).
    reason_error = free_text.text_error(raw_reason)
    if reason_error:
        form["reason"] = ""  # never echo a control character back into the page
        form["reason_error"] = reason_error
        return _render_grid(request, week, rows, form)
    if len(form["reason"]) > GRID_REASON_MAX_LENGTH:
        form["reason_error"] = _("The reason is too long: at most %(max)d characters.") % {
            "max": GRID_REASON_MAX_LENGTH
        }
        return _render_grid(request, week, rows, form)
    paste_error = free_text.text_error(form["paste"], multiline=True)
    if paste_error:
        form["paste"] = ""
        form["paste_errors"] = [grid.PasteError(0, paste_error)]
        return _render_grid(request, week, rows, form)
    if form["paste"].strip():
        # Without JavaScript (or when "fill in" was not pressed) the server reads the paste.
        measure_count = len(rows[0].cells) if rows else 0
        pasted = grid.parse_paste(
            form["paste"], regions=[row.region for row in rows], measure_count=measure_count
        )
        if pasted.errors:
            form["paste_errors"] = pasted.errors
            return _render_grid(request, week, rows, form)
        grid.apply_paste(rows, pasted)
        form["paste"] = ""  # now in the inputs: a second submission must not paste again
    figures = grid.figure_inputs(rows)
    if any(row.errors for row in rows):
        return _render_grid(request, week, rows, form)
    if not figures:
        messages.info(request, _("Nothing to save: no region was typed, pasted or ticked."))
        return _render_grid(request, week, rows, form)
    try:
        saved = figures_save(
            week=week,
            figures=figures,
            actor=request.user,
            reason=form["reason"],
            source="grid",
            confirmed=form["confirmed"],
        )
    except ReasonRefused as refused:
        form["reason_error"] = refused.message
        return _render_grid(request, week, rows, form)
    except FiguresRejected as rejected:
        _place_grid_problems(rows, rejected.problems)
        return _render_grid(request, week, rows, form)
    except FiguresConflict as conflict:
        _place_grid_conflicts(rows, conflict)
        messages.warning(
            request,
            _(
                "Someone else saved some of these figures since you opened the grid. Their "
                "figures are shown beside your input, which is kept. Check and save again."
            ),
        )
        return _render_grid(request, week, rows, form, status=409)
    if saved:
        regions = {snapshot.region_id for snapshot in saved}
        messages.success(
            request,
            _("Saved %(count)d figure(s) of %(regions)d region(s) for the week of %(date)s.")
            % {
                "count": len(saved),
                "regions": len(regions),
                "date": formats.date_format(week.date),
            },
        )
    else:
        messages.info(request, _("Nothing changed: the figures were already saved."))
    return redirect("installs:week_grid", date=week.date)


def _place_grid_problems(rows: list[grid.GridRow], problems) -> None:
    cells = {(row.region.pk, c.measure.pk): (row, c) for row in rows for c in row.cells}
    for problem in problems:
        row, cell = cells[(problem.region.pk, problem.measure.pk)]
        if problem.blocking:
            cell.errors.setdefault(problem.field, []).append(problem.message)
            row.errors.append(problem.message)
        else:
            cell.warnings.setdefault(problem.field, []).append(problem.message)


def _place_grid_conflicts(rows: list[grid.GridRow], conflict: FiguresConflict) -> None:
    """Show the newer figures beside the typed ones; the next save is based on them."""
    cells = {(row.region.pk, c.measure.pk): c for row in rows for c in row.cells}
    for pair, snapshot in conflict.current.items():
        cell = cells[pair]
        cell.conflict = True
        cell.newer = snapshot
        cell.version = None if snapshot is None else snapshot.version


def _render_grid(
    request: HttpRequest,
    week: Week,
    rows: list[grid.GridRow],
    form: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    form = form or {"reason": "", "confirmed": False, "paste": ""}
    measures = [cell.measure for cell in rows[0].cells] if rows else []
    errors = [(row.region, message) for row in rows for message in row.errors]
    warnings = [
        (row.region, message)
        for row in rows
        for cell in row.cells
        for messages in cell.warnings.values()
        for message in messages
    ]
    return render(
        request,
        "installs/grid.html",
        {
            "week": week,
            "rows": rows,
            "measures": measures,
            "form": form,
            "errors": errors,
            "warnings": warnings,
            "reason_max_length": GRID_REASON_MAX_LENGTH,
            "paste_config": {
                "regions": [
                    {"slug": row.region.slug, "keys": grid.region_keys(row.region)} for row in rows
                ],
                "measures": [m.slug for m in measures],
                "pairWidth": grid.PAIR_WIDTH,
                "officialWidth": grid.OFFICIAL_WIDTH,
                "totals": sorted(grid.TOTAL_NAMES),
                "messages": grid.paste_messages(),
            },
        },
        status=status,
    )


# The audit trail.


@any_role_required
def audit_region_week(request: HttpRequest, date: datetime.date, slug: str) -> HttpResponse:
    """Every change of every figure of one region in one week, with the week's state changes."""
    week = week_or_404(date)
    region = get_object_or_404(Region, slug=slug)
    if user_role(request.user) == Role.DISTRICT and request.user.profile.region_id != region.pk:
        raise PermissionDenied
    if not areas.readable_region(request.user, region):
        raise Http404
    entries = audit.audit_entries(
        audit.audit_queryset(week=week, region=region, include_weeks=True)
    )
    return render(
        request,
        "installs/audit_region_week.html",
        {"week": week, "region": region, "entries": entries},
    )


@any_role_required
@city_page
def audit_list(request: HttpRequest, city) -> HttpResponse:
    """
    The trail of the city's regions and of the weeks, newest first; district
    staff see only their own region's figures.
    """
    regions = list(Region.objects.filter(city=city).order_by("order", "name"))
    form = AuditFilterForm(request.GET or None, regions=regions)
    chosen = form.cleaned_data if form.is_valid() else {}
    region = chosen.get("region")
    own_region = None
    if user_role(request.user) == Role.DISTRICT:
        own_region = region = request.user.profile.region
    rows = audit.audit_queryset(
        week=chosen.get("week"),
        region=region,
        user=form.users.get(chosen.get("user") or ""),
        regions=regions,
    )
    page = Paginator(rows, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "installs/audit_list.html",
        {
            "form": form,
            "page": page,
            "entries": audit.audit_entries(page.object_list),
            "own_region": own_region,
        },
    )
