"""The ranking page and its workbook: load, check, render."""

from __future__ import annotations

import datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from installs import layout, selectors
from installs.models import Week


def home(request: HttpRequest) -> HttpResponse:
    week = selectors.latest_week()
    if week is None:
        return render(request, "installs/no_weeks.html")
    return redirect("installs:week_detail", date=week.date)


def _get_week_or_404(date: datetime.date) -> Week:
    week = selectors.week_for_date(date)
    if week is None:
        raise Http404
    return week


def week_detail(request: HttpRequest, date: datetime.date) -> HttpResponse:
    week = _get_week_or_404(date)
    progress = selectors.week_progress(week)
    return render(
        request,
        "installs/week_detail.html",
        {
            "progress": progress,
            "week": week,
            "title": layout.table_title(),
            "date_line": layout.date_line(week.date),
            "header_rows": layout.header_rows(progress.measures),
            "rows": layout.region_rows(progress),
            "totals": layout.totals_row(progress),
            "note": layout.NOTE,
        },
    )


def week_export(request: HttpRequest, date: datetime.date) -> HttpResponse:
    raise Http404  # built by the workbook helper (installs/sheets.py)
