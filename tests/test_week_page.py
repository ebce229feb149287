"""The ranking page: the newspaper's table, cell for cell, with sorting, marks and navigation."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.test import override_settings

from installs.models import Region, Snapshot, Week
from tests.factories import (
    load_seed,
    make_measure,
    make_region,
    make_snapshot,
    make_user,
    make_week,
)
from tests.seed import FIELDS, MEASURES, seed_rows

URL = "/weeks/2022-11-21/"
FIRST_WEEK_URL = "/weeks/2022-11-14/"
COLUMNS = [f"{measure}_{field}" for measure in MEASURES for field in FIELDS]


@dataclass
class Cell:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    marks: list[str] = field(default_factory=list)  # classes of the marker spans inside

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())


@dataclass
class Row:
    attrs: dict[str, str]
    cells: list[Cell] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def region(self) -> str:
        return self.cells[0].text

    @property
    def texts(self) -> list[str]:
        return [cell.text for cell in self.cells]


class TableParser(HTMLParser):
    """The progress table's header and body rows; marker spans are kept apart from the text."""

    def __init__(self) -> None:
        super().__init__()
        self.head: list[Row] = []
        self.body: list[Row] = []
        self.section: list[Row] | None = None
        self.cell: Cell | None = None
        self.in_marker = False
        self.in_table = False

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "table" and "progress-table" in attrs.get("class", ""):
            self.in_table = True
        elif not self.in_table:
            return
        elif tag == "thead":
            self.section = self.head
        elif tag == "tbody":
            self.section = self.body
        elif tag == "tr" and self.section is not None:
            self.section.append(Row(attrs))
        elif tag in ("th", "td") and self.section is not None:
            self.cell = Cell(tag, attrs)
            self.section[-1].cells.append(self.cell)
        elif tag == "span" and self.cell is not None and "mark" in attrs.get("class", ""):
            self.cell.marks.append(attrs["class"])
            self.in_marker = True

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_table = False
        elif tag in ("th", "td"):
            if self.cell is not None:
                self.cell.text = self.cell.text.strip()
            self.cell = None
        elif tag == "span":
            self.in_marker = False
        elif tag in ("thead", "tbody"):
            self.section = None

    def handle_data(self, data):
        if self.cell is not None and not self.in_marker:
            self.cell.text += data


def parse_table(response) -> TableParser:
    parser = TableParser()
    parser.feed(response.content.decode())
    return parser


def rows_by_region(parser: TableParser) -> dict[str, Row]:
    return {row.region: row for row in parser.body}


@pytest.fixture
def seeded(db):
    load_seed()


@pytest.fixture
def leader_client(client, seeded):
    client.force_login(make_user("lingdao", "leader"))
    return client


def seed_regions() -> list[dict[str, str]]:
    return seed_rows()[:-1]


# The table, cell for cell


def test_it_shows_every_region_cell_as_printed(leader_client):
    body = parse_table(leader_client.get(URL)).body
    expected = [[row["region"]] + [row[c] for c in COLUMNS] for row in seed_regions()]
    assert [row.texts for row in body[:-1]] == expected


def test_it_shows_the_total_row_as_printed_and_last(leader_client):
    total = seed_rows()[-1]
    body = parse_table(leader_client.get(URL)).body
    assert body[-1].texts == [total["region"]] + [total[c] for c in COLUMNS]
    assert "total" in body[-1].classes


def test_it_lists_the_regions_in_official_order(leader_client):
    body = parse_table(leader_client.get(URL)).body
    assert [row.region for row in body[:-1]] == list(
        Region.objects.order_by("order").values_list("name", flat=True)
    )


def test_it_shows_the_grouped_header_in_order(leader_client):
    head = parse_table(leader_client.get(URL)).head
    assert [row.texts for row in head] == [
        ["县(市、区)", "自闭阀", "金属软管"],
        ["管道气", "安装率", "名次", "管道气", "安装率", "名次", "液化气", "安装率", "名次"],
        ["户数", "已安装数", "环比新增安装数"] * 3,
    ]


