"""The audit trail pages: every change of a figure (who, when, old → new, source and reason) and of a week's state."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from installs import audit
from installs.models import Measure, Region
from installs.services.figures import FigureInput, figures_save
from installs.services.weeks import week_lock
from tests.factories import load_seed, make_user, make_week

pytestmark = pytest.mark.django_db

DATE = datetime.date(2022, 11, 28)


@pytest.fixture
def city():
    load_seed()
    return make_week(DATE)


@pytest.fixture
def bureau():
    return make_user("bureau", "bureau", first_name="王科长")


@pytest.fixture
def qinyang_user(city):
    return make_user("qinyang", "district", Region.objects.get(slug="qinyang"))


def save(week, region_slug, measure_slug, households, installed, *, actor, reason="", **kwargs):
    region = Region.objects.get(slug=region_slug)
    measure = Measure.objects.get(slug=measure_slug)
    snapshot = region.snapshot_set.filter(week=week, measure=measure).first()
    figure = FigureInput(
        region=region,
        measure=measure,
        households=households,
        installed=installed,
        version=snapshot.version if snapshot else None,
    )
    return figures_save(week=week, figures=[figure], actor=actor, reason=reason, **kwargs)


def region_week_url(slug="qinyang", date=DATE):
    return reverse("installs:audit_region_week", args=[date, slug])


def test_it_shows_a_change_with_old_and_new_who_and_reason(client, city, bureau):
    save(city, "qinyang", "valve_pipe", 87326, 29600, actor=bureau, source="grid")
    save(
        city,
        "qinyang",
        "valve_pipe",
        87326,
        29590,
        actor=bureau,
        reason="多报10户",
        source="grid",
        confirmed=True,
    )
    client.force_login(bureau)
    html = client.get(region_week_url()).content.decode()
    assert '<span class="old">29600</span> → <span class="new">29590</span>' in html
    assert "王科长" in html
    assert "多报10户" in html and "批量填报" in html


def test_it_shows_a_new_figure_as_from_nothing(client, city, bureau):
    save(city, "qinyang", "valve_pipe", 87326, 29600, actor=bureau)
    client.force_login(bureau)
    html = client.get(region_week_url()).content.decode()
    assert '<span class="old">—</span> → <span class="new">29600</span>' in html


def test_it_lists_only_the_changed_field(client, city, bureau):
    save(city, "qinyang", "valve_pipe", 87326, 29600, actor=bureau)
    save(city, "qinyang", "valve_pipe", 87326, 29650, actor=bureau)
    entry = audit.audit_entries(
        audit.audit_queryset(week=city, region=Region.objects.get(slug="qinyang"))
    )[0]
    assert [(c.field, c.old, c.new) for c in entry.changes] == [("installed", 29600, 29650)]


def test_it_keeps_the_value_before_a_change_when_filtering_by_user(city, bureau, qinyang_user):
    save(city, "qinyang", "valve_pipe", 87326, 29600, actor=qinyang_user)
    save(city, "qinyang", "valve_pipe", 87326, 29700, actor=bureau)
    entries = audit.audit_entries(audit.audit_queryset(user=bureau))
    assert [(c.old, c.new) for e in entries for c in e.changes] == [(29600, 29700)]


def test_it_shows_week_state_changes_in_the_list(client, city, bureau):
    week_lock(week=city, actor=bureau, reason="周一下午截止")
    client.force_login(bureau)
    html = client.get(reverse("installs:audit_list")).content.decode()
    assert "填报中" in html and "已锁定" in html and "周一下午截止" in html


def test_it_lists_newest_first(city, bureau):
    save(city, "qinyang", "valve_pipe", 87326, 29600, actor=bureau)
    save(city, "mengzhou", "valve_pipe", 80147, 29500, actor=bureau)
    entries = audit.audit_entries(audit.audit_queryset(week=city, include_weeks=False))
    assert [e.region.slug for e in entries] == ["mengzhou", "qinyang"]


def test_it_filters_the_list_by_region(client, city, bureau):
    save(city, "qinyang", "valve_pipe", 87326, 29600, actor=bureau)
    save(city, "mengzhou", "valve_pipe", 80147, 29500, actor=bureau)
    client.force_login(bureau)
    html = client.get(reverse("installs:audit_list"), {"region": "mengzhou"}).content.decode()
    assert "29500" in html and "29600" not in html


def test_it_filters_the_list_by_week_and_user(client, city, bureau, qinyang_user):
    save(city, "qinyang", "valve_pipe", 87326, 29600, actor=qinyang_user)
    save(city, "qinyang", "hose_pipe", 87988, 87950, actor=bureau)
    client.force_login(bureau)
    response = client.get(
        reverse("installs:audit_list"), {"week": DATE.isoformat(), "user": "qinyang"}
    )
    html = response.content.decode()
    assert "29600" in html and "87950" not in html


def test_it_explains_a_filter_it_cannot_use(client, city, bureau):
    client.force_login(bureau)
    response = client.get(reverse("installs:audit_list"), {"week": "2099-01-01"})
    assert response.status_code == 200
    assert 'class="form-errors"' in response.content.decode()


def test_it_pages_the_list(client, city, bureau):
    for installed in range(29600, 29600 + 55):
        save(city, "qinyang", "valve_pipe", 87326, installed, actor=bureau)
    client.force_login(bureau)
    first = client.get(
        reverse("installs:audit_list"), {"region": "qinyang", "week": DATE.isoformat()}
    )
    assert first.context["page"].paginator.num_pages == 2
    assert "29654" in first.content.decode()
    second = client.get(
        reverse("installs:audit_list"), {"region": "qinyang", "week": DATE.isoformat(), "page": 2}
    )
    assert "29604" in second.content.decode() and "29654" not in second.content.decode()


# Who may read what.


def test_it_shows_a_district_its_own_region(client, city, qinyang_user):
    save(city, "qinyang", "valve_pipe", 87326, 29600, actor=qinyang_user)
    client.force_login(qinyang_user)
    assert client.get(region_week_url("qinyang")).status_code == 200


def test_it_refuses_a_district_another_region(client, city, qinyang_user):
    client.force_login(qinyang_user)
    assert client.get(region_week_url("mengzhou")).status_code == 403


def test_it_limits_a_districts_list_to_its_region(client, city, bureau, qinyang_user):
    save(city, "qinyang", "valve_pipe", 87326, 29600, actor=qinyang_user)
    save(city, "mengzhou", "valve_pipe", 80147, 29500, actor=bureau)
    client.force_login(qinyang_user)
    html = client.get(reverse("installs:audit_list"), {"region": "mengzhou"}).content.decode()
    assert "29600" in html and "29500" not in html


def test_it_lets_leadership_read_the_trail(client, city):
    client.force_login(make_user("leader", "leader"))
    assert client.get(reverse("installs:audit_list")).status_code == 200
    assert client.get(region_week_url("mengzhou")).status_code == 200


def test_it_refuses_an_account_without_a_role(client, city):
    client.force_login(make_user("nobody", None))
    assert client.get(reverse("installs:audit_list")).status_code == 403
    assert client.get(region_week_url()).status_code == 403


def test_it_sends_anonymous_users_to_login(client, city):
    assert client.get(reverse("installs:audit_list")).status_code == 302
    assert client.get(region_week_url()).status_code == 302


def test_it_answers_404_for_an_unknown_week_or_region(client, city, bureau):
    client.force_login(bureau)
    assert client.get(region_week_url("atlantis")).status_code == 404
    assert client.get(region_week_url(date=datetime.date(2030, 1, 7))).status_code == 404
