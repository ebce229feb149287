"""
A province's history in a browser: 导出全部 at a province → 生成文件 → the progress
page (a <progress> bar at 0 of 3 cities) → the worker's step, run here as the
worker would → the page's poll sees the file ready and shows 下载 → the workbook
downloads with every county of the province.
"""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from installs.models import HistoryExport, Profile, Week
from installs.services import history_exports
from tests.browser.conftest import save_screenshot
from tests.factories import make_user
from tests.tree import two_provinces


@pytest.mark.django_db(transaction=True)
def test_a_province_history_is_built_with_a_progress_bar_then_downloaded(
    guarded_page, live_server, login, tmp_path
):
    tree = two_provinces(state=Week.State.PUBLISHED)  # leadership reads published weeks
    leader = make_user("henan", Profile.Role.LEADER)
    Profile.objects.filter(user=leader).update(area=tree.henan)
    page = login(leader, "/")
    assert "河南省" in page.locator("h1").first.inner_text()  # the province's table of cities

    page.locator(".site-nav a", has_text="导出全部").click()
    page.wait_for_load_state()
    assert "历周数据 · 河南省" in page.locator("h1").inner_text()
    page.get_by_role("button", name="生成文件（Excel 工作簿）").click()
    page.wait_for_load_state()

    bar = page.locator("progress#history-job-progress")
    assert bar.get_attribute("max") == "3" and bar.get_attribute("value") == "0"
    assert "已完成 0/3 个市" in page.locator("#history-job-count").inner_text()
    assert page.locator("#history-job-download").count() == 0
    save_screenshot(page, "history-job-waiting")

    # The worker's step (manage.py db_worker runs the same function).
    job = HistoryExport.objects.get()
    history_exports.history_export_run(job_id=job.pk)

    download_link = page.locator("#history-job-download")
    download_link.wait_for(timeout=15_000)  # the poll reloads the page when it is ready
    assert page.locator("progress#history-job-progress").get_attribute("value") == "3"
    save_screenshot(page, "history-job-ready")
    with page.expect_download() as download:
        download_link.click()
    path = tmp_path / "history.xlsx"
    download.value.save_as(path)
    assert "历周数据" in download.value.suggested_filename
    ws = load_workbook(path, read_only=True)["全部周次"]
    counties = {row[4] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert counties == {"解放区", "山阳区", "红旗区", "西工区"}
