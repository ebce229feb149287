"""The official workbook of a week, downloaded and reopened with openpyxl."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from django.db import transaction
from django.test import Client, override_settings
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from installs import rules, sheets
from installs.models import Measure, Profile, Region, Week
from tests.factories import (
    load_seed,
    make_measure,
    make_region,
    make_snapshot,
    make_user,
    make_week,
)
from tests.seed import FIELDS, MEASURES, seed_rows

URL = "/weeks/2022-11-21/export.xlsx"
LAST_COL = 16  # A: region, then 3 measures × 5 columns
FIRST_DATA_ROW = 6

pytestmark = pytest.mark.django_db
# Test users need no slow password hashing.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def leader():
    return make_user("leader", Profile.Role.LEADER)


@pytest.fixture(scope="module")
def seed_export(django_db_setup, django_db_blocker) -> bytes:
    """The seed week's download, fetched once for the module and rolled back."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHERS),
        transaction.atomic(),
    ):
        load_seed()
        client = Client()
        client.force_login(make_user("reader", Profile.Role.LEADER))
        response = client.get(URL)
        assert response.status_code == 200
        transaction.set_rollback(True)
    return response.content


@pytest.fixture
def seed_sheet(seed_export):
    return load_workbook(io.BytesIO(seed_export)).active


def data_cells(ws, row: int) -> dict[str, object]:
    """A table row's 15 data cells by the seed's column names (valve_pipe_households …)."""
    names = [f"{m}_{f}" for m in MEASURES for f in FIELDS]
    return {name: ws.cell(row=row, column=2 + i) for i, name in enumerate(names)}


def all_cells(ws):
    for row in ws.iter_rows():
        yield from row


class TestSeedTable:
    def test_it_writes_every_region_cell_as_printed(self, seed_sheet):
        printed = seed_rows()[:-1]
        for offset, expected in enumerate(printed):
            row = FIRST_DATA_ROW + offset
            assert seed_sheet.cell(row=row, column=1).value == expected["region"]
            cells = data_cells(seed_sheet, row)
            for measure in MEASURES:
                households = cells[f"{measure}_households"].value
                installed = cells[f"{measure}_installed"].value
                for field in ("households", "installed", "new", "rank"):
                    cell = cells[f"{measure}_{field}"]
                    assert type(cell.value) is int, (expected["region"], measure, field)
                    assert str(cell.value) == expected[f"{measure}_{field}"]
                rate = cells[f"{measure}_rate"].value
                assert type(rate) is float
                assert rate == installed / households
                assert rules.rate_text(installed, households) == expected[f"{measure}_rate"]

    def test_it_writes_the_totals_row_as_printed(self, seed_sheet):
        expected = seed_rows()[-1]
        row = FIRST_DATA_ROW + 11
        assert seed_sheet.cell(row=row, column=1).value == "合计"
        cells = data_cells(seed_sheet, row)
        for measure in MEASURES:
            for field in ("households", "installed", "new"):
                value = cells[f"{measure}_{field}"].value
                assert type(value) is int
                assert str(value) == expected[f"{measure}_{field}"]
            households = cells[f"{measure}_households"].value
            installed = cells[f"{measure}_installed"].value
            assert cells[f"{measure}_rate"].value == installed / households
            assert rules.rate_text(installed, households) == expected[f"{measure}_rate"]

    def test_it_leaves_the_totals_rank_cells_empty(self, seed_sheet):
        cells = data_cells(seed_sheet, FIRST_DATA_ROW + 11)
        assert [cells[f"{m}_rank"].value for m in MEASURES] == [None, None, None]

    def test_it_formats_counts_rates_and_ranks(self, seed_sheet):
        for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + 12):
            for name, cell in data_cells(seed_sheet, row).items():
                if cell.value is None:
                    continue
                expected = "0.0%" if name.endswith("_rate") else "0"
                assert cell.number_format == expected, (row, name)

    def test_it_writes_no_formula(self, seed_sheet):
        for cell in all_cells(seed_sheet):
            assert cell.data_type != "f"
            assert not (isinstance(cell.value, str) and cell.value.startswith("="))


