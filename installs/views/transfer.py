"""
Bringing tables in and taking everything out: the import of an official
workbook (bureau staff: upload, preview, confirm) and the history downloads
(every role): a city's at once (the CSV streamed), a province's or the
nation's built in the background (installs.services.history_exports) behind a
progress page.

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
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from installs import (
    areas,
    history_export,
    layout,
    level_tables,
    selectors,
    sheets,
    tables,
    xlsx_reader,
)
from installs.forms import REASON_MAX_LENGTH, OneLineTextField
from installs.models import Area, HistoryExport
from installs.permissions import Role, any_role_required, role_required
from installs.services import history_exports
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


def _attachment(response: HttpResponse, filename: str, ascii_filename: str) -> None:
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )


def _history_name(extension: str) -> str:
    name = _("history")
    return f"{layout.table_title()}_{name}.{extension}"


@any_role_required
def history_xlsx(request: HttpRequest) -> HttpResponse:
    """
    Every week of the city: the long sheet, then a sheet per week in the official
    layout. Above a city (a province, the nation) the file is built in the background.
    """
    if areas.must_choose_city(request):
        return _history_start(request, HistoryExport.Format.XLSX)
    return sheets.streamed_workbook_response(
        history_export.history_workbook(areas.city_for(request)),
        filename=_history_name("xlsx"),
        ascii_filename="gas-safety-progress_history.xlsx",
    )


@any_role_required
def history_csv(request: HttpRequest) -> HttpResponse:
    """
    Every week's figures of the city in long form, CSV in UTF-8 with a BOM (for
    Excel), streamed: the header leaves at once, the rows when computed. Above a
    city the file is built in the background.
    """
    if areas.must_choose_city(request):
        return _history_start(request, HistoryExport.Format.CSV)
    response = StreamingHttpResponse(
        history_export.history_csv_chunks(areas.city_for(request)),
        content_type="text/csv; charset=utf-8",
    )
    _attachment(response, _history_name("csv"), "gas-safety-progress_history.csv")
    return response


def _history_start(request: HttpRequest, format: str) -> HttpResponse:
    """
    A province's or the nation's history: GET shows what will be built and the
    jobs of the area still kept; POST asks for the file and opens its progress page.
    """
    area = areas.current_area(request)
    if request.method == "POST":
        job = history_exports.history_export_request(actor=request.user, area=area, format=format)
        return redirect("installs:history_job", job=job.pk)
    history_exports.history_exports_fail_stalled()  # the list shows them failed, not building
    jobs = [
        job
        for job in HistoryExport.objects.filter(area=area).select_related("area")[:20]
        if history_exports.history_export_visible(request.user, job)
    ]
    return render(
        request,
        "installs/history_start.html",
        {
            "area_name": level_tables.area_name(area),
            "format": format,
            "format_label": HistoryExport.Format(format).label,
            "other_format": "csv" if format == "xlsx" else "xlsx",
            "cities": len(areas.cities_in(area)),
            "jobs": jobs,
            "retention_days": settings.HISTORY_EXPORT_RETENTION_DAYS,
        },
    )


def _visible_job(request: HttpRequest, job) -> HistoryExport:
    """
    The job, or a 404 when it is gone or outside the account's subtree (the same
    answer). A job whose worker is gone is shown failed, so it is marked first.
    """
    history_exports.history_exports_fail_stalled()
    found = HistoryExport.objects.filter(pk=job).select_related("area").first()
    if found is None or not history_exports.history_export_visible(request.user, found):
        raise Http404("no such export")
    return found


def _job_status(job: HistoryExport) -> dict:
    return {
        "state": job.state,
        "state_label": str(job.get_state_display()),
        "done": job.done,
        "total": job.total,
        "finished": job.finished,
        "progress_text": _("%(done)s of %(total)s cities built")
        % {"done": job.done, "total": job.total},
        "error": job.error,
        "download_url": (
            reverse("installs:history_job_download", kwargs={"job": job.pk})
            if job.state == HistoryExport.State.DONE
            else ""
        ),
    }


@any_role_required
def history_job(request: HttpRequest, job) -> HttpResponse:
    """A background history file: its progress bar (polled by static JS), then its link."""
    found = _visible_job(request, job)
    return render(
        request,
        "installs/history_job.html",
        {
            "job": found,
            "status": _job_status(found),
            "area_name": level_tables.area_name(found.area),
            "retention_days": settings.HISTORY_EXPORT_RETENTION_DAYS,
        },
    )


@any_role_required
def history_job_status(request: HttpRequest, job) -> JsonResponse:
    """The job's progress as JSON, for the page's poll."""
    return JsonResponse(_job_status(_visible_job(request, job)))


@any_role_required
def history_job_download(request: HttpRequest, job) -> HttpResponse:
    """The built file, streamed from HISTORY_EXPORT_DIR."""
    found = _visible_job(request, job)
    path = history_exports.history_export_path(found)
    if found.state != HistoryExport.State.DONE or not path.exists():
        raise Http404("not built")
    title = level_tables.level_title(found.area)
    stamp = timezone.localtime(found.created_at).strftime("%Y-%m-%d")
    content_type = (
        "text/csv; charset=utf-8"
        if found.format == HistoryExport.Format.CSV
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = FileResponse(path.open("rb"), content_type=content_type)
    _attachment(
        response,
        f"{title}_{_('history')}_{stamp}.{found.format}",
        f"gas-safety-progress_history_{stamp}.{found.format}",
    )
    return response
