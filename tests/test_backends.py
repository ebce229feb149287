"""
installs.backends.ProfileBackend: the user and their profile in one query written
once per process, read into the same objects the ORM's
``select_related("profile").get(pk=…)`` gives, whatever the database.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from installs.backends import ProfileBackend
from installs.models import Profile, Region
from tests.factories import load_seed, make_user

pytestmark = pytest.mark.django_db


def same_as_the_orm(loaded, pk) -> None:
    expected = get_user_model().objects.select_related("profile").get(pk=pk)
    for field in get_user_model()._meta.concrete_fields:
        value = getattr(loaded, field.attname)
        assert value == getattr(expected, field.attname), field.name
        assert type(value) is type(getattr(expected, field.attname)), field.name
    for field in Profile._meta.concrete_fields:
        value = getattr(loaded.profile, field.attname)
        assert value == getattr(expected.profile, field.attname), field.name
        assert type(value) is type(getattr(expected.profile, field.attname)), field.name


def test_it_reads_the_user_and_the_profile_as_the_orm_does_in_one_query():
    load_seed()
    user = make_user("qy", "district", Region.objects.get(slug="qinyang"), first_name="王")
    user.last_login = datetime.datetime(2026, 11, 30, 8, 0, tzinfo=datetime.UTC)
    user.save()
    Profile.objects.filter(user=user).update(must_change_password=True)
    with CaptureQueriesContext(connection) as queries:
        loaded = ProfileBackend().get_user(user.pk)
        assert loaded.profile.role == "district"  # read with the user: no query of its own
        assert loaded.profile.user is loaded
    assert len(queries) == 1
    same_as_the_orm(loaded, user.pk)
    assert loaded.profile.must_change_password is True


def test_an_account_without_a_profile_has_none():
    user = make_user("no-role", None)
    with CaptureQueriesContext(connection) as queries:
        loaded = ProfileBackend().get_user(user.pk)
        assert getattr(loaded, "profile", None) is None
    assert len(queries) == 1
    assert loaded.username == "no-role" and loaded.pk == user.pk


def test_no_such_user_and_an_inactive_one_are_nobody():
    user = make_user("gone", "leader", is_active=False)
    assert ProfileBackend().get_user(user.pk) is None
    assert ProfileBackend().get_user(user.pk + 1000) is None
