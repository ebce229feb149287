from django.urls import path, register_converter

from installs.converters import IsoDateConverter
from installs.views import exports, weeks
from installs.views import entry, insight, workflow

register_converter(IsoDateConverter, "date")

app_name = "installs"

urlpatterns = [
    # The progress table (ranking page) and its official workbook.
    path("", weeks.home, name="home"),
    path("weeks/", weeks.week_pick, name="week_pick"),
    path("weeks/<date:date>/", weeks.week_detail, name="week_detail"),
    path("weeks/<date:date>/export.xlsx", exports.week_export, name="week_export"),
    # Weekly entry: a district's own region, bureau staff any region.
    path("entry/", entry.entry_current, name="entry_current"),
    path("weeks/<date:date>/entry/", entry.entry_start, name="entry"),
    path("weeks/<date:date>/entry/<slug:slug>/", entry.entry_region, name="entry_region"),
    # The week's workflow (bureau staff), the bulk grid and the audit trail.
    path("weeks/manage/", workflow.week_manage, name="week_manage"),
    path("weeks/open/", workflow.week_open, name="week_open"),
    path("weeks/<date:date>/status/", workflow.week_status, name="week_status"),
    path("weeks/<date:date>/lock/", workflow.week_lock, name="week_lock"),
    path("weeks/<date:date>/publish/", workflow.week_publish, name="week_publish"),
    path("weeks/<date:date>/unlock/", workflow.week_unlock, name="week_unlock"),
    path("weeks/<date:date>/unpublish/", workflow.week_unpublish, name="week_unpublish"),
    path("weeks/<date:date>/grid/", workflow.week_grid, name="week_grid"),
    path(
        "weeks/<date:date>/audit/<slug:slug>/", workflow.audit_region_week, name="audit_region_week"
    ),
    path("audit/", workflow.audit_list, name="audit_list"),
    # Charts, a region's history, pace and forecast, campaign targets.
    path("charts/", insight.charts_latest, name="charts_latest"),
    path("weeks/<date:date>/charts/", insight.week_charts, name="week_charts"),
    path("pace/", insight.pace_latest, name="pace_latest"),
    path("weeks/<date:date>/pace/", insight.week_pace, name="week_pace"),
    path("regions/<slug:slug>/", insight.region_detail, name="region_detail"),
    path("targets/", insight.targets, name="targets"),
]
