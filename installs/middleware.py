"""
Refusing a request body larger than any form of this app needs, before any of
it is read.

Django caps the form fields of a request (DATA_UPLOAD_MAX_MEMORY_SIZE) but not
its files: a 10 GB multipart body to any address would be streamed to a
temporary file while the CSRF check reads the form, long before a view could
look at the size. Django reads a body only as far as its Content-Length (no
Content-Length: no body), so the header is all that needs checking, and a
refusal costs nothing whatever follows it. (A reverse proxy in front should
refuse the same earlier: nginx's ``client_max_body_size``.)
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from installs import areas


class RequestSizeLimitMiddleware:
    """413 with a page in people's words when Content-Length exceeds REQUEST_MAX_BYTES."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body it cannot measure
        if length > settings.REQUEST_MAX_BYTES:
            # The rest of the body stays unread; the server closes the connection.
            return render(
                request,
                "413.html",
                {"limit": f"{settings.UPLOAD_MAX_BYTES / (1024 * 1024):g}"},
                status=413,
            )
        return self.get_response(request)


class AreaChoiceMiddleware:
    """
    ``?area=<code>`` on any page: a 404 when the area is outside the account's
    subtree (installs.areas.current_area), whether or not the page shows counties,
    so that no address answers differently for an area one may not read. The
    JSON API checks it itself (its 404 is JSON); sign-in comes first.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if (
            "area" in request.GET
            and request.user.is_authenticated
            and not getattr(view_func, "checks_area_itself", False)
        ):
            areas.current_area(request)  # Http404 outside the subtree
        return None
