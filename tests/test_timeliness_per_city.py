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


def test_a_report_with_no_known_time_is_neither_on_time_nor_late():
    deadline = datetime.datetime(2022, 11, 21, 4, tzinfo=datetime.UTC)
    now = deadline + datetime.timedelta(days=3)
    status = deadline_rules.timeliness(reported=True, reported_at=None, deadline=deadline, now=now)
    assert status == deadline_rules.UNKNOWN
    assert deadline_rules.on_time_rate([deadline_rules.UNKNOWN, deadline_rules.ON_TIME]) == (1, 1)


def test_the_status_panel_does_not_call_loaded_figures_late(client):
    from django.urls import reverse

    from installs.models import Profile
    from tests.factories import load_seed, make_user

    load_seed()  # figures from the fixture: no save record, so no report time
    client.force_login(make_user("ju", Profile.Role.BUREAU))
    page = client.get(reverse("installs:week_status", args=["2022-11-21"])).content.decode()
    assert page.count("已填报（时间不详）") == 11
    assert "逾期填报" not in page
