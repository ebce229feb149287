"""installs.services.accounts: the one way accounts are made and changed."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from installs.models import Profile, Region
from installs.services.accounts import (
    account_add,
    account_password_change,
    account_password_set,
    account_update,
)
from tests.factories import load_seed, make_user

pytestmark = pytest.mark.django_db

GOOD = "kettle-orchard-1121"


@pytest.fixture(autouse=True)
def seed():
    load_seed()


def region(slug: str) -> Region:
    return Region.objects.get(slug=slug)


def add(**overrides):
    fields = {
        "username": "wang",
        "role": "district",
        "region": region("qinyang"),
        "password": GOOD,
        "actor": None,
    }
    return account_add(**{**fields, **overrides})


def refusal(**overrides) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        add(**overrides)
    assert not get_user_model().objects.filter(username="wang").exists()
    return raised.value.message_dict


def test_it_creates_a_district_account_that_must_change_its_password():
    user = add()
    profile = Profile.objects.get(user=user)
    assert (profile.role, profile.region.slug, profile.must_change_password) == (
        "district",
        "qinyang",
        True,
    )
    assert user.check_password(GOOD)


def test_it_creates_an_account_that_keeps_its_password_when_asked():
    user = add(role="leader", region=None, must_change_password=False)
    assert Profile.objects.get(user=user).must_change_password is False


def test_it_records_who_created_the_account():
    root = make_user("root", None, is_superuser=True)
    user = add(actor=root)
    record = Profile.history.get(user=user)
    assert (record.history_type, record.history_user, record.history_change_reason) == (
        "+",
        root,
        "创建账号",
    )


def test_it_refuses_a_district_account_without_a_region_in_chinese():
    assert refusal(region=None) == {"region": ["区县填报员必须选择所属区县。"]}


@pytest.mark.parametrize("role", ["bureau", "leader"])
def test_it_refuses_a_region_for_other_roles_in_chinese(role):
    assert refusal(role=role) == {"region": ["只有区县填报员才有所属区县。"]}


def test_it_refuses_an_inactive_region_in_chinese():
    Region.objects.filter(slug="qinyang").update(active=False)
    assert refusal() == {"region": ["沁阳市 已停用，不能再选择。"]}


def test_an_account_keeps_its_region_made_inactive_since():
    user = add()
    Region.objects.filter(slug="qinyang").update(active=False)
    account_update(
        user=user, role="district", region=region("qinyang"), actor=None, must_change_password=False
    )
    assert Profile.objects.get(user=user).must_change_password is False


def test_it_refuses_to_move_an_account_to_an_inactive_region():
    user = add()
    Region.objects.filter(slug="wenxian").update(active=False)
    with pytest.raises(ValidationError) as raised:
        account_update(user=user, role="district", region=region("wenxian"), actor=None)
    assert raised.value.message_dict == {"region": ["温县 已停用，不能再选择。"]}


def test_it_refuses_an_unknown_role_in_chinese():
    (message,) = refusal(role="mayor", region=None)["role"]
    assert message.startswith("请选择角色：区县填报员、")


def test_it_refuses_an_existing_username_in_chinese():
    make_user("wang", "leader")
    with pytest.raises(ValidationError) as raised:
        add()
    assert raised.value.message_dict == {"username": ["用户 wang 已存在。"]}


def test_it_refuses_a_username_that_differs_only_in_case():
    make_user("Wang", "leader")
    assert refusal()["username"] == ["用户 wang 已存在。"]


def test_it_refuses_a_username_taken_at_the_same_moment(monkeypatch):
    """The existence check passes, then the database's unique constraint refuses."""
    make_user("wang", "leader")
    real_filter = get_user_model().objects.filter
    monkeypatch.setattr(
        get_user_model().objects,
        "filter",
        lambda **kw: (
            real_filter(pk=-1) if kw == {"username__iexact": "wang"} else real_filter(**kw)
        ),
    )
    with pytest.raises(ValidationError) as raised:
        add()
    assert raised.value.message_dict == {"username": ["用户 wang 已存在。"]}
    assert Profile.objects.get(user__username="wang").role == "leader"


def test_it_refuses_an_empty_username_in_chinese():
    assert refusal(username="  ") == {"username": ["用户名不能为空。"]}


def test_it_refuses_a_username_with_spaces_inside():
    assert list(refusal(username="wang xiao")) == ["username"]


def test_it_refuses_a_short_password_in_chinese_only():
    messages = refusal(password="short1")["password"]
    assert messages == ["密码长度太短。密码必须包含至少 8 个字符。", "这个密码太常见了。"]


def test_it_refuses_a_password_like_the_username():
    assert refusal(username="wangxiaoming", password="wangxiaoming1")["password"] == [
        "密码跟 用户名 太相似了。"
    ]


def test_it_names_every_problem_at_once():
    assert set(refusal(region=None, password="8264917350")) == {"region", "password"}


def test_it_changes_the_role_and_region():
    user = add()
    account_update(user=user, role="leader", region=None, actor=None)
    profile = Profile.objects.get(user=user)
    assert (profile.role, profile.region) == ("leader", None)


def test_it_refuses_a_change_to_district_without_a_region_and_keeps_the_account():
    user = add(role="leader", region=None)
    with pytest.raises(ValidationError):
        account_update(user=user, role="district", region=None, actor=None)
    assert Profile.objects.get(user=user).role == "leader"


def test_a_new_password_chosen_by_another_must_be_changed():
    user = add(must_change_password=False)
    account_update(
        user=user, role="district", region=region("qinyang"), password=GOOD + "x", actor=None
    )
    user.refresh_from_db()
    assert user.check_password(GOOD + "x")
    assert Profile.objects.get(user=user).must_change_password is True


def test_it_gives_a_role_to_an_account_without_one():
    user = make_user("root", None, is_superuser=True)
    account_update(user=user, role="bureau", region=None, actor=user)
    assert Profile.objects.get(user=user).role == "bureau"


def test_the_own_password_change_lifts_the_first_login_flag():
    user = add()
    account_password_change(user=user, password=GOOD + "-mine")
    user.refresh_from_db()
    assert user.check_password(GOOD + "-mine")
    assert Profile.objects.get(user=user).must_change_password is False


def test_a_password_set_in_the_admin_must_be_changed():
    user = add(must_change_password=False)
    account_password_set(user=user, password=GOOD + "-reset", actor=None)
    user.refresh_from_db()
    assert user.check_password(GOOD + "-reset")
    assert Profile.objects.get(user=user).must_change_password is True


def test_a_password_set_in_the_admin_is_validated():
    user = add(must_change_password=False)
    with pytest.raises(ValidationError) as raised:
        account_password_set(user=user, password="12345678", actor=None)
    assert "密码只包含数字。" in raised.value.message_dict["password"]
    user.refresh_from_db()
    assert user.check_password(GOOD)
