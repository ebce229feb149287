"""
"Stalled", one definition (rules.stalled, rules.region_stalled): no new installs
this week while below 100%. The pace's cell mark (■) and the ranking table's
row mark (○) follow it on a hand-made week.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from installs import rules
from tests.factories import make_measure, make_region, make_snapshot, make_user, make_week


class TestRule:
    @pytest.mark.parametrize(
        ("new", "installed", "households", "expected"),
        [
            (0, 40, 100, True),
            (-2, 38, 100, True),  # a correction downwards is no progress either
            (1, 41, 100, False),
            (0, 100, 100, False),  # complete: nothing left to install
            (None, 40, 100, False),  # a first report: nothing to compare with
        ],
    )
    def test_it_is_no_new_installs_while_below_100_percent(
        self, new, installed, households, expected
    ):
        assert rules.stalled(new, installed, households) is expected

    def test_a_region_is_stalled_when_one_measure_is_and_none_moved(self):
        assert rules.region_stalled([(0, 40, 100), (0, 50, 50)]) is True
        assert rules.region_stalled([(0, 40, 100), (3, 20, 50)]) is False
        assert rules.region_stalled([(0, 100, 100), (0, 50, 50)]) is False
        assert rules.region_stalled([(None, 40, 100), (None, None, None)]) is False


@pytest.fixture
def ranking_html(client: Client, db) -> str:
    valve = make_measure("valve_pipe", order=1)
    hose = make_measure("hose_lpg", "金属软管", "液化气", order=2)
    before, week = make_week("2022-11-14"), make_week("2022-11-21")
    # (name, [(households, installed last week, installed now) per measure])
    regions = [
        ("甲区", [(100, 40, 40), (50, 10, 10)]),  # nothing moved, both below 100%
        ("乙区", [(100, 100, 100), (50, 10, 10)]),  # one complete, one stuck
        ("丙区", [(100, 100, 100), (50, 50, 50)]),  # complete in both: not stalled
        ("丁区", [(100, 40, 38), (50, 10, 15)]),  # a correction, but the hoses moved
    ]
    for order, (name, figures) in enumerate(regions):
        region = make_region(name, f"r{order}", order=order)
        for measure, (households, then, now) in zip((valve, hose), figures, strict=True):
            make_snapshot(before, region, measure, households, then)
            make_snapshot(week, region, measure, households, now)
    client.force_login(make_user("lingdao", "leader"))
    return client.get("/weeks/2022-11-21/").content.decode()


def rows(html: str) -> dict[str, tuple[str, str]]:
    """Each region's row: its class and its inner HTML."""
    found = re.findall(
        r'<tr(?: class="([^"]*)")?><th scope="row" class="region">([^<]+)(.*?)</tr>', html, re.S
    )
    return {name: (classes, body) for classes, name, body in found}


def test_the_table_marks_the_stalled_regions_rows(ranking_html):
    marked = {name for name, (classes, _body) in rows(ranking_html).items() if classes == "no-new"}
    assert marked == {"甲区", "乙区"}


def test_the_rate_cells_mark_the_stalled_measures(ranking_html):
    stalled = {
        name: [
            "mark-stalled" in cell
            for cell in re.findall(r'<td class="num rate">(.*?)</td>', body, re.S)
        ]
        for name, (_classes, body) in rows(ranking_html).items()
        if name != "合计"
    }
    assert stalled == {
        "甲区": [True, True],
        "乙区": [False, True],
        "丙区": [False, False],
        "丁区": [True, False],
    }
