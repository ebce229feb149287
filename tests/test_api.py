"""The read-only JSON API: who may read what, and that it says what the ranking page says."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.test import Client

from installs.models import ApiToken, Region, Snapshot
from installs.services.api_tokens import api_token_create, api_token_revoke, key_hash
from tests.factories import load_seed, make_user, make_week
from tests.seed import MEASURES, seed_rows

pytestmark = pytest.mark.django_db

LIST = "/api/weeks/"
DETAIL = "/api/weeks/2022-11-21/"


@pytest.fixture
def seed():
    load_seed()


@pytest.fixture
def token(seed):
    _token, key = api_token_create(name="城市运行管理服务平台")
    return key


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


# Who may read -----------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, DETAIL])
def test_it_answers_anonymous_with_a_401_in_json_not_a_redirect(client, seed, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Bearer wrong-key", "Bearer ", "Basic dXNlcjpwYXNz", "token"])
def test_it_refuses_a_wrong_token(client, token, header):
    response = client.get(LIST, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_it_refuses_a_revoked_token(client, token):
    api_token_revoke(name="城市运行管理服务平台")
    assert client.get(LIST, **bearer(token)).status_code == 401


def test_it_reads_with_a_token(client, token):
    response = client.get(DETAIL, **bearer(token))
    assert response.status_code == 200
    assert response.json()["week"] == "2022-11-21"


def test_it_records_when_a_token_was_last_used(client, token):
    assert ApiToken.objects.get().last_used_at is None
    client.get(LIST, **bearer(token))
    assert ApiToken.objects.get().last_used_at is not None


def test_a_wrong_token_is_refused_even_with_a_session(client, seed):
    client.force_login(make_user("ju", "bureau"))
    assert client.get(LIST, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


@pytest.mark.parametrize("role", ["district", "bureau", "leader"])
def test_every_role_reads_with_its_session(client, seed, role):
    region = Region.objects.first() if role == "district" else None
    client.force_login(make_user("u", role, region))
    assert client.get(LIST).status_code == 200
    assert client.get(DETAIL).status_code == 200


def test_an_account_without_a_role_reads_nothing(client, seed):
    client.force_login(make_user("nobody", None))
    response = client.get(DETAIL)
    assert response.status_code == 403
    assert response.json()["error"] == "no_role"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_it_is_read_only(client, token, method):
    response = getattr(client, method)(DETAIL, **bearer(token))
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"


def test_it_is_read_only_for_a_signed_in_user_too(client, seed):
    client.force_login(make_user("ju", "bureau"))
    assert client.post(LIST).status_code == 405


def test_a_post_gets_the_json_405_not_the_csrf_page(token):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(LIST, **bearer(token))
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


def test_it_answers_head(client, token):
    assert client.head(LIST, **bearer(token)).status_code == 200


def test_a_token_reads_published_weeks_only(client, token):
    make_week("2022-11-28")  # open: not yet released
    dates = [w["date"] for w in client.get(LIST, **bearer(token)).json()["weeks"]]
    assert dates == ["2022-11-21", "2022-11-14"]
    assert client.get("/api/weeks/2022-11-28/", **bearer(token)).status_code == 404
    assert client.get(DETAIL, **bearer(token)).json()["next_week"] is None


def test_a_user_reads_every_week_with_its_state(client, seed):
    make_week("2022-11-28")
    client.force_login(make_user("lingdao", "leader"))
    weeks = client.get(LIST).json()["weeks"]
    assert [(w["date"], w["state"]) for w in weeks] == [
        ("2022-11-28", "open"),
        ("2022-11-21", "published"),
        ("2022-11-14", "published"),
    ]
    assert client.get("/api/weeks/2022-11-28/").json()["state"] == "open"


def test_it_answers_404_for_a_week_that_does_not_exist(client, token):
    response = client.get("/api/weeks/2023-01-02/", **bearer(token))
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


# What it says -------------------------------------------------------------------


def test_the_list_says_how_many_regions_reported_and_links_each_week(client, token):
    make_week("2022-11-28", state="published")
    weeks = client.get(LIST, **bearer(token)).json()["weeks"]
    assert [(w["date"], w["reported"], w["regions"]) for w in weeks] == [
        ("2022-11-28", 0, 11),
        ("2022-11-21", 11, 11),
        ("2022-11-14", 11, 11),
    ]
    assert weeks[1]["links"] == {
        "api": "http://testserver/api/weeks/2022-11-21/",
        "page": "http://testserver/weeks/2022-11-21/",
        "xlsx": "http://testserver/weeks/2022-11-21/export.xlsx",
    }


def test_the_detail_has_the_regions_and_measures(client, token):
    data = client.get(DETAIL, **bearer(token)).json()
    assert data["title"] == "焦作市燃气居民用户安全装置加装情况进度表"
    assert data["date_line"] == "(2022.11.21)"
    assert data["measures"][0] == {"slug": "valve_pipe", "device": "自闭阀", "gas_type": "管道气"}
    assert [r["slug"] for r in data["regions"]] == [
        "qinyang", "mengzhou", "wenxian", "boai", "wuzhi", "xiuwu",
        "jiefang", "shanyang", "macun", "zhongzhan", "shifanqu",
    ]  # fmt: skip
    assert data["regions"][0]["code"] == "410882"


def test_the_detail_equals_the_newspapers_table(client, token):
    data = client.get(DETAIL, **bearer(token)).json()
    printed = {row["region"]: row for row in seed_rows()}
    for region in data["regions"]:
        row = printed[region["name"]]
        for slug in MEASURES:
            cells = region["figures"][slug]
            assert str(cells["households"]) == row[f"{slug}_households"]
            assert str(cells["installed"]) == row[f"{slug}_installed"]
            assert str(cells["new"]) == row[f"{slug}_new"]
            assert cells["rate_text"] == row[f"{slug}_rate"]
            assert str(cells["rank"]) == row[f"{slug}_rank"]
    for slug in MEASURES:
        total = data["totals"][slug]
        assert str(total["households"]) == printed["合计"][f"{slug}_households"]
        assert total["rate_text"] == printed["合计"][f"{slug}_rate"]
        assert "rank" not in total


def test_rates_are_the_exact_ratio(client, token):
    data = client.get(DETAIL, **bearer(token)).json()
    cells = data["regions"][0]["figures"]["hose_lpg"]
    assert cells["rate"] == 771 / 1815
    total = data["totals"]["valve_pipe"]
    assert total["rate"] == total["installed"] / total["households"]


def test_it_says_who_has_not_reported(client, seed):
    Snapshot.objects.filter(week__date="2022-11-21", region__slug="macun").delete()
    client.force_login(make_user("lingdao", "leader"))
    data = client.get(DETAIL).json()
    assert data["reporting"] == {
        "reported": 10,
        "total": 11,
        "not_reported": [{"name": "马村区", "slug": "macun"}],
        "partial": [],
    }
    macun = next(r for r in data["regions"] if r["slug"] == "macun")
    assert (macun["reported"], macun["partial"]) == (False, False)
    # Its 11-14 figures are carried (the same as printed for 11-21: it added none that
    # week), with the week they are from and no new installs (未填报, not 0).
    assert macun["figures"]["valve_pipe"] == {
        "households": 20229,
        "installed": 3572,
        "new": None,
        "rate": 3572 / 20229,
        "rate_text": "17.7%",
        "rank": 10,
        "carried_from": "2022-11-14",
    }


class TableCells(HTMLParser):
    """The ranking page's body rows: [region name, cell text, ...] per row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.in_body = False
        self.cell: list[str] | None = None
        self.skip = 0  # inside a mark such as 停 beside a number

    def handle_starttag(self, tag, attrs):
        if tag == "tbody":
            self.in_body = True
        elif self.in_body and tag == "tr":
            self.rows.append([])
        elif self.in_body and tag in ("th", "td"):
            self.cell = []
        elif (
            self.cell is not None
            and tag == "span"
            and "mark" in (dict(attrs).get("class") or "").split()
        ):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif self.cell is not None and tag in ("th", "td"):
            self.rows[-1].append("".join(self.cell).strip())
            self.cell = None
        elif self.skip and tag == "span":
            self.skip -= 1

    def handle_data(self, data):
        if self.cell is not None and not self.skip:
            self.cell.append(data)