def test_it_spans_the_header_cells_as_printed(leader_client):
    head = parse_table(leader_client.get(URL)).head
    spans = [
        [(c.attrs.get("rowspan", "1"), c.attrs.get("colspan", "1")) for c in r.cells] for r in head
    ]
    assert spans[0] == [("3", "1"), ("1", "5"), ("1", "10")]
    assert spans[1] == [("1", "3"), ("2", "1"), ("2", "1")] * 3
    assert spans[2] == [("1", "1")] * 9


def test_it_shows_the_title_date_line_and_note(leader_client):
    page = leader_client.get(URL).content.decode()
    assert (
        '<h1 id="sheet-title" class="sheet-title">焦作市燃气居民用户安全装置加装情况进度表</h1>'
        in page
    )
    assert '<p class="sheet-date">(2022.11.21)</p>' in page
    assert "备注:本表以安装率进行排名,安装率=已安装户数/应安装户数×100%。" in page


def test_it_says_how_many_regions_reported_once(leader_client):
    # In the summary above the table; the status line above it no longer repeats it.
    page = leader_client.get(URL).content.decode()
    assert page.count("11/11") == 1
    assert "已填报11/11个区县" in page


@override_settings(USE_THOUSAND_SEPARATOR=True)
def test_it_never_groups_thousands_even_when_the_locale_would(leader_client):
    total = parse_table(leader_client.get(URL)).body[-1]
    assert total.cells[1].text == "721470"


def test_it_uses_the_page_and_export_link(leader_client):
    page = leader_client.get(URL).content.decode()
    assert 'href="/weeks/2022-11-21/export.xlsx"' in page


# Missing values


def test_it_shows_a_dash_for_new_installs_in_the_first_week(leader_client):
    body = parse_table(leader_client.get(FIRST_WEEK_URL)).body
    new_columns = [1 + COLUMNS.index(f"{m}_new") for m in MEASURES]
    for row in body:
        assert [row.cells[i].text for i in new_columns] == ["—", "—", "—"], row.region


def test_it_still_ranks_the_first_week(leader_client):
    body = parse_table(leader_client.get(FIRST_WEEK_URL)).body
    rank_column = 1 + COLUMNS.index("valve_pipe_rank")
    ranks = sorted(int(row.cells[rank_column].text) for row in body[:-1])
    assert ranks == list(range(1, 12))


def test_it_shows_a_dash_where_a_region_has_no_households(leader_client):
    week = Week.objects.get(date=datetime.date(2022, 11, 21))
    Snapshot.objects.filter(week=week, region__slug="boai", measure__slug="hose_lpg").update(
        households=0, installed=0
    )
    row = rows_by_region(parse_table(leader_client.get(URL)))["博爱县"]
    rate, rank = 1 + COLUMNS.index("hose_lpg_rate"), 1 + COLUMNS.index("hose_lpg_rank")
    assert (row.cells[rate].text, row.cells[rank].text) == ("—", "—")


def test_it_escapes_a_region_name(leader_client):
    Region.objects.filter(slug="wenxian").update(name="<b>温县</b>")
    page = leader_client.get(URL).content.decode()
    assert "&lt;b&gt;温县&lt;/b&gt;" in page
    assert "<b>温县" not in page


# A region that did not report: its latest earlier figures are carried (沿用M月D日数据).
# 温县 reported nothing new between 11-14 and 11-21, so its 11-14 figures equal the
# printed ones: the printed 合计 and ranks stand, and only its 环比新增 is unknown.


@pytest.fixture
def wenxian_unreported(seeded):
    Snapshot.objects.filter(week__date=datetime.date(2022, 11, 21), region__slug="wenxian").delete()


