"""
The table pages keep their HTML under the data revision (installs/page_cache.py):
a kept page is byte for byte the page drawn afresh, for every role and language
(apart from the CSRF token, new on every request), and a change shows at once.
"""

from __future__ import annotations

import datetime
import re
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from installs.models import Profile, Region, Snapshot, Week
from installs.revision import memo_clear
from tests.factories import load_seed, make_user
from tests.tree import two_provinces

pytestmark = pytest.mark.django_db

PAGE = "/weeks/2022-11-21/"
SHEETS = {"installs/partials/week_sheet.html", "installs/partials/level_sheet.html"}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
LANGUAGES = ("zh-hans", "en")


def signed_in(user, language: str) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def page(client: Client, path: str = PAGE) -> tuple[str, bool]:
    """The page's HTML (its CSRF token blanked) and whether its sheet was drawn for it."""
    html, drawn = page_raw(client, path)
    return CSRF.sub("CSRF", html), drawn


def page_raw(client: Client, path: str = PAGE) -> tuple[str, bool]:
    response = client.get(path)
    assert response.status_code == 200
    drawn = bool(SHEETS & {t.name for t in response.templates})
    return response.content.decode(), drawn


def fresh(client: Client, path: str = PAGE) -> str:
    memo_clear()
    html, drawn = page(client, path)
    assert drawn
    return html


@pytest.fixture
def seed_clients():
    load_seed()
    week = Week.objects.get(date="2022-11-21")
    week.state = Week.State.OPEN  # the banner, bureau staff's links and the deadline notice
    week.save()
    district = make_user("qinyang", "district", Region.objects.get(slug="qinyang"))
    bureau = make_user("ju", "bureau")
    return {
        (user.username, language): signed_in(user, language)
        for user in (district, bureau)
        for language in LANGUAGES
    }


@pytest.mark.parametrize("path", [PAGE, f"{PAGE}?sort=-valve_pipe_rate"])
def test_a_kept_city_page_is_the_page_drawn_afresh_for_each_role_and_language(seed_clients, path):
    expected = {who: fresh(client, path) for who, client in seed_clients.items()}
    # The four pages differ (else this test could not tell them apart)...
    assert len(set(expected.values())) == 4
    memo_clear()
    for round_ in range(2):
        for who, client in seed_clients.items():
            html, drawn = page(client, path)
            # ... each is drawn once, then kept, and never handed to another role or language.
            assert drawn == (round_ == 0)
            assert html == expected[who], who


def test_a_level_page_is_kept_and_the_same_for_each_role_and_language():
    two_provinces()
    clients = {
        (role, language): signed_in(make_user(f"{role}-{language}", role), language)
        for role in (Profile.Role.BUREAU, Profile.Role.LEADER)
        for language in LANGUAGES
    }
    expected = {who: fresh(client) for who, client in clients.items()}
    assert len(set(expected.values())) == 4
    memo_clear()
    for round_ in range(2):
        for who, client in clients.items():
            html, drawn = page(client)
            assert drawn == (round_ == 0)
            assert html == expected[who], who


def test_a_changed_figure_shows_on_the_next_request(seed_clients):
    client = seed_clients[("ju", "zh-hans")]
    page(client)
    assert not page(client)[1]  # kept
    snapshot = Snapshot.objects.get(
        week__date="2022-11-21", region__slug="qinyang", measure__slug="valve_pipe"
    )
    snapshot.installed = 31577
    snapshot.save()
    html, drawn = page(client)
    assert drawn
    assert ">31577<" in html
    assert html == fresh(client)


def test_the_deadline_notice_is_of_the_request_not_of_the_kept_page(seed_clients):
    client = seed_clients[("ju", "zh-hans")]
    week = Week.objects.get(date="2022-11-21")
    now = datetime.datetime(2022, 11, 21, 9, 0, tzinfo=datetime.UTC)
    week.deadline = now + datetime.timedelta(hours=3)
    week.save()
    with mock.patch("django.utils.timezone.now", return_value=now):
        first, _ = page(client)
    with mock.patch("django.utils.timezone.now", return_value=now + datetime.timedelta(minutes=70)):
        later, drawn = page(client)
        assert not drawn
        assert later == fresh(client)
    assert "3小时" in first
    assert "1小时50分" in later


def test_the_breadcrumbs_are_of_the_account_not_of_the_kept_page(client):
    tree = two_provinces()
    nation = signed_in(make_user("ju", Profile.Role.BUREAU), "zh-hans")
    province = make_user("sheng", Profile.Role.BUREAU)
    province.profile.area = tree.henan
    province.profile.save()
    province = signed_in(province, "zh-hans")
    path = f"{PAGE}?area={tree.jiaozuo.code}"
    memo_clear()
    page(nation, path)
    html, drawn = page(province, path)
    assert not drawn  # the same role, language and address: the kept HTML
    assert html == fresh(province, path)
    assert "全国" not in html.split('class="breadcrumbs', 1)[1].split("</nav>", 1)[0]


