"""
Every page on a phone (390 px) and a desktop (1400 px), as each role that may open it:
nothing wider than the screen except inside a table's own scroll box, the menu closed
to one line on a phone, no console error (guarded_page), a screenshot of each.
Then the mends: the ranking page's weight, the grid's button without JavaScript, the
bureau's region chooser, plotly's toolbar and the titles, tied measures on a region's chart.
"""

from __future__ import annotations

import pytest

from installs.models import Region, Snapshot
from installs.services.figures import ANY_VERSION, FigureInput, figures_save
from tests.browser.conftest import save_screenshot
from tests.factories import PASSWORD, load_seed, make_user, make_week

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1400, "height": 900}
OPEN = "2022-11-28"
DONE = "2022-11-21"

READ_PAGES = [
    f"/weeks/{DONE}/",
    f"/weeks/{DONE}/charts/",
    f"/weeks/{DONE}/pace/",
    "/regions/qinyang/",
    "/audit/",
    f"/weeks/{OPEN}/audit/qinyang/",
]
PAGES = {
    "district": [
        *READ_PAGES,
        f"/weeks/{OPEN}/entry/qinyang/",
        f"/weeks/{OPEN}/entry/qinyang/saved/",
    ],
    "bureau": [
        *READ_PAGES,
        f"/weeks/{OPEN}/",
        f"/weeks/{OPEN}/charts/",
        f"/weeks/{OPEN}/entry/",
        f"/weeks/{OPEN}/entry/wenxian/",
        f"/weeks/{OPEN}/status/",
        f"/weeks/{OPEN}/grid/",
        "/weeks/manage/",
        "/import/",
        "/targets/",
    ],
    "leader": [*READ_PAGES, f"/weeks/{DONE}/status/"],
}