def page_rows(client) -> list[list[str]]:
    parser = TableCells()
    parser.feed(client.get("/weeks/2022-11-21/").content.decode())
    return parser.rows


def api_row(name: str, figures: dict, measures: list[str], *, total: bool = False) -> list[str]:
    row = [name]
    for slug in measures:
        cells = figures[slug]
        for field in ("households", "installed", "new"):
            row.append("—" if cells[field] is None else str(cells[field]))
        row.append(cells["rate_text"] or "—")
        row.append("" if total else ("—" if cells["rank"] is None else str(cells["rank"])))
    return row


def test_every_cell_equals_the_ranking_pages(client, seed):
    client.force_login(make_user("lingdao", "leader"))
    data = client.get(DETAIL).json()
    slugs = [m["slug"] for m in data["measures"]]
    expected = [api_row(r["name"], r["figures"], slugs) for r in data["regions"]]
    expected.append(api_row("合计", data["totals"], slugs, total=True))
    shown = page_rows(client)
    # A rank cell may carry the rank's movement (↑2) after the rank itself.
    shown = [
        [
            re.match(r"\d+|—|", cell).group(0) if i % 5 == 0 and i else cell
            for i, cell in enumerate(row)
        ]
        for row in shown
    ]
    assert shown == expected
    assert len(shown) == 12 and all(len(row) == 16 for row in shown)


# Tokens -------------------------------------------------------------------------


def test_a_token_stores_only_the_hash_of_its_key(seed):
    token, key = api_token_create(name="平台")
    assert token.key_hash == key_hash(key) != key
    assert len(key) >= 40


def test_the_command_prints_the_key_once_and_it_works(client, seed):
    out = io.StringIO()
    call_command("api_token", "create", "平台", stdout=out)
    key = out.getvalue().splitlines()[1]
    assert ApiToken.objects.get(name="平台").key_hash == key_hash(key)
    assert client.get(LIST, **bearer(key)).status_code == 200
    listing = io.StringIO()
    call_command("api_token", "list", stdout=listing)
    assert key not in listing.getvalue()
    call_command("api_token", "revoke", "平台", stdout=io.StringIO())
    assert client.get(LIST, **bearer(key)).status_code == 401
