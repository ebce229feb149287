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
    assert len(expected.value.messages) == 2
    for message in expected.value.messages:
        assert message in str(raised.value)
    # Django 5.2's own zh_Hans catalogue lacks its new "too short" wording; ours has it.
    assert "密码长度太短。密码必须包含至少 8 个字符。" in str(raised.value)


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


def test_the_account_must_change_its_password_at_first_login():
    add_user("ld", "--role", "leader", "--password", GOOD)
    assert profile("ld").must_change_password is True


def test_it_keeps_the_password_with_no_password_change():
    add_user("ld", "--role", "leader", "--password", GOOD, "--no-password-change")
    assert profile("ld").must_change_password is False


def test_a_password_changed_with_update_must_be_changed_again():
    make_user("ld", "leader")
    add_user("ld", "--role", "leader", "--password", GOOD, "--update")
    assert profile("ld").must_change_password is True


def test_it_refuses_a_region_before_asking_for_a_password(monkeypatch):
    def no_prompt(prompt=""):
        raise AssertionError("asked for a password")

    monkeypatch.setattr("getpass.getpass", no_prompt)
    with pytest.raises(CommandError, match="--region"):
        add_user("ld", "--role", "leader", "--region", "qinyang")


def test_it_says_the_region_rule_in_chinese():
    with pytest.raises(CommandError) as raised:
        add_user("qy1", "--role", "district", "--password", GOOD)
    assert "--region：区县填报员必须选择所属区县。" in str(raised.value)


# The admin's user pages: the same service, the same rules.


def admin_add(client, **fields) -> object:
    data = {
        "username": "wang",
        "password1": GOOD,
        "password2": GOOD,
        "role": "",
        "region": "",
        "must_change_password": "on",
        "_save": "Save",
        **fields,
    }
    return client.post("/admin/auth/user/add/", {k: v for k, v in data.items() if v is not None})


def admin_change(client, user, **fields) -> object:
    data = {
        "username": user.username,
        "is_active": "on",
        "date_joined_0": "2022-11-21",
        "date_joined_1": "09:00:00",
        "role": "",
        "region": "",
        "_save": "Save",
        **fields,
    }
    data = {k: v for k, v in data.items() if v is not None}
    return client.post(f"/admin/auth/user/{user.pk}/change/", data)


@pytest.fixture
def admin_session(client):
    admin = get_user_model().objects.create_superuser("root", password=GOOD)
    client.force_login(admin)
    client.admin = admin
    return client


def test_it_creates_a_district_account_with_its_region_in_the_admin(admin_session):
    qinyang = Region.objects.get(slug="qinyang")
    response = admin_add(admin_session, role="district", region=str(qinyang.pk))
    assert response.status_code == 302
    created = profile("wang")
    assert (created.role, created.region, created.must_change_password) == (
        "district",
        qinyang,
        True,
    )
    assert created.user.check_password(GOOD)
    assert response.url == f"/admin/auth/user/{created.user.pk}/change/"


def test_it_records_the_admin_user_who_made_the_account(admin_session):
    admin_add(admin_session, role="leader")
    record = Profile.history.get(user__username="wang")
    assert record.history_user == admin_session.admin


def test_it_creates_an_account_that_keeps_its_password_in_the_admin(admin_session):
    admin_add(admin_session, role="leader", must_change_password=None)
    assert profile("wang").must_change_password is False


def test_it_refuses_a_district_account_without_a_region_in_the_admin(admin_session):
    response = admin_add(admin_session, role="district")
    assert response.status_code == 200
    assert "区县填报员必须选择所属区县" in response.content.decode()
    assert not get_user_model().objects.filter(username="wang").exists()


def test_it_refuses_a_region_for_a_leader_in_the_admin(admin_session):
    qinyang = Region.objects.get(slug="qinyang")
    response = admin_add(admin_session, role="leader", region=str(qinyang.pk))
    assert response.status_code == 200
    assert "只有区县填报员才有所属区县" in response.content.decode()
    assert not get_user_model().objects.filter(username="wang").exists()


def test_it_refuses_an_account_without_a_role_in_the_admin(admin_session):
    response = admin_add(admin_session)
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="wang").exists()


def test_it_refuses_a_short_password_in_chinese_in_the_admin(admin_session):
    response = admin_add(admin_session, role="leader", password1="short1", password2="short1")
    html = response.content.decode()
    assert "密码长度太短。密码必须包含至少 8 个字符。" in html
    assert "too short" not in html
    assert not get_user_model().objects.filter(username="wang").exists()


def test_it_changes_the_role_and_region_in_the_admin(admin_session):
    user = make_user("ld", "leader")
    wenxian = Region.objects.get(slug="wenxian")
    response = admin_change(admin_session, user, role="district", region=str(wenxian.pk))
    assert response.status_code == 302
    changed = profile("ld")
    assert (changed.role, changed.region, changed.must_change_password) == (
        "district",
        wenxian,
        False,
    )
    assert Profile.history.filter(user=user).first().history_user == admin_session.admin


def test_it_saves_an_account_whose_region_was_made_inactive_in_the_admin(admin_session):
    qinyang = Region.objects.get(slug="qinyang")
    user = make_user("qy", "district", qinyang)
    Region.objects.filter(pk=qinyang.pk).update(active=False)
    response = admin_change(
        admin_session, user, role="district", region=str(qinyang.pk), first_name="小明"
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.first_name == "小明"


def test_it_shows_the_role_on_the_change_page(admin_session):
    user = make_user("qy", "district", Region.objects.get(slug="qinyang"))
    html = admin_session.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
    assert '<option value="district" selected>' in html


def test_it_refuses_a_change_to_district_without_a_region_in_the_admin(admin_session):
    user = make_user("ld", "leader")
    response = admin_change(admin_session, user, role="district")
    assert response.status_code == 200
    assert "区县填报员必须选择所属区县" in response.content.decode()
    assert profile("ld").role == "leader"


def test_it_refuses_to_remove_the_role_in_the_admin(admin_session):
    user = make_user("ld", "leader")
    assert admin_change(admin_session, user).status_code == 200
    assert profile("ld").role == "leader"


def test_it_leaves_an_account_without_a_role_so_in_the_admin(admin_session):
    user = make_user("nobody", None)
    assert admin_change(admin_session, user).status_code == 302
    assert not Profile.objects.filter(user=user).exists()


def test_a_password_set_in_the_admin_must_be_changed_at_next_login(admin_session):
    user = make_user("ld", "leader")
    response = admin_session.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": GOOD, "password2": GOOD, "usable_password": "true"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(GOOD)
    assert profile("ld").must_change_password is True


def test_the_profile_list_in_the_admin_is_read_only(admin_session):
    user = make_user("ld", "leader")
    pk = Profile.objects.get(user=user).pk
    assert admin_session.get("/admin/installs/profile/").status_code == 200
    assert admin_session.get("/admin/installs/profile/add/").status_code == 403
    response = admin_session.post(f"/admin/installs/profile/{pk}/change/", {"role": "bureau"})
    assert response.status_code == 403
    assert profile("ld").role == "leader"


def test_the_admins_add_user_page_is_in_chinese(admin_session):
    html = admin_session.get("/admin/auth/user/add/").content.decode()
    assert "创建用户后，可以再编辑该用户的其他选项。" in html
    assert "After you" not in html