def test_it_shows_an_unreported_region_with_its_carried_figures(leader_client, wenxian_unreported):
    row = rows_by_region(parse_table(leader_client.get(URL)))["温县"]
    assert {"carried", "missing"} <= row.classes
    for measure in MEASURES:
        printed = next(r for r in seed_regions() if r["region"] == "温县")
        shown = [row.cells[1 + COLUMNS.index(f"{measure}_{f}")].text for f in FIELDS]
        assert shown == [
            printed[f"{measure}_households"],
            printed[f"{measure}_installed"],
            "未填报",
            printed[f"{measure}_rate"],
            printed[f"{measure}_rank"],
        ], measure
        new = row.cells[1 + COLUMNS.index(f"{measure}_new")]
        assert new.marks == ["mark mark-carried"], measure


def test_the_carried_mark_says_which_week(leader_client, wenxian_unreported):
    page = leader_client.get(URL).content.decode()
    assert 'aria-label="沿用11月14日数据"' in page


def test_it_counts_only_the_regions_that_reported(leader_client, wenxian_unreported):
    assert "已填报10/11个区县" in leader_client.get(URL).content.decode()


def test_it_keeps_an_unreported_region_in_the_totals(leader_client, wenxian_unreported):
    total = parse_table(leader_client.get(URL)).body[-1]
    for measure in MEASURES:
        for field_name in ("households", "installed", "new"):
            key = f"{measure}_{field_name}"
            assert total.cells[1 + COLUMNS.index(key)].text == str(
                sum(int(row[key]) for row in seed_regions())
            ), key


def test_it_keeps_an_unreported_region_in_the_ranks(leader_client, wenxian_unreported):
    rows = rows_by_region(parse_table(leader_client.get(URL)))
    for measure in MEASURES:
        key = f"{measure}_rank"
        expected = {row["region"]: row[key] for row in seed_regions()}
        shown = {name: rows[name].cells[1 + COLUMNS.index(key)].text for name in expected}
        assert shown == expected, measure


@pytest.mark.parametrize(
    ("sort", "place"),
    # By rate it sorts where its carried rate puts it (rank 7 of 11 in 自闭阀); its
    # 环比新增 is unknown, so by new installs it goes last.
    [("valve_pipe_rate", 4), ("-valve_pipe_rate", 6), ("-hose_lpg_new", 10)],
)
def test_it_sorts_an_unreported_region_by_its_carried_figures(
    leader_client, wenxian_unreported, sort, place
):
    body = parse_table(leader_client.get(URL, {"sort": sort})).body
    assert body[place].region == "温县"


# Sorting


def region_order(response) -> list[str]:
    return [row.region for row in parse_table(response).body]


def test_it_sorts_by_rate_descending_in_rank_order(leader_client):
    expected = [
        r["region"] for r in sorted(seed_regions(), key=lambda r: int(r["valve_pipe_rank"]))
    ]
    assert region_order(leader_client.get(URL, {"sort": "-valve_pipe_rate"})) == expected + ["合计"]


def test_it_sorts_by_rate_ascending(leader_client):
    expected = [
        r["region"] for r in sorted(seed_regions(), key=lambda r: -int(r["valve_pipe_rank"]))
    ]
    assert region_order(leader_client.get(URL, {"sort": "valve_pipe_rate"})) == expected + ["合计"]


def test_it_sorts_on_the_exact_rate_not_the_printed_one(leader_client):
    # 沁阳市 99.9% (87899/87988) ranks above 中站区 99.3%, and the two 100.0% regions tie
    # at the top in official order.
    order = region_order(leader_client.get(URL, {"sort": "-hose_pipe_rate"}))
    assert order[:4] == ["博爱县", "示范区", "沁阳市", "中站区"]


def test_it_sorts_by_a_count_column(leader_client):
    expected = [
        r["region"]
        for r in sorted(seed_regions(), key=lambda r: int(r["hose_lpg_households"]), reverse=True)
    ]
    assert region_order(leader_client.get(URL, {"sort": "-hose_lpg_households"}))[:-1] == expected


def test_it_sorts_the_region_column_by_official_order_reversed(leader_client):
    official = [r["region"] for r in seed_regions()]
    assert region_order(leader_client.get(URL, {"sort": "-region"})) == official[::-1] + ["合计"]


