"""A week's timeliness is judged per city: one city's saves do not time another's loaded figures."""

import datetime

import pytest

from installs import deadline_rules, deadlines
from installs.models import Snapshot
from tests.factories import make_area, make_measure, make_region, make_snapshot, make_week

pytestmark = pytest.mark.django_db


def test_a_city_with_loaded_figures_is_not_called_late_because_another_city_saved_late():
    province = make_area("河南省", "410000")
    jiaozuo = make_area("焦作市", "410800", province)
    xinxiang = make_area("新乡市", "410700", province)
    loaded = make_region("沁阳市", "qinyang", city=jiaozuo)
    saved = make_region("卫辉市", "weihui", city=xinxiang)
    measure = make_measure("valve_pipe")
    week = make_week("2022-11-21")
    week.deadline = datetime.datetime(2022, 11, 21, 4, tzinfo=datetime.UTC)
    week.save()
    # A loaded backup or fixture: figures with no history record (bulk_create keeps none).
    Snapshot.objects.bulk_create(
        [Snapshot(week=week, region=loaded, measure=measure, households=100, installed=10)]
    )
    make_snapshot(week, saved, measure, 100, 20)  # saved through the app, now: after the deadline

    assert deadlines.week_statuses(week, city=jiaozuo) is None
    assert deadlines.week_statuses(week, city=xinxiang) == {saved.pk: deadline_rules.LATE}
