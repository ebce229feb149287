"""
"Stalled", one definition (rules.stalled): no new installs this week while
below 100%. The pace and the ranking table's 停 mark follow it on a hand-made week.
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


def stalled_cells(html: str) -> dict[str, list[bool]]:
    """Per region row: whether each measure's 环比新增 cell carries the stalled mark."""
    found = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, flags=re.S):
        name = re.search(r'<th scope="row" class="region">(?:<a [^>]*>)?([^<]+)', row)
        if name is None or name.group(1) == "合计":
            continue
        classes = re.findall(r'<td class="([^"]*)"', row)
        # Five cells per measure: 户数, 已安装数, 环比新增, 安装率, 名次.
        found[name.group(1)] = ["stalled" in classes[i].split() for i in (2, 7)]
    return found


def test_the_table_marks_the_stalled_figures(ranking_html):
    assert stalled_cells(ranking_html) == {
        "甲区": [True, True],
        "乙区": [False, True],
        "丙区": [False, False],  # complete in both: nothing left to install
        "丁区": [True, False],  # a correction downwards is no progress
    }
