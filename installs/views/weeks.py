"""The ranking page: the official progress table of one week, with its navigation."""

from __future__ import annotations

import datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from installs import (
    areas,
    charts,
    deadlines,
    layout,
    pace,
    page_cache,
    rate_bars,
    revision,
    selectors,
    summary,
    tables,
)
from installs.models import Measure, Week
from installs.permissions import Role, any_role_required, user_role
from installs.progress import WeekProgress
from installs.views import levels, week_or_404


@any_role_required
def home(request: HttpRequest) -> HttpResponse:
    # Leadership see what the bureau has published; staff see the week being worked on.
    published_only = user_role(request.user) == Role.LEADER
    week = selectors.latest_week(published_only=published_only)
    if week is None:
        return render(request, "installs/no_weeks.html", {"published_only": published_only})
    return redirect("installs:week_detail", date=week.date)


@any_role_required
def week_detail(request: HttpRequest, date: datetime.date) -> HttpResponse:
    week = week_or_404(date)
    if areas.must_choose_city(request):
        # A province or the nation: the table of its cities or provinces (helper `levels`).
        return levels.level_detail(
            request,
            week,
            areas.current_area(request),
            week_options=lambda: _week_options(selectors.week_dates(), week.date),
        )
    city = areas.city_for(request)
    # The week as computed (rules, last week's ranks, pace), reused until any figure changes
    # (or the deadline passes: the summary then names who is 逾期未填报).
    passed = deadlines.deadline_passed(week)
    data_key = ("ranking", week.pk, week.state, passed, *selectors.city_key(city))
    # The page's HTML is kept too, by language, role and ordering (installs/page_cache.py).
    return page_cache.page(
        request,
        data_key,
        lambda: _render_sheet(request, week, city, data_key),
        template="installs/week_detail.html",
        context={"title": layout.table_title(), "date_line": layout.date_line(week.date)},
        breadcrumbs=levels.breadcrumbs(request, city),
        week=week,
    )


def _render_sheet(request: HttpRequest, week: Week, city, data_key: tuple) -> tuple[str, bool]:
    """The page but its menu, breadcrumbs and deadline notice; and whether it may be kept."""
    progress, movement, flags, facts, dates = revision.memoised(
        data_key, lambda: _ranking_data(week, city), week=week.date
    )
    table = tables.progress_table(progress, request=request, movement=movement, flags=flags)
    # The ordering the table accepted (unknown columns dropped), kept on the week links.
    sort = str(table.order_by or "")
    html = render_to_string(
        "installs/partials/week_sheet.html",
        {
            "progress": progress,
            "week": week,
            "week_options": _week_options(dates, week.date),
            "table": table,
            # Worded per language (the facts are memoised, the language is the request's).
            "summary": summary.summary_paragraphs(facts),
            "title": layout.table_title(),
            "date_line": layout.date_line(week.date),
            "note": layout.NOTE,
            # 注：山阳区沿用11月21日数据。(what is carried; worded per language).
            "carried_notes": layout.carried_notes(progress),
            "sort": sort,
            "rate_bars": _rate_bars(progress),
            # Several cities only: the city's rank in its province.
            "city_standing": levels.city_standing(week, city),
            **page_cache.marks(),
        },
        request,
    )
    return html, sort == request.GET.get(tables.SORT_FIELD, "")


def _rate_bars(progress: WeekProgress) -> list[tuple[Measure, rate_bars.RateBars]]:
    """The small rate bars under the table, one per measure, drawn by the server."""
    drawn = []
    for measure in progress.measures:
        regions, city = charts.week_rate_frame(progress, measure)
        drawn.append(
            (
                measure,
                rate_bars.rate_bars(regions=regions, city=city, target_rate=measure.target_rate),
            )
        )
    return drawn


def _ranking_data(week: Week, city) -> tuple:
    progress = selectors.computed_week(week, city)
    movement = selectors.week_rank_movement(progress)
    forecast = selectors.week_forecast(progress)
    flags = pace.flags(forecast)
    facts = summary.week_summary(
        progress, forecast, statuses=deadlines.week_statuses(week, city=city)
    )
    return progress, movement, flags, facts, selectors.week_dates()


def _week_options(dates: list[datetime.date], current: datetime.date) -> SafeString:
    """The picker's <option>s. Years of weeks: written in one pass, not a template loop."""
    # ISO dates are digits and dashes: nothing to escape.
    selected = current.isoformat()
    return mark_safe(
        "".join(
            f'<option value="{d}"{" selected" if d == selected else ""}>{d}</option>'
            for d in map(datetime.date.isoformat, dates)
        )
    )


@any_role_required
def week_pick(request: HttpRequest) -> HttpResponse:
    """The week picker's target: a plain GET form, so it works without JavaScript."""
    value = request.GET.get("date", "")
    if not value:
        return redirect("installs:home")
    try:
        date = datetime.date.fromisoformat(value)
    except ValueError:
        raise Http404 from None
    week = week_or_404(date)
    url = reverse("installs:week_detail", kwargs={"date": week.date})
    # Keep the chosen ordering when moving to another week.
    sort = request.GET.get(tables.SORT_FIELD, "")
    return redirect(f"{url}?{urlencode({tables.SORT_FIELD: sort})}" if sort else url)
