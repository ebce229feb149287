"""
First login after somebody else chose the password: the account goes to the
password change page before anything else.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

# Pages a flagged account may still open: the change itself, and the way out.
ALLOWED_URL_NAMES = {"password_change", "password_change_done", "logout"}
# The JSON API answers in JSON: a script is told why instead of getting an HTML page.
API_PREFIX = "/api/"


class PasswordChangeRequiredMiddleware:
    """
    Sends an account whose Profile has ``must_change_password`` to the password
    change page, for every page but the change, logout and static files; the
    JSON API answers 403 in JSON. Needs AuthenticationMiddleware before it.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated:
            return None
        # The same profile object the role check reads: no extra query per page.
        profile = getattr(user, "profile", None)
        if profile is None or not profile.must_change_password:
            return None
        match = request.resolver_match
        if match is not None and match.url_name in ALLOWED_URL_NAMES and not match.namespace:
            return None
        if request.path_info.startswith(settings.STATIC_URL):
            return None
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse(
                {
                    "error": "password_change_required",
                    "message": _("Change your password first: sign in in the browser."),
                },
                status=403,
            )
        return redirect("password_change")
