"""
Every account changes its own password from the header; an account whose
password somebody else chose must change it before it opens any other page.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from installs.models import Profile, Region
from tests.factories import PASSWORD, load_seed, make_user

pytestmark = pytest.mark.django_db

CHANGE = "/accounts/password_change/"
DONE = "/accounts/password_change/done/"
NEW = "walnut-lantern-0719"
ROLES = ["district", "bureau", "leader", None]


@pytest.fixture(autouse=True)
def seed():
    load_seed()


def user_with(role: str | None, must_change: bool = False, **fields):
    region = Region.objects.get(slug="qinyang") if role == "district" else None
    user = make_user(f"user-{role}", role, region, **fields)
    if must_change:
        Profile.objects.filter(user=user).update(must_change_password=True)
    return user


def change(client, old: str = PASSWORD, new: str = NEW, again: str | None = None):
    return client.post(
        CHANGE,
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


@pytest.mark.parametrize("url", [CHANGE, DONE])
def test_it_sends_an_anonymous_visitor_to_the_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", [CHANGE, DONE])
def test_every_account_opens_its_password_pages(client, role, url):
    client.force_login(user_with(role))
    response = client.get(url)
    assert response.status_code == 200
    assert "修改密码" in response.content.decode() or "密码已修改" in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_every_account_changes_its_own_password(client, role):
    user = user_with(role)
    client.force_login(user)
    response = change(client)
    assert (response.status_code, response.url) == (302, DONE)
    user.refresh_from_db()
    assert user.check_password(NEW)
    # The session that made the change stays signed in.
    assert client.get(CHANGE).status_code == 200


def test_it_refuses_a_wrong_current_password_in_chinese(client):
    user = user_with("district")
    client.force_login(user)
    response = change(client, old="not-my-password")
    assert response.status_code == 200
    assert "你的旧密码不正确" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_it_refuses_a_short_new_password_in_chinese(client):
    client.force_login(user_with("leader"))
    html = change(client, new="short1").content.decode()
    assert "密码长度太短。密码必须包含至少 8 个字符。" in html
    assert "This password is too short" not in html


def test_it_refuses_two_different_new_passwords(client):
    user = user_with("leader")
    client.force_login(user)
    assert change(client, again=NEW + "x").status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("role", ROLES)
def test_the_header_links_to_the_password_change_for_every_role(client, role):
    client.force_login(user_with(role))
    html = client.get(CHANGE).content.decode()
    header = html[html.index("<header") : html.index("</header>")]
    assert re.search(rf'<a [^>]*href="{CHANGE}"[^>]*>修改密码</a>', header)


# The first login after somebody else chose the password.


@pytest.mark.parametrize("role", ["district", "bureau", "leader"])
@pytest.mark.parametrize(
    "url", ["/", "/weeks/2022-11-21/", "/entry/", "/audit/", "/charts/", "/admin/"]
)
def test_a_flagged_account_goes_to_the_password_change_first(client, role, url):
    client.force_login(user_with(role, must_change=True))
    response = client.get(url)
    assert (response.status_code, response.url) == (302, CHANGE)


def test_a_flagged_account_is_told_why_on_the_change_page(client):
    client.force_login(user_with("district", must_change=True))
    html = client.get(CHANGE).content.decode()
    assert "您的密码是他人设置的" in html


def test_a_flagged_account_gets_403_json_from_the_api(client):
    client.force_login(user_with("leader", must_change=True))
    response = client.get("/api/weeks/")
    assert response.status_code == 403
    assert response.json()["error"] == "password_change_required"
    assert "请先修改密码" in response.json()["message"]


def test_a_flagged_account_may_log_out(client):
    client.force_login(user_with("district", must_change=True))
    response = client.post("/accounts/logout/")
    assert (response.status_code, response.url) == (302, "/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_a_flagged_account_may_not_post_elsewhere(client):
    client.force_login(user_with("bureau", must_change=True))
    response = client.post("/weeks/open/", {"date": "2022-11-28"})
    assert (response.status_code, response.url) == (302, CHANGE)


def test_the_change_lifts_the_flag_and_opens_the_pages(client):
    user = user_with("district", must_change=True)
    client.force_login(user)
    assert change(client).url == DONE
    assert Profile.objects.get(user=user).must_change_password is False
    assert client.get("/weeks/2022-11-21/").status_code == 200


def test_a_refused_change_keeps_the_flag(client):
    user = user_with("district", must_change=True)
    client.force_login(user)
    change(client, new="12345678")
    assert Profile.objects.get(user=user).must_change_password is True
    assert client.get("/").url == CHANGE


def test_an_account_not_flagged_opens_its_pages(client):
    client.force_login(user_with("district"))
    assert client.get("/weeks/2022-11-21/").status_code == 200


def test_the_flag_costs_no_query_of_its_own(client):
    """The middleware reads the profile the role check reads anyway."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = user_with("district")
    client.force_login(user)
    client.get("/weeks/2022-11-21/")  # warm
    with CaptureQueriesContext(connection) as queries:
        client.get(CHANGE)
    # One read of the profile: joined to the user's (installs.backends.ProfileBackend).
    profile_reads = [q for q in queries if '"installs_profile"' in q["sql"]]
    assert len(profile_reads) == 1


# The admin link: only for accounts the admin shows something.


def admin_link_shown(client, user) -> bool:
    client.force_login(user)
    return 'href="/admin/"' in client.get("/weeks/2022-11-21/").content.decode()


def test_a_superuser_sees_the_admin_link(client):
    assert admin_link_shown(client, user_with(None, is_superuser=True, is_staff=True))


def test_bureau_staff_without_permissions_see_no_admin_link(client):
    assert not admin_link_shown(client, user_with("bureau", is_staff=True))


def test_bureau_staff_with_a_permission_see_the_admin_link(client):
    user = user_with("bureau", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="change_region"))
    assert admin_link_shown(client, user)


def test_bureau_staff_who_are_not_staff_see_no_admin_link(client):
    user = user_with("bureau")
    user.user_permissions.add(Permission.objects.get(codename="change_region"))
    assert not admin_link_shown(client, user)


@pytest.mark.parametrize("role", ["district", "leader"])
def test_district_and_leader_accounts_see_no_admin_link(client, role):
    assert not admin_link_shown(client, user_with(role))


def test_an_inactive_staff_account_is_not_offered_the_admin():
    from installs.permissions import user_can_use_admin

    user = get_user_model()(username="x", is_staff=True, is_superuser=True, is_active=False)
    assert not user_can_use_admin(user)
