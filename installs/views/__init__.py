"""The app's views, one module per part of the app; what they all share is here."""

from __future__ import annotations

import datetime
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from installs import areas, selectors
from installs.models import Week


def week_or_404(date: datetime.date) -> Week:
    """The week of that report date, or a 404 (a date in an address that names no week)."""
    week = selectors.week_for_date(date)
    if week is None:
        raise Http404
    return week


def city_chooser(request: HttpRequest) -> HttpResponse:
    """
    A county page asked for while the current area is a province or the root:
    the cities in it, each a link to the same page with ?area=<code> (请选择城市).
    """
    area = areas.current_area(request)
    return render(
        request, "installs/city_chooser.html", {"cities": areas.cities_in(area), "area": area}
    )


def city_page(view):
    """
    A page that shows counties shows one city's: the view is called with
    ``city=`` the current area (installs.areas.current_area) when it is a city;
    otherwise the page is the chooser of the cities in scope. A deployment of one
    city always lands on its city, so it never sees the chooser.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if areas.must_choose_city(request):
            return city_chooser(request)
        return view(request, *args, city=areas.city_for(request), **kwargs)

    return wrapped


def deployment_required(view):
    """
    403 for anyone but bureau staff who cover the deployment (installs.areas.covers_deployment):
    the week's state and deadline, and the targets, are one for every city.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not areas.covers_deployment(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
