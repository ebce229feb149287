"""
The Django admin: reading, and the reference data (regions, measures, accounts).

Figures and week states are read-only here. They change only through the
services (installs.services.figures, installs.services.weeks), which lock the
week, compare versions, ask for a reason where one is needed and audit the
change: an admin form would do none of that (a stale entry form would then
overwrite an admin edit unnoticed). A region or measure with figures cannot be
deleted; it is made inactive instead.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from installs.models import ApiToken, Measure, Profile, Region, Snapshot, Week


class ReadOnlyHistoryAdmin(SimpleHistoryAdmin):
    """Look, and read the history; no add, change, delete or revert."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history saves a POSTed revert without asking has_change_permission.
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class KeptWithFiguresAdmin(admin.ModelAdmin):
    """A region or measure that has figures is never deleted: the weeks' tables need it."""

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and Snapshot.objects.filter(**{self.figure_field: obj}).exists():
            return False
        return super().has_delete_permission(request, obj)

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and Snapshot.objects.filter(**{self.figure_field: obj}).exists():
            self.message_user(
                request,
                _("%(name)s has reported figures and cannot be deleted; make it inactive instead.")
                % {"name": obj},
                messages.ERROR,
            )
            return redirect(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", obj.pk)
        return super().delete_view(request, object_id, extra_context)

    def delete_queryset(self, request, queryset) -> None:
        # The bulk action: Snapshot's PROTECT already stops it; say so plainly if it ever got here.
        if Snapshot.objects.filter(**{f"{self.figure_field}__in": queryset}).exists():
            raise PermissionDenied
        super().delete_queryset(request, queryset)


@admin.register(Region)
class RegionAdmin(KeptWithFiguresAdmin):
    figure_field = "region"
    list_display = ["name", "slug", "code", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["name", "slug", "aliases"]


@admin.register(Measure)
class MeasureAdmin(KeptWithFiguresAdmin):
    figure_field = "measure"
    list_display = ["device", "gas_type", "slug", "order", "active", "target_rate", "target_date"]
    list_editable = ["order", "active"]


@admin.register(Week)
class WeekAdmin(ReadOnlyHistoryAdmin):
    list_display = ["date", "state", "state_changed_at", "state_changed_by"]
    list_filter = ["state"]
    readonly_fields = ["state_changed_at", "state_changed_by"]


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyHistoryAdmin):
    list_display = [
        "week",
        "region",
        "measure",
        "households",
        "installed",
        "updated_at",
        "updated_by",
    ]
    list_filter = ["week", "region", "measure"]
    list_select_related = ["week", "region", "measure", "updated_by"]
    readonly_fields = ["version", "updated_at", "updated_by"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "region"]
    list_filter = ["role", "region"]
    list_select_related = ["user", "region"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "active", "created_at", "last_used_at"]
    readonly_fields = ["created_at", "last_used_at"]


class ProfileInlineForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ["role", "region"]

    def clean(self):
        cleaned = super().clean()
        role, region = cleaned.get("role"), cleaned.get("region")
        if role == Profile.Role.DISTRICT and region is None:
            self.add_error("region", _("District staff need the region they report for."))
        if role and role != Profile.Role.DISTRICT and region is not None:
            self.add_error("region", _("Only district staff have a region."))
        return cleaned


class ProfileInline(admin.StackedInline):
    """The account's role, edited on the user's page: the admin's twin of manage.py add_user."""

    model = Profile
    form = ProfileInlineForm
    can_delete = False
    max_num = 1
    verbose_name = _("role")
    verbose_name_plural = _("role")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class UserWithRoleAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "get_full_name", "role", "region", "is_active", "last_login"]
    list_select_related = ["profile", "profile__region"]
    list_filter = ["profile__role", "profile__region", "is_active", "is_superuser"]

    @admin.display(description=_("role"), ordering="profile__role")
    def role(self, user) -> str:
        profile = getattr(user, "profile", None)
        return profile.get_role_display() if profile else ""

    @admin.display(description=_("region"), ordering="profile__region__order")
    def region(self, user) -> str:
        profile = getattr(user, "profile", None)
        return profile.region.name if profile and profile.region else ""
