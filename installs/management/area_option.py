"""
The ``--area <code>`` option of the commands that read or write one city's
counties (import_table, export_table, remind_late, add_user): the GB/T 2260
code of a province or city. A deployment of one city needs none.
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from installs import areas
from installs.models import Area


def add_area_argument(parser, help_text: str) -> None:
    parser.add_argument("--area", metavar="CODE", help=help_text)


def area_by_code(code: str) -> Area:
    """The active area of that code, or a CommandError that lists the cities."""
    area = Area.objects.filter(code=code.strip(), active=True).select_related("parent").first()
    if area is None:
        raise CommandError(
            _("--area: there is no active area %(code)s. Cities: %(cities)s")
            % {"code": code, "cities": _city_list()}
        )
    return area


def city_option(code: str | None) -> Area | None:
    """
    The city named by --area; without it the deployment's only city (None when
    there is no city at all). A deployment of several cities must name one.
    """
    if code:
        area = area_by_code(code)
        if not area.is_city:
            raise CommandError(
                _("--area: %(name)s is not a city. Cities: %(cities)s")
                % {"name": area.name, "cities": _city_list(area)}
            )
        return area
    cities = areas.cities_in(None)
    if len(cities) > 1:
        raise CommandError(
            _("--area: this deployment has several cities; choose one: %(cities)s")
            % {"cities": _city_list()}
        )
    return cities[0] if cities else None


def _city_list(area: Area | None = None) -> str:
    return "、".join(f"{city.name} {city.code}" for city in areas.cities_in(area))
