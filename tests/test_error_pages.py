"""The 404 and 500 pages: Chinese, in the site's style, under the same headers as every page."""

from __future__ import annotations

import pytest
from django.contrib.auth.decorators import login_not_required
from django.test import Client, override_settings
from django.urls import path

from tests.factories import make_user

pytestmark = pytest.mark.django_db


@login_not_required
def broken(request):
    raise RuntimeError("a bug")


# The project's URLs plus one view that fails (ROOT_URLCONF="tests.test_error_pages").
urlpatterns = [path("broken/", broken)]


def test_it_shows_a_chinese_404_to_a_signed_in_user(client):
    client.force_login(make_user("lingdao", "leader"))
    response = client.get("/weeks/1999-01-04/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<title>页面不存在</title>" in html
    assert "您要打开的页面不存在" in html
    assert "返回进度表" in html
    assert 'class="site-header' in html  # base.html's header and menu
    assert response["Cache-Control"] == "private, no-store"


@override_settings(ROOT_URLCONF="tests.test_error_pages")
def test_it_shows_a_chinese_500_without_a_request_context():
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "<title>服务器出错</title>" in html
    assert "服务器出现错误" in html
    assert 'href="/"' in html
    assert "/static/css/app.css" in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
