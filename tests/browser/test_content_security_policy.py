"""
The pages with scripts, in chromium with the Content-Security-Policy on: every
chart draws, and the browser reports no violation of the policy (each would be
a console error too, which the guarded page fails on; here they are also
collected from the page's own securitypolicyviolation events).
"""

from __future__ import annotations

import pytest

from installs.models import Region
from tests.browser.conftest import save_screenshot
from tests.browser.test_charts import CHART_DIVS, assert_every_chart_drawn
from tests.factories import load_seed, make_user

# Runs before any script of the page, outside the page's policy.
COLLECT_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


def open_with_policy(page, url: str):
    page.add_init_script(COLLECT_VIOLATIONS)
    response = page.goto(url)
    assert response.ok, (url, response.status)
    policy = response.headers["content-security-policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'"], policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    return page


def assert_no_violation(page) -> None:
    assert page.evaluate("window.cspViolations") == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("path", list(CHART_DIVS))
def test_it_draws_the_chart_pages_under_the_policy(login, live_server, path):
    load_seed()
    staff = make_user("qinyang-staff", "district", region=Region.objects.get(slug="qinyang"))
    page = login(staff, path)
    open_with_policy(page, live_server.url + path)
    assert_every_chart_drawn(page, CHART_DIVS[path])
    # plotly adds the style rules of a chart's menu when the pointer is over it.
    first = CHART_DIVS[path][0]
    page.hover(f"#{first} .nsewdrag")
    page.wait_for_selector(f"#{first} .modebar-btn")
    assert page.locator(f"#{first} .modebar").is_visible()
    assert_no_violation(page)
    save_screenshot(page, "csp" + path.replace("/", "-").rstrip("-"))


@pytest.mark.django_db(transaction=True)
def test_it_shows_the_ranking_page_under_the_policy(login, live_server):
    load_seed()
    page = login(make_user("lingdao", "leader"), "/")
    open_with_policy(page, live_server.url + "/weeks/2022-11-21/")
    assert page.locator(".progress-table").is_visible()
    page.wait_for_load_state("networkidle")
    assert_no_violation(page)


@pytest.mark.django_db(transaction=True)
def test_it_runs_the_entry_and_grid_scripts_under_the_policy(login, live_server):
    load_seed()
    bureau = make_user("shiju", "bureau")
    page = login(bureau, "/")
    for path in (
        "/weeks/2022-11-21/grid/",
        "/weeks/2022-11-21/entry/qinyang/",
        "/admin/installs/snapshot/1/change/",
    ):
        open_with_policy(page, live_server.url + path)
        page.wait_for_load_state("networkidle")
        assert_no_violation(page)
