"""
What a table page costs the database: warm, the session, the user with their
profile, and the revision token, whatever the number of regions and weeks; cold
(after a change), a number that does not grow with them either.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from installs.models import Measure, Profile, Region, Week
from installs.revision import memo_clear
from tests.factories import (
    default_city,
    load_seed,
    make_area,
    make_region,
    make_snapshot,
    make_user,
    make_week,
)
from tests.tree import two_provinces

pytestmark = pytest.mark.django_db

PAGE = "/weeks/2022-11-21/"


def captured(client, path: str = PAGE) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in queries]


def warm(client, path: str = PAGE) -> list[str]:
    client.get(path)
    return captured(client, path)


def cold(client, path: str = PAGE) -> int:
    memo_clear()
    return len(captured(client, path))


def tables_read(queries: list[str]) -> list[str]:
    return [sql.split(" FROM ", 1)[1].split()[0].strip('"') for sql in queries]


@pytest.fixture
def leader(client):
    load_seed()
    client.force_login(make_user("lingdao", Profile.Role.LEADER))
    client.get(PAGE)  # the first page after signing in writes the session
    return client


def more_regions_and_weeks(city, regions: int, weeks: int, start: int = 0) -> None:
    """More counties, reporting this week, and more earlier weeks (with their history)."""
    measure = Measure.objects.get(slug="valve_pipe")
    week = Week.objects.get(date="2022-11-21")
    for n in range(start, start + regions):
        region = make_region(f"新区{n}", f"new-{n}", order=50 + n, city=city)
        make_snapshot(week, region, measure, 1000, 100)
    for n in range(start + 1, start + weeks + 1):
        earlier = make_week(datetime.date(2021, 1, 4) - datetime.timedelta(weeks=n))
        for region in Region.objects.filter(city=city)[:3]:
            make_snapshot(earlier, region, measure, 1000, 10)


def test_a_warm_city_page_reads_the_session_the_user_and_the_token(leader):
    queries = warm(leader)
    assert tables_read(queries) == ["django_session", "auth_user", "installs_datarevision"]
    assert "installs_profile" in queries[1]  # joined: no query of its own


def test_a_city_page_costs_the_same_queries_for_more_regions_and_weeks(leader):
    more_regions_and_weeks(default_city(), regions=1, weeks=1)
    before = cold(leader), len(warm(leader))
    more_regions_and_weeks(default_city(), regions=10, weeks=30, start=1)
    assert (cold(leader), len(warm(leader))) == before


def test_a_warm_level_page_reads_the_session_the_user_and_the_token(client):
    two_provinces()
    client.force_login(make_user("ju", Profile.Role.BUREAU))
    client.get(PAGE)  # the first page after signing in writes the session
    for path in (f"{PAGE}?area=", f"{PAGE}?area=410000"):
        queries = warm(client, path)
        assert tables_read(queries) == ["django_session", "auth_user", "installs_datarevision"]


def test_a_level_page_costs_the_same_queries_for_more_cities_and_counties(client):
    tree = two_provinces()
    client.force_login(make_user("ju", Profile.Role.BUREAU))
    client.get(PAGE)  # the first page after signing in writes the session
    paths = (f"{PAGE}?area=", f"{PAGE}?area=410000")
    before = [(cold(client, p), len(warm(client, p))) for p in paths]
    for number in range(5):
        city = make_area(f"市{number}", f"4199{number:02d}", tree.henan, order=10 + number)
        for county in range(3):
            region = make_region(f"县{county}", f"x{number}-{county}", city=city)
            make_snapshot(tree.week, region, tree.measure, 100, 10)
    assert [(cold(client, p), len(warm(client, p))) for p in paths] == before
