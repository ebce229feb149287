"""
Middleware for what every answer of the app must carry or respect: answers
kept out of caches, the browser features refused, and a session's absolute
lifetime beside Django's idle one.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

# When the session's user logged in, in whole seconds since the epoch.
SESSION_STARTED_KEY = "installs_session_started"
# When the session was last written for being used (IdleSessionRefreshMiddleware).
SESSION_REFRESHED_KEY = "installs_session_refreshed"


class PrivateResponseMiddleware:
    """
    Every answer the views give, pages, workbooks, CSV and JSON alike, is one
    person's and may hold figures not yet published: no cache on the way (a
    proxy, the browser's disk on a shared PC) may keep it. Static files are
    served by whitenoise above this middleware and keep their long caching.
    Also the Permissions-Policy header, which Django does not send itself.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "private, no-store"
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


def session_started(sender, request: HttpRequest, user, **kwargs) -> None:
    """On every login (the user_logged_in signal): the absolute lifetime starts now."""
    if hasattr(request, "session"):
        request.session[SESSION_STARTED_KEY] = int(time.time())


class AbsoluteSessionLifetimeMiddleware:
    """
    Logs a user out ``SESSION_ABSOLUTE_AGE`` seconds after the login, however
    active the session has been (``SESSION_COOKIE_AGE`` only ends an idle one).
    A session older than this middleware has no start yet: it starts now.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.SESSION_ABSOLUTE_AGE
        if limit > 0 and request.user.is_authenticated:
            now = int(time.time())
            started = request.session.setdefault(SESSION_STARTED_KEY, now)
            if now - started >= limit:
                logout(request)
                messages.info(
                    request,
                    _("You were signed in for %(hours)s hours: please sign in again.")
                    % {"hours": f"{limit / 3600:g}"},
                )
        return self.get_response(request)


class IdleSessionRefreshMiddleware:
    """
    Keeps a signed-in session alive while it is used: its expiry (``SESSION_COOKIE_AGE``
    of idleness) moves on when the last such write is ``SESSION_REFRESH_SECONDS`` old.
    Django's ``SESSION_SAVE_EVERY_REQUEST`` would write the session, to the database,
    on every request, a write for every page read; this writes it once a minute at
    most, so an idle session ends between 8 hours less a minute and 8 hours after its
    last request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and SESSION_KEY in session:
            now = int(time.time())
            if now - session.get(SESSION_REFRESHED_KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[SESSION_REFRESHED_KEY] = now  # modified: saved with a new expiry
        return self.get_response(request)
