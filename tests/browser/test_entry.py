"""A district reports its week on a phone; leadership cannot reach the form."""

from __future__ import annotations

import pytest

from installs.models import Region, Snapshot
from installs.services.figures import ANY_VERSION, FigureInput, figures_save
from tests.browser.conftest import save_screenshot
from tests.factories import load_seed, make_user, make_week

PHONE = {"width": 390, "height": 844}
DATE = "2022-11-28"


@pytest.fixture
def week_with_last_weeks_figures():
    """An open week 2022-11-28 into which every region's 11-21 figures were imported."""
    load_seed()
    week = make_week(DATE)
    bureau = make_user("ju", "bureau")
    figures_save(
        week=week,
        figures=[
            FigureInput(
                region=s.region,
                measure=s.measure,
                households=s.households,
                installed=s.installed,
                version=ANY_VERSION,
            )
            for s in Snapshot.objects.filter(week__date="2022-11-21").select_related(
                "region", "measure"
            )
        ],
        actor=bureau,
        source="import",
    )
    return week


def qinyang_cells(page):
    """The data cells of 沁阳市's row on the ranking page (5 per measure, in the official order)."""
    row = page.locator("table.progress-table tbody tr", has=page.locator("th", has_text="沁阳市"))
    return row.locator("td")


# 金属软管·液化气 is the third measure: its installed and rank cells.
LPG_INSTALLED, LPG_RANK = 2 * 5 + 1, 2 * 5 + 4


@pytest.mark.django_db(transaction=True)
def test_it_lets_a_district_fix_an_error_save_and_see_the_new_rank(
    week_with_last_weeks_figures, login, live_server
):
    user = make_user("qinyang", "district", Region.objects.get(slug="qinyang"))
    page = login(user, f"/weeks/{DATE}/")
    page.set_viewport_size(PHONE)
    assert qinyang_cells(page).nth(LPG_RANK).inner_text() == "9"

    page.goto(f"{live_server.url}/weeks/{DATE}/entry/")
    assert page.url.endswith(f"/weeks/{DATE}/entry/qinyang/")
    lpg = page.locator('[data-measure="hose_lpg"]')
    installed = page.locator("#id_hose_lpg-installed")
    assert installed.input_value() == "771"
    installed.fill("2000")
    # The live preview, before anything is sent.
    assert lpg.locator("[data-rate]").inner_text() == "110.2%"
    save_screenshot(page, "entry-phone-typed")

    page.click(".entry-save")
    page.wait_for_load_state()
    error = page.locator(".entry-field:has(#id_hose_lpg-installed) .errorlist")
    assert error.inner_text() == "金属软管·液化气 的已安装数（2000）不能大于户数（1815）"
    assert installed.input_value() == "2000"  # nothing typed is lost
    save_screenshot(page, "entry-phone-error")

    installed.fill("1000")
    assert lpg.locator("[data-new]").inner_text() == "229"
    assert lpg.locator("[data-rate]").inner_text() == "55.1%"
    page.click(".entry-save")
    # A confirmation of what was reported, not the 16-column table.
    page.wait_for_url(f"**/weeks/{DATE}/entry/qinyang/saved/")
    assert page.locator("h1").inner_text() == "已填报 ✓"
    saved = page.locator('.entry-saved-card[data-measure="hose_lpg"]')
    assert "1000" in saved.inner_text() and "1815" in saved.inner_text()
    assert saved.locator(".entry-saved-rate").inner_text() == "55.1%"
    assert saved.locator(".entry-saved-rank").inner_text() == "第8名（共11个区县）"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    save_screenshot(page, "entry-phone-confirmation")
    page.click("text=返回进度表")
    page.wait_for_url(f"**/weeks/{DATE}/")
    cells = qinyang_cells(page)
    assert cells.nth(LPG_INSTALLED).inner_text() == "1000"
    # 55.1% passes 温县's 52.2%: from 9th to 8th, and the rank cell says it moved up one.
    assert cells.nth(LPG_RANK).inner_text() == "8↑1"
    save_screenshot(page, "entry-phone-saved-ranking")


@pytest.mark.django_db(transaction=True)
def test_it_refuses_a_leader_at_the_entry_form(week_with_last_weeks_figures, login, live_server):
    page = login(make_user("lingdao", "leader"), "/")
    for path in (f"/weeks/{DATE}/entry/", f"/weeks/{DATE}/entry/qinyang/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 403
    assert page.locator("input.count-input").count() == 0
    assert "本周填报" not in page.locator("body").inner_text()
    save_screenshot(page, "entry-leader-refused")
    # Chromium reports the 403 itself as a console error; nothing else may be there.
    page.console_errors[:] = [e for e in page.console_errors if "403" not in e]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [{"width": 1400, "height": 900}, PHONE])
def test_it_asks_the_bureau_for_a_reason_to_change_a_locked_week(
    week_with_last_weeks_figures, login, live_server, viewport
):
    """The reproduction: bureau staff added 5 to 温县's 自闭阀 in a locked week, no reason: saved."""
    week = week_with_last_weeks_figures
    week.state = week.State.LOCKED
    week.save()
    page = login(make_user("shiju", "bureau"), f"/weeks/{DATE}/entry/wenxian/")
    page.set_viewport_size(viewport)
    installed = page.locator("#id_valve_pipe-installed")
    installed.fill(str(int(installed.input_value()) + 5))
    page.click(".entry-save")
    page.wait_for_load_state()
    error = page.locator(".entry-reason-needed .errorlist")
    assert (
        error.inner_text()
        == "本周已处于“已锁定”状态：修改数据须填写原因，记入修改记录。数据未保存。"
    )
    save_screenshot(page, f"entry-bureau-locked-reason-{viewport['width']}")

    page.fill("#id_reason", "区县电话更正")
    page.click(".entry-save")
    page.wait_for_url(f"**/weeks/{DATE}/")
    assert "已保存" in page.locator(".message-success").inner_text()
    snapshot = Snapshot.objects.get(week=week, region__slug="wenxian", measure__slug="valve_pipe")
    assert snapshot.history.first().history_change_reason == "填报: 区县电话更正"
