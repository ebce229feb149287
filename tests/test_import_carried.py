"""
Re-importing a workbook the app exported for a week with carried figures: the
cells marked 未填报※ are an earlier week's figures, shown because the region did
not report; the import leaves them out and says so (沿用数据，未导入).
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from installs import sheets
from installs.models import Snapshot, Week
from installs.selectors import week_progress
from installs.services.imports import import_preview, payload_figures, table_import
from installs.xlsx_reader import read_week_table
from tests.complete_week import LATE, WEEK, open_scenario
from tests.factories import make_user
from tests.test_round_trip import cells

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def exported() -> bytes:
    """2022-11-28: 山阳区, 马村区, 中站区 late; 温县 gave 2 of 3 measures (LPG carried)."""
    week = open_scenario(skip=(("温县", "hose_lpg"),))
    return sheets.workbook_bytes(sheets.week_workbook(week_progress(week)))


@pytest.fixture
def bureau():
    return make_user("ju", "bureau")


def carried_pairs() -> set[tuple[str, str]]:
    return {(name, slug) for name in LATE for slug in ("valve_pipe", "hose_pipe", "hose_lpg")} | {
        ("温县", "hose_lpg")
    }


def test_it_reads_no_figure_from_a_carried_cell(exported):
    parsed = read_week_table(exported, file_name="进度表.xlsx")
    read = {(f.region.name, f.measure.slug) for f in parsed.figures}
    assert parsed.errors == []
    assert len(read) == 11 * 3 - 10
    assert read.isdisjoint(carried_pairs())


def test_it_notes_each_pair_it_left_out(exported):
    parsed = read_week_table(exported, file_name="进度表.xlsx")
    notes = [str(note) for note in parsed.notes]
    assert len(notes) == 10
    # 山阳区's row (the 8th region, row 13), 自闭阀·管道气's 环比新增安装数 (column D).
    assert "D13: 山阳区 自闭阀·管道气：沿用数据，未导入" in notes
    assert any(note.endswith("温县 金属软管·液化气：沿用数据，未导入") for note in notes)


def test_a_re_import_into_the_week_stores_nothing_carried(exported, bureau):
    week = Week.objects.get(date=WEEK)
    before = set(Snapshot.objects.filter(week=week).values_list("pk", "version"))
    parsed = read_week_table(exported, file_name="进度表.xlsx")
    preview = import_preview(parsed=parsed, week=None, actor=bureau)
    assert preview.errors == [] and preview.warnings == []
    assert [c.kind for c in preview.changes] == ["unchanged"] * 23
    week_date, file_name, figures = payload_figures(preview.payload())
    table_import(week_date=week_date, figures=figures, actor=bureau, file_name=file_name)
    # Nothing new stored for the late regions or 温县's LPG; the rest as it was.
    assert set(Snapshot.objects.filter(week=week).values_list("pk", "version")) == before


def test_an_import_into_an_empty_week_exports_the_same_workbook(exported, bureau):
    Snapshot.objects.filter(week__date=WEEK).delete()
    Week.objects.filter(date=WEEK).delete()
    parsed = read_week_table(exported, file_name="进度表.xlsx")
    preview = import_preview(parsed=parsed, week=None, actor=bureau)
    week_date, file_name, figures = payload_figures(preview.payload())
    table_import(week_date=week_date, figures=figures, actor=bureau, file_name=file_name)
    week = Week.objects.get(date=WEEK)
    stored = {
        (s.region.name, s.measure.slug)
        for s in Snapshot.objects.filter(week=week).select_related("region", "measure")
    }
    assert stored.isdisjoint(carried_pairs()) and len(stored) == 23
    # Carried again on export, from 11-21 as before: the same workbook, cell for cell.
    again = sheets.workbook_bytes(sheets.week_workbook(week_progress(week)))
    assert cells(again) == cells(exported)


def test_the_preview_page_shows_the_note(client, exported, bureau):
    client.force_login(bureau)
    response = client.post(
        "/import/",
        {
            "file": SimpleUploadedFile("进度表.xlsx", exported, content_type=XLSX),
            "week": "",
            "reason": "",
        },
    )
    page = response.content.decode()
    assert "10条说明：未导入" in page
    assert '<span class="cell-ref">D13</span> 山阳区 自闭阀·管道气：沿用数据，未导入' in page
