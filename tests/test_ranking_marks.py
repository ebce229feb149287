"""
The ranking page's marks: at most one per cell, each a glyph with its meaning in
the DOM (aria-label), counted on the seed week; rank movement; target bands; 停.
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from installs import revision, selectors
from installs.models import Week
from tests.factories import (
    load_seed,
    make_measure,
    make_region,
    make_snapshot,
    make_user,
    make_week,
)
from tests.seed import FIELDS, MEASURES

URL = "/weeks/2022-11-21/"
COLUMNS = [f"{measure}_{field}" for measure in MEASURES for field in FIELDS]


@dataclass
class Mark:
    classes: list[str]
    attrs: dict[str, str]
    glyph: str = ""


@dataclass
class Cell:
    text: str = ""
    marks: list[Mark] = field(default_factory=list)


class MarkedTable(HTMLParser):
    """The table body: per row, the region and each data cell's own text and marks."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[Cell]] = {}
        self.in_body = False
        self.region: str | None = None
        self.cells: list[Cell] = []
        self.cell: Cell | None = None
        self.in_region = False
        self.mark: Mark | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if tag == "tbody":
            self.in_body = True
        elif not self.in_body:
            return
        elif tag == "tr":
            self.region, self.cells = "", []
        elif tag == "th":
            self.in_region = True
        elif tag == "td":
            self.cell = Cell()
            self.cells.append(self.cell)
        elif tag == "span" and "mark" in attrs.get("class", "").split():
            self.mark = Mark(attrs["class"].split(), attrs)
            (self.cell.marks if self.cell else []).append(self.mark)

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif tag == "th":
            self.in_region = False
        elif tag == "td":
            self.cell = None
        elif tag == "span":
            self.mark = None
        elif tag == "tr" and self.in_body:
            self.rows[self.region] = self.cells

    def handle_data(self, data):
        if self.mark is not None:
            self.mark.glyph += data
        elif self.in_region:
            self.region += data
        elif self.cell is not None:
            self.cell.text += data


def marked_table(client, url: str = URL) -> dict[str, list[Cell]]:
    parser = MarkedTable()
    parser.feed(client.get(url).content.decode())
    return parser.rows


def cell(rows, region: str, key: str) -> Cell:
    return rows[region][COLUMNS.index(key)]


def legend(client, url: str = URL) -> list[str]:
    """The legend's lines under the table, by class, and whether the bands' note is there."""
    page = client.get(url).content.decode()
    start = page.index('<ul class="legend"')
    lines = re.findall(r'<li class="(legend-[a-z-]+)"', page[start : page.index("</ul>", start)])
    return lines + (["legend-note"] if 'class="legend-note"' in page else [])


@pytest.fixture
def leader(client, db):
    client.force_login(make_user("lingdao", "leader"))
    return client


