"""
Hostile uploads: refused with a message before they cost memory or time; what
passes the zip checks is read by a child process within a memory limit, a
timeout and one of the machine's slots. Never a 500, never a write.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from installs import xlsx_child, xlsx_reader
from installs.xlsx_reader import UploadRejected, check_upload, read_sheets
from tests.hostile_workbooks import rezip, styles_xml, with_shared_strings, with_styles
from tests.official_workbooks import official_bytes, workbook_bytes
from tests.test_import_views import UPLOAD, bureau, changed_rows, state, upload  # noqa: F401

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
PROJECT = Path(__file__).resolve().parents[1]
TOO_LARGE = "文件过大：工作簿解压后的数据量远超一张进度表"


@pytest.fixture
def no_child(monkeypatch):
    """Fails the test if the workbook is handed to the child process (openpyxl)."""

    def read_sheets(*args, **kwargs):
        raise AssertionError("this workbook must be refused before it is parsed")

    monkeypatch.setattr(xlsx_child, "read_sheets", read_sheets)


def ratios(data: bytes) -> dict[str, float]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {i.filename: i.file_size / i.compress_size for i in archive.infolist()}


# Declared sizes: refused before any parsing -------------------------------------


def test_it_refuses_styles_larger_than_a_table_has(client, bureau, no_child):  # noqa: F811
    # 1.5 MB of cell formats in a 90 KB file, compressed only 19 to 1: the
    # ratio check lets it through; openpyxl would parse it whole.
    data = with_styles(official_bytes(changed_rows()), int(1.5 * MB))
    assert len(data) < 200 * 1024 and ratios(data)["xl/styles.xml"] < xlsx_reader.ZIP_MAX_RATIO
    before = state()
    response = upload(client, data)
    assert response.status_code == 200
    assert "".join(response.context["form"].errors["file"]).startswith(TOO_LARGE)
    assert state() == before


def test_it_refuses_shared_strings_larger_than_a_table_has(no_child):
    data = with_shared_strings(official_bytes(), 3 * MB)
    assert ratios(data)["xl/sharedStrings.xml"] < xlsx_reader.ZIP_MAX_RATIO
    with pytest.raises(UploadRejected) as caught:
        check_upload(data)
    assert caught.value.message.startswith(TOO_LARGE)


def test_it_refuses_any_part_larger_than_a_national_tables_sheet(no_child):
    # 9 MB of XML compressed only 19 to 1: only the size of the part can refuse it.
    data = rezip(official_bytes(), add={"xl/worksheets/sheet2.xml": styles_xml(9 * MB)})
    assert ratios(data)["xl/worksheets/sheet2.xml"] < xlsx_reader.ZIP_MAX_RATIO
    with pytest.raises(UploadRejected) as caught:
        check_upload(data)
    assert caught.value.message.startswith(TOO_LARGE)


def test_a_national_table_of_3000_rows_fits_the_limits_comfortably():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["县(市、区)"] + ["户数", "已安装数", "环比新增安装数", "安装率", "名次"] * 3)
    for number in range(3000):
        sheet.append([f"某某省某某市某某县第{number}号街道"] + [87326 + number] * 15)
    data = workbook_bytes(workbook)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for part in archive.infolist():
            limit = xlsx_reader.ZIP_MAX_PARTS.get(part.filename, xlsx_reader.ZIP_MAX_PART)
            assert part.file_size * 2 < limit, part.filename
    [(_title, rows)] = read_sheets(data)
    assert len(rows) == 3001
    assert rows[3000][:2] == ["某某省某某市某某县第2999号街道", 87326 + 2999]


# The child process: a memory limit and a timeout ---------------------------------

MEASURE_CHILD = """
import json, resource, sys
from pathlib import Path
from installs import xlsx_child
data = Path(sys.argv[1]).read_bytes()
try:
    xlsx_child.read_sheets(
        data, memory_bytes=int(sys.argv[2]), timeout=120, slots_dir=Path(sys.argv[3]), slots=1
    )
    reason = "read"
