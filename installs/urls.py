from django.urls import path, register_converter

from installs.converters import IsoDateConverter
from installs.views import (
    api,
    entry,
    exports,
    insight,
    notices,
    reminders,
    transfer,
    weeks,
    workflow,
)

register_converter(IsoDateConverter, "date")

app_name = "installs"

urlpatterns = [
    # The progress table (ranking page) and its official workbook.
    path("", weeks.home, name="home"),
    path("weeks/", weeks.week_pick, name="week_pick"),
    path("weeks/<date:date>/", weeks.week_detail, name="week_detail"),
    path("weeks/<date:date>/export.xlsx", exports.week_export, name="week_export"),
    # The weekly notice (进度通报): made when a week is published; earlier ones kept.
    path("weeks/<date:date>/notice/", notices.week_notice, name="week_notice"),
    path(
        "weeks/<date:date>/notice/<int:number>.<str:extension>",
        notices.notice_download,
        name="notice_download",
    ),
    path(
        "weeks/<date:date>/notice/preview.<str:extension>",
        notices.notice_preview,
        name="notice_preview",
    ),
    # Weekly entry: a district's own region, bureau staff any region.
    path("entry/", entry.entry_current, name="entry_current"),
    path("weeks/<date:date>/entry/", entry.entry_start, name="entry"),
    path("weeks/<date:date>/entry/<slug:slug>/", entry.entry_region, name="entry_region"),
    path("weeks/<date:date>/entry/<slug:slug>/saved/", entry.entry_saved, name="entry_saved"),
    # The week's workflow (bureau staff), the bulk grid and the audit trail.
    path("weeks/manage/", workflow.week_manage, name="week_manage"),
    path("weeks/open/", workflow.week_open, name="week_open"),
    path("status/", workflow.status_latest, name="status_latest"),
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
    # 催报: the deadline, 一键催报, the liaisons and the delivery log (催报记录).
    path("weeks/<date:date>/deadline/", reminders.week_deadline, name="week_deadline"),
    path("weeks/<date:date>/remind/", reminders.week_remind, name="week_remind"),
    path("contacts/", reminders.contact_list, name="contact_list"),
    path("contacts/add/", reminders.contact_add, name="contact_add"),
    path("contacts/<int:pk>/", reminders.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", reminders.contact_delete, name="contact_delete"),
    path("outbox/", reminders.outbox_log, name="outbox_log"),
    # Charts, a region's history, pace and forecast, campaign targets.
    path("charts/", insight.charts_latest, name="charts_latest"),
    path("weeks/<date:date>/charts/", insight.week_charts, name="week_charts"),
    path("pace/", insight.pace_latest, name="pace_latest"),
    path("weeks/<date:date>/pace/", insight.week_pace, name="week_pace"),
    path("regions/", insight.region_pick, name="region_pick"),
    path("regions/<slug:slug>/", insight.region_detail, name="region_detail"),
    path("targets/", insight.targets, name="targets"),
    # Import of official tables, history downloads, the read-only JSON API.
    path("import/", transfer.import_upload, name="import_upload"),
    path("import/confirm/", transfer.import_confirm, name="import_confirm"),
    path("export/history.xlsx", transfer.history_xlsx, name="history_xlsx"),
    path("export/history.csv", transfer.history_csv, name="history_csv"),
    # A province's or the nation's history, built in the background: progress, then the file.
    path("export/history/<uuid:job>/", transfer.history_job, name="history_job"),
    path(
        "export/history/<uuid:job>/status/", transfer.history_job_status, name="history_job_status"
    ),
    path(
        "export/history/<uuid:job>/download/",
        transfer.history_job_download,
        name="history_job_download",
    ),
    path("api/weeks/", api.week_list, name="api_weeks"),
    path("api/weeks/<date:date>/", api.week_detail, name="api_week"),
]
