"""manage.py import_table: the same import from the shell, with a dry run."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from installs.models import Snapshot, Week
from tests.factories import load_seed, make_user
from tests.official_workbooks import official_bytes, seed_table

pytestmark = pytest.mark.django_db


@pytest.fixture
def workbook(tmp_path):
    load_seed()
    make_user("ju", "bureau")
    path = tmp_path / "进度表2022.11.28.xlsx"
    path.write_bytes(official_bytes(seed_table(changes={("温县", "valve_pipe"): (71840, 20500)})))
    return path


def run(*args) -> str:
    out = io.StringIO()
    call_command("import_table", *map(str, args), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_imports_and_opens_the_week(workbook):
    output = run(workbook, "--user", "ju")
    assert "Imported into 2022-11-28: 33 figure(s) written (week opened)." in output
    assert (
        Snapshot.objects.get(
            week__date="2022-11-28", region__name="温县", measure__slug="valve_pipe"
        ).installed
        == 20500
    )


def test_a_dry_run_writes_nothing(workbook):
    output = run(workbook, "--user", "ju", "--dry-run")
    assert "Dry run: nothing was written." in output
    assert not Week.objects.filter(date="2022-11-28").exists()


def test_it_takes_the_week_given(workbook):
    run(workbook, "--user", "ju", "--week", "2022-12-05")
    assert Snapshot.objects.filter(week__date="2022-12-05").count() == 33


def test_it_prints_what_changes_in_an_existing_week(workbook):
    output = run(workbook, "--user", "ju", "--week", "2022-11-21", "--reason", "更正", "--dry-run")
    assert "0 new, 1 changed, 32 unchanged" in output
    assert "温县 自闭阀·管道气: 71840/19860 → 71840/20500" in output


def test_it_stops_on_an_error_and_writes_nothing(tmp_path):
    load_seed()
    make_user("ju", "bureau")
    rows = seed_table()
    rows[3][0] = "某某区"
    path = tmp_path / "bad.xlsx"
    path.write_bytes(official_bytes(rows))
    before = Snapshot.objects.count()
    with pytest.raises(CommandError, match="1 error"):
        run(path, "--user", "ju")
    assert Snapshot.objects.count() == before
    assert not Week.objects.filter(date="2022-11-28").exists()


def test_it_refuses_a_file_that_is_not_a_workbook(tmp_path):
    load_seed()
    make_user("ju", "bureau")
    path = tmp_path / "table.xlsx"
    path.write_text("县(市、区),户数\n", encoding="utf-8")
    with pytest.raises(CommandError, match="这不是 Excel .xlsx 工作簿"):
        run(path, "--user", "ju")


def test_it_acts_as_a_bureau_account_only(workbook):
    make_user("lingdao", "leader")
    with pytest.raises(CommandError, match="not bureau staff"):
        run(workbook, "--user", "lingdao")


def test_it_needs_an_account_when_there_is_no_superuser(workbook):
    with pytest.raises(CommandError, match="--user"):
        run(workbook)