except xlsx_child.ReadFailed as failed:
    reason = failed.reason
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
print(json.dumps({"reason": reason, "peak": peak}))
"""


def test_the_child_stops_at_its_memory_limit(tmp_path):
    """
    6 MB of styles take openpyxl some 140 MB. The child is measured from a small
    process of its own (RUSAGE_CHILDREN of a process of pytest's size would
    count pytest's memory, which the child has for a moment before exec).
    """
    path = tmp_path / "styles.xlsx"
    path.write_bytes(with_styles(official_bytes(), 6 * MB))
    limit = 64 * MB
    done = subprocess.run(
        [sys.executable, "-c", MEASURE_CHILD, str(path), str(limit), str(tmp_path / "slots")],
        cwd=PROJECT,
        capture_output=True,
        check=True,
    )
    measured = json.loads(done.stdout)
    assert measured["reason"] == xlsx_child.TOO_LARGE
    assert measured["peak"] <= limit


def test_a_workbook_beyond_the_memory_limit_gets_a_message(
    client,
    bureau,  # noqa: F811
    settings,
    monkeypatch,
):
    monkeypatch.setattr(xlsx_reader, "ZIP_MAX_PARTS", {})  # past the declared-size check
    settings.IMPORT_MEMORY_BYTES = 64 * MB
    before = state()
    response = upload(client, with_styles(official_bytes(changed_rows()), 6 * MB))
    assert response.status_code == 200
    assert "".join(response.context["form"].errors["file"]) == (
        "文件过大：读取该工作簿所需的内存远超一张进度表，未导入。"
    )
    assert state() == before


def test_a_workbook_read_too_slowly_gets_a_message(client, bureau, settings):  # noqa: F811
    settings.IMPORT_TIMEOUT_SECONDS = 0.01  # not even openpyxl is imported by then
    before = state()
    response = upload(client, official_bytes(changed_rows()))
    assert response.status_code == 200
    assert "".join(response.context["form"].errors["file"]).startswith(
        "文件解析超时（超过 0.01 秒），未导入。"
    )
    assert state() == before


# Slots: a few reads at once on the machine ----------------------------------------

HOLD_SLOT = """
import fcntl, sys
handle = open(sys.argv[1], "a")
fcntl.flock(handle, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def test_it_refuses_an_import_while_other_processes_hold_every_slot(
    client,
    bureau,  # noqa: F811
    settings,
    tmp_path,
):
    settings.IMPORT_SLOTS_DIR = str(tmp_path)
    settings.IMPORT_SLOTS = 1
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SLOT, str(tmp_path / "slot-0.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        before = state()
        response = upload(client, official_bytes(changed_rows()))
        assert "".join(response.context["form"].errors["file"]) == (
            "导入繁忙：其他工作簿正在读取，请稍后再试。"
        )
        assert state() == before
    finally:
        holder.communicate("")
    response = upload(client, official_bytes(changed_rows()))
    assert response.context["token"]  # the slot is free again: the preview


def test_a_slot_directory_that_cannot_be_made_gives_a_message_not_an_error(
    client,
    bureau,  # noqa: F811
    settings,
    tmp_path,
):
    (tmp_path / "a-file").write_text("")
    settings.IMPORT_SLOTS_DIR = str(tmp_path / "a-file" / "slots")
    response = upload(client, official_bytes(changed_rows()))
    assert response.status_code == 200
    assert "".join(response.context["form"].errors["file"]).startswith("导入繁忙")


# Names and sizes before reading ----------------------------------------------------


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body of an oversized request must not be read")

    readline = read


def test_it_refuses_a_request_body_over_the_limit_unread(client, bureau):  # noqa: F811
    before = state()
    response = client.post(
        UPLOAD,
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        **{"wsgi.input": UnreadableBody(), "CONTENT_LENGTH": str(100 * MB)},
    )
    assert response.status_code == 413
    assert "文件超过 5 MB，未读取。" in response.content.decode()
    assert state() == before


def test_it_refuses_an_oversized_body_on_any_address_before_login(client):
    # The CSRF check would read a multipart body on any address, the login page too.
    response = client.post(
        "/accounts/login/",
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        **{"wsgi.input": UnreadableBody(), "CONTENT_LENGTH": str(100 * MB)},
    )
    assert response.status_code == 413
    assert "文件超过 5 MB，未读取。" in response.content.decode()


def padded_to(data: bytes, size: int) -> bytes:
    """The workbook with a stored (uncompressed) photo that makes it exactly ``size`` bytes."""

    def with_photo(photo: bytes) -> bytes:
        out = io.BytesIO(data)
        with zipfile.ZipFile(out, "a") as archive:
            archive.writestr("xl/media/photo.bin", photo, compress_type=zipfile.ZIP_STORED)
        return out.getvalue()

    overhead = len(with_photo(b"")) - len(data)
    return with_photo(os.urandom(size - len(data) - overhead))


def test_an_upload_of_the_largest_size_allowed_is_read(client, bureau):  # noqa: F811
    # The request limit leaves room for the form around a file of UPLOAD_MAX_BYTES.
    padded = padded_to(official_bytes(changed_rows()), django_settings.UPLOAD_MAX_BYTES)
    assert len(padded) == django_settings.UPLOAD_MAX_BYTES
    assert upload(client, padded).context["token"]


def test_it_refuses_an_xlsm_before_reading_it(client, bureau, no_child):  # noqa: F811
    before = state()
    response = upload(client, official_bytes(changed_rows()), name="第48周.xlsm")
    assert "".join(response.context["form"].errors["file"]) == (
        "这不是 Excel .xlsx 工作簿。请上传另存为 .xlsx 的进度表。"
    )
    assert state() == before


def run_command(path: Path) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("import_table", str(path), "--user", "ju", stdout=io.StringIO())
    return str(caught.value)


def test_the_command_refuses_an_xlsm(bureau, tmp_path, no_child):  # noqa: F811
    path = tmp_path / "进度表2022.11.28.xlsm"
    path.write_bytes(official_bytes(changed_rows()))
    before = state()
    assert run_command(path) == "这不是 Excel .xlsx 工作簿。请上传另存为 .xlsx 的进度表。"
    assert state() == before


def test_the_command_refuses_a_huge_file_without_reading_it(bureau, tmp_path, no_child):  # noqa: F811
    # A sparse file of a terabyte: read whole, it would fail for want of memory.
    path = tmp_path / "进度表2022.11.28.xlsx"
    with path.open("wb") as handle:
        handle.truncate(1024**4)
    before = state()
    assert run_command(path) == "文件超过 5 MB。"
    assert state() == before
