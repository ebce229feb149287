"""Uploads that are not a readable progress table get a clear Chinese message, before any parsing."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook

from installs import xlsx_child, xlsx_reader
from installs.xlsx_reader import UploadRejected, read_sheets, read_week_table
from tests.factories import load_seed
from tests.official_workbooks import official_bytes, workbook_bytes


def refused(data: bytes) -> str:
    with pytest.raises(UploadRejected) as caught:
        read_week_table(data, file_name="上传.xlsx", regions=[], measures=[])
    return caught.value.message


def rezip(
    data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None
):
    """The same zip with some members replaced or added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = (replace or {}).get(item.filename, source.read(item.filename))
            target.writestr(item.filename, body, compress_type=zipfile.ZIP_DEFLATED)
        for name, body in (add or {}).items():
            target.writestr(name, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


@pytest.fixture
def no_openpyxl(monkeypatch):
    """Fails the test if the file is given to the child process that runs openpyxl."""

    def read_sheets(*args, **kwargs):
        raise AssertionError("openpyxl must not see this file")

    monkeypatch.setattr(xlsx_child, "read_sheets", read_sheets)


def test_it_refuses_a_file_over_the_size_limit(settings, no_openpyxl):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    assert refused(b"PK\x03\x04" + b"x" * 1024 * 1024) == "文件超过 1 MB。"


def test_it_refuses_a_renamed_xls(no_openpyxl):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512
    assert refused(ole).startswith("这是旧版 .xls 文件")


def test_it_refuses_a_renamed_csv(no_openpyxl):
    csv = "县(市、区),户数,已安装数\n沁阳市,87326,29577\n".encode()
    assert refused(csv) == "这不是 Excel .xlsx 工作簿。请上传另存为 .xlsx 的进度表。"


def test_it_refuses_a_zip_that_is_not_a_workbook(no_openpyxl):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    assert refused(out.getvalue()) == "这不是 Excel .xlsx 工作簿。请上传另存为 .xlsx 的进度表。"


def test_it_refuses_a_truncated_file(no_openpyxl):
    data = official_bytes()
    assert refused(data[: len(data) // 2]).startswith("工作簿已损坏")


def test_it_refuses_a_zip_bomb_before_openpyxl_sees_it(no_openpyxl):
    # 40 MB of zeros compress to about 40 KB: far beyond any real workbook's ratio.
    bomb = rezip(official_bytes(), replace={"xl/worksheets/sheet1.xml": b"\0" * (40 * 1024 * 1024)})
    assert len(bomb) < 200 * 1024
    assert refused(bomb).startswith("文件过大：工作簿解压后的数据量远超一张进度表")


def test_it_refuses_a_zip_declaring_too_much_data_altogether(no_openpyxl, monkeypatch):
    monkeypatch.setattr(xlsx_reader, "ZIP_MAX_UNCOMPRESSED", 100 * 1024)
    data = rezip(official_bytes(), add={"xl/media/padding.bin": bytes(range(256)) * 800})
    assert refused(data).startswith("文件过大：工作簿解压后的数据量远超一张进度表")


def test_it_refuses_a_zip_with_too_many_entries(no_openpyxl):
    data = rezip(official_bytes(), add={f"xl/extra/{i}.xml": b"<a/>" for i in range(2001)})
    assert refused(data).startswith("文件过大：工作簿解压后的数据量远超一张进度表")


def test_it_refuses_a_workbook_with_a_damaged_sheet():
    data = rezip(
        official_bytes(), replace={"xl/worksheets/sheet1.xml": b"<worksheet><sheetData><row"}
    )
    assert refused(data).startswith("工作簿已损坏")


def test_it_refuses_a_sheet_whose_xml_is_broken_inside():
    sheet = (
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1"><v>1</c></row></sheetData></worksheet>'
    )
    data = rezip(official_bytes(), replace={"xl/worksheets/sheet1.xml": sheet})
    assert refused(data).startswith("工作簿已损坏")


def test_it_refuses_a_workbook_with_a_damaged_workbook_part():
    data = rezip(official_bytes(), replace={"xl/workbook.xml": b"not xml at all"})
    assert refused(data).startswith("工作簿已损坏")


def test_it_refuses_an_xml_bomb_without_expanding_it():
    # The "billion laughs": defusedxml refuses entity declarations outright.
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    data = rezip(official_bytes(), replace={"xl/worksheets/sheet1.xml": laughs})
    assert refused(data).startswith("工作簿已损坏")


@pytest.mark.django_db
def test_it_refuses_a_sheet_of_plain_text():
    load_seed()
    workbook = Workbook()
    for line in ["各县(市、区)燃气安全工作情况汇报", "本周各地进展顺利。", "下周继续推进。"]:
        workbook.active.append([line])
    with pytest.raises(UploadRejected) as caught:
        read_week_table(workbook_bytes(workbook), file_name="汇报.xlsx")
    assert caught.value.message == (
        "找不到进度表：没有哪张工作表的表头含有“县(市、区)”和“户数”列。"
    )


def test_it_refuses_an_empty_workbook():
    assert refused(workbook_bytes(Workbook())).startswith("找不到进度表")


def test_it_reads_a_real_workbooks_values_in_a_child_process():
    [(title, rows)] = read_sheets(official_bytes())
    assert title == "Sheet1"
    assert rows[2][0] == "县(市、区)"
    assert rows[5][:3] == ["沁阳市", 87326, 29577]


def test_it_has_defusedxml_to_guard_openpyxl():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML
