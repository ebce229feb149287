"""
The week page, workbook and API at the levels above the city, for two provinces
with four cities (tests/tree.py): rows summed by hand, links down the tree,
breadcrumbs, a city's standing in its province, and the reading scope.
"""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from installs.models import Profile, Week
from installs.services.api_tokens import api_token_create
from tests.factories import load_seed, make_user
from tests.tree import two_provinces

pytestmark = pytest.mark.django_db
PAGE = "/weeks/2022-11-21/"
EXPORT = "/weeks/2022-11-21/export.xlsx"
API = "/api/weeks/2022-11-21/"


@pytest.fixture
def tree():
    return two_provinces()


@pytest.fixture
def bureau(client, tree):
    """Bureau staff bound to no area: the whole deployment."""
    client.force_login(make_user("ju", Profile.Role.BUREAU))
    return client


def bound_to(client, area, role=Profile.Role.LEADER):
    user = make_user(f"u{area.code}", role)
    user.profile.area = area
    user.profile.save()
    client.force_login(user)
    return client


def row_text(page: str, name: str) -> str:
    """The cells of the body row whose header links to ``name``, as text separated by |."""
    match = re.search(rf"<tr[^>]*><th[^>]*>(?:<a[^>]*>)?{name}</a>.*?</tr>", page, re.S)
    assert match, name
    cells = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", match.group(0), re.S)
    return "|".join(re.sub(r"<[^>]+>", "", c).strip() for c in cells)


def test_the_nations_table(bureau):
    page = bureau.get(PAGE, {"area": ""}).content.decode()
    assert "全国燃气居民用户安全装置加装情况进度表" in page
    assert "省（自治区、直辖市）" in page
    # 河南省: 500 households, 170 installed, new 60, 34.0%, second, down 1; 3 of 4 counties.
    assert row_text(page, "河南省") == "河南省 ※已填报 3/4|500|170|60|34.0%|2↓1"
    assert row_text(page, "山西省") == "山西省 已填报 1/1|1000|400|300|40.0%|1↑1"
    assert '<a href="/weeks/2022-11-21/?area=410000">河南省</a>' in page
    total = re.search(r'<tr class="total">.*?</tr>', page, re.S).group(0)
    assert re.sub(r"<[^>]+>", "|", total).split("|").count("1500") == 1
    assert "38.0%" in total and ">360<" in total


def test_a_provinces_table(bureau, tree):
    page = bureau.get(PAGE, {"area": "410000"}).content.decode()
    assert "河南省燃气居民用户安全装置加装情况进度表" in page
    # 焦作市: 山阳区 carried, so 1 of 2 counties reported and the row marked.
    assert row_text(page, "焦作市") == "焦作市 ※已填报 1/2|300|90|10|30.0%|2↓1"
    assert row_text(page, "新乡市") == "新乡市 已填报 1/1|100|30|10|30.0%|2"
    assert row_text(page, "洛阳市") == "洛阳市 已填报 1/1|100|50|40|50.0%|1↑2"
    assert '<a href="/weeks/2022-11-21/?area=410800">焦作市</a>' in page
    crumbs = re.search(r'<nav class="breadcrumbs.*?</nav>', page, re.S).group(0)
    assert re.findall(r">([^<>]+)</a>", crumbs) == ["全国", "河南省"]


def test_a_citys_page_shows_its_counties_breadcrumbs_and_standing(bureau):
    page = bureau.get(PAGE, {"area": "410800"}).content.decode()
    assert "解放区" in page
    crumbs = re.search(r'<nav class="breadcrumbs.*?</nav>', page, re.S).group(0)
    assert re.findall(r'href="([^"]+)"', crumbs) == [
        "/weeks/2022-11-21/?area=",
        "/weeks/2022-11-21/?area=410000",
        "/weeks/2022-11-21/?area=410800",
    ]
    assert "焦作市在河南省：自闭阀·管道气第2名（共3个）↓1" in page


def test_the_chosen_area_is_kept_for_the_next_page(bureau):
    bureau.get(PAGE, {"area": "410000"})
    assert "河南省燃气居民用户安全装置加装情况进度表" in bureau.get(PAGE).content.decode()


def test_the_workbook_of_a_province(bureau):
    bureau.get(PAGE, {"area": "410000"})
    response = bureau.get(EXPORT)
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "河南省燃气居民用户安全装置加装情况进度表"
    assert ws["A3"].value == "市"
    assert [ws.cell(row=6, column=c).value for c in range(1, 7)] == ["焦作市※", 300, 90, 10, 0.3, 2]
    assert [ws.cell(row=8, column=c).value for c in range(1, 7)] == ["洛阳市", 100, 50, 40, 0.5, 1]
    assert [ws.cell(row=9, column=c).value for c in range(1, 6)] == ["合计", 500, 170, 60, 0.34]
    assert "A1:F1" in {str(r) for r in ws.merged_cells.ranges}
    notes = [ws.cell(row=r, column=1).value for r in range(10, ws.max_row + 1)]
    assert "※焦作市已填报 1/2" in notes
    assert "%E6%B2%B3%E5%8D%97%E7%9C%81" in response["Content-Disposition"]  # 河南省


