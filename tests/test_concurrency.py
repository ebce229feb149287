"""
No lost updates under real concurrency: threads, each with its own database
connection, save the same region-week at the same moment.

Run it on PostgreSQL (row locks with SELECT ... FOR UPDATE):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gas_entry .venv/bin/python -m pytest tests/test_concurrency.py
On SQLite the same tests pass because the settings open every transaction
with BEGIN IMMEDIATE: writers queue for the one database lock (busy timeout).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from installs.models import Measure, Region, Snapshot, Week
from installs.services.figures import FigureInput, FiguresConflict, WeekNotOpen, figures_save
from installs.services.weeks import week_lock
from tests.factories import load_seed, make_user, make_week

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8
DATE = "2022-11-28"


def run_at_once(work: Callable[[int], object]) -> list[object]:
    """Run work(0..THREADS-1) in threads released together; each result or raised exception."""
    barrier = threading.Barrier(THREADS)
    results: list[object] = [None] * THREADS

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as error:  # noqa: BLE001 - the test inspects every outcome
            results[i] = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a save hung"
    return results


@pytest.fixture
def city(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_seed()
    week = make_week(DATE)
    region = Region.objects.get(slug="qinyang")
    users = [make_user(f"qy{i}", "district", region) for i in range(THREADS)]
    return week, region, Measure.objects.get(slug="valve_pipe"), users


def kinds(results: list[object]) -> Counter:
    return Counter(type(r).__name__ for r in results)


def test_it_lets_one_of_eight_saves_on_the_same_version_win(city):
    week, region, measure, users = city
    figures_save(
        week=week,
        figures=[FigureInput(region=region, measure=measure, households=90000, installed=30000)],
        actor=users[0],
    )

    def save(i: int):
        return figures_save(
            week=week,
            figures=[
                FigureInput(
                    region=region,
                    measure=measure,
                    households=90000,
                    installed=30001 + i,
                    version=1,
                )
            ],
            actor=users[i],
        )

    results = run_at_once(save)
    assert kinds(results) == {"list": 1, "FiguresConflict": THREADS - 1}
    (winner,) = [i for i, r in enumerate(results) if isinstance(r, list)]
    stored = Snapshot.objects.get(week=week, region=region, measure=measure)
    assert (stored.installed, stored.version, stored.updated_by) == (
        30001 + winner,
        2,
        users[winner],
    )
    assert stored.history.count() == 2  # the first save and the winner: nothing else


def test_it_shows_every_loser_the_winners_figures(city):
    week, region, measure, users = city

    def save(i: int):
        return figures_save(
            week=week,
            figures=[
                FigureInput(region=region, measure=measure, households=90000, installed=29600 + i)
            ],
            actor=users[i],
        )

    results = run_at_once(save)
    (winner,) = [i for i, r in enumerate(results) if isinstance(r, list)]
    conflicts = [r for r in results if isinstance(r, FiguresConflict)]
    assert len(conflicts) == THREADS - 1
    assert {c.current[(region.pk, measure.pk)].installed for c in conflicts} == {29600 + winner}


def test_it_creates_one_row_when_eight_first_saves_race(city):
    week, region, measure, users = city

    def save(i: int):
        return figures_save(
            week=week,
            figures=[
                FigureInput(region=region, measure=measure, households=90000, installed=29700 + i)
            ],
            actor=users[i],
        )

    results = run_at_once(save)
    assert kinds(results) == {"list": 1, "FiguresConflict": THREADS - 1}
    assert Snapshot.objects.filter(week=week, region=region).count() == 1
    assert Snapshot.history.filter(week=week).count() == 1


def test_it_gives_seven_of_eight_concurrent_form_posts_a_conflict(city):
    week, region, measure, users = city
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        clients.append(client)
    url = reverse("installs:entry_region", kwargs={"date": DATE, "slug": "qinyang"})
    before = {
        s.measure.slug: s
        for s in Snapshot.objects.filter(week__date="2022-11-21", region=region).select_related(
            "measure"
        )
    }

    def post(i: int):
        data = {}
        for slug, snapshot in before.items():
            data[f"{slug}-households"] = str(snapshot.households)
            data[f"{slug}-installed"] = str(snapshot.installed + (i if slug == "hose_lpg" else 0))
            data[f"{slug}-version"] = ""
        return clients[i].post(url, data).status_code

    statuses = run_at_once(post)
    assert Counter(statuses) == {302: 1, 409: THREADS - 1}
    assert Snapshot.objects.filter(week=week, region=region).count() == 3
    assert Snapshot.history.filter(week=week).count() == 3


def test_it_never_saves_a_district_figure_after_the_week_is_locked(city):
    """
    Seven district saves race the bureau's lock. The first save is let through
    before the lock and the last one only after it, so the race has a known
    winner and a known loser whatever the timing: a save that always lost (or
    always won) would fail here, not only a save that slipped past the lock.
    """
    week, _region, measure, _users = city
    bureau = make_user("bureau", "bureau")
    regions = list(Region.objects.order_by("order")[: THREADS - 1])
    districts = [make_user(f"d{r.slug}", "district", r) for r in regions]
    last_week = {
        s.region_id: s
        for s in Snapshot.objects.filter(week__date="2022-11-21", measure=measure).select_related(
            "region"
        )
    }
    first_saved, locked = threading.Event(), threading.Event()

    def work(i: int):
        if i == 0:
            first_saved.wait(timeout=30)
            try:
                return week_lock(week=week, actor=bureau)
            finally:
                locked.set()
        if i == THREADS - 1:
            locked.wait(timeout=30)
        before = last_week[regions[i - 1].pk]
        try:
            return figures_save(
                week=week,  # the caller's copy says "open": only the locked row knows better
                figures=[
                    FigureInput(
                        region=before.region,
                        measure=measure,
                        households=before.households,
                        installed=before.installed + 1,
                    )
                ],
                actor=districts[i - 1],
            )
        finally:
            if i == 1:
                first_saved.set()

    results = run_at_once(work)
    assert isinstance(results[0], Week), results[0]
    saves = results[1:]
    assert all(isinstance(r, (list, WeekNotOpen)) for r in saves), saves
    assert isinstance(saves[0], list)  # saved before the lock
    assert isinstance(saves[-1], WeekNotOpen)  # refused after it
    winners = sum(isinstance(r, list) for r in saves)
    assert 1 <= winners <= THREADS - 2
    locked_at = Week.objects.get(pk=week.pk).state_changed_at
    saved_at = list(Snapshot.history.filter(week=week).values_list("history_date", flat=True))
    assert len(saved_at) == winners
    assert Snapshot.objects.filter(week=week).count() == winners
    assert all(when < locked_at for when in saved_at)
