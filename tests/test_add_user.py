"""manage.py add_user: accounts with a role, from the command line."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from installs.models import Profile, Region
from tests.factories import load_seed, make_user

pytestmark = pytest.mark.django_db

GOOD = "kettle-orchard-1121"


@pytest.fixture(autouse=True)
def seed():
    load_seed()


def add_user(*args: str) -> None:
    call_command("add_user", *args, stdout=StringIO())


def profile(username: str) -> Profile:
    return Profile.objects.select_related("user", "region").get(user__username=username)


def test_it_creates_a_district_account_by_region_name():
    add_user("qy1", "--role", "district", "--region", "沁阳市", "--password", GOOD)
    created = profile("qy1")
    assert (created.role, created.region.slug) == ("district", "qinyang")
    assert created.user.check_password(GOOD)


def test_it_finds_the_region_by_slug():
    add_user("qy1", "--role", "district", "--region", "qinyang", "--password", GOOD)
    assert profile("qy1").region.name == "沁阳市"


def test_it_finds_the_region_by_alias():
    add_user("sf", "--role", "district", "--region", "城乡一体化示范区", "--password", GOOD)
    assert profile("sf").region.slug == "shifanqu"


@pytest.mark.parametrize("role", ["bureau", "leader"])
def test_it_creates_bureau_and_leader_accounts_without_a_region(role):
    add_user("someone", "--role", role, "--password", GOOD)
    assert (profile("someone").role, profile("someone").region) == (role, None)


def test_it_refuses_a_district_account_without_a_region():
    with pytest.raises(CommandError, match="--region"):
        add_user("qy1", "--role", "district", "--password", GOOD)
    assert not get_user_model().objects.filter(username="qy1").exists()


def test_it_refuses_a_region_for_other_roles():
    with pytest.raises(CommandError, match="--region"):
        add_user("ld", "--role", "leader", "--region", "qinyang", "--password", GOOD)
    assert not get_user_model().objects.exists()


def test_it_refuses_an_unknown_region_and_lists_the_regions():
    with pytest.raises(CommandError, match="沁阳市 \\(qinyang\\)"):
        add_user("x", "--role", "district", "--region", "火星区", "--password", GOOD)


def test_it_refuses_an_unknown_role():
    with pytest.raises(CommandError):
        add_user("x", "--role", "mayor", "--password", GOOD)


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("password123", "这个密码太常见了"),
        ("8264917350", "密码只包含数字"),
    ],
)
def test_it_refuses_a_weak_password_with_the_validators_message(password, says):
    with pytest.raises(CommandError) as raised:
        add_user("ld", "--role", "leader", "--password", password)
    assert says in str(raised.value)
    assert not get_user_model().objects.filter(username="ld").exists()


def test_it_refuses_a_short_password_with_every_validators_message():
    with pytest.raises(ValidationError) as expected:
        password_validation.validate_password("short1")
    with pytest.raises(CommandError) as raised:
        add_user("ld", "--role", "leader", "--password", "short1")
    # Django 5.2's own zh_Hans catalogue lacks its new "too short" wording: compare with Django.
    assert len(expected.value.messages) == 2
    for message in expected.value.messages:
        assert message in str(raised.value)


def test_it_refuses_a_password_like_the_username():
    with pytest.raises(CommandError):
        add_user("wangxiaoming", "--role", "leader", "--password", "wangxiaoming1")


def test_it_refuses_an_existing_username_without_update():
    make_user("ld", "leader")
    with pytest.raises(CommandError, match="--update"):
        add_user("ld", "--role", "bureau", "--password", GOOD)
    assert profile("ld").role == "leader"


def test_it_changes_an_existing_account_with_update():
    make_user("ld", "leader")
    add_user("ld", "--role", "district", "--region", "wenxian", "--password", GOOD, "--update")
    changed = profile("ld")
    assert (changed.role, changed.region.slug) == ("district", "wenxian")
    assert changed.user.check_password(GOOD)


def test_it_asks_for_the_password_twice(monkeypatch):
    answers = iter([GOOD, GOOD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    add_user("ld", "--role", "leader")
    assert profile("ld").user.check_password(GOOD)


def test_it_refuses_two_different_passwords(monkeypatch):
    answers = iter([GOOD, GOOD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    with pytest.raises(CommandError, match="不一致"):
        add_user("ld", "--role", "leader")
    assert not get_user_model().objects.exists()


def admin_add(client, **profile) -> object:
    data = {
        "username": "wang",
        "password1": GOOD,
        "password2": GOOD,
        "usable_password": "true",
        "profile-TOTAL_FORMS": "1",
        "profile-INITIAL_FORMS": "0",
        "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1",
        "profile-0-role": profile.get("role", ""),
        "profile-0-region": profile.get("region", ""),
        "_save": "Save",
    }
    return client.post("/admin/auth/user/add/", data)


@pytest.fixture
def admin_session(client):
    admin = get_user_model().objects.create_superuser("root", password=GOOD)
    client.force_login(admin)
    return client


def test_it_creates_a_district_account_with_its_region_in_the_admin(admin_session):
    qinyang = Region.objects.get(slug="qinyang")
    response = admin_add(admin_session, role="district", region=str(qinyang.pk))
    assert response.status_code == 302
    assert (profile("wang").role, profile("wang").region) == ("district", qinyang)


def test_it_refuses_a_district_account_without_a_region_in_the_admin(admin_session):
    response = admin_add(admin_session, role="district")
    assert response.status_code == 200
    assert "区县填报员必须选择所属县(市、区)" in response.content.decode()
    assert not get_user_model().objects.filter(username="wang").exists()


def test_it_refuses_a_region_for_a_leader_in_the_admin(admin_session):
    qinyang = Region.objects.get(slug="qinyang")
    response = admin_add(admin_session, role="leader", region=str(qinyang.pk))
    assert response.status_code == 200
    assert "只有区县填报员才有所属县(市、区)" in response.content.decode()
    assert not get_user_model().objects.filter(username="wang").exists()