@pytest.mark.django_db
class TestTheSeedWeek:
    """2022-11-21 against its deadline 2022-12-31 (100%): the marks counted, by hand."""

    # 环比新增 0 while below 100% (the printed table): 停 in that cell.
    STALLED = {
        "valve_pipe": {"沁阳市", "温县", "博爱县", "山阳区", "马村区", "中站区", "示范区"},
        "hose_pipe": {"沁阳市", "温县", "山阳区", "马村区", "中站区"},
        "hose_lpg": {"温县", "博爱县", "山阳区", "马村区"},
    }
    # Installing, but under half the pace 2022-12-31 needs (5 whole weeks left): ● in 安装率.
    # 沁阳市 液化气 (291 a week, 209 needed) is on track; the 100% cells need nothing.
    FAR_BEHIND = {
        "valve_pipe": {"孟州市", "武陟县", "修武县", "解放区"},
        "hose_pipe": {"孟州市", "武陟县", "修武县", "解放区"},
        "hose_lpg": {"孟州市", "武陟县", "修武县", "示范区"},
    }

    @pytest.fixture(autouse=True)
    def seed(self, db):
        load_seed()

    def test_it_puts_at_most_one_mark_in_a_cell(self, leader):
        rows = marked_table(leader)
        assert all(len(c.marks) <= 1 for cells in rows.values() for c in cells)

    def test_it_counts_each_kind_of_mark(self, leader):
        rows = marked_table(leader)
        kinds = Counter(m.glyph for cells in rows.values() for c in cells for m in c.marks)
        assert kinds == {"停": 16, "●": 12}  # no ◐, and ranks as last week: no ↑ or ↓

    @pytest.mark.parametrize("measure", MEASURES)
    def test_it_marks_the_stalled_regions_in_the_new_installs_cell(self, leader, measure):
        rows = marked_table(leader)
        marked = {
            region
            for region, cells in rows.items()
            if any(m.glyph == "停" for m in cell(rows, region, f"{measure}_new").marks)
        }
        assert marked == self.STALLED[measure]

    @pytest.mark.parametrize("measure", MEASURES)
    def test_it_marks_the_far_behind_regions_in_the_rate_cell(self, leader, measure):
        rows = marked_table(leader)
        marked = {
            region
            for region, cells in rows.items()
            if any(m.glyph == "●" for m in cell(rows, region, f"{measure}_rate").marks)
        }
        assert marked == self.FAR_BEHIND[measure]

    def test_it_keeps_every_cell_s_own_text_as_printed(self, leader):
        rows = marked_table(leader)
        assert cell(rows, "沁阳市", "valve_pipe_new").text == "0"
        assert cell(rows, "孟州市", "valve_pipe_rate").text == "36.7%"

    def test_it_says_what_each_mark_means_in_the_dom(self, leader):
        rows = marked_table(leader)
        labels = {
            m.glyph: (m.attrs.get("role"), m.attrs.get("aria-label"))
            for cells in rows.values()
            for c in cells
            for m in c.marks
        }
        assert labels == {
            "停": ("img", "停滞（本周无新增）"),
            "●": ("img", "严重滞后"),
        }

    def test_it_draws_no_mark_from_css_content(self, leader):
        assert "data-mark" not in leader.get(URL).content.decode()

    def test_it_shows_no_band_without_a_deadline(self, leader):
        from installs.models import Measure

        Measure.objects.update(target_date=None)
        rows = marked_table(leader)
        kinds = Counter(m.glyph for cells in rows.values() for c in cells for m in c.marks)
        assert kinds == {"停": 16}
        assert legend(leader) == ["legend-stalled"]

    def test_its_legend_lists_only_the_marks_in_the_table(self, leader):
        # No ◐ and no rank movement this week: not in the legend either.
        assert legend(leader) == ["legend-far-behind", "legend-stalled", "legend-note"]


@pytest.mark.django_db
class TestRankMovement:
    def setup_method(self):
        self.measure = make_measure("valve_pipe")
        names = [("甲区", "jia"), ("乙区", "yi"), ("丙区", "bing"), ("丁区", "ding")]
        self.regions = [make_region(n, s, order=i) for i, (n, s) in enumerate(names)]
        last_week, this_week = make_week("2022-11-14"), make_week("2022-11-21")
        # Last week: 甲 1, 乙 2, 丙 3 (丁 did not report). This week: 丙 1, 甲 2, 乙 2 (tie), 丁 4.
        for region, installed in zip(self.regions[:3], [90, 50, 10], strict=True):
            make_snapshot(last_week, region, self.measure, 100, installed)
        for region, installed in zip(self.regions, [60, 60, 95, 5], strict=True):
            make_snapshot(this_week, region, self.measure, 100, installed)

    def moves(self, client, region: str, url: str = URL) -> list[tuple[str, str]]:
        rank = cell(marked_table(client, url), region, "valve_pipe_rank")
        return [(m.glyph, m.attrs["aria-label"]) for m in rank.marks]

    def test_it_shows_places_gained_and_lost_in_the_rank_cell(self, leader):
        assert self.moves(leader, "丙区") == [("↑2", "名次较上周上升2位")]
        assert self.moves(leader, "甲区") == [("↓1", "名次较上周下降1位")]

    def test_its_legend_explains_the_movement_and_nothing_else(self, leader):
        # No deadline set: no band; 甲区 fell from 90 to 60 installed: 停 (no new installs).
        assert legend(leader) == ["legend-stalled", "legend-move"]
        assert legend(leader, "/weeks/2022-11-14/") == []

    def test_it_shows_nothing_for_the_same_place(self, leader):
        assert self.moves(leader, "乙区") == []  # 2nd both weeks, tied this week

    def test_it_shows_nothing_for_a_region_not_ranked_last_week(self, leader):
        assert self.moves(leader, "丁区") == []

    def test_it_shows_nothing_in_the_first_week(self, leader):
        rows = marked_table(leader, "/weeks/2022-11-14/")
        assert not [m for cells in rows.values() for c in cells for m in c.marks]

    def test_it_keeps_the_rank_itself_as_the_cell_s_text(self, leader):
        assert cell(marked_table(leader), "丙区", "valve_pipe_rank").text == "1"

    def test_it_computes_movement_from_both_weeks_ranks(self):
        progress = selectors.week_progress(Week.objects.get(date="2022-11-21"))
        previous = selectors.week_progress(progress.previous_week)
        movement = selectors.week_rank_movement(progress)
        for (region, measure), places in movement.items():
            before = previous.records[(region, measure)]["rank"]
            now = progress.records[(region, measure)]["rank"]
            assert places == before - now
        assert len(movement) == 3


