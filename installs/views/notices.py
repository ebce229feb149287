"""
The weekly notice (进度通报): its page and its downloads.

Every role may read published notices: the notice is what leadership and the
chat groups see anyway. Earlier notices of a week (before a correction) stay
listed and downloadable. Bureau staff may also preview what publishing the
week now would send (marked not published, nothing stored).
"""

from __future__ import annotations

import datetime
from functools import wraps
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from installs import areas
from installs.models import Notice
from installs.permissions import Role, any_role_required, role_required, user_role
from installs.services import notices as notice_services
from installs.views import week_or_404

CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png"}


def notice_scope(view):
    """
    The notice is one document of the deployment's table: in a deployment of
    several cities only accounts whose subtree is the whole deployment read it
    (per-city notices are not built yet); a 404 for the others.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not areas.sees_deployment(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


@any_role_required
@notice_scope
def week_notice(request: HttpRequest, date: datetime.date) -> HttpResponse:
    """The week's latest notice (summary, both downloads, text to copy) and its earlier ones."""
    week = week_or_404(date)
    # The documents are not read for the page: only the text and who and when.
    notices = list(Notice.objects.filter(week=week).defer("png", "pdf").order_by("-number"))
    return render(
        request,
        "installs/notice.html",
        {
            "week": week,
            "notice": notices[0] if notices else None,
            "earlier": notices[1:],
            "can_preview": user_role(request.user) == Role.BUREAU and not week.is_published,
        },
    )


@any_role_required
@notice_scope
def notice_download(
    request: HttpRequest, date: datetime.date, number: int, extension: str
) -> HttpResponse:
    """One notice's PDF or PNG, as it was published."""
    notice = Notice.objects.filter(week__date=date, number=number).select_related("week").first()
    if notice is None or extension not in CONTENT_TYPES:
        raise Http404
    data = bytes(notice.pdf if extension == "pdf" else notice.png)
    filename = notice_services.notice_filename(notice, extension)
    return _file_response(data, extension, filename, f"notice-{notice.number}_{date}.{extension}")


@role_required(Role.BUREAU)
@notice_scope
def notice_preview(request: HttpRequest, date: datetime.date, extension: str) -> HttpResponse:
    """What publishing the week now would send, marked not published; nothing is stored."""
    week = week_or_404(date)
    if extension not in CONTENT_TYPES:
        raise Http404
    files = notice_services.notice_preview(week)
    data = files.pdf if extension == "pdf" else files.png
    filename = notice_services.preview_filename(week.date, extension)
    return _file_response(data, extension, filename, f"notice-preview_{date}.{extension}")


def _file_response(data: bytes, extension: str, filename: str, ascii_filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=CONTENT_TYPES[extension])
    # Both names, as the workbook download does: some mail and chat clients drop filename*.
    disposition = "inline" if extension == "png" else "attachment"
    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    return response
