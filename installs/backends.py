"""
Django's model backend, loading a signed-in user with their profile in one query.

Every page asks for the user's role (installs.permissions): with Django's
ModelBackend that is a query for the user and one for the profile.
``ProfileBackend.get_user`` joins the profile to the user. Not its region and area
too: each join costs about as much to compile as a query of its own, and only
district staff (their region) and accounts bound to an area read them. Signing in
(``authenticate``) and permissions are Django's, unchanged.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ProfileBackend(ModelBackend):
    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("profile")
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
