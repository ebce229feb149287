"""Reading the official table from a workbook: header by its text, regions, numbers, errors by cell."""

from __future__ import annotations

import datetime

import pytest

from installs.models import Region
from installs.xlsx_reader import UploadRejected, read_week_table
from tests.factories import load_seed
from tests.official_workbooks import official_bytes, official_workbook, seed_table, workbook_bytes
from tests.seed import MEASURES, seed_rows

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def seed():
    load_seed()


def read(data: bytes, name: str = "进度表.xlsx"):
    return read_week_table(data, file_name=name)


def figures_by_name(parsed) -> dict[tuple[str, str], tuple[int, int]]:
    return {(f.region.name, f.measure.slug): (f.households, f.installed) for f in parsed.figures}


def printed_figures() -> dict[tuple[str, str], tuple[int, int]]:
    return {
        (row["region"], slug): (int(row[f"{slug}_households"]), int(row[f"{slug}_installed"]))
        for row in seed_rows()
        if row["region"] != "合计"
        for slug in MEASURES
    }


def messages(items) -> list[str]:
    return [str(item) for item in items]


def test_it_reads_every_figure_of_the_official_layout():
    parsed = read(official_bytes())
    assert parsed.errors == []
    assert figures_by_name(parsed) == printed_figures()


def test_it_reads_the_cells_where_each_figure_was():
    parsed = read(official_bytes())
    first = parsed.figures[0]
    assert (first.region.name, first.measure.slug) == ("沁阳市", "valve_pipe")
    assert (first.households_cell, first.installed_cell) == ("B6", "C6")


def test_it_reads_the_date_line():
    assert read(official_bytes(date_line="(2022.11.28)")).date == datetime.date(2022, 11, 28)


@pytest.mark.parametrize("line", ["2022.11.28", "2022年11月28日", "（２０２２．１１．２８）"])
def test_it_reads_other_ways_of_writing_the_date(line):
    assert read(official_bytes(date_line=line)).date == datetime.date(2022, 11, 28)


def test_it_reads_no_date_when_there_is_no_date_line():
    assert read(official_bytes(date_line=None)).date is None


def test_it_finds_the_table_below_blank_rows_and_right_of_blank_columns():
    parsed = read(official_bytes(top=4, left=3))
    assert parsed.errors == []
    assert figures_by_name(parsed) == printed_figures()
    assert parsed.figures[0].households_cell == "E10"


def test_it_reads_the_header_without_merged_cells():
    parsed = read(official_bytes(merge=False))
    assert parsed.errors == []
    assert figures_by_name(parsed) == printed_figures()


def test_it_reads_numbers_stored_as_text():
    rows = seed_table()
    rows[0][1] = "８７３２６"  # full-width digits, as Chinese input methods type them
    rows[0][2] = "29,577"
    rows[1][1] = " 80147 "
    rows[1][2] = "29 440"
    parsed = read(official_bytes(rows))
    assert parsed.errors == []
    assert figures_by_name(parsed)[("沁阳市", "valve_pipe")] == (87326, 29577)
    assert figures_by_name(parsed)[("孟州市", "valve_pipe")] == (80147, 29440)


def test_it_reads_whole_numbers_stored_as_floats():
    rows = seed_table()
    rows[0][1] = 87326.0
    assert figures_by_name(read(official_bytes(rows)))[("沁阳市", "valve_pipe")] == (87326, 29577)


def test_it_maps_a_region_by_its_alias():
    rows = seed_table()
    rows[10][0] = "城乡一体化示范区"
    parsed = read(official_bytes(rows))
    assert parsed.errors == []
    assert ("示范区", "hose_lpg") in figures_by_name(parsed)


def test_it_maps_a_region_name_with_spaces_and_full_width_forms():
    rows = seed_table()
    rows[2][0] = " 温 县 "
    assert ("温县", "valve_pipe") in figures_by_name(read(official_bytes(rows)))


def test_it_leaves_out_a_region_absent_from_the_file():
    rows = [row for row in seed_table() if row[0] != "温县"]
    parsed = read(official_bytes(rows))
    assert parsed.errors == []
    assert {f.region.name for f in parsed.figures} == {
        r.name for r in Region.objects.exclude(name="温县")
    }


def test_it_leaves_out_a_region_marked_not_reported():
    rows = seed_table()
    rows[2] = ["温县", "未填报"] + [None] * 14
    parsed = read(official_bytes(rows))
    assert parsed.errors == []
    assert "温县" not in {f.region.name for f in parsed.figures}


