"""Downloads: the official workbook of one week."""

from __future__ import annotations

import datetime

from django.http import Http404, HttpRequest, HttpResponse

from installs import areas, selectors, sheets
from installs.permissions import any_role_required
from installs.views import levels


@any_role_required
def week_export(request: HttpRequest, date: datetime.date) -> HttpResponse:
    week = selectors.week_for_date(date)
    if week is None:
        raise Http404
    if areas.must_choose_city(request):
        # A province or the nation: its level's workbook (helper `levels`).
        return levels.level_export(week, areas.current_area(request))
    city = areas.city_for(request)
    workbook = sheets.week_workbook(selectors.computed_week(week, city))
    return sheets.workbook_response(
        workbook,
        filename=sheets.export_filename(week.date),
        ascii_filename=sheets.export_ascii_filename(week.date),
    )
