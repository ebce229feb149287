"""
selectors.latest_figures reads the last eight weeks first and the whole history
only for pairs with fewer than two figures there: the same rows as the one query
over the whole history, written out by hand for the pairs where it could differ.
"""

from __future__ import annotations

import datetime

import pytest

from installs import selectors
from installs.models import Measure, Region
from tests.factories import default_city, make_measure, make_region, make_snapshot, make_week

pytestmark = pytest.mark.django_db
LAST = datetime.date(2022, 11, 21)


def weeks_back(n: int):
    return make_week(LAST - datetime.timedelta(weeks=n))


def rows(frame) -> set[tuple]:
    return {tuple(r) for r in frame.itertuples(index=False)}


@pytest.fixture
def history():
    valve = make_measure("valve_pipe", order=1)
    hose = make_measure("hose_pipe", device="金属软管", order=2)
    weeks = {n: weeks_back(n) for n in (0, 1, 2, 9, 10, 20)}
    every = make_region("每周", "every")  # reports every one of those weeks
    old = make_region("久未", "old")  # last reported 9 and 10 weeks ago
    one_recent = make_region("一近一远", "one-recent")  # this week, then 20 weeks ago
    make_region("从未", "never")  # nothing at all
    for n, week in weeks.items():
        make_snapshot(week, every, valve, 100, 100 - n)
        make_snapshot(week, every, hose, 50, 50 - n)
    make_snapshot(weeks[9], old, valve, 200, 20)
    make_snapshot(weeks[10], old, valve, 200, 10)
    make_snapshot(weeks[0], one_recent, hose, 300, 30)
    make_snapshot(weeks[20], one_recent, hose, 300, 3)
    return weeks[0]


def all_pairs():
    return {(r.pk, m.pk) for r in Region.objects.all() for m in Measure.objects.all()}


def test_it_finds_what_the_whole_history_holds(history):
    fast = selectors.latest_figures(history, default_city(), pairs=all_pairs())
    whole = selectors.latest_figures(history, default_city())
    assert rows(fast) == rows(whole)
    assert len(fast) == 2 + 2 + 2 + 2  # every: 2 pairs × 2; old: 2; one-recent: 2


def test_older_figures_of_a_pair_quiet_for_weeks(history):
    fast = selectors.latest_figures(history, default_city(), pairs=all_pairs())
    old = Region.objects.get(slug="old").pk
    one_recent = Region.objects.get(slug="one-recent").pk
    picked = sorted((r.region, r.installed, r.recency) for r in fast.itertuples())
    assert [p for p in picked if p[0] == old] == [(old, 10, 2), (old, 20, 1)]
    assert [p for p in picked if p[0] == one_recent] == [(one_recent, 3, 2), (one_recent, 30, 1)]
