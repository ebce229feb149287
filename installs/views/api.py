"""
The read-only JSON API for other systems (城市运行管理服务平台) and scripts.

Two ways in: a signed-in user with a role (the browser's session), or a
system's token in ``Authorization: Bearer <key>``. A token reads published
weeks only (what the bureau has released); a user reads the weeks the ranking
page shows them (all, each marked with its state). No client is ever
redirected to the login page: a missing or wrong token is a 401 in JSON.
GET and HEAD only; anything else is a 405.

The numbers come from the same places as the page and the workbook:
``selectors.week_progress`` and ``installs.layout``; rates are the exact
ratio (a number) beside the text people read (``rules.rate_text``).
"""

from __future__ import annotations

import datetime
from datetime import timedelta
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.db.models import Q
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from installs import areas, layout, selectors
from installs.models import ApiToken, Area, Week
from installs.permissions import user_role
from installs.progress import WeekProgress
from installs.services.api_tokens import key_hash
from installs.views import levels

# A token's last_used_at is written at most this often (not on every request).
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _error(status: int, code: str, message: str) -> JsonResponse:
    response = JsonResponse({"error": code, "message": message}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def _token_for(header: str) -> ApiToken | None:
    scheme, _space, key = header.partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        return None
    token = ApiToken.objects.filter(key_hash=key_hash(key), active=True).first()
    if token is not None:
        now = timezone.now()
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
        ).update(last_used_at=now)
    return token


def api_view(view):
    """Method check, then a token or a session with a role; sets ``request.published_only``."""

    # No CSRF check: nothing here writes, and an API client's POST should get
    # this API's JSON 405, not the CSRF failure page.
    @csrf_exempt
    @login_not_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = _error(405, "method_not_allowed", _("This API is read-only: use GET."))
            response["Allow"] = "GET, HEAD"
            return response
        header = request.headers.get("Authorization", "")
        if header:
            if _token_for(header) is None:
                return _error(
                    401, "invalid_token", _("The API token is missing, wrong or revoked.")
                )
            request.published_only = True
        elif request.user.is_authenticated:
            if user_role(request.user) is None:
                return _error(403, "no_role", _("This account has no role in the campaign."))
            request.published_only = False
        else:
            return _error(
                401,
                "not_authenticated",
                _("Sign in, or send a token in the header Authorization: Bearer <key>."),
            )
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        response["Vary"] = "Authorization, Cookie"
        return response

    wrapped.checks_area_itself = True  # installs.middleware.AreaChoiceMiddleware: a JSON 404
    return wrapped


def _visible_weeks(request: HttpRequest) -> list[Week]:
    return selectors.week_list(published_only=request.published_only)


class _NoArea(Exception):
    """?area= names no area the client may read."""


def _area(request: HttpRequest) -> Area | None:
    """
    The area the client reads. A signed-in user: the page's (installs.areas.current_area,
    inside the account's subtree). A token is system-wide: ``?area=<code>`` (empty: the
    nation), by default the root's home (a deployment of one city: its city).
    """
    if not request.published_only:
        try:
            return areas.current_area(request)
        except Http404:
            raise _NoArea from None
    code = request.GET.get("area")
    if code is None:
        return areas.descend(None)
    if code == "":
        return None
    area = Area.objects.filter(code=code, active=True).select_related("parent").first()
    if area is None:
        raise _NoArea
    return area


def _no_area() -> JsonResponse:
    return _error(404, "no_such_area", _("There is no such area, or it is outside yours."))


@api_view
def week_list(request: HttpRequest) -> JsonResponse:
    """Every week the client may read, newest first, with how many regions of the area reported."""
    try:
        area = _area(request)
    except _NoArea:
        return _no_area()
    weeks = _visible_weeks(request)
    reported = selectors.reported_counts(weeks, area)
    region_count = selectors.active_region_count(area)
    return JsonResponse(
        {
            "weeks": [
                {
                    "date": week.date.isoformat(),
                    "state": week.state,
                    "state_label": week.get_state_display(),
                    "reported": reported.get(week.pk, 0),
                    "regions": region_count,
                    "links": _week_links(request, week.date),
                }
                for week in weeks
            ]
        },
        json_dumps_params={"ensure_ascii": False},
    )


