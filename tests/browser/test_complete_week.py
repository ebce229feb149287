"""
Issue 9 in chromium: the bureau locks 2022-11-28 with three regions late (the
confirmation lists them and what is carried), then publishes with a reason; the
leader's ranking page shows the carried figures marked, at 1400 and 390 px.
"""

from __future__ import annotations

import pytest

from installs.models import Week
from tests.browser.conftest import save_screenshot
from tests.complete_week import WEEK, open_scenario
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)

STATUS = f"/weeks/{WEEK.isoformat()}/status/"
RANKING = f"/weeks/{WEEK.isoformat()}/"


def test_lock_then_publish_with_a_reason(login, live_server):
    open_scenario(skip=(("温县", "hose_lpg"),))
    page = login(make_user("shiju", "bureau"), STATUS)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.get_by_role("link", name="锁定本周…").click()
    page.wait_for_url("**/lock/")
    assert page.locator(".confirm-missing").inner_text() == "未填报： 山阳区、马村区、中站区"
    assert page.locator(".confirm-partial").inner_text() == "部分填报： 温县（2/3）"
    carried = page.locator(".carried-table tbody tr")
    assert carried.count() == 10  # 温县's 液化气 hoses and the three late regions' 3 measures
    assert carried.first.inner_text().split("\t") == ["温县", "金属软管·液化气", "沿用11月21日数据"]
    assert page.locator(".confirm-preview .progress-table").is_visible()
    save_screenshot(page, "complete-lock-confirm-1400")
    page.get_by_role("button", name="锁定本周").click()
    page.wait_for_url(f"**{STATUS}")
    assert Week.objects.get(date=WEEK).state == Week.State.LOCKED

    page.get_by_role("link", name="发布本周…").click()
    page.wait_for_url("**/publish/")
    reason = page.locator('input[name="reason"]')
    assert reason.get_attribute("required") is not None
    # The browser keeps an empty reason from being sent; the service refuses it too (tested).
    page.get_by_role("button", name="发布本周").click()
    assert page.url.endswith("/publish/")
    assert Week.objects.get(date=WEEK).state == Week.State.LOCKED
    reason.fill("三区系统故障，经分管领导同意先行发布")
    page.get_by_role("button", name="发布本周").click()
    page.wait_for_url(f"**{STATUS}")
    assert Week.objects.get(date=WEEK).state == Week.State.PUBLISHED
    assert "三区系统故障，经分管领导同意先行发布" in page.locator(".state-changes").inner_text()


@pytest.mark.parametrize("width", [1400, 390])
def test_the_leader_sees_the_carried_figures_marked(login, live_server, width):
    open_scenario(state=Week.State.PUBLISHED, skip=(("温县", "hose_lpg"),))
    page = login(make_user("lingdao", "leader"), RANKING)
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}{RANKING}")
    shanyang = page.locator(".progress-table tbody tr", has_text="山阳区")
    assert "carried" in shanyang.get_attribute("class")
    marks = shanyang.locator(".mark-carried")
    assert marks.count() == 3
    assert marks.first.get_attribute("aria-label") == "沿用11月21日数据"
    assert page.locator(".carried-note").inner_text() == (
        "注：温县金属软管·液化气、山阳区、马村区、中站区沿用11月21日数据。"
    )
    save_screenshot(page, f"complete-ranking-{width}")
