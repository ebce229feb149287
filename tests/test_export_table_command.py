"""`manage.py export_table`: the same workbook as the download, written to a file."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from installs.models import Profile
from tests.factories import load_seed, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def seed(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_seed()


def sheet_contents(ws) -> dict:
    """Everything a reader sees: values, types, formats, merges, page set-up."""
    return {
        "title": ws.title,
        "cells": [
            (c.coordinate, c.value, c.data_type, c.number_format)
            for row in ws.iter_rows()
            for c in row
        ],
        "merged": sorted(str(r) for r in ws.merged_cells.ranges),
        "freeze": ws.freeze_panes,
        "widths": {k: d.width for k, d in ws.column_dimensions.items()},
        "setup": (ws.page_setup.orientation, ws.page_setup.paperSize, ws.page_setup.fitToWidth),
    }


def test_it_writes_the_same_workbook_as_the_download(client, tmp_path):
    path = tmp_path / "table.xlsx"
    call_command("export_table", week="2022-11-21", output=str(path), stdout=io.StringIO())
    client.force_login(make_user("leader", Profile.Role.LEADER))
    downloaded = load_workbook(io.BytesIO(client.get("/weeks/2022-11-21/export.xlsx").content))
    written = load_workbook(path)
    assert sheet_contents(written.active) == sheet_contents(downloaded.active)
    assert written.active["A3"].value == "县(市、区)"  # in Chinese, as on the page


def test_it_names_the_file_itself_in_a_directory(tmp_path):
    call_command(
        "export_table", "--week", "2022-11-21", "--output", str(tmp_path), stdout=io.StringIO()
    )
    assert [p.name for p in tmp_path.iterdir()] == [
        "焦作市燃气居民用户安全装置加装情况进度表_2022-11-21.xlsx"
    ]


def test_it_refuses_a_date_it_cannot_read(tmp_path):
    with pytest.raises(CommandError, match="2022-13-01"):
        call_command("export_table", week="2022-13-01", output=str(tmp_path / "x.xlsx"))
    assert not any(tmp_path.iterdir())


def test_it_refuses_an_unknown_week(tmp_path):
    with pytest.raises(CommandError, match="no week 2022-11-28"):
        call_command("export_table", week="2022-11-28", output=str(tmp_path / "x.xlsx"))
    assert not any(tmp_path.iterdir())


def test_it_refuses_a_path_it_cannot_write(tmp_path):
    with pytest.raises(CommandError, match="Cannot write"):
        call_command("export_table", week="2022-11-21", output=str(tmp_path / "missing" / "x.xlsx"))
