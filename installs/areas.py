"""
Reads of the region tree: the nation (the root, no row) › provinces › cities › counties.

An account sees a subtree: district staff their county for writing and its city
for reading (the table they are ranked in); bureau staff and leadership the
province or city their profile names, or the whole deployment when it names
none. The area a page shows is the one chosen with ``?area=<code>`` (kept in the
session, so every page and download that follows shows the same area) or else the
account's home: its own node, descending while that has exactly one child, so a
deployment for one city opens on the city's table exactly as before the tree.
"""

from __future__ import annotations

import datetime

from django.http import Http404

from installs import revision
from installs.models import Area, Profile, Region
from installs.permissions import Role, user_role

SESSION_KEY = "installs_area"
# The tree is no figure: a saved figure keeps it (installs.revision.memoised).
NO_FIGURES = datetime.date.min


def children(area: Area | None) -> list[Area]:
    """The active areas directly under ``area`` (under the root: the provinces), in order."""
    if area is not None and area.is_city:
        return []
    # Kept under the data revision (any saved Area gives it a new token): every page asks.
    return revision.memoised(
        ("area-children", area.pk if area is not None else "root"),
        lambda: list(Area.objects.filter(parent=area, active=True).order_by("order", "code")),
        week=NO_FIGURES,
    )


def city_regions(city: Area, *, active_only: bool = True) -> list[Region]:
    """A city's counties in official order."""
    regions = Region.objects.filter(city=city)
    if active_only:
        regions = regions.filter(active=True)
    return list(regions.order_by("order", "name"))


def has_many_cities() -> bool:
    """More than one active city: only then do breadcrumbs and the higher levels show."""
    return revision.memoised(
        ("many-cities",),
        lambda: Area.objects.filter(level=Area.Level.CITY, active=True).count() > 1,
        week=NO_FIGURES,
    )


def lineage(area: Area | None) -> list[Area]:
    """The areas from the top down to ``area``: [province, city] for a city, [] for the root."""
    chain: list[Area] = []
    while area is not None:
        chain.append(area)
        area = area.parent
    return chain[::-1]


def bound_area(user) -> Area | None:
    """
    The top of what an account may read: a district's city, the area of bureau
    staff or leadership (None: the whole deployment). Accounts with no role read nothing,
    which the views' permission checks already refuse before this is asked.
    """
    profile = getattr(user, "profile", None)
    if profile is None:
        return None
    if profile.role == Profile.Role.DISTRICT:
        return profile.region.city
    return profile.area


def descend(area: Area | None) -> Area | None:
    """``area``, or the area below it while it has exactly one active child."""
    while area is None or not area.is_city:
        below = children(area)
        if len(below) != 1:
            break
        area = below[0]
    return area


def home_area(user) -> Area | None:
    """The account's own node, descending while it has exactly one active child."""
    return descend(bound_area(user))


def covers_deployment(user) -> bool:
    """
    Whether an account answers for the whole deployment: the week (date, state,
    deadline) is one reporting calendar and the targets are one set, so only
    bureau staff who cover it open, lock, publish, unlock, unpublish, move the
    deadline and set the targets. Covering: bound to no area, or to an area on
    the lineage of the root's home (in a deployment of one city, its city and
    its province cover it too). Other roles never do.
    """
    return user_role(user) == Role.BUREAU and sees_deployment(user)


def sees_deployment(user) -> bool:
    """
    Whether an account's subtree is the whole deployment (bound to no area, or to
    one on the lineage of the root's home): what is one for all cities (the
    weekly notice, the delivery log) is theirs to read.
    """
    if user_role(user) is None:
        return False
    top = bound_area(user)
    return top is None or top.pk in {area.pk for area in lineage(descend(None))}


def writable_region(user, region: Region) -> bool:
    """
    Whether an account may change a county's figures (and its liaisons, and 催报 it):
    district staff their own county, bureau staff the counties under their area.
    """
    role = user_role(user)
    if role == Role.DISTRICT:
        return user.profile.region_id == region.pk
    return role == Role.BUREAU and region_in_subtree(bound_area(user), region)


def readable_region(user, region: Region) -> bool:
    """Whether an account may read a county's pages: one under the top of what it reads."""
    return region_in_subtree(bound_area(user), region)


def city_for(request) -> Area | None:
    """
    The city a county page shows: the current area when it is a city, or the only
    active city under it. None: a choice to make (``must_choose_city``), or a
    deployment with no city at all (then the pages show what they showed before
    the tree: every region, that is none).
    """
    area = current_area(request)
    if area is not None and area.is_city:
        return area
    cities = cities_in(area)
    return cities[0] if len(cities) == 1 else None


def must_choose_city(request) -> bool:
    """Whether a county page must first offer the cities of the current area (请选择城市)."""
    area = current_area(request)
    if area is not None and area.is_city:
        return False
    cities = cities_in(area)
    return len(cities) != 1 and not (area is None and not cities)


def cities_in(area: Area | None) -> list[Area]:
    """The active cities under ``area`` (itself when it is a city), in order."""
    if area is not None and area.is_city:
        return [area]

    def compute() -> list[Area]:
        cities = Area.objects.filter(level=Area.Level.CITY, active=True).select_related("parent")
        if area is not None:
            cities = cities.filter(parent=area)
        return list(cities.order_by("parent__order", "parent__code", "order", "code"))

    return revision.memoised(
        ("cities-in", area.pk if area is not None else "root"), compute, week=NO_FIGURES
    )


def area_by_code(code: str) -> Area | None:
    """The active area of that code, with its parent; kept under the data revision."""
    return revision.memoised(
        ("area-code", code),
        lambda: Area.objects.filter(code=code, active=True).select_related("parent").first(),
        week=NO_FIGURES,
    )


def contains(top: Area | None, area: Area | None) -> bool:
    """Whether ``area`` lies in the subtree of ``top`` (None is the root, above everything)."""
    if top is None:
        return True
    if area is None:
        return False
    return area.pk == top.pk or (area.parent_id is not None and area.parent_id == top.pk)


def region_in_subtree(top: Area | None, region: Region) -> bool:
    """Whether a county lies under ``top``."""
    return contains(top, region.city)


def current_area(request) -> Area | None:
    """
    The area the request's pages show (None: the nation's table of provinces).
    ``?area=<code>`` chooses one inside the account's subtree (404 outside it, the
    same answer as for an area that does not exist) and keeps it in the session;
    ``?area=`` (empty) chooses the root, for accounts bound to no area.
    """
    cached = getattr(request, "_installs_area", False)
    if cached is not False:
        return cached
    top = bound_area(request.user)
    area = None
    chosen = request.GET.get("area")
    if chosen == "":
        if top is not None:
            raise Http404("no such area")
        _keep_choice(request, "")
    elif chosen is not None:
        area = area_by_code(chosen)
        if area is None or not contains(top, area):
            raise Http404("no such area")
        _keep_choice(request, area.code)
    else:
        kept = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if kept == "" and top is None:
            request._installs_area = None
            return None
        if kept:
            area = area_by_code(kept)
            if area is not None and not contains(top, area):
                area = None
        if area is None:
            area = home_area(request.user)
    request._installs_area = area
    return area


def _keep_choice(request, code: str) -> None:
    """The area chosen, in the session; written only when it changes (not for every page)."""
    if request.session.get(SESSION_KEY) != code:
        request.session[SESSION_KEY] = code
