from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from installs.models import ApiToken, Measure, Profile, Region, Snapshot, Week


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "code", "order", "active"]
    list_editable = ["order", "active"]
    search_fields = ["name", "slug", "aliases"]


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["device", "gas_type", "slug", "order", "active", "target_rate", "target_date"]
    list_editable = ["order", "active"]


@admin.register(Week)
class WeekAdmin(SimpleHistoryAdmin):
    list_display = ["date", "state", "state_changed_at", "state_changed_by"]
    list_filter = ["state"]
    readonly_fields = ["state_changed_at", "state_changed_by"]


@admin.register(Snapshot)
class SnapshotAdmin(SimpleHistoryAdmin):
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