class TestLayout:
    def test_it_writes_title_and_date_line_merged_across_the_table(self, seed_sheet):
        assert seed_sheet["A1"].value == "焦作市燃气居民用户安全装置加装情况进度表"
        assert seed_sheet["A1"].font.b
        assert seed_sheet["A2"].value == "(2022.11.21)"
        merged = {str(r) for r in seed_sheet.merged_cells.ranges}
        assert {"A1:P1", "A2:P2"} <= merged

    def test_it_writes_the_note_row_after_the_totals(self, seed_sheet):
        assert (
            seed_sheet["A18"].value
            == "备注:本表以安装率进行排名,安装率=已安装户数/应安装户数×100%。"
        )
        assert "A18:P18" in {str(r) for r in seed_sheet.merged_cells.ranges}
        assert seed_sheet.max_row == 18

    def test_it_merges_the_header_as_printed(self, seed_sheet):
        header = {str(r) for r in seed_sheet.merged_cells.ranges if r.min_row in (3, 4, 5)}
        assert header == {
            "A3:A5",  # 县(市、区)
            "B3:F3",  # 自闭阀
            "G3:P3",  # 金属软管, over 管道气 and 液化气
            "B4:D4",  # 管道气
            "E4:E5",  # 安装率
            "F4:F5",  # 名次
            "G4:I4",
            "J4:J5",
            "K4:K5",
            "L4:N4",  # 液化气
            "O4:O5",
            "P4:P5",
        }

    def test_it_writes_the_header_texts(self, seed_sheet):
        texts = {
            f"{get_column_letter(c.column)}{c.row}": c.value
            for row in seed_sheet.iter_rows(min_row=3, max_row=5)
            for c in row
            if c.value is not None
        }
        assert texts == {
            "A3": "县(市、区)",
            "B3": "自闭阀",
            "G3": "金属软管",
            "B4": "管道气",
            "E4": "安装率",
            "F4": "名次",
            "G4": "管道气",
            "J4": "安装率",
            "K4": "名次",
            "L4": "液化气",
            "O4": "安装率",
            "P4": "名次",
            **{f"{c}5": "户数" for c in "BGL"},
            **{f"{c}5": "已安装数" for c in "CHM"},
            **{f"{c}5": "环比新增安装数" for c in "DIN"},
        }

    def test_it_centres_the_header(self, seed_sheet):
        for row in seed_sheet.iter_rows(min_row=3, max_row=5, max_col=LAST_COL):
            for cell in row:
                if cell.value is not None:
                    assert cell.alignment.horizontal == "center"
                    assert cell.alignment.vertical == "center"

    def test_it_borders_every_table_cell_merged_ones_too(self, seed_sheet):
        # Every edge of the table's grid is drawn, along the whole edge of a merged range
        # (a border set only on a range's first cell leaves the others' edges bare).
        inner = {}
        for merged in seed_sheet.merged_cells.ranges:
            for row, col in merged.cells:
                inner[(row, col)] = merged
        for row in seed_sheet.iter_rows(min_row=3, max_row=17, max_col=LAST_COL):
            for cell in row:
                merged = inner.get((cell.row, cell.column))
                edges = {
                    "left": merged is None or cell.column == merged.min_col,
                    "right": merged is None or cell.column == merged.max_col,
                    "top": merged is None or cell.row == merged.min_row,
                    "bottom": merged is None or cell.row == merged.max_row,
                }
                for side, drawn in edges.items():
                    if drawn:
                        assert getattr(cell.border, side).style == "thin", (cell.coordinate, side)

    def test_it_sizes_columns_for_their_text(self, seed_sheet):
        # 环比新增安装数 is seven wide glyphs: 14 units, on one line.
        for letter in "DIN":
            assert seed_sheet.column_dimensions[letter].width >= 14
        assert seed_sheet.column_dimensions["A"].width >= 10  # 县(市、区)

    def test_it_freezes_the_header_and_the_region_column(self, seed_sheet):
        assert seed_sheet.freeze_panes == "B6"

    def test_it_prints_on_a4_landscape_one_page_wide(self, seed_sheet):
        setup = seed_sheet.page_setup
        assert setup.orientation == "landscape"
        assert setup.paperSize == 9  # A4 in the OOXML paper size table
        assert seed_sheet.sheet_properties.pageSetUpPr.fitToPage is True
        assert setup.fitToWidth == 1
        assert setup.fitToHeight in (0, 1)
        assert seed_sheet.print_options.horizontalCentered is True
        assert seed_sheet.print_title_rows == "$1:$5"
        assert seed_sheet.print_area == "'2022.11.21'!$A$1:$P$18"

    def test_it_names_the_sheet_by_the_week(self, seed_sheet):
        assert seed_sheet.title == "2022.11.21"


