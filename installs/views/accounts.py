"""
A user's own password: Django's password change views with our templates,
saving through installs.services.accounts (which lifts the first-login flag).
Every signed-in account may change its own password, whatever its role.
"""

from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect

from installs.services.accounts import account_password_change


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"

    def get_context_data(self, **kwargs):
        profile = getattr(self.request.user, "profile", None)
        return super().get_context_data(
            must_change_password=profile is not None and profile.must_change_password, **kwargs
        )

    def form_valid(self, form):
        account_password_change(user=form.user, password=form.cleaned_data["new_password1"])
        # Keep this session signed in; other sessions of the account end.
        update_session_auth_hash(self.request, form.user)
        return HttpResponseRedirect(self.get_success_url())


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
