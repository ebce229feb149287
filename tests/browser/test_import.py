"""Importing a weekly table in a real browser: upload, preview with its changes, confirm."""

from __future__ import annotations

import pytest

from installs.models import Snapshot
from tests.browser.conftest import save_screenshot
from tests.factories import load_seed, make_user
from tests.official_workbooks import official_bytes, seed_table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def week_48_rows() -> list[list]:
    """The 2022-11-21 table one week on: three regions installed more, 温县 a typo in 名次."""
    rows = seed_table(
        changes={
            ("温县", "valve_pipe"): (71840, 20500),
            ("山阳区", "hose_pipe"): (129327, 38000),
            ("马村区", "hose_lpg"): (1991, 1400),
        }
    )
    rows[2][5] = 3  # the file's own 名次 for 温县, which the figures do not give
    return rows


@pytest.mark.django_db(transaction=True)
def test_it_imports_a_week_through_preview_and_confirmation(login, live_server):
    load_seed()
    page = login(make_user("ju", "bureau"), "/import/")
    assert page.url.endswith("/import/")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "进度表2022.11.28.xlsx",
                "mimeType": XLSX,
                "buffer": official_bytes(week_48_rows()),
            }
        ],
    )
    save_screenshot(page, "import-upload")
    page.get_by_role("button", name="读取并预览").click()
    page.wait_for_load_state()

    assert page.locator("h1").inner_text() == "导入预览"
    assert "新周次：将自动开启" in page.inner_text(".transfer-facts")
    assert "文件中的 33 项数据均为新增" in page.inner_text(".transfer-all-new")
    wenxian = page.locator(".progress-table tbody tr", has_text="温县")
    assert "20500" in wenxian.inner_text()  # the table as it will be
    warnings = page.inner_text(".transfer-warnings")
    assert "F8" in warnings and "名次" in warnings
    assert page.locator(".progress-table").count() == 1
    assert not Snapshot.objects.filter(week__date="2022-11-28").exists()
    save_screenshot(page, "import-preview")

    page.get_by_role("button", name="保存到 2022年11月28日 这一周").click()
    page.wait_for_load_state()
    assert page.url.endswith("/weeks/2022-11-28/")
    assert "已将 进度表2022.11.28.xlsx 导入 2022年11月28日 这一周" in page.inner_text(".messages")
    wenxian = page.locator(".progress-table tbody tr", has_text="温县")
    assert "20500" in wenxian.inner_text()
    assert Snapshot.objects.filter(week__date="2022-11-28").count() == 33
    save_screenshot(page, "import-done-week")

    # A corrected table of the same week: the preview shows old → new of what changes.
    corrected = week_48_rows()
    corrected[2][2] = 20600
    page.goto(f"{live_server.url}/import/")
    page.set_input_files(
        "input[type=file]",
        files=[
            {
                "name": "进度表2022.11.28（更正）.xlsx",
                "mimeType": XLSX,
                "buffer": official_bytes(corrected),
            }
        ],
    )
    page.get_by_role("button", name="读取并预览").click()
    page.wait_for_load_state()
    assert "修改 1 项" in page.inner_text(".transfer-counts")
    row = page.locator(".changes-table tbody tr", has_text="温县")
    assert row.locator("del").first.inner_text() == "20500"
    assert row.locator("ins").first.inner_text() == "20600"
    save_screenshot(page, "import-preview-changes")
    page.get_by_role("button", name="保存到 2022年11月28日 这一周").click()
    page.wait_for_load_state()
    assert "20600" in page.locator(".progress-table tbody tr", has_text="温县").inner_text()


@pytest.mark.django_db(transaction=True)
def test_it_shows_the_errors_by_cell_and_offers_no_save(login, live_server):
    load_seed()
    page = login(make_user("ju", "bureau"), "/import/")
    rows = week_48_rows()
    rows[1][2] = rows[1][1] + 5  # 孟州市: installed > households
    rows[3][0] = "某某区"
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "有错误.xlsx", "mimeType": XLSX, "buffer": official_bytes(rows)}],
    )
    page.get_by_role("button", name="读取并预览").click()
    page.wait_for_load_state()
    errors = page.inner_text(".transfer-errors")
    assert "C7 已安装数大于户数" in errors
    assert "A9 未知的县(市、区)“某某区”" in errors
    assert page.get_by_role("button", name="保存到 2022年11月28日 这一周").count() == 0
    save_screenshot(page, "import-errors")


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_file_that_is_not_a_workbook(login, live_server):
    load_seed()
    page = login(make_user("ju", "bureau"), "/import/")
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "进度表.xlsx", "mimeType": XLSX, "buffer": "县(市、区),户数\n".encode()}],
    )
    page.get_by_role("button", name="读取并预览").click()
    page.wait_for_load_state()
    assert "这不是 Excel .xlsx 工作簿" in page.inner_text(".errorlist")


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_file_over_the_limit_with_a_page_not_an_error(login, live_server):
    load_seed()
    page = login(make_user("ju", "bureau"), "/import/")
    page.set_input_files(
        "input[type=file]",
        files=[
            {"name": "照片很多.xlsx", "mimeType": XLSX, "buffer": b"PK\x03\x04" * (1536 * 1024)}
        ],
    )
    page.get_by_role("button", name="读取并预览").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "文件过大"
    assert "文件超过 5 MB，未读取。" in page.inner_text("[role=alert]")
    # Chromium reports the 413 of the page itself as a failed resource.
    page.console_errors[:] = [e for e in page.console_errors if "413" not in e]
    save_screenshot(page, "import-too-large")
    page.set_viewport_size({"width": 390, "height": 844})
    save_screenshot(page, "import-too-large-390")
    page.get_by_role("link", name="返回导入").click()
    page.wait_for_load_state()
    assert page.url.endswith("/import/")