class TestEdgeCases:
    @pytest.fixture
    def city(self):
        measure = make_measure("valve_pipe", device="自闭阀", gas_type="管道气")
        reporting = make_region("沁阳市", slug="qinyang", order=1)
        silent = make_region("孟州市", slug="mengzhou", order=2)
        week = make_week("2022-11-21")
        make_snapshot(week, reporting, measure, households=0, installed=0)
        return measure, reporting, silent, week

    @pytest.fixture
    def sheet(self, client, leader, city):
        client.force_login(leader)
        response = client.get(URL)
        assert response.status_code == 200
        return load_workbook(io.BytesIO(response.content)).active

    def test_it_marks_an_unreported_region(self, sheet):
        assert sheet["A7"].value == "孟州市"
        assert sheet["B7"].value == "未填报"
        assert "B7:F7" in {str(r) for r in sheet.merged_cells.ranges}

    def test_it_shows_a_dash_where_there_is_no_earlier_week_rate_or_rank(self, sheet):
        # households 0: no rate and no rank; the only week: no new installs.
        assert [sheet.cell(row=6, column=c).value for c in range(2, 7)] == [0, 0, "—", "—", "—"]

    def test_it_marks_a_week_not_yet_published_in_the_date_line(self, sheet, city):
        # The week of this class is open: a forwarded file must not pass for the official one.
        assert city[3].state == Week.State.OPEN
        assert sheet["A2"].value == "(2022.11.21)　未发布，仅供内部核对"

    def test_it_counts_only_reporting_regions_in_the_totals(self, sheet):
        assert sheet["A8"].value == "合计"
        assert [sheet.cell(row=8, column=c).value for c in range(2, 7)] == [0, 0, "—", "—", None]


class TestFormulaInjection:
    NAMES = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")']

    def test_it_keeps_formula_like_names_as_text(self, client, leader):
        week = make_week("2022-11-21")
        measure = make_measure("m", device="=cmd|' /C calc'!A0", gas_type="@gas")
        for order, name in enumerate(self.NAMES):
            region = make_region(name, slug=f"r{order}", order=order)
            make_snapshot(week, region, measure, households=10, installed=5)
        client.force_login(leader)
        ws = load_workbook(io.BytesIO(client.get(URL).content)).active
        written = {ws.cell(row=FIRST_DATA_ROW + i, column=1) for i in range(len(self.NAMES))}
        # XML turns a carriage return into a line feed: still text, still harmless.
        assert sorted(c.value for c in written) == sorted(n.replace("\r", "\n") for n in self.NAMES)
        assert {c.data_type for c in written} == {"s"}
        assert (ws["B3"].value, ws["B3"].data_type) == ("=cmd|' /C calc'!A0", "s")
        assert (ws["B4"].value, ws["B4"].data_type) == ("@gas", "s")
        assert all(c.data_type != "f" for c in all_cells(ws))


class TestDownload:
    def test_it_names_the_file_with_the_date(self, client, leader):
        load_seed()
        client.force_login(leader)
        response = client.get(URL)
        name = "焦作市燃气居民用户安全装置加装情况进度表_2022-11-21.xlsx"
        assert response["Content-Disposition"] == (
            'attachment; filename="gas-safety-progress_2022-11-21.xlsx"; '
            f"filename*=UTF-8''{quote(name)}"
        )
        assert response["Content-Type"] == sheets.XLSX_CONTENT_TYPE


class TestAccess:
    @pytest.fixture(autouse=True)
    def seed(self):
        load_seed()

    @pytest.mark.parametrize("role", [Profile.Role.LEADER, Profile.Role.BUREAU])
    def test_it_serves_city_wide_roles(self, client, role):
        client.force_login(make_user("someone", role))
        assert client.get(URL).status_code == 200

    def test_it_serves_district_staff(self, client):
        client.force_login(make_user("qinyang", Profile.Role.DISTRICT, Region.objects.first()))
        assert client.get(URL).status_code == 200

    def test_it_refuses_an_account_without_a_role(self, client):
        client.force_login(make_user("nobody", None))
        assert client.get(URL).status_code == 403

    def test_it_sends_anonymous_visitors_to_the_login(self, client):
        response = client.get(URL)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_it_answers_404_for_an_unknown_week(self, client, leader):
        client.force_login(leader)
        assert client.get("/weeks/2022-11-28/export.xlsx").status_code == 404

    def test_it_has_one_measure_group_per_measure(self, client, leader):
        # A measure added by the bureau adds five columns without code.
        make_measure("alarm", device="燃气报警器", gas_type="管道气", order=9)
        client.force_login(leader)
        ws = load_workbook(io.BytesIO(client.get(URL).content)).active
        assert Measure.objects.count() == 4
        assert ws["Q3"].value == "燃气报警器"
        assert "Q3:U3" in {str(r) for r in ws.merged_cells.ranges}