def test_the_api_of_the_nation(bureau):
    data = bureau.get(API, {"area": ""}).json()
    assert data["title"] == "全国燃气居民用户安全装置加装情况进度表"
    henan, shanxi = data["children"]
    assert (henan["name"], henan["code"], henan["reported"], henan["counties"]) == (
        "河南省",
        "410000",
        3,
        4,
    )
    assert henan["complete"] is False
    assert henan["figures"]["valve_pipe"] == {
        "households": 500,
        "installed": 170,
        "new": 60,
        "rate": 0.34,
        "rate_text": "34.0%",
        "rank": 2,
        "move": -1,
    }
    assert shanxi["figures"]["valve_pipe"]["rank"] == 1
    assert data["totals"]["valve_pipe"]["households"] == 1500
    assert data["reporting"] == {"reported": 4, "total": 5}


def test_an_account_bound_to_a_province_reads_nothing_above_or_beside_it(client, tree):
    bound_to(client, tree.henan)
    assert client.get(PAGE, {"area": ""}).status_code == 404
    assert client.get(PAGE, {"area": "140000"}).status_code == 404
    assert client.get(API, {"area": "140000"}).status_code == 404
    # Its home is the province's table, with no 全国 above it.
    page = client.get(PAGE).content.decode()
    assert "河南省燃气居民用户安全装置加装情况进度表" in page
    assert "全国" not in page


def test_one_city_shows_no_breadcrumbs_and_no_level(client, db):
    load_seed()
    client.force_login(make_user("ju", Profile.Role.BUREAU))
    page = client.get(PAGE).content.decode()
    assert "breadcrumbs" not in page
    assert "city-standing" not in page
    assert "焦作市燃气居民用户安全装置加装情况进度表" in page


def test_the_summary_above_a_provinces_table(bureau):
    page = bureau.get(PAGE, {"area": "410000"}).content.decode()
    summary = re.sub(
        r"<[^>]+>",
        "",
        re.search(r'<section class="week-summary".*?</section>', page, re.S).group(0),
    )
    assert "已填报3/4个区县；未全部填报：焦作市（1/2）" in summary
    # 170/500, last week 110/500 (22.0%), new 10+10+40; 洛阳市 first, 焦作市 and 新乡市 tied last.
    assert (
        "河南省安装率34.0%，较上周提高12.0个百分点，本周新增安装60户；第一名：洛阳市（50.0%）；"
        "最后一名：焦作市（30.0%）、新乡市（30.0%）。"
    ) in summary


def test_the_workbook_of_the_nation_is_marked_unpublished(bureau):
    bureau.get(PAGE, {"area": ""})
    ws = load_workbook(io.BytesIO(bureau.get(EXPORT).content)).active
    assert ws["A1"].value == "全国燃气居民用户安全装置加装情况进度表"
    assert ws["A3"].value == "省（自治区、直辖市）"
    assert ws["A2"].value.startswith("(2022.11.21)") and "未发布" in ws["A2"].value
    assert [ws.cell(row=r, column=1).value for r in (6, 7, 8)] == ["河南省※", "山西省", "合计"]
    assert ws.cell(row=8, column=2).value == 1500


def test_the_week_picker_keeps_the_level(bureau):
    bureau.get(PAGE, {"area": "410000"})
    page = bureau.get("/weeks/", {"date": "2022-11-14"}, follow=True).content.decode()
    assert "河南省燃气居民用户安全装置加装情况进度表" in page
    assert '<option value="2022-11-14" selected>' in page


def test_a_token_reads_the_published_levels(client, db):
    two_provinces(state=Week.State.PUBLISHED)
    _token, key = api_token_create(name="城市运行管理服务平台")
    header = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    nation = client.get(API, **header).json()
    assert [c["name"] for c in nation["children"]] == ["河南省", "山西省"]
    province = client.get(API, {"area": "410000"}, **header).json()
    assert [c["figures"]["valve_pipe"]["rank"] for c in province["children"]] == [2, 2, 1]
    city = client.get(API, {"area": "410800"}, **header).json()
    assert "regions" in city and "children" not in city


def test_the_count_of_reported_counties_is_said_once(bureau):
    page = bureau.get(PAGE, {"area": ""}).content.decode()
    assert len(re.findall(r"已填报\s*4/5\s*个区县", page)) == 1


def test_one_province_of_two_cities_one_week(client, db):
    """No 全国 above a single province; no rank-movement legend where nothing moved."""
    from tests.factories import make_area, make_measure, make_region, make_snapshot, make_week

    henan = make_area("河南省", "410000")
    measure = make_measure("valve_pipe")
    week = make_week("2022-11-21")
    for code, name, installed in (("410800", "焦作市", 10), ("410300", "洛阳市", 20)):
        county = make_region(f"{name}城区", f"c{code}", city=make_area(name, code, henan))
        make_snapshot(week, county, measure, 100, installed)
    client.force_login(make_user("ju", Profile.Role.BUREAU))
    page = client.get(PAGE).content.decode()
    assert "河南省燃气居民用户安全装置加装情况进度表" in page
    assert "名次较上周变化" not in page and "本周有区县未填报" not in page
    city = client.get(PAGE, {"area": "410800"}).content.decode()
    crumbs = re.search(r'<nav class="breadcrumbs.*?</nav>', city, re.S).group(0)
    assert re.findall(r">([^<>]+)</a>", crumbs)[0] == "河南省"
    assert "全国" not in crumbs
