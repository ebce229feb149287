"""
The tables at every level in a browser, on a desktop (1400 px) and a phone (390 px):
the nation's table → a province's → a city's by the rows' links, breadcrumbs on each,
nothing wider than the screen outside the table's own scroll box.
"""

from __future__ import annotations

import pytest

from installs.models import Profile
from tests.browser.conftest import save_screenshot
from tests.browser.test_phone import DESKTOP, OVERFLOW, PHONE
from tests.factories import make_user
from tests.tree import two_provinces


def fits(page, viewport: dict) -> None:
    result = page.evaluate(OVERFLOW)
    assert result["scrollWidth"] <= viewport["width"], result
    assert result["out"] == [], result


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_down_the_tree_by_the_rows_links(guarded_page, live_server, login, viewport):
    two_provinces()
    page = guarded_page
    page.set_viewport_size(viewport)
    login(make_user("ju", Profile.Role.BUREAU), "/")
    width = viewport["width"]

    # Bound to no area, with two provinces: the home is the nation's table.
    assert page.locator("h1.sheet-title").inner_text() == "全国燃气居民用户安全装置加装情况进度表"
    assert page.locator("table.level-table tbody tr").count() == 3  # 2 provinces and 合计
    fits(page, viewport)
    save_screenshot(page, f"levels-nation-{width}")

    page.locator("table.level-table tbody th a", has_text="河南省").click()
    page.wait_for_load_state()
    assert page.locator("h1.sheet-title").inner_text() == "河南省燃气居民用户安全装置加装情况进度表"
    assert page.locator(".breadcrumbs a").all_inner_texts() == ["全国", "河南省"]
    assert "※已填报 1/2" in page.locator("tr", has_text="焦作市").first.inner_text()
    fits(page, viewport)
    save_screenshot(page, f"levels-province-{width}")

    page.locator("table.level-table tbody th a", has_text="焦作市").click()
    page.wait_for_load_state()
    assert page.locator(".breadcrumbs a").all_inner_texts() == ["全国", "河南省", "焦作市"]
    assert page.locator("table.progress-table tbody th a", has_text="解放区").count() == 1
    assert "焦作市在河南省" in page.locator(".city-standing").inner_text()
    fits(page, viewport)
    save_screenshot(page, f"levels-city-{width}")

    # Back up by the breadcrumbs.
    page.locator(".breadcrumbs a", has_text="全国").click()
    page.wait_for_load_state()
    assert page.locator("h1.sheet-title").inner_text() == "全国燃气居民用户安全装置加装情况进度表"