def test_it_leaves_out_one_measure_left_blank():
    rows = seed_table()
    rows[2][11:16] = [None, None, None, None, None]
    parsed = read(official_bytes(rows))
    assert parsed.errors == []
    assert ("温县", "hose_lpg") not in figures_by_name(parsed)
    assert ("温县", "hose_pipe") in figures_by_name(parsed)


def test_it_skips_the_total_and_note_rows():
    parsed = read(official_bytes(total_row=True, note=True))
    assert parsed.errors == []
    assert len(parsed.figures) == 33


def test_it_keeps_the_files_computed_cells_for_comparison_only():
    parsed = read(official_bytes())
    qinyang = Region.objects.get(name="沁阳市")
    computed = parsed.computed[(qinyang.pk, parsed.measures[0].pk)]
    assert {name: (v.cell, v.value) for name, v in computed.items()} == {
        "new": ("D6", 0),
        "rate": ("E6", "33.9%"),
        "rank": ("F6", 6),
    }


def test_it_names_the_cell_of_an_unknown_region():
    rows = seed_table()
    rows[3][0] = "某某区"
    parsed = read(official_bytes(rows))
    assert messages(parsed.errors) == ["A9: 未知的县(市、区)“某某区”"]


def test_it_names_the_cell_where_installed_exceeds_households():
    rows = seed_table()
    rows[1][2] = rows[1][1] + 1
    assert messages(read(official_bytes(rows)).errors) == ["C7: 已安装数大于户数"]


@pytest.mark.parametrize("value", ["12.5", 12.5, "abc", "1e3", True])
def test_it_names_the_cell_of_a_number_that_is_not_whole(value):
    rows = seed_table()
    rows[0][1] = value
    assert messages(read(official_bytes(rows)).errors) == ["B6: 不是整数"]


def test_it_names_the_cell_of_a_negative_number():
    rows = seed_table()
    rows[0][7] = -5
    assert messages(read(official_bytes(rows)).errors) == ["H6: 不能为负数"]


def test_it_names_the_cell_of_a_missing_installed_count():
    rows = seed_table()
    rows[0][2] = None
    assert messages(read(official_bytes(rows)).errors) == ["C6: 已安装数为空"]


def test_it_names_the_cell_of_a_region_that_appears_twice():
    rows = seed_table()
    rows.append(list(rows[0]))
    assert messages(read(official_bytes(rows)).errors) == ["A17: “沁阳市”重复出现（第 6 行已有）"]


def test_it_reports_every_error_at_once():
    rows = seed_table()
    rows[0][1] = "x"
    rows[3][0] = "某某区"
    rows[5][7] = "-1"
    assert messages(read(official_bytes(rows)).errors) == [
        "B6: 不是整数",
        "A9: 未知的县(市、区)“某某区”",
        "H11: 不能为负数",
    ]


def test_it_names_the_header_cell_of_an_unknown_measure():
    measures = [("自闭阀", "管道气"), ("报警器", "管道气"), ("金属软管", "液化气")]
    parsed = read(official_bytes(measures=measures))
    assert messages(parsed.errors) == ["G3: 未知的设施“报警器·管道气”：没有这个设施和气源"]
    assert parsed.figures == []


def test_it_reads_measures_in_another_column_order():
    measures = [("金属软管", "液化气"), ("自闭阀", "管道气"), ("金属软管", "管道气")]
    rows = [[row[0], *row[11:16], *row[1:6], *row[6:11]] for row in seed_table()]
    parsed = read(official_bytes(rows, measures=measures))
    assert parsed.errors == []
    assert figures_by_name(parsed) == printed_figures()


def test_it_refuses_a_sheet_without_the_header():
    workbook = official_workbook(seed_table())
    workbook.active.delete_rows(3, 3)
    with pytest.raises(UploadRejected) as refused:
        read(workbook_bytes(workbook))
    assert "找不到进度表" in refused.value.message


def test_it_reads_the_first_sheet_with_a_table_and_says_so():
    workbook = official_workbook(seed_table())
    extra = official_workbook(seed_table(), date_line="(2022.11.14)").active
    copy = workbook.create_sheet("2022.11.14")
    for row in extra.iter_rows(values_only=True):
        copy.append(row)
    parsed = read(workbook_bytes(workbook))
    assert parsed.date == datetime.date(2022, 11, 28)
    assert messages(parsed.warnings) == ["工作簿中有 2 张进度表，只读取了“Sheet1”。"]
