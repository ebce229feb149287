"""
Who may do what, in one place: a role per user, a view decorator, and a
get-or-403 helper for a region.

Roles: district staff (one region), bureau staff (all regions; a superuser
counts as one), leadership (read only). Every page needs a login
(LoginRequiredMiddleware); these add the role checks on top.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied

from installs.models import Profile, Region

Role = Profile.Role


def user_role(user) -> str | None:
    """The user's role, or None for an account with no role (it may read nothing but its login)."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.BUREAU
    profile = getattr(user, "profile", None)
    return profile.role if profile is not None else None


def user_region(user) -> Region | None:
    """The region a district user reports for; None for everybody else."""
    if user_role(user) != Role.DISTRICT:
        return None
    return user.profile.region


def user_can_use_admin(user) -> bool:
    """
    Whether the admin shows this user anything: a superuser, or staff with at
    least one permission. Django lets any active staff account in, but without a
    permission it finds an empty page, so the navigation offers it to nobody else.
    """
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return user.is_superuser or bool(user.get_all_permissions())


def can_edit_region(user, region: Region) -> bool:
    """District staff their own region; bureau staff the regions under their area (installs.areas)."""
    from installs import areas  # areas reads roles from here

    return areas.writable_region(user, region)


def get_region_for_edit_or_403(user, region: Region) -> Region:
    if not can_edit_region(user, region):
        raise PermissionDenied
    return region


def role_required(*roles: str):
    """Refuse (403) a logged-in user whose role is not among ``roles``."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if user_role(request.user) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def any_role_required(view):
    """Any of the three roles: an account with no role reads nothing."""
    return role_required(*Role.values)(view)
