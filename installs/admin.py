from django.contrib import admin
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
