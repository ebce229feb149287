"""The import's preview and save: through figures_save, all or nothing, audited as an import."""

from __future__ import annotations

import datetime

import pytest

from installs.models import Region, Snapshot, Week
from installs.selectors import week_progress
from installs.services.figures import FigureInput, FiguresConflict, figures_save
from installs.services.imports import (
    ImportRefused,
    import_preview,
    payload_figures,
    table_import,
)
from installs.xlsx_reader import read_week_table
from tests.factories import load_seed, make_user
from tests.official_workbooks import official_bytes, seed_table

pytestmark = pytest.mark.django_db

NOV_21 = datetime.date(2022, 11, 21)
NOV_28 = datetime.date(2022, 11, 28)


@pytest.fixture
def bureau():
    load_seed()
    return make_user("ju", "bureau")


def state() -> tuple:
    """Everything an import could write: weeks, figures and their history."""
    return (
        list(Week.objects.values_list("date", "state").order_by("date")),
        list(
            Snapshot.objects.values_list(
                "week__date", "region_id", "measure_id", "households", "installed", "version"
            ).order_by("week__date", "region_id", "measure_id")
        ),
        Snapshot.history.count(),
        Week.history.count(),
    )


def parse(rows=None, name="进度表.xlsx", **options):
    return read_week_table(official_bytes(rows, **options), file_name=name)


def preview_of(actor, rows=None, week=None, reason="", **options):
    return import_preview(parsed=parse(rows, **options), week=week, actor=actor, reason=reason)


def cell_warnings(preview) -> list[str]:
    """The warnings about cells (not those about the file or the week)."""
    return [str(w) for w in preview.warnings if w.cell]


def save(preview, actor):
    week_date, file_name, figures = payload_figures(preview.payload())
    payload = preview.payload()
    return table_import(
        week_date=week_date,
        figures=figures,
        actor=actor,
        file_name=file_name,
        reason=payload["reason"],
        allow_other_weekday=payload["allow_other_weekday"],
    )


def grown_rows(extra: int = 100) -> list[list]:
    """The seed's rows with `extra` more installed in every measure (a plausible next week)."""
    rows = seed_table()
    for row in rows:
        for m in range(3):
            households, installed = row[1 + 5 * m], row[2 + 5 * m]
            row[2 + 5 * m] = min(households, installed + extra)
    return rows


def test_it_previews_without_writing_anything(bureau):
    before = state()
    preview = preview_of(bureau, grown_rows())
    assert preview.errors == []
    assert preview.week is None
    assert preview.progress is not None
    assert state() == before


def test_it_previews_the_table_as_it_will_be(bureau):
    preview = preview_of(bureau, grown_rows())
    qinyang = Region.objects.get(name="沁阳市")
    record = preview.progress.records[(qinyang.pk, preview.parsed.measures[0].pk)]
    assert (record["installed"], record["new"]) == (29677, 100)


def test_it_opens_the_week_of_the_date_line_and_saves_the_figures(bureau):
    result = save(preview_of(bureau, grown_rows()), bureau)
    assert result.created
    assert result.week.date == NOV_28
    assert Snapshot.objects.filter(week=result.week).count() == 33
    qinyang = Snapshot.objects.get(
        week=result.week, region__name="沁阳市", measure__slug="hose_lpg"
    )
    assert (qinyang.households, qinyang.installed) == (1815, 871)


def test_it_records_the_import_and_the_file_name_in_the_audit_trail(bureau):
    save(preview_of(bureau, grown_rows(), name="第48周.xlsx"), bureau)
    record = Snapshot.history.filter(week__date=NOV_28).first()
    assert record.history_change_reason == "导入: 第48周.xlsx"
    assert record.history_user == bureau


