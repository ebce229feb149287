"""
The weekly notice (进度通报): its page and its downloads.

The notices shown are those of the current area (``areas.current_area``, kept in
the session like every page's area): the notices of the table that area opens on
(``notices.notice_area_for``). A city's accounts read their city's notices, a
province's or the nation's the level notice; ``?area=`` outside the account's
subtree is a 404, as on every page, and a download is looked up within the
current area's notices, so no number reaches another area's. Every role may read
them: the notice is what leadership and the chat groups see anyway. Earlier
notices of a week (before a correction) stay listed and downloadable. Bureau
staff may also preview what publishing the week now would make for the area
(marked not published, nothing stored).
"""

from __future__ import annotations

import datetime
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from installs import areas
from installs.models import Area, Notice
from installs.permissions import Role, any_role_required, role_required, user_role
from installs.services import notices as notice_services
from installs.views import week_or_404

CONTENT_TYPES = {"pdf": "application/pdf", "png": "image/png"}


def notice_area(request: HttpRequest) -> Area | None:
    """Whose notices the request reads: the table its current area opens on."""
    return notice_services.notice_area_for(areas.current_area(request))


@any_role_required
def week_notice(request: HttpRequest, date: datetime.date) -> HttpResponse:
    """The area's latest notice of the week (summary, both downloads, text to copy) and its earlier ones."""
    week = week_or_404(date)
    area = notice_area(request)
    # The documents are not read for the page: only the text and who and when.
    notices = list(
        Notice.objects.filter(week=week, area=area).defer("png", "pdf").order_by("-number")
    )
    return render(
        request,
        "installs/notice.html",
        {
            "week": week,
            "notice": notices[0] if notices else None,
            "earlier": notices[1:],
            # Several cities: whose notice it is (焦作市, 河南省, 全国).
            "area_name": (notice_services.area_name(area) if areas.has_many_cities() else ""),
            # Made by the background task after the publication (a deployment of many cities).
            "pending": week.is_published
            and not notices
            and Notice.objects.filter(week=week).exists(),
            "can_preview": user_role(request.user) == Role.BUREAU and not week.is_published,
        },
    )


@any_role_required
def notice_download(
    request: HttpRequest, date: datetime.date, number: int, extension: str
) -> HttpResponse:
    """One of the area's notices, its PDF or PNG, as it was published."""
    area = notice_area(request)
    notice = (
        Notice.objects.filter(week__date=date, area=area, number=number)
        .select_related("week", "area")
        .first()
    )
    if notice is None or extension not in CONTENT_TYPES:
        raise Http404
    data = bytes(notice.pdf if extension == "pdf" else notice.png)
    filename = notice_services.notice_filename(notice, extension)
    code = f"{notice.area.code}-" if notice.area is not None and areas.has_many_cities() else ""
    return _file_response(
        data, extension, filename, f"notice-{code}{notice.number}_{date}.{extension}"
    )


@role_required(Role.BUREAU)
def notice_preview(request: HttpRequest, date: datetime.date, extension: str) -> HttpResponse:
    """What publishing the week now would make for the area, marked not published; nothing stored."""
    week = week_or_404(date)
    if extension not in CONTENT_TYPES:
        raise Http404
    area = notice_area(request)
    files = notice_services.notice_preview(week, area)
    data = files.pdf if extension == "pdf" else files.png
    filename = notice_services.preview_filename(week.date, extension, area)
    return _file_response(data, extension, filename, f"notice-preview_{date}.{extension}")


def _file_response(data: bytes, extension: str, filename: str, ascii_filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=CONTENT_TYPES[extension])
    # Both names, as the workbook download does: some mail and chat clients drop filename*.
    disposition = "inline" if extension == "png" else "attachment"
    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_filename}\"; filename*=UTF-8''{quote(filename, safe='')}"
    )
    return response
