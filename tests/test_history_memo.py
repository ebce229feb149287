"""
The charts page and a region's page read every week's computed ranks from the
data revision's memo: computed once per change, queries constant in regions and
weeks even on a cold memo, and a week's history cut from the whole one equals
the history computed up to that week.
"""

from __future__ import annotations

import datetime

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from installs import rules, selectors
from installs.models import Measure, Region, Snapshot, Week
from installs.revision import memo_clear
from tests.factories import make_measure, make_region, make_snapshot, make_user, make_week

pytestmark = pytest.mark.django_db

FIRST = datetime.date(2022, 10, 3)


def grow(regions: int, weeks: int) -> None:
    """Regions and published weeks up to the given counts, every figure reported, some skipped."""
    if not Measure.objects.exists():
        make_measure("valve_pipe", order=1)
        make_measure("hose_lpg", device="金属软管", gas_type="液化气", order=2)
    for n in range(Region.objects.count(), regions):
        make_region(f"区县{n:02d}", slug=f"county-{n:02d}", order=n)
    for n in range(Week.objects.count(), weeks):
        make_week(FIRST + datetime.timedelta(weeks=n), state=Week.State.PUBLISHED)
    for w, week in enumerate(Week.objects.order_by("date")):
        for r, region in enumerate(Region.objects.order_by("order")):
            for m, measure in enumerate(Measure.objects.order_by("order")):
                if (w + r) % 5 == 4 or Snapshot.objects.filter(
                    week=week, region=region, measure=measure
                ).exists():
                    continue  # a week some region skips: carried
                make_snapshot(week, region, measure, 1000 + r * 37 + m, 100 + w * (r + 3) + m)


@pytest.fixture
def leader(client):
    client.force_login(make_user("lingdao", "leader"))
    # The first page after login writes the session (then once a minute at most): not counted.
    client.get("/accounts/password_change/")
    return client


def pages() -> list[str]:
    latest = Week.objects.order_by("-date").first().date
    middle = Week.objects.order_by("date")[1].date
    return [
        f"/weeks/{latest}/charts/",
        f"/weeks/{middle}/charts/?measure=hose_lpg",
        "/regions/county-01/",
    ]


def queries_cold(client, path: str) -> int:
    memo_clear()  # nothing computed before: the count is the code's, not the memo's
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def queries_warm(client, path: str) -> int:
    client.get(path)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_queries_do_not_grow_with_regions_or_weeks_on_a_cold_memo(leader):
    grow(regions=3, weeks=3)
    small = [queries_cold(leader, path) for path in pages()]
    grow(regions=9, weeks=12)
    large = [queries_cold(leader, path) for path in pages()]
    # selectors.latest_figures reads the last weeks first and the whole history only when
    # some pair was quiet longer: one query more or not, never one per region or week.
    assert all(s <= n <= s + 1 for s, n in zip(small, large, strict=True)), (small, large)
    grow(regions=15, weeks=20)
    assert [queries_cold(leader, path) for path in pages()] == large


def test_queries_do_not_grow_with_regions_or_weeks_once_computed(leader):
    grow(regions=3, weeks=3)
    small = [queries_warm(leader, path) for path in pages()]
    grow(regions=9, weeks=12)
    large = [queries_warm(leader, path) for path in pages()]
    assert large == small
    # Warm, a page reads the memo, not the figures: fewer queries than computing it.
    memo_clear()
    assert all(w < queries_cold(leader, p) for w, p in zip(large, pages(), strict=True))


def test_every_week_is_computed_once_until_a_figure_changes(leader, monkeypatch):
    grow(regions=4, weeks=5)
    computed = []
    history_table = rules.history_table
    forecast = selectors.week_forecast

    def counted_history(*args, **kwargs):
        computed.append("history")
        return history_table(*args, **kwargs)

    def counted_forecast(*args, **kwargs):
        computed.append("forecast")
        return forecast(*args, **kwargs)

    monkeypatch.setattr(rules, "history_table", counted_history)
    monkeypatch.setattr(selectors, "week_forecast", counted_forecast)
    for path in pages():
        leader.get(path)
    assert sorted(computed) == ["forecast", "history"]  # once for all pages and weeks
    computed.clear()
    for path in pages():
        leader.get(path)
    assert computed == []
    snapshot = Snapshot.objects.order_by("-week__date").first()
    snapshot.installed += 1
    snapshot.save()
    leader.get(pages()[2])
    assert sorted(computed) == ["forecast", "history"]


def test_a_week_cut_from_the_whole_history_equals_the_history_computed_up_to_it():
    grow(regions=5, weeks=6)
    # An inactive region reporting only in the last week, and one week no one reported.
    late = make_region("新区", slug="late", order=99, active=False)
    weeks = list(Week.objects.order_by("date"))
    for measure in Measure.objects.all():
        make_snapshot(weeks[-1], late, measure, 500, 50)
    Snapshot.objects.filter(week=weeks[3]).delete()
    for until in weeks:
        memo_clear()
        cut = selectors.progress_history(until=until)
        direct = selectors.history_computed(until=until)
        assert cut.dates == direct.dates
        assert cut.regions == direct.regions
        assert cut.measures == direct.measures
        pd.testing.assert_frame_equal(cut.table, direct.table)
        pd.testing.assert_frame_equal(cut.totals, direct.totals)
    assert late not in selectors.progress_history(until=weeks[-2]).regions
    assert late in selectors.progress_history(until=weeks[-1]).regions


def test_the_pages_show_a_figure_saved_after_they_were_drawn(leader):
    grow(regions=3, weeks=3)
    latest = Week.objects.order_by("-date").first()
    region = Region.objects.get(slug="county-01")
    trend = f"/weeks/{latest.date}/charts/"
    for path in (trend, "/regions/county-01/"):
        assert "987654" not in leader.get(path).content.decode()
    snapshot = Snapshot.objects.get(week=latest, region=region, measure__slug="valve_pipe")
    snapshot.households = 987654
    snapshot.save()
    # The region's table of every week, and the charts' numbers (rate bars' tooltips) show it.
    assert "987654" in leader.get("/regions/county-01/").content.decode()
    assert "987654" in leader.get(trend).content.decode()


def test_a_fragment_is_kept_per_language(leader):
    grow(regions=3, weeks=3)
    assert "逐周数据" in leader.get("/regions/county-01/").content.decode()
    # The request leaves its language active in this thread: put back what was there.
    with translation.override(translation.get_language()):
        english = leader.get("/regions/county-01/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Week by week, newest first" in english
