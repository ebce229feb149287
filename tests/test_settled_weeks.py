"""
A figure saved in one week changes nothing computed for the weeks before it: their
pages stay kept while the week's own page and the later ones are computed afresh
(installs.revision: settled_token and settled_before). Any other change renews all.
"""

from __future__ import annotations

import datetime

import pytest

from installs.models import DataRevision, Region, Snapshot
from installs.revision import memo_clear, revision_bump
from tests.factories import load_seed, make_user
from tests.test_page_cache import page

pytestmark = pytest.mark.django_db

THIS_WEEK = "/weeks/2022-11-21/"
LAST_WEEK = "/weeks/2022-11-14/"


@pytest.fixture
def leader(client):
    load_seed()  # each figure loaded moves settled_before down to its week: all of them
    revision_bump()  # as opening a week does: every week settled again
    client.force_login(make_user("lingdao", "leader"))
    memo_clear()
    for path in (THIS_WEEK, LAST_WEEK):
        assert page(client, path)[1]  # drawn
        assert not page(client, path)[1]  # kept
    return client


def save_figure(date: str, installed: int) -> None:
    snapshot = Snapshot.objects.get(
        week__date=date, region__slug="qinyang", measure__slug="valve_pipe"
    )
    snapshot.installed = installed
    snapshot.save()


def test_a_figure_saved_this_week_keeps_the_pages_of_earlier_weeks(leader):
    before, _ = page(leader, LAST_WEEK)
    save_figure("2022-11-21", 31577)
    html, drawn = page(leader, LAST_WEEK)
    assert not drawn
    assert html == before
    html, drawn = page(leader, THIS_WEEK)
    assert drawn
    assert ">31577<" in html


def test_a_figure_saved_in_an_earlier_week_renews_it_and_the_later_weeks(leader):
    save_figure("2022-11-14", 29000)
    html, drawn = page(leader, LAST_WEEK)
    assert drawn
    assert ">29000<" in html
    assert page(leader, THIS_WEEK)[1]  # its 环比新增 counts from last week


def test_any_other_change_renews_every_week(leader):
    region = Region.objects.get(slug="qinyang")
    region.name = "沁阳市（新）"
    region.save()
    for path in (LAST_WEEK, THIS_WEEK):
        html, drawn = page(leader, path)
        assert drawn
        assert "沁阳市（新）" in html


def test_the_settled_weeks_end_at_the_earliest_week_written():
    def settled_before():
        return DataRevision.objects.get(pk=1).settled_before

    revision_bump()
    settled = DataRevision.objects.get(pk=1).settled_token
    assert settled_before() is None
    revision_bump(week=datetime.date(2022, 11, 21))
    assert settled_before() == datetime.date(2022, 11, 21)
    revision_bump(week=datetime.date(2022, 11, 28))
    assert settled_before() == datetime.date(2022, 11, 21)
    revision_bump(week=datetime.date(2022, 11, 14))
    assert settled_before() == datetime.date(2022, 11, 14)
    assert DataRevision.objects.get(pk=1).settled_token == settled
    revision_bump()
    assert settled_before() is None
    assert DataRevision.objects.get(pk=1).settled_token != settled
