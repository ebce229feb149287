"""
The table at every level above the city: the week page, workbook and JSON of a
province's cities or the nation's provinces (``installs.level_tables``), and the
breadcrumbs and a city's standing in its province that the city's page shows
when the deployment has more than one city.

These are not URLs of their own: the week page, the week's workbook and the
API's week call them when the area the request shows
(``areas.current_area``) is a province or the root.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from installs import areas, layout, level_selectors, level_tables, page_cache, sheets
from installs.models import Area, Week


def area_link(request: HttpRequest, code: str) -> str:
    """The same page for another area: ``?area=<code>`` (empty: the root)."""
    return f"{request.path}?{urlencode({'area': code})}"


def city_standing(week: Week, city: Area | None) -> list[str]:
    """
    What a city's table page adds in a deployment of several cities: the city's
    standing in its province (the breadcrumbs come per request, as they depend on the
    account). Nothing at all with one city, so such a deployment looks exactly as
    before the tree.
    """
    if city is None or not areas.has_many_cities():
        return []
    return city_standing_lines(week, city)


def breadcrumbs(request: HttpRequest, area: Area | None) -> list[dict]:
    """
    全国 › 河南省 › 焦作市, each a link, from the top the account may read down to
    ``area``; empty in a deployment of one city, or when there is only one step.
    """
    if not areas.has_many_cities():
        return []
    top = areas.bound_area(request.user)
    # 全国 only above several provinces: with one, its table is the top anyone opens.
    steps = (
        [{"name": level_tables.area_name(None), "code": ""}]
        if top is None and len(areas.children(None)) > 1
        else []
    )
    steps += [
        {"name": a.name, "code": a.code} for a in areas.lineage(area) if areas.contains(top, a)
    ]
    if len(steps) < 2:
        return []
    for step in steps:
        step["url"] = area_link(request, step["code"])
    steps[-1]["current"] = True
    return steps


def city_standing_lines(week: Week, city: Area) -> list[str]:
    """焦作市在河南省：自闭阀·管道气第2名↑1 — only where the province has more than one city."""
    province = city.parent
    if province is None or len(areas.children(province)) < 2:
        return []
    progress = level_selectors.computed_level(week, province)
    measures = {m.pk: m for m in progress.measures}
    parts = []
    for standing in progress.standing(city):
        if standing.rank is None:
            continue
        move = ""
        if standing.move:
            move = f"↑{standing.move}" if standing.move > 0 else f"↓{-standing.move}"
        parts.append(
            _("%(measure)s: rank %(rank)s of %(ranked)s%(move)s")
            % {
                "measure": measures[standing.measure],
                "rank": standing.rank,
                "ranked": standing.ranked,
                "move": move,
            }
        )
    if not parts:
        return []
    return [
        _("%(city)s in %(province)s: %(standings)s")
        % {"city": city.name, "province": province.name, "standings": "；".join(parts)}
    ]


def level_detail(
    request: HttpRequest,
    week: Week,
    area: Area | None,
    *,
    week_options: Callable[[], str] = str,
) -> HttpResponse:
    """``week_options``: the week picker's options, drawn only when the page is not kept."""
    # The page's HTML is kept under the data revision, by language, role and address
    # (installs/page_cache.py); the week's state is in the key, as its banner shows it.
    key = ("level", week.pk, week.state, area.pk if area is not None else "root")
    return page_cache.page(
        request,
        key,
        lambda: (_render_level_sheet(request, week, area, week_options), True),
        template="installs/level_detail.html",
        context={"title": level_tables.level_title(area), "date_line": layout.date_line(week.date)},
        breadcrumbs=breadcrumbs(request, area),
        week=week,
    )


def _render_level_sheet(
    request: HttpRequest, week: Week, area: Area | None, week_options: Callable[[], str]
) -> str:
    progress = level_selectors.computed_level(week, area)
    path = request.path
    rows = level_tables.level_rows(progress)
    return render_to_string(
        "installs/partials/level_sheet.html",
        {
            "progress": progress,
            "week": week,
            "week_options": week_options(),
            "area": area,
            "title": level_tables.level_title(area),
            "date_line": layout.date_line(week.date),
            "note": layout.NOTE,
            "has_moves": any(
                row[layout.cell_key(measure, "move")]
                for row in rows
                for measure in progress.measures
            ),
            "header_html": mark_safe(level_tables.header_html(progress)),
            "body_html": mark_safe(
                level_tables.body_html(progress, lambda code: f"{path}?{urlencode({'area': code})}")
            ),
            "incomplete_notes": level_tables.incomplete_notes(progress),
            "summary": level_tables.level_summary(
                progress,
                level_selectors.computed_level(progress.previous_week, area)
                if progress.previous_week
                else None,
            ),
            "previous_url": _week_url(progress.previous_week),
            "next_url": _week_url(progress.next_week),
            **page_cache.marks(),
        },
        request,
    )


def _week_url(week: Week | None) -> str:
    return reverse("installs:week_detail", kwargs={"date": week.date}) if week else ""


def level_export(week: Week, area: Area | None) -> HttpResponse:
    progress = level_selectors.computed_level(week, area)
    return sheets.workbook_response(
        level_tables.level_workbook(progress),
        filename=level_tables.export_filename(progress),
        ascii_filename=level_tables.export_ascii_filename(progress),
    )


def level_json(week: Week, area: Area | None) -> JsonResponse:
    return JsonResponse(
        level_tables.level_data(level_selectors.computed_level(week, area)),
        json_dumps_params={"ensure_ascii": False},
    )