@api_view
def week_detail(request: HttpRequest, date: datetime.date) -> JsonResponse:
    week = selectors.week_for_date(date)
    if week is not None and request.published_only and week.state != Week.State.PUBLISHED:
        week = None  # a token reads published weeks only
    if week is None:
        return _error(404, "not_found", _("There is no week of %(date)s.") % {"date": date})
    try:
        area = _area(request)
    except _NoArea:
        return _no_area()
    if area is not None and area.is_city:
        city = area
    else:
        cities = areas.cities_in(area)
        if len(cities) == 1:
            city = cities[0]
        elif area is None and not cities:
            city = None  # no city at all: the empty table, as before the tree
        else:
            # A province or the nation: its level's table (helper `levels`).
            return levels.level_json(week, area)
    return JsonResponse(
        week_data(request, selectors.computed_week(week, city)),
        json_dumps_params={"ensure_ascii": False},
    )


def _week_links(request: HttpRequest, date: datetime.date) -> dict:
    return {
        "api": request.build_absolute_uri(reverse("installs:api_week", args=[date])),
        "page": request.build_absolute_uri(reverse("installs:week_detail", args=[date])),
        "xlsx": request.build_absolute_uri(reverse("installs:week_export", args=[date])),
    }


def week_data(request: HttpRequest, progress: WeekProgress) -> dict:
    """The computed table of one week as JSON-ready data (layout's rows, as the page shows them)."""
    week = progress.week
    measures = progress.measures
    neighbours = {}
    for name, other in (
        ("previous_week", progress.previous_week),
        ("next_week", progress.next_week),
    ):
        visible = other is not None and (not request.published_only or other.is_published)
        neighbours[name] = other.date.isoformat() if visible else None
    regions = []
    for region, row in zip(progress.regions, layout.region_rows(progress), strict=True):
        regions.append(
            {
                "name": region.name,
                "slug": region.slug,
                "code": region.code,
                # reported: every active measure has this week's figure (已填报);
                # partial: some have (部分填报); neither: 未填报.
                "reported": row["reported"],
                "partial": row["partial"],
                "figures": {m.slug: _figures(row, m) for m in measures},
            }
        )
    totals = layout.totals_row(progress)
    # Every region of the table that did not report is an active one: inactive
    # regions are listed only when they reported.
    not_reported = [r for r in regions if not r["reported"]]
    return {
        "week": week.date.isoformat(),
        "state": week.state,
        "state_label": week.get_state_display(),
        "title": layout.table_title(),
        "date_line": layout.date_line(week.date),
        **neighbours,
        "links": _week_links(request, week.date),
        "measures": [
            {"slug": m.slug, "device": m.device, "gas_type": m.gas_type} for m in measures
        ],
        "regions": regions,
        "totals": {m.slug: _figures(totals, m, rank=False) for m in measures},
        "reporting": {
            "reported": progress.reported_count,
            "total": progress.region_count,
            "not_reported": [
                {"name": r["name"], "slug": r["slug"]} for r in not_reported if not r["partial"]
            ],
            "partial": [{"name": r["name"], "slug": r["slug"]} for r in regions if r["partial"]],
        },
    }


def _figures(row: dict, measure, *, rank: bool = True) -> dict | None:
    """One measure's cells: None when the region did not report it."""
    figures = layout.figure_cells(row, measure)
    if figures is None:
        return None
    if rank:
        # A carried figure (沿用M月D日数据): the week it is from; its "new" is null (未填报).
        carried = row[layout.cell_key(measure, "carried_from")]
        figures["carried_from"] = carried.isoformat() if carried is not None else None
    if rank:
        figures["rank"] = row[layout.cell_key(measure, "rank")]
    return figures