def test_an_ordering_the_table_drops_is_drawn_but_not_kept(seed_clients):
    client = seed_clients[("ju", "zh-hans")]
    for _ in range(2):
        assert page(client, f"{PAGE}?sort=no_such_column")[1]
    for _ in range(2):
        assert page(client, f"{PAGE}?utm=1")[1]


# --- what base.html draws per request on a kept page: name, CSRF token, messages ---------

NAME = re.compile(r'<div class="site-user">\s*<span>([^<]*)</span>')
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')
HEADER = re.compile(r'<header class="site-header.*?</header>', re.S)


def kept_values() -> str:
    from installs import revision

    return " ".join(str(value) for value in revision._local.values())


def own_token(client: Client, html: str) -> bool:
    """The page's CSRF token is a masking of this client's own secret (its CSRF cookie)."""
    from django.middleware.csrf import _unmask_cipher_token

    return _unmask_cipher_token(TOKEN.search(html)[1]) == client.cookies["csrftoken"].value


def test_two_users_of_one_kept_page_get_their_own_name_and_csrf_token():
    load_seed()
    first = signed_in(make_user("wang", "leader", first_name="王一"), "zh-hans")
    second = signed_in(make_user("li", "leader", first_name="李二"), "zh-hans")
    memo_clear()
    html_first, drawn = page_raw(first)
    assert drawn
    html_second, drawn = page_raw(second)
    assert not drawn  # the same role, language and address: the kept page
    assert NAME.search(html_first)[1] == "王一"
    assert NAME.search(html_second)[1] == "李二"
    assert own_token(first, html_first) and own_token(second, html_second)
    again, drawn = page_raw(first)
    assert not drawn and own_token(first, again)
    assert TOKEN.search(again)[1] != TOKEN.search(html_first)[1]  # masked anew each time
    # What is kept holds nobody's name or token.
    kept = kept_values()
    assert "王一" not in kept and "李二" not in kept and "csrfmiddlewaretoken" not in kept
    assert "<!--installs:csrf-->" in kept


def test_district_users_see_their_own_region_on_a_kept_page():
    load_seed()
    qinyang = signed_in(make_user("qy", "district", Region.objects.get(slug="qinyang")), "en")
    other = Region.objects.exclude(slug="qinyang").order_by("order").first()
    second = signed_in(make_user("other", "district", other), "en")
    memo_clear()
    assert page_raw(qinyang)[1]
    html, drawn = page_raw(second)
    assert not drawn
    assert NAME.search(html)[1] == f"other · {other.name}"


def test_the_kept_menu_is_the_menu_drawn_per_request():
    load_seed()
    users = [
        make_user("lingdao", "leader", first_name="<b>王</b>"),
        make_user("ju", "bureau"),
        get_user_model().objects.create_superuser("admin", password="not-used-here"),
    ]
    memo_clear()
    for user in users:
        client = signed_in(user, "zh-hans")
        for _ in range(2):  # drawn, then kept
            table = CSRF.sub("CSRF", page_raw(client)[0])
            charts = CSRF.sub("CSRF", client.get("/charts/", follow=True).content.decode())
            assert HEADER.search(table)[0] == HEADER.search(charts)[0], user.username


def test_the_admin_link_is_not_kept_for_an_account_without_the_admin():
    load_seed()
    admin = signed_in(get_user_model().objects.create_superuser("admin", password="x"), "en")
    bureau = signed_in(make_user("ju", "bureau"), "en")  # the same role: bureau
    memo_clear()
    assert "/admin/" in HEADER.search(page_raw(admin)[0])[0]
    assert "/admin/" not in HEADER.search(page_raw(bureau)[0])[0]


def test_a_message_shows_once_on_a_kept_page_and_is_not_kept():
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest

    load_seed()
    client = signed_in(make_user("lingdao", "leader"), "zh-hans")
    memo_clear()
    page_raw(client)
    encoded = CookieStorage(HttpRequest())._encode([Message(constants.INFO, "已保存沁阳市")])
    client.cookies["messages"] = encoded
    html, drawn = page_raw(client)
    assert not drawn
    assert '<li class="message message-info">已保存沁阳市</li>' in html
    assert "已保存沁阳市" not in kept_values()
    assert "已保存沁阳市" not in page_raw(client)[0]  # shown once


def test_a_signed_out_browser_gets_the_login_page_not_a_kept_one():
    load_seed()
    client = signed_in(make_user("wang", "leader", first_name="王一"), "zh-hans")
    page_raw(client)
    client.post("/accounts/logout/")
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    login = client.get(response["Location"]).content.decode()
    assert "王一" not in login and "site-user" not in login