# Elements wider than the screen that are not inside a box that scrolls by itself.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const inScrollBox = (el) => {
    for (let up = el.parentElement; up; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (/(auto|scroll)/.test(style.overflowX) && up.scrollWidth > up.clientWidth - 1) return true;
      if (up.matches('.table-scroll, .table-container, .grid-container')) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > width + 1 && !inScrollBox(el)) {
      out.push(el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ? '.' + el.className : '') + ' ' + Math.round(box.right));
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, out: out.slice(0, 10)};
}"""


@pytest.fixture
def city():
    """The seed, an open week 11-28 in which 沁阳市 reported (changes in the audit trail), the users."""
    load_seed()
    week = make_week(OPEN)
    qinyang = Region.objects.get(slug="qinyang")
    users = {
        "district": make_user("qinyang-staff", "district", qinyang),
        "bureau": make_user("shiju-admin", "bureau", first_name="市局管理员甲"),
        "leader": make_user("lingdao", "leader"),
    }
    figures_save(
        week=week,
        figures=[
            FigureInput(
                region=s.region,
                measure=s.measure,
                households=s.households,
                installed=s.installed + 17,
                version=ANY_VERSION,
            )
            for s in Snapshot.objects.filter(week__date=DONE, region=qinyang).select_related(
                "region", "measure"
            )
        ],
        actor=users["district"],
        reason="电话核实后更正上周漏报的十七户，备注写得很长以检验审计记录的表格在手机上是否仍然只在自己的框里横向滚动",
        source="form",
    )
    return users


def check_page(page, live_server, path: str, name: str, viewport: dict) -> None:
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200, path
    page.wait_for_load_state("networkidle")
    result = page.evaluate(OVERFLOW)
    assert result["scrollWidth"] <= viewport["width"], (path, result)
    assert result["out"] == [], (path, result)
    header = page.locator(".site-header").bounding_box()
    if viewport is PHONE:
        # The menu is closed: brand and 菜单 on one line.
        assert header["height"] <= 56, (path, header)
        assert not page.locator(".site-nav").is_visible()
    else:
        assert page.locator(".site-nav").is_visible()
    save_screenshot(page, f"phone-{name}-{viewport['width']}-{path.strip('/').replace('/', '_')}")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["district", "bureau", "leader"])
def test_every_page_fits_a_phone_and_a_desktop(city, login, live_server, role):
    page = login(city[role], "/")
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        for path in PAGES[role]:
            check_page(page, live_server, path, role, viewport)


@pytest.mark.django_db(transaction=True)
def test_the_login_page_fits_a_phone(guarded_page, live_server):
    guarded_page.set_viewport_size(PHONE)
    check_page(guarded_page, live_server, "/accounts/login/", "anonymous", PHONE)


@pytest.mark.django_db(transaction=True)
def test_the_menu_opens_on_a_phone_with_the_links_of_the_role(city, login, live_server):
    page = login(city["leader"], f"/weeks/{DONE}/")
    page.set_viewport_size(PHONE)
    page.click(".site-menu-toggle")
    nav = page.locator(".site-nav")
    assert nav.is_visible()
    links = nav.locator("a").all_inner_texts()
    assert "填报情况" in links and "本周填报" not in links and "目标设置" not in links
    # Every link on one line: no word split over two (进度预/测).
    for link in nav.locator("a").all():
        assert link.bounding_box()["height"] < 40, link.inner_text()
    save_screenshot(page, "phone-menu-open-leader")
    page.click("text=填报情况")
    page.wait_for_url(f"**/weeks/{OPEN}/status/")

    # Bureau staff on a desktop: the links in a row, 目标设置 among them.
    bureau = page.context.new_page()
    bureau.set_viewport_size(DESKTOP)
    bureau.context.clear_cookies()
    bureau.goto(f"{live_server.url}/accounts/login/?next=/weeks/{DONE}/")
    bureau.fill("#id_username", city["bureau"].username)
    bureau.fill("#id_password", PASSWORD)
    bureau.click("button[type=submit]")
    bureau.wait_for_load_state()
    assert not bureau.locator(".site-menu-toggle").is_visible()
    bureau.click(".site-nav >> text=目标设置")
    bureau.wait_for_url("**/targets/")


@pytest.mark.django_db(transaction=True)
def test_the_skip_link_leads_to_the_content(city, login, live_server):
    page = login(city["district"], f"/weeks/{DONE}/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.inner_text() == "跳到正文"
    assert skip.bounding_box()["y"] >= 0  # shown once focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.django_db(transaction=True)
def test_the_ranking_page_weighs_under_300_kb_on_a_phone(city, login, live_server):
    page = login(city["leader"], "/")
    page.set_viewport_size(PHONE)
    sizes: list[tuple[str, int]] = []
    page.on("requestfinished", lambda r: sizes.append((r.url, r.sizes()["responseBodySize"])))
    page.goto(f"{live_server.url}/weeks/{DONE}/")
    page.wait_for_load_state("networkidle")
    total = sum(size for _url, size in sizes)
    assert not any("plotly" in url for url, _size in sizes)
    assert 0 < total <= 300 * 1024, sizes
    assert page.locator(".rate-bars-measure").count() == 3


@pytest.mark.django_db(transaction=True)
def test_the_grid_hides_its_fill_button_without_javascript(city, browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/weeks/{OPEN}/grid/")
    page.fill("#id_username", city["bureau"].username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/weeks/{OPEN}/grid/")
    assert page.locator("#paste-fill").count() == 1
    assert not page.locator("#paste-fill").is_visible()
    save_screenshot(page, "phone-grid-no-javascript")
    # The chart page says what is missing, and its tables still open.
    page.goto(f"{live_server.url}/weeks/{DONE}/charts/")
    assert page.locator(".noscript-notice").is_visible()
    page.locator(".chart-numbers summary").first.click()
    assert page.locator(".chart-numbers table").first.is_visible()
    context.close()


@pytest.mark.django_db(transaction=True)
def test_the_region_chooser_keeps_each_name_on_one_line(city, login, live_server):
    page = login(city["bureau"], f"/weeks/{OPEN}/entry/")
    page.set_viewport_size(PHONE)
    buttons = page.locator(".entry-regions .button")
    assert buttons.count() == 11
    heights = {b.inner_text(): b.bounding_box()["height"] for b in buttons.all()}
    single = heights["温县"]
    assert all(h == pytest.approx(single, abs=1) for h in heights.values()), heights
    save_screenshot(page, "phone-entry-choose")


@pytest.mark.django_db(transaction=True)
def test_the_chart_toolbar_leaves_the_titles_clear_on_a_phone(city, login, live_server):
    page = login(city["leader"], f"/weeks/{DONE}/charts/")
    page.set_viewport_size(PHONE)
    page.reload()
    for div in ["rate-valve_pipe", "new-installs", "rate-trend"]:
        page.wait_for_selector(f"#{div} svg.main-svg")
        page.hover(f"#{div}", position={"x": 20, "y": 20})
        bar = page.locator(f"#{div} .modebar").bounding_box()
        title = page.locator(f"#{div} .gtitle").bounding_box()
        overlaps = not (
            bar["x"] + bar["width"] <= title["x"]
            or title["x"] + title["width"] <= bar["x"]
            or bar["y"] + bar["height"] <= title["y"]
            or title["y"] + title["height"] <= bar["y"]
        )
        assert not overlaps, (div, bar, title)
    save_screenshot(page, "phone-charts-toolbar")


@pytest.mark.django_db(transaction=True)
def test_a_measure_tied_with_another_stays_visible_on_the_rank_chart(city, login, live_server):
    # Two measures at the same rank would be one line: each is drawn narrower than the one
    # beneath it and with its own dash, so the lower one shows around the upper one.
    page = login(city["leader"], "/regions/qinyang/")
    page.wait_for_selector("#region-rank svg.main-svg")
    styles = page.evaluate(
        "Array.from(document.querySelectorAll('#region-rank .scatterlayer .trace .js-line'))"
        ".map(l => [l.style.strokeWidth, l.style.strokeDasharray])"
    )
    widths = [float(w.replace("px", "")) for w, _dash in styles]
    dashes = [dash for _w, dash in styles]
    # Each measure drawn narrower than the one beneath it, each with its own dash.
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == len(widths) == 3
    assert len(set(dashes)) == 3
    save_screenshot(page, "phone-region-rank")
