"""The ranking page in chromium: the table as printed, on a phone, and on one A4 landscape page."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ARTIFACTS, save_screenshot
from tests.factories import load_seed, make_user
from tests.seed import FIELDS, MEASURES, seed_rows

URL = "/weeks/2022-11-21/"
COLUMNS = [f"{measure}_{field}" for measure in MEASURES for field in FIELDS]
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def leader_page(login, live_server):
    load_seed()
    return login(make_user("lingdao", "leader"), URL)


def cell(page, row: int, column: str) -> str:
    """The text of body row ``row`` (1-based) in ``column`` (a seed TSV column name)."""
    index = 1 + ["region", *COLUMNS].index(column)
    # The cell's own text, without the glyph of a mark (停, ●, ↑2) beside it.
    return page.locator(
        f".progress-table tbody tr:nth-child({row}) > :nth-child({index})"
    ).evaluate(
        "el => Array.from(el.childNodes).filter(n => !(n.classList && n.classList.contains('mark')))"
        ".map(n => n.textContent).join('').trim()"
    )


def test_it_shows_the_newspaper_table(leader_page):
    page = leader_page
    seed = seed_rows()
    assert page.locator("h1.sheet-title").inner_text() == "焦作市燃气居民用户安全装置加装情况进度表"
    assert page.locator(".sheet-date").inner_text() == "(2022.11.21)"
    for row, column in [
        (1, "region"),
        (1, "valve_pipe_households"),
        (5, "hose_lpg_rate"),
        (7, "hose_lpg_rank"),
        (8, "valve_pipe_new"),
        (12, "region"),
        (12, "hose_pipe_rate"),
        (12, "hose_lpg_rank"),
    ]:
        assert cell(page, row, column) == seed[row - 1][column], (row, column)
    assert page.locator(".progress-table thead tr").count() == 3
    save_screenshot(page, "week-2022-11-21")


def test_it_sorts_by_clicking_a_header(leader_page):
    page = leader_page
    page.locator('.progress-table thead a[data-sort="valve_pipe_rate"]').click()
    page.wait_for_url(re.compile(r"sort=-valve_pipe_rate"))
    assert cell(page, 1, "region") == "修武县"  # rank 1 of 自闭阀
    assert cell(page, 12, "region") == "合计"


def test_it_moves_to_another_week_with_the_picker(leader_page):
    page = leader_page
    page.select_option("#week-picker-date", "2022-11-14")
    page.click(".week-picker button[type=submit]")
    page.wait_for_url(re.compile(r"/weeks/2022-11-14/$"))
    assert page.locator(".sheet-date").inner_text() == "(2022.11.14)"


def test_it_scrolls_the_table_sideways_on_a_phone_with_the_region_in_view(leader_page):
    page = leader_page
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    save_screenshot(page, "week-2022-11-21-phone")
    container = page.locator(".table-container")
    widths = container.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert widths[0] > widths[1], "the table should be wider than a phone"
    # The page itself does not scroll sideways: only the table's box does.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    region = page.locator(".progress-table tbody tr:nth-child(3) th.region")
    before = region.bounding_box()
    container.evaluate("el => el.scrollLeft = el.scrollWidth")
    page.wait_for_function("() => document.querySelector('.table-container').scrollLeft > 0")
    after = region.bounding_box()
    assert after["x"] == pytest.approx(before["x"], abs=1)
    assert 0 <= after["x"] < 390
    # The last column came into view next to the region column.
    last = page.locator(".progress-table tbody tr:nth-child(3) td:last-child").bounding_box()
    assert last["x"] + last["width"] <= 390 + 1
    assert last["x"] >= after["x"] + after["width"] - 1
    save_screenshot(page, "week-2022-11-21-phone-scrolled")


def test_it_prints_on_one_a4_landscape_page(leader_page):
    page = leader_page
    page.emulate_media(media="print")
    assert page.locator(".week-nav").is_hidden()
    assert page.locator(".site-header").is_hidden()
    pdf = page.pdf(format="A4", landscape=True, prefer_css_page_size=True, print_background=True)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "week-2022-11-21.pdf").write_bytes(pdf)
    pages = re.findall(rb"/Type\s*/Page\b", pdf)
    assert len(pages) == 1
    # A4 landscape: 842 × 595 points.
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert box is not None
    width, height = float(box.group(1)), float(box.group(2))
    assert (round(width), round(height)) == (842, 595)
