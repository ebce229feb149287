"""The table's one layout definition: its header follows the measures in the database."""

from __future__ import annotations

import datetime

import pytest

from installs import layout
from installs.models import Measure
from tests.factories import load_seed, make_measure

pytestmark = pytest.mark.django_db


def measures() -> list[Measure]:
    return list(Measure.objects.order_by("order", "pk"))


def placed(cells: list[layout.HeaderCell]) -> list[tuple]:
    return [(c.text, c.row, c.col, c.rowspan, c.colspan, c.key) for c in cells]


def grid(rows: list[list[layout.HeaderCell]]) -> dict[tuple[int, int], str]:
    """Which cell covers each (row, column) of the header; fails on an overlap."""
    covered: dict[tuple[int, int], str] = {}
    for row in rows:
        for cell in row:
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    assert (r, c) not in covered, f"{cell} overlaps {covered[(r, c)]}"
                    covered[(r, c)] = cell.text
    return covered


@pytest.fixture
def seeded():
    load_seed()


def test_it_places_the_top_row_as_printed(seeded):
    top = layout.header_rows(measures())[0]
    assert placed(top) == [
        ("县(市、区)", 0, 0, 3, 1, "region"),
        ("自闭阀", 0, 1, 1, 5, ""),
        ("金属软管", 0, 6, 1, 10, ""),
    ]


def test_it_places_the_middle_row_as_printed(seeded):
    middle = layout.header_rows(measures())[1]
    expected = []
    for col, gas_type, slug in (
        (1, "管道气", "valve_pipe"),
        (6, "管道气", "hose_pipe"),
        (11, "液化气", "hose_lpg"),
    ):
        expected += [
            (gas_type, 1, col, 1, 3, ""),
            ("安装率", 1, col + 3, 2, 1, f"{slug}_rate"),
            ("名次", 1, col + 4, 2, 1, f"{slug}_rank"),
        ]
    assert placed(middle) == expected


def test_it_places_the_bottom_row_as_printed(seeded):
    bottom = layout.header_rows(measures())[2]
    expected = []
    for col, slug in ((1, "valve_pipe"), (6, "hose_pipe"), (11, "hose_lpg")):
        for offset, (text, field) in enumerate(
            (("户数", "households"), ("已安装数", "installed"), ("环比新增安装数", "new"))
        ):
            expected.append((text, 2, col + offset, 1, 1, f"{slug}_{field}"))
    assert placed(bottom) == expected


def test_it_covers_the_header_exactly_once(seeded):
    covered = grid(layout.header_rows(measures()))
    assert set(covered) == {(r, c) for r in range(3) for c in range(16)}


def test_it_gives_every_leaf_column_exactly_one_sortable_header_cell(seeded):
    rows = layout.header_rows(measures())
    keys = [cell.key for row in rows for cell in row if cell.key]
    assert sorted(keys) == sorted(["region", *layout.leaf_keys(measures())])


def test_it_orders_the_leaf_keys_by_measure_then_field(seeded):
    assert layout.leaf_keys(measures())[:6] == [
        "valve_pipe_households",
        "valve_pipe_installed",
        "valve_pipe_new",
        "valve_pipe_rate",
        "valve_pipe_rank",
        "hose_pipe_households",
    ]


# A measure the bureau adds: no code change


def test_it_adds_a_column_group_for_a_new_device(seeded):
    make_measure("alarm_pipe", device="燃气报警器", gas_type="管道气", order=4)
    rows = layout.header_rows(measures())
    assert placed(rows[0])[-1] == ("燃气报警器", 0, 16, 1, 5, "")
    assert placed(rows[1])[-3:] == [
        ("管道气", 1, 16, 1, 3, ""),
        ("安装率", 1, 19, 2, 1, "alarm_pipe_rate"),
        ("名次", 1, 20, 2, 1, "alarm_pipe_rank"),
    ]
    assert [c.key for c in rows[2]][-3:] == [
        "alarm_pipe_households",
        "alarm_pipe_installed",
        "alarm_pipe_new",
    ]
    assert set(grid(rows)) == {(r, c) for r in range(3) for c in range(21)}


def test_it_widens_a_device_group_for_another_gas_type(seeded):
    Measure.objects.filter(slug__in=["hose_pipe", "hose_lpg"]).update(order=5)
    make_measure("valve_lpg", device="自闭阀", gas_type="液化气", order=2)
    rows = layout.header_rows(measures())
    assert placed(rows[0]) == [
        ("县(市、区)", 0, 0, 3, 1, "region"),
        ("自闭阀", 0, 1, 1, 10, ""),
        ("金属软管", 0, 11, 1, 10, ""),
    ]
    assert [c.text for c in rows[1] if not c.key] == ["管道气", "液化气", "管道气", "液化气"]


def test_it_repeats_a_device_whose_measures_are_not_adjacent(seeded):
    make_measure("valve_lpg", device="自闭阀", gas_type="液化气", order=9)
    top = layout.header_rows(measures())[0]
    assert [(c.text, c.colspan) for c in top[1:]] == [
        ("自闭阀", 5),
        ("金属软管", 10),
        ("自闭阀", 5),
    ]


def test_it_has_only_the_region_column_without_measures():
    rows = layout.header_rows([])
    assert placed(rows[0]) == [("县(市、区)", 0, 0, 3, 1, "region")]
    assert rows[1] == rows[2] == []


def test_it_prints_the_date_line_as_the_newspaper():
    assert layout.date_line(datetime.date(2022, 11, 21)) == "(2022.11.21)"
    assert layout.date_line(datetime.date(2023, 1, 2)) == "(2023.01.02)"