@pytest.mark.django_db
class TestBands:
    def setup_method(self):
        # 5 whole weeks to the deadline; 100 households, 40 installed last week: 60 to go.
        self.measure = make_measure("valve_pipe", target_date=datetime.date(2022, 12, 31))
        last_week, this_week = make_week("2022-11-14"), make_week("2022-11-21")
        cases = [
            ("甲区", "jia", 40),
            ("乙区", "yi", 41),
            ("丙区", "bing", 47),
            ("丁区", "ding", 80),
        ]
        for order, (name, slug, now) in enumerate(cases):
            region = make_region(name, slug, order=order)
            make_snapshot(last_week, region, self.measure, 100, 40)
            make_snapshot(this_week, region, self.measure, 100, now)

    def marks(self, client, region: str) -> list[str]:
        rows = marked_table(client)
        return [
            m.glyph
            for key in ("valve_pipe_new", "valve_pipe_rate")
            for m in cell(rows, region, key).marks
        ]

    def test_a_stalled_region_shows_only_stalled(self, leader):
        # 停 wins over its band (far behind: no new installs), though they would sit in
        # different cells: one status per region and measure, or nearly every stalled
        # row carries two marks (tables.add_insight_marks).
        assert self.marks(leader, "甲区") == ["停"]

    def test_its_legend_lists_both_bands_and_stalled(self, leader):
        assert legend(leader) == [
            "legend-behind",
            "legend-far-behind",
            "legend-stalled",
            "legend-move",  # all four tied last week: every one but 丁区 moved down
            "legend-note",
        ]

    def test_a_region_under_half_the_pace_needed_is_far_behind(self, leader):
        assert self.marks(leader, "乙区") == ["●"]  # 59 to go: 11.8 a week needed, 1 done

    def test_a_region_between_half_and_the_pace_needed_is_behind(self, leader):
        assert self.marks(leader, "丙区") == ["◐"]  # 53 to go: 10.6 a week needed, 7 done

    def test_a_region_on_track_is_unmarked(self, leader):
        assert self.marks(leader, "丁区") == []  # 20 to go: 4 a week needed, 40 done


@pytest.mark.django_db
def test_it_costs_the_ranking_page_the_same_queries_for_many_weeks(leader):
    load_seed()
    region_measure = selectors.week_progress(Week.objects.get(date="2022-11-21"))
    region = region_measure.regions[0]
    measure = region_measure.measures[0]

    def count() -> int:
        revision.memo_clear()  # cold: the memo must not hide the work
        with CaptureQueriesContext(connection) as captured:
            assert leader.get(URL).status_code == 200
        return len(captured)

    leader.get(URL)  # the first page after signing in writes the session
    before = count()
    for n in range(1, 30):
        week = make_week(datetime.date(2022, 11, 14) - datetime.timedelta(days=7 * n))
        make_snapshot(week, region, measure, 87326, 29577 - n)
    assert count() == before
