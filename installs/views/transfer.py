"""
Bringing tables in and taking everything out: the import of an official
workbook (bureau staff: upload, preview, confirm) and the history downloads
(every role).

The upload is read in memory and never stored. What the preview showed is
kept in the session (the figures and the versions of the stored figures it
compared against), keyed by a random token in the confirmation form; the
confirmation saves exactly that through the figures service, which checks
everything again and refuses (FiguresConflict) when a figure changed since the
preview, instead of overwriting it.
"""

from __future__ import annotations

import secrets
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from installs import areas, history_export, layout, selectors, sheets, tables, xlsx_reader
from installs.forms import REASON_MAX_LENGTH, OneLineTextField
from installs.models import Area
from installs.permissions import Role, any_role_required, role_required
from installs.services.figures import FiguresConflict
from installs.services.imports import (
    ImportRefused,
    import_preview,
    payload_figures,
    table_import,
)
from installs.views import city_page

SESSION_KEY = "transfer_imports"
MAX_PENDING = 3  # previews kept per session (several tabs); the oldest is dropped


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )
    week = forms.DateField(
        label=gettext_lazy("Week (report date)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy(
            "Leave empty to take the date line above the table, e.g. (2022.11.28)."
        ),
    )

    reason = OneLineTextField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=gettext_lazy(
            "Needed when the week is locked or published: the change history keeps it "
            "beside the file's name."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    allow_other_weekday = forms.BooleanField(
        label=gettext_lazy(
            "If the import opens a new week: open it even if it is not the usual weekday"
        ),
        required=False,
    )

    def clean_file(self):
        # Name and size before a byte is read: an .xlsm or .xls is refused as
        # such, whatever it holds. (A body larger than REQUEST_MAX_BYTES never
        # gets here: RequestSizeLimitMiddleware refuses it unread.)
        upload = self.cleaned_data["file"]
        if not xlsx_reader.has_xlsx_name(upload.name):
            raise forms.ValidationError(xlsx_reader.not_xlsx_message())
        if upload.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(xlsx_reader.file_too_large_message())
        return upload


def _read_upload(upload) -> bytes:
    data = bytearray()
    for chunk in upload.chunks():
        data += chunk
        if len(data) > settings.UPLOAD_MAX_BYTES:
            break  # the reader refuses it by its size
    return bytes(data)


@role_required(Role.BUREAU)
@city_page
def import_upload(request: HttpRequest, city) -> HttpResponse:
    """
    The upload form; a POST reads the workbook and shows the preview (nothing
    saved yet). A file that cannot be read shows the form again (200, as any
    invalid form) with the reason under the file field. The table's names are
    read as the counties of the city in view (names repeat across cities).
    """
    if request.method != "POST":
        return render(request, "installs/import_upload.html", {"form": UploadForm()})
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "installs/import_upload.html", {"form": form})
    upload = form.cleaned_data["file"]
    file_name = upload.name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    try:
        parsed = xlsx_reader.read_week_table(
            _read_upload(upload),
            file_name=file_name,
            regions=areas.city_regions(city, active_only=False),
        )
    except xlsx_reader.UploadRejected as rejected:
        form.add_error("file", rejected.message)
        return render(request, "installs/import_upload.html", {"form": form})
    preview = import_preview(
        parsed=parsed,
        week=form.cleaned_data["week"],
        actor=request.user,
        reason=form.cleaned_data["reason"],
        allow_other_weekday=form.cleaned_data["allow_other_weekday"],
        city=city,
    )
    token = ""
    if preview.can_save:
        token = secrets.token_urlsafe(16)
        pending = request.session.get(SESSION_KEY, {})
        pending[token] = {**preview.payload(), "city": city.code}
        request.session[SESSION_KEY] = dict(list(pending.items())[-MAX_PENDING:])
    return render(request, "installs/import_preview.html", _preview_context(preview, token, city))