def test_it_ignores_an_unknown_sort_column(leader_client):
    response = leader_client.get(URL, {"sort": "password"})
    assert region_order(response) == [r["region"] for r in seed_rows()]


def test_it_shows_which_column_is_sorted_and_links_the_other_direction(leader_client):
    head = parse_table(leader_client.get(URL, {"sort": "-valve_pipe_rate"})).head
    sorted_cells = [c for row in head for c in row.cells if "sorted" in c.classes]
    assert [(c.text, c.attrs["aria-sort"]) for c in sorted_cells] == [("安装率▼", "descending")]
    page = leader_client.get(URL, {"sort": "-valve_pipe_rate"}).content.decode()
    assert 'href="?sort=valve_pipe_rate"' in page


def test_it_offers_the_natural_first_direction_of_each_column(leader_client):
    page = leader_client.get(URL).content.decode()
    assert 'href="?sort=-valve_pipe_rate"' in page  # highest rate first
    assert 'href="?sort=valve_pipe_rank"' in page  # first place first


# Marks (counted and placed in tests/test_ranking_marks.py) and the summary above the table


def rank_column(measure: str) -> int:
    return 1 + COLUMNS.index(f"{measure}_rank")


def test_it_marks_the_places_in_no_colour_only(leader_client):
    # The ends of the ranking are named in the summary, in words; no cell is coloured for them.
    page = leader_client.get(URL).content.decode()
    assert "rank-top" not in page and "rank-bottom" not in page


def test_it_marks_no_region_as_stalled_in_the_first_week(leader_client):
    rows = parse_table(leader_client.get(FIRST_WEEK_URL)).body
    assert not [
        row.region for row in rows if any("mark-stalled" in m for c in row.cells for m in c.marks)
    ]


def test_it_explains_the_marks_in_a_legend(leader_client):
    page = leader_client.get(URL).content.decode()
    legend = page[
        page.index('<ul class="legend"') : page.index("</ul>", page.index('<ul class="legend"'))
    ]
    for glyph, text in [
        ("●", "严重滞后"),
        ("停", "停滞（本周无新增）"),
    ]:
        assert glyph in legend and text in legend
    # The seed week shows no ◐ and no rank movement: the legend lists only what the table shows
    # (every kind is checked in tests/test_ranking_marks.py).
    for glyph, text in [("◐", "进度滞后"), ("↑2", "名次较上周变化")]:
        assert glyph not in legend and text not in legend


# Navigation


def test_it_redirects_home_to_the_latest_week(leader_client):
    assert leader_client.get("/").url == URL


def test_it_keeps_leadership_on_the_published_week_when_a_newer_one_is_open(leader_client):
    # Leadership see the latest published week by default (issue 3, item 6).
    make_week("2022-11-28")
    assert leader_client.get("/").url == URL


def test_it_links_the_previous_week_and_not_a_missing_next_one(leader_client):
    page = leader_client.get(URL).content.decode()
    assert 'rel="prev" href="/weeks/2022-11-14/"' in page
    assert 'rel="next"' not in page


def test_it_links_the_next_week(leader_client):
    assert (
        'rel="next" href="/weeks/2022-11-21/"' in leader_client.get(FIRST_WEEK_URL).content.decode()
    )


def test_it_keeps_the_ordering_on_the_week_links(leader_client):
    page = leader_client.get(URL, {"sort": "-valve_pipe_rate"}).content.decode()
    assert 'rel="prev" href="/weeks/2022-11-14/?sort=-valve_pipe_rate"' in page


def test_it_offers_every_week_in_the_picker_with_this_one_selected(leader_client):
    page = leader_client.get(URL).content.decode()
    assert (
        '<option value="2022-11-21" selected>2022-11-21</option>'
        '<option value="2022-11-14">2022-11-14</option>'
    ) in page


def test_it_redirects_the_picker_to_the_chosen_week(leader_client):
    assert leader_client.get("/weeks/", {"date": "2022-11-14"}).url == FIRST_WEEK_URL


