"""
催报 for bureau staff: the regions' liaisons (/contacts/), 一键催报 and the
deadline on the week's status panel, and the delivery log (催报记录, /outbox/).
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from installs import areas, deadlines, outbox
from installs.forms import OneLineTextField
from installs.models import OutboxMessage, Region, RegionContact, Week
from installs.permissions import Role, role_required
from installs.services import contacts as contact_services
from installs.services import reminders as reminder_services
from installs.services import weeks as week_services
from installs.views import city_page, deployment_required, week_or_404

OUTBOX_PAGE_SIZE = 50


class ContactForm(forms.ModelForm):
    name = OneLineTextField(label=gettext_lazy("Liaison name"), max_length=50)
    email = forms.EmailField(
        label=gettext_lazy("E-mail"),
        required=False,
        error_messages={"invalid": gettext_lazy("Enter an e-mail address like name@example.cn.")},
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    class Meta:
        model = RegionContact
        fields = ["region", "name", "mobile", "email", "wecom_userid"]
        widgets = {
            "mobile": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        }

    def __init__(self, *args, city, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # One city's regions: names repeat across cities, and no other city's is offered.
        self.fields["region"].queryset = Region.objects.filter(active=True, city=city).order_by(
            "order", "name"
        )


class DeadlineForm(forms.Form):
    deadline = forms.DateTimeField(
        label=gettext_lazy("Reporting deadline"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    reason = OneLineTextField(
        label=gettext_lazy("Reason"), required=False, max_length=week_services.REASON_MAX_LENGTH
    )


# The liaisons.


@role_required(Role.BUREAU)
@city_page
def contact_list(request: HttpRequest, city) -> HttpResponse:
    """Every active region of the city with its liaisons, and the form that adds one."""
    return _render_contacts(request, ContactForm(city=city), city)


def _render_contacts(request, form: ContactForm, city, status: int = 200) -> HttpResponse:
    regions = list(Region.objects.filter(active=True, city=city).order_by("order", "name"))
    by_region: dict[int, list[RegionContact]] = {}
    for contact in RegionContact.objects.filter(region__in=regions).order_by("name", "pk"):
        by_region.setdefault(contact.region_id, []).append(contact)
    rows = [{"region": region, "contacts": by_region.get(region.pk, [])} for region in regions]
    return render(request, "installs/contacts.html", {"form": form, "rows": rows}, status=status)


@role_required(Role.BUREAU)
@city_page
def contact_add(request: HttpRequest, city) -> HttpResponse:
    if request.method != "POST":
        return redirect("installs:contact_list")
    form = ContactForm(request.POST, city=city)
    if _save_contact(request, form, None):
        return redirect("installs:contact_list")
    return _render_contacts(request, form, city, status=400)


def _contact_or_404(request: HttpRequest, pk: int) -> RegionContact:
    """A liaison of a region under the account's area; any other is as if it did not exist."""
    contact = get_object_or_404(RegionContact.objects.select_related("region"), pk=pk)
    if not areas.writable_region(request.user, contact.region):
        raise Http404
    return contact


@role_required(Role.BUREAU)
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    form = ContactForm(request.POST or None, instance=contact, city=contact.region.city)
    if request.method == "POST" and _save_contact(request, form, contact):
        return redirect("installs:contact_list")
    return render(
        request,
        "installs/contact_edit.html",
        {"form": form, "contact": contact},
        status=400 if form.errors else 200,
    )


def _save_contact(request, form: ContactForm, contact: RegionContact | None) -> bool:
    if not form.is_valid():
        return False
    try:
        saved = contact_services.contact_save(
            contact=contact, actor=request.user, **form.cleaned_data
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        return False
    messages.success(
        request,
        _("Saved the liaison %(name)s of %(region)s.")
        % {"name": saved.name, "region": saved.region.name},
    )
    return True


@require_POST
@role_required(Role.BUREAU)
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact = _contact_or_404(request, pk)
    contact_services.contact_delete(contact=contact, actor=request.user)
    messages.success(
        request,
        _("Removed the liaison %(name)s of %(region)s.")
        % {"name": contact.name, "region": contact.region.name},
    )
    return redirect("installs:contact_list")


# 一键催报 and the deadline, from the week's status panel.


@require_POST
@role_required(Role.BUREAU)
def week_remind(request: HttpRequest, date: datetime.date) -> HttpResponse:
    week = week_or_404(date)
    try:
        # The status panel's city (the session's area); the service checks it is the actor's.
        batch = reminder_services.reminders_send_now(
            week=week, actor=request.user, city=areas.city_for(request)
        )
    except reminder_services.ReminderRefused as refused:
        messages.error(request, refused.message)
    else:
        if batch.messages:
            messages.success(
                request,
                _("Reminder queued for %(regions)s (%(count)d message(s)); see the reminder log.")
                % {
                    "regions": "、".join(r.name for r in batch.regions),
                    "count": len(batch.messages),
                },
            )
        else:
            messages.warning(
                request,
                _(
                    "Reminder recorded for %(regions)s, but no channel is set up: no WeCom "
                    "robot and no liaison e-mail. Copy the text below into the group instead."
                )
                % {"regions": "、".join(r.name for r in batch.regions)},
            )
    return redirect("installs:week_status", date=week.date)


@require_POST
@role_required(Role.BUREAU)
@deployment_required
def week_deadline(request: HttpRequest, date: datetime.date) -> HttpResponse:
    week = week_or_404(date)
    form = DeadlineForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}：{error}" if label else error)
        return redirect("installs:week_status", date=week.date)
    try:
        week = week_services.week_deadline_change(
            week=week,
            deadline=form.cleaned_data["deadline"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except week_services.WeekWorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("The reporting deadline of the week of %(date)s is now %(deadline)s.")
            % {
                "date": formats.date_format(week.date),
                "deadline": deadlines.deadline_text(week)["when"],
            },
        )
    return redirect("installs:week_status", date=week.date)


def deadline_form_for(week: Week) -> DeadlineForm:
    return DeadlineForm(
        initial={"deadline": timezone.localtime(deadlines.week_deadline(week)).replace(tzinfo=None)}
    )


# The delivery log (催报记录).


class OutboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All"))] + list(OutboxMessage.Status.choices),
    )


@role_required(Role.BUREAU)
def outbox_log(request: HttpRequest) -> HttpResponse:
    """
    Every message of the account's subtree (``outbox.log_for``), newest first, with its
    delivery and the last error (no webhook key).
    """
    form = OutboxFilterForm(request.GET or None)
    rows = outbox.log_for(request.user)
    if form.is_valid() and form.cleaned_data["status"]:
        rows = rows.filter(status=form.cleaned_data["status"])
    page = Paginator(rows, OUTBOX_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "installs/outbox.html", {"form": form, "page": page})