def _preview_context(preview, token: str, city) -> dict:
    file_regions = {c.region.pk for c in preview.changes}
    return {
        "preview": preview,
        "token": token,
        "title": layout.table_title(),
        "date_line": layout.date_line(preview.week_date) if preview.week_date else "",
        "table": tables.progress_table(preview.progress) if preview.progress else None,
        "note": layout.NOTE,
        "changed": [c for c in preview.changes if c.kind != "unchanged"],
        "untouched": [r for r in selectors.region_list(city) if r.pk not in file_regions],
        "counts": {kind: preview.count(kind) for kind in ("added", "changed", "unchanged")},
    }


@role_required(Role.BUREAU)
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Save what the preview showed; refused when any of it changed since."""
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    payload = pending.get(token)
    if payload is None:
        messages.error(
            request, _("This preview has expired or was saved already: upload the file again.")
        )
        return redirect("installs:import_upload")
    try:
        week_date, file_name, figures = payload_figures(payload)
        city = Area.objects.get(code=payload["city"], level=Area.Level.CITY)
    except (KeyError, TypeError, ValueError, Area.DoesNotExist):
        messages.error(
            request,
            _("This preview no longer fits the regions and measures: upload the file again."),
        )
        return redirect("installs:import_upload")
    try:
        result = table_import(
            week_date=week_date,
            figures=figures,
            actor=request.user,
            file_name=file_name,
            reason=str(payload.get("reason", "")),
            allow_other_weekday=payload.get("allow_other_weekday") is True,
            city=city,
        )
    except FiguresConflict as conflict:
        _forget(request, token)
        return render(
            request,
            "installs/import_conflict.html",
            {
                "week_date": week_date,
                "file_name": file_name,
                "current": _conflicts(conflict, figures),
            },
            status=409,
        )
    except ImportRefused as refused:
        _forget(request, token)
        return render(
            request,
            "installs/import_refused.html",
            {"week_date": week_date, "file_name": file_name, "errors": refused.errors},
            status=400,
        )
    _forget(request, token)
    messages.success(
        request,
        _("Imported %(file)s into the week of %(date)s: %(count)s figures changed.")
        % {"file": file_name, "date": formats.date_format(week_date), "count": len(result.saved)},
    )
    return redirect("installs:week_detail", date=result.week.date)


def _forget(request: HttpRequest, token: str) -> None:
    pending = request.session.get(SESSION_KEY, {})
    pending.pop(token, None)
    request.session[SESSION_KEY] = pending


def _conflicts(conflict: FiguresConflict, figures) -> list[dict]:
    wanted = {(f.region.pk, f.measure.pk): f for f in figures}
    rows = []
    for pair, snapshot in conflict.current.items():
        figure = wanted[pair]
        rows.append(
            {
                "region": figure.region,
                "measure": figure.measure,
                "file": (figure.households, figure.installed),
                "current": None if snapshot is None else (snapshot.households, snapshot.installed),
                "updated_by": getattr(snapshot, "updated_by", None),
                "updated_at": getattr(snapshot, "updated_at", None),
            }
        )
    return rows


def _download(content: bytes, *, content_type: str, filename: str, ascii_filename: str):
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    return response


def _history_name(extension: str) -> str:
    name = _("history")
    return f"{layout.table_title()}_{name}.{extension}"


@any_role_required
@city_page
def history_xlsx(request: HttpRequest, city) -> HttpResponse:
    """Every week of the city: the long sheet, then a sheet per week in the official layout."""
    return sheets.workbook_response(
        history_export.history_workbook(city),
        filename=_history_name("xlsx"),
        ascii_filename="gas-safety-progress_history.xlsx",
    )


@any_role_required
@city_page
def history_csv(request: HttpRequest, city) -> HttpResponse:
    """Every week's figures of the city in long form, CSV in UTF-8 with a BOM (for Excel)."""
    return _download(
        history_export.history_csv(city),
        content_type="text/csv; charset=utf-8",
        filename=_history_name("csv"),
        ascii_filename="gas-safety-progress_history.csv",
    )
