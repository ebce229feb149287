"""Small builders for test data: a city in code, and users of each role."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.management import call_command

from installs.models import Area, Measure, Profile, Region, Snapshot, Week

PASSWORD = "a-long-test-passphrase-2022"


def load_seed() -> None:
    """The newspaper's 11 regions, 3 measures and the weeks 2022-11-14 and 2022-11-21."""
    call_command("loaddata", "seed_2022-11-21", verbosity=0)


def make_area(name: str, code: str, parent: Area | None = None, order: int = 0) -> Area:
    """A province (no parent) or a city (under a province)."""
    level = Area.Level.CITY if parent is not None else Area.Level.PROVINCE
    return Area.objects.create(name=name, code=code, level=level, parent=parent, order=order)


def default_city() -> Area:
    """河南省 › 焦作市, made on first use: the city regions are made in unless one is given."""
    province = Area.objects.filter(code="410000").first() or make_area("河南省", "410000")
    return Area.objects.filter(code="410800").first() or make_area("焦作市", "410800", province)


def make_region(name: str, slug: str | None = None, order: int = 0, **fields) -> Region:
    fields.setdefault("city", None)
    fields["city"] = fields["city"] or default_city()
    return Region.objects.create(name=name, slug=slug or name.lower(), order=order, **fields)


def make_measure(
    slug: str, device: str = "自闭阀", gas_type: str = "管道气", order: int = 0, **fields
) -> Measure:
    return Measure.objects.create(
        slug=slug, device=device, gas_type=gas_type, order=order, **fields
    )


def make_week(date: str | datetime.date, state: str = Week.State.OPEN) -> Week:
    if isinstance(date, str):
        date = datetime.date.fromisoformat(date)
    return Week.objects.create(date=date, state=state)


def make_snapshot(
    week: Week, region: Region, measure: Measure, households: int, installed: int
) -> Snapshot:
    return Snapshot.objects.create(
        week=week, region=region, measure=measure, households=households, installed=installed
    )


def seed_figures_carried_on(first: Week, second: Week) -> None:
    """
    The seed week's (2022-11-21) figures reported again in two later weeks, installed
    up by 10 and by 25 (never above households), 温县 skipping the first of them: its
    figures there are carried (未填报※).
    """
    for snapshot in Snapshot.objects.filter(week__date="2022-11-21"):
        for week, extra in ((first, 10), (second, 25)):
            if snapshot.region.name == "温县" and week == first:
                continue
            make_snapshot(
                week,
                snapshot.region,
                snapshot.measure,
                snapshot.households,
                min(snapshot.households, snapshot.installed + extra),
            )


def make_user(username: str, role: str | None, region: Region | None = None, **fields):
    """A user with a role ('district' needs a region); role None makes an account with no role."""
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)
    if role is not None:
        Profile.objects.create(user=user, role=role, region=region)
    return user
