"""
With CACHE_URL=redis://…, every process of every app server shares the computed
weeks: a week computed in one process is read in another without computing it, and
a write in any process is seen by every process's next read.

Runs against the real Redis at 127.0.0.1:6379 (TEST_REDIS_URL to change it), in a
database of its own (11); it deletes only its own keys (a prefix unique to the run),
so test runs on the same machine do not disturb each other. The other processes are
real ones (tests/app_process.py) on the same test database, which is committed
(transactional tests) so that they can see it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from config.settings import cache_from_url
from installs import selectors
from installs.models import Measure, Region, Snapshot, Week
from installs.services.figures import ANY_VERSION, FigureInput, figures_save
from tests.factories import load_seed, make_user

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
DATE, REGION, MEASURE = "2022-11-21", "qinyang", "valve_pipe"


PREFIX = f"gasdash-test-{uuid.uuid4().hex[:12]}"  # this run's keys


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (
        f"postgres://{settings['USER']}{password}@{settings['HOST'] or '127.0.0.1'}"
        f":{settings['PORT'] or 5432}/{settings['NAME']}"
    )


class OtherProcess:
    """tests/app_process.py in an interpreter of its own: same database, same cache, nothing else."""

    def __init__(self) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CACHE_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": PREFIX,
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.app_process"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def __call__(self, *request: str) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"tests.app_process ended with status {self.process.wait()}"
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def other(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        process = OtherProcess()
    yield process
    process.close()


@pytest.fixture
def shared_cache():
    with override_settings(CACHES={"default": {**cache_from_url(REDIS_URL), "KEY_PREFIX": PREFIX}}):
        cache.get("reachable?")  # no Redis: an error here, not a skip
        yield
        client = cache._cache.get_client(write=True)
        for key in client.scan_iter(match=f"{PREFIX}:*"):
            client.delete(key)


def read_here() -> dict:
    week = Week.objects.get(date=DATE)
    pair = (Region.objects.get(slug=REGION).pk, Measure.objects.get(slug=MEASURE).pk)
    with CaptureQueriesContext(connection) as queries:
        progress = selectors.computed_week(week)
    return {"installed": progress.records[pair]["installed"], "queries": len(queries)}


@pytest.mark.django_db(transaction=True)
def test_a_week_computed_in_one_process_is_read_in_another(shared_cache, other):
    load_seed()
    there = other("read", DATE, REGION, MEASURE)
    here = read_here()
    assert there["installed"] == here["installed"] == 29577
    assert there["queries"] > 1  # computed
    # A memo per process would compute again in this one.
    assert here["queries"] == 1  # the revision token only
    assert other("read", DATE, REGION, MEASURE) == {"installed": 29577, "queries": 1}


@pytest.mark.django_db(transaction=True)
def test_a_write_in_one_process_is_seen_by_every_next_read(shared_cache, other):
    load_seed()
    bureau = make_user("shiju", "bureau")
    assert read_here()["installed"] == 29577  # computed and kept
    assert other("read", DATE, REGION, MEASURE)["queries"] == 1

    other("write", DATE, REGION, MEASURE, "29600", "shiju")
    assert read_here()["installed"] == 29600
    assert other("read", DATE, REGION, MEASURE) == {
        "installed": 29600,
        "queries": 1,  # computed once, by this process's read
    }

    snapshot = Snapshot.objects.get(week__date=DATE, region__slug=REGION, measure__slug=MEASURE)
    figures_save(
        week=snapshot.week,
        figures=[
            FigureInput(
                region=snapshot.region,
                measure=snapshot.measure,
                households=snapshot.households,
                installed=29650,
                version=ANY_VERSION,
            )
        ],
        actor=bureau,
        reason="correction",
        confirmed=True,
    )
    assert other("read", DATE, REGION, MEASURE)["installed"] == 29650
    assert read_here() == {"installed": 29650, "queries": 1}


def test_one_redis_client_serves_every_call_of_a_process():
    """installs.redis_cache: Django's backend made a redis.Redis per call (5 % of a page)."""
    from installs.redis_cache import RedisCache

    backend = RedisCache(REDIS_URL, {"KEY_PREFIX": PREFIX})
    client = backend._cache.get_client(write=True)
    assert backend._cache.get_client(write=False) is client
    backend.set("one-client", {"week": DATE})
    try:
        assert backend.get("one-client") == {"week": DATE}
    finally:
        backend.delete("one-client")
    assert backend._cache.get_client() is client