def test_it_keeps_the_ordering_through_the_picker(leader_client):
    response = leader_client.get("/weeks/", {"date": "2022-11-14", "sort": "-valve_pipe_rate"})
    assert response.url == FIRST_WEEK_URL + "?sort=-valve_pipe_rate"


@pytest.mark.parametrize("value", ["2022-11-07", "2022-13-01", "next week"])
def test_it_refuses_a_picked_week_that_does_not_exist(leader_client, value):
    assert leader_client.get("/weeks/", {"date": value}).status_code == 404


# Who may see it


@pytest.mark.parametrize("role", ["district", "bureau", "leader"])
def test_it_shows_the_page_to_every_role(client, seeded, role):
    region = Region.objects.get(slug="qinyang") if role == "district" else None
    client.force_login(make_user("someone", role, region))
    assert client.get(URL).status_code == 200


def test_it_sends_an_anonymous_visitor_to_the_login(client, seeded):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


@pytest.mark.parametrize("path", [URL, "/", "/weeks/?date=2022-11-14"])
def test_it_refuses_an_account_without_a_role(client, seeded, path):
    client.force_login(make_user("nobody", None))
    assert client.get(path).status_code == 403


@pytest.mark.parametrize("path", ["/weeks/2022-11-07/", "/weeks/2022-02-30/", "/weeks/2022-1-1/"])
def test_it_answers_404_for_an_unknown_or_malformed_date(leader_client, path):
    assert leader_client.get(path).status_code == 404


# Measures come from the database


def test_it_adds_the_columns_of_a_new_measure(leader_client):
    alarm = make_measure("alarm_pipe", device="燃气报警器", gas_type="管道气", order=9)
    week = Week.objects.get(date=datetime.date(2022, 11, 21))
    make_snapshot(week, Region.objects.get(slug="qinyang"), alarm, households=200, installed=50)
    parser = parse_table(leader_client.get(URL))
    assert parser.head[0].texts[-1] == "燃气报警器"
    assert rows_by_region(parser)["沁阳市"].texts[-5:] == ["200", "50", "—", "25.0%", "1"]


def test_it_shows_a_region_of_a_city_without_snapshots(leader_client):
    make_region("新区", slug="xinqu", order=99)
    row = rows_by_region(parse_table(leader_client.get(URL)))["新区"]
    assert row.texts == ["新区", "未填报"]


def test_it_keeps_only_a_valid_ordering_on_the_week_links(leader_client):
    page = leader_client.get(URL, {"sort": "<script>"}).content.decode()
    assert 'rel="prev" href="/weeks/2022-11-14/"' in page
    assert "&lt;script&gt;" not in page
    assert "%3Cscript%3E" not in page


def test_it_sends_an_empty_pick_to_the_latest_week(leader_client):
    assert leader_client.get("/weeks/", {"date": ""}).url == "/"


def test_it_says_so_when_there_is_no_week_yet(client, db):
    client.force_login(make_user("lingdao", "leader"))
    response = client.get("/")
    assert response.status_code == 200
    assert "尚无周次" in response.content.decode()


def test_it_redirects_bureau_staff_home_to_the_newest_week_even_if_open(client, seeded):
    make_week("2022-11-28")
    client.force_login(make_user("staff", "bureau"))
    assert client.get("/").url == "/weeks/2022-11-28/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "shown"), [("leader", True), ("bureau", True), ("district", False)]
)
def test_it_links_the_reporting_status_for_the_bureau_and_leadership(client, role, shown):
    load_seed()
    region = Region.objects.get(slug="qinyang") if role == "district" else None
    client.force_login(make_user("someone", role, region))
    page = client.get("/weeks/2022-11-21/").content.decode()
    assert ('href="/weeks/2022-11-21/status/"' in page) is shown


@pytest.mark.django_db
def test_the_status_link_reads_in_chinese(client):
    load_seed()
    client.force_login(make_user("lingdao", "leader"))
    assert ">填报情况</a>" in client.get("/weeks/2022-11-21/").content.decode()