def test_it_counts_new_changed_and_unchanged_figures(bureau):
    rows = seed_table(changes={("温县", "valve_pipe"): (71840, 19900)})
    preview = preview_of(bureau, rows, week=NOV_21, reason="更正温县")
    assert (preview.count("added"), preview.count("changed"), preview.count("unchanged")) == (
        0,
        1,
        32,
    )
    change = next(c for c in preview.changes if c.kind == "changed")
    assert (change.region.name, change.old, change.new) == ("温县", (71840, 19860), (71840, 19900))


def test_it_leaves_regions_absent_from_the_file_as_they_are(bureau):
    rows = [row for row in grown_rows() if row[0] != "温县"]
    before = list(Snapshot.objects.filter(region__name="温县").values_list("pk", "installed"))
    save(preview_of(bureau, rows, week=NOV_21, reason="补录"), bureau)
    assert list(Snapshot.objects.filter(region__name="温县").values_list("pk", "installed")) == (
        before
    )
    assert Snapshot.objects.get(
        week__date=NOV_21, region__name="沁阳市", measure__slug="hose_lpg"
    ).installed == (771 + 100)


def test_it_writes_nothing_when_the_file_has_an_error(bureau):
    rows = grown_rows()
    rows[1][2] = rows[1][1] + 1  # installed > households
    before = state()
    preview = preview_of(bureau, rows)
    assert [str(e) for e in preview.errors] == ["C7: 已安装数大于户数"]
    assert not preview.can_save
    assert state() == before


def test_it_refuses_a_save_with_an_error_and_writes_nothing(bureau):
    region = Region.objects.get(name="沁阳市")
    measure = region.snapshot_set.first().measure
    before = state()
    good = FigureInput(
        region=Region.objects.get(name="温县"), measure=measure, households=10, installed=5
    )
    bad = FigureInput(region=region, measure=measure, households=10, installed=11)
    with pytest.raises(ImportRefused):
        table_import(week_date=NOV_28, figures=[good, bad], actor=bureau, file_name="x.xlsx")
    assert state() == before


def test_it_warns_but_saves_when_installed_is_lower_than_the_week_before(bureau):
    rows = seed_table(changes={("沁阳市", "valve_pipe"): (87326, 29000)})
    preview = preview_of(bureau, rows)
    assert preview.errors == []
    warning = next(w for w in preview.warnings if w.cell == "C6")
    assert "29577" in warning.message and "29000" in warning.message
    save(preview, bureau)
    assert (
        Snapshot.objects.get(
            week__date=NOV_28, region__name="沁阳市", measure__slug="valve_pipe"
        ).installed
        == 29000
    )


def test_it_warns_where_the_files_computed_columns_disagree(bureau):
    rows = seed_table()
    rows[0][5] = 1  # 沁阳市's 自闭阀 rank is 6
    rows[0][4] = "35.0%"  # its rate is 33.9%
    preview = preview_of(bureau, rows, week=NOV_21)
    assert cell_warnings(preview) == [
        "E6: 文件中的安装率为 35.0%，按数据计算应为 33.9%",
        "F6: 文件中的名次为 1，按数据计算应为 6",
    ]


def test_it_shows_the_files_rate_fraction_as_a_percentage(bureau):
    rows = seed_table()
    rows[0][4] = 0.34010489430410185  # the exact fraction a workbook stores; its rate is 33.9%
    rows[1][4] = rows[1][2] / rows[1][1]  # the exact fraction: no disagreement
    preview = preview_of(bureau, rows, week=NOV_21)
    assert cell_warnings(preview) == ["E6: 文件中的安装率为 34.0%，按数据计算应为 33.9%"]


def test_it_finds_no_disagreement_in_the_newspapers_own_table(bureau):
    preview = preview_of(bureau, seed_table(), week=NOV_21)
    assert cell_warnings(preview) == []
    assert preview.errors == []


def test_it_compares_new_installs_with_the_week_before(bureau):
    rows = grown_rows()  # the file still says the seed's 环比新增 (0, 60, ...)
    preview = preview_of(bureau, rows)
    new_warnings = {w.cell: str(w) for w in preview.warnings if "环比新增安装数" in w.message}
    assert new_warnings["D6"] == "D6: 文件中的环比新增安装数为 0，按数据计算应为 100"
    assert new_warnings["D17"] == "D17: 文件中的环比新增安装数为 499，按数据计算应为 1100"  # 合计
    # 博爱县's 金属软管·管道气 was at 100 % already: 0 new, as the file says.
    assert "I9" not in new_warnings


def test_it_compares_the_total_row(bureau):
    rows = seed_table()
    preview = preview_of(bureau, rows, week=NOV_21)
    assert cell_warnings(preview) == []
    changed = seed_table(changes={("温县", "valve_pipe"): (71840, 19900)})
    preview = preview_of(bureau, changed, week=NOV_21, reason="更正温县")
    # The file still has 温县's old 环比新增 and rate, and the old 合计 of 环比新增.
    assert cell_warnings(preview) == [
        "D8: 文件中的环比新增安装数为 0，按数据计算应为 40",
        "E8: 文件中的安装率为 27.6%，按数据计算应为 27.7%",
        "D17: 文件中的环比新增安装数为 499，按数据计算应为 539",
    ]


def test_it_imports_into_the_week_given_instead_of_the_files_date(bureau):
    preview = preview_of(bureau, grown_rows(), week=datetime.date(2022, 12, 5))
    assert preview.week_date == datetime.date(2022, 12, 5)
    assert "文件日期为 2022年11月28日，按 2022年12月5日 这一周导入。" in [
        str(w) for w in preview.warnings
    ]


def test_it_needs_a_week_when_the_file_has_no_date_line(bureau):
    preview = preview_of(bureau, grown_rows(), date_line=None)
    assert [str(e) for e in preview.errors] == [
        "表格上方没有 (2022.11.28) 这样的日期行：请选择要导入的周。"
    ]


def test_it_imports_into_a_published_week_and_says_so(bureau):
    assert Week.objects.get(date=NOV_21).is_published
    rows = seed_table(changes={("温县", "valve_pipe"): (71840, 19900)})
    preview = preview_of(bureau, rows, week=NOV_21, reason="更正温县")
    assert any("已发布" in str(w) for w in preview.warnings)
    save(preview, bureau)
    assert (
        Snapshot.objects.get(
            week__date=NOV_21, region__name="温县", measure__slug="valve_pipe"
        ).installed
        == 19900
    )
    assert Week.objects.get(date=NOV_21).is_published


def test_it_refuses_to_overwrite_figures_changed_since_the_preview(bureau):
    rows = seed_table(changes={("温县", "valve_pipe"): (71840, 19900)})
    preview = preview_of(bureau, rows, week=NOV_21, reason="更正温县")
    week = Week.objects.get(date=NOV_21)
    wenxian = Snapshot.objects.get(week=week, region__name="温县", measure__slug="valve_pipe")
    # A district saves its correction after the preview was shown.
    figures_save(
        week=week,
        figures=[
            FigureInput(
                region=wenxian.region,
                measure=wenxian.measure,
                households=71840,
                installed=19950,
                version=wenxian.version,
            )
        ],
        actor=bureau,
        reason="温县更正",
    )
    before = state()
    with pytest.raises(FiguresConflict):
        save(preview, bureau)
    assert state() == before


def test_it_refuses_a_week_too_far_ahead_without_writing(bureau):
    before = state()
    preview = preview_of(bureau, grown_rows(), week=datetime.date(2099, 1, 5))
    assert preview.errors and "2099年1月5日" in str(preview.errors[0])
    assert state() == before


def test_the_preview_equals_the_table_after_the_save(bureau):
    preview = preview_of(bureau, grown_rows())
    result = save(preview, bureau)
    after = week_progress(result.week)
    assert preview.progress.records == after.records
