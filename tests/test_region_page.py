"""A region's page: reached from every table, a switcher between regions, where it stands."""

from __future__ import annotations

import re

import pytest

from installs import rules, selectors
from installs.models import Region, Week
from tests.factories import load_seed, make_user

QINYANG = "/regions/qinyang/"


@pytest.fixture
def leader(client, db):
    load_seed()
    client.force_login(make_user("lingdao", "leader"))
    return client


def standing_cards(html: str) -> dict[str, str]:
    """Each measure's card as text, by its heading."""
    cards = {}
    for card in re.findall(r'<article class="standing-card".*?</article>', html, flags=re.S):
        title = re.search(r"<h3[^>]*>(.*?)</h3>", card).group(1)
        cards[title] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card)).strip()
    return cards


class TestLinks:
    @pytest.mark.parametrize(
        "url", ["/weeks/2022-11-21/", "/weeks/2022-11-21/status/", "/weeks/2022-11-21/pace/"]
    )
    def test_every_table_links_each_region_to_its_page(self, leader, url):
        html = leader.get(url).content.decode()
        for region in Region.objects.all():
            assert f'href="/regions/{region.slug}/">{region.name}</a>' in html

    def test_the_total_row_is_no_link(self, leader):
        html = leader.get("/weeks/2022-11-21/").content.decode()
        assert '<th scope="row" class="region">合计</th>' in html


class TestSwitcher:
    def test_it_lists_every_region_with_this_one_chosen(self, leader):
        html = leader.get(QINYANG).content.decode()
        start = html.index('<form class="region-switcher')
        form = html[start : html.index("</form>", start)]
        assert 'method="get" action="/regions/"' in form
        options = re.findall(r'<option value="([a-z]+)"( selected)?>', form)
        assert [slug for slug, _ in options] == list(
            Region.objects.order_by("order").values_list("slug", flat=True)
        )
        assert [slug for slug, chosen in options if chosen] == ["qinyang"]

    def test_it_goes_to_the_chosen_region_without_javascript(self, leader):
        response = leader.get("/regions/", {"region": "wenxian"})
        assert response.status_code == 302 and response.url == "/regions/wenxian/"

    def test_it_refuses_an_unknown_region(self, leader):
        assert leader.get("/regions/", {"region": "nowhere"}).status_code == 404
        assert leader.get("/regions/").status_code == 404


class TestStanding:
    def test_it_gives_the_households_needed_to_pass_the_next_rank_up(self, leader):
        cards = standing_cards(leader.get(QINYANG).content.decode())
        # 6th at 29577/87326; 孟州市 5th at 29440/80147: x > 2500.26…
        assert "再安装2501户可超过孟州市（36.7%）" in cards["自闭阀·管道气"]
        # 9th at 771/1815; 温县 8th at 2166/4150 (52.19…%): x > 176.3…
        assert "再安装177户可超过温县（52.2%）" in cards["金属软管·液化气"]

    def test_it_says_a_region_at_100_percent_cannot_be_passed(self, leader):
        cards = standing_cards(leader.get(QINYANG).content.decode())
        assert "上一名博爱县已达100.0%，达到100.0%可与其并列" in cards["金属软管·管道气"]

    def test_it_says_first_place_needs_nobody_passed(self, leader):
        cards = standing_cards(leader.get("/regions/xiuwu/").content.decode())
        assert "已是第1名" in cards["自闭阀·管道气"]

    def test_it_gives_the_weekly_pace_the_deadline_needs(self, leader):
        cards = standing_cards(leader.get(QINYANG).content.decode())
        # 57749 to go, 5 whole weeks to 2022-12-31: 11549.8 → 11550 a week.
        valve = cards["自闭阀·管道气"]
        assert "2022年12月31日前达到100.0% 每周需新增11550户（剩余5周）" in valve
        assert "严重滞后" in valve
        assert "平均每周新增 停滞（本周无新增）" in valve  # no progress: no "0 a week"
        lpg = cards["金属软管·液化气"]
        assert "每周需新增209户（剩余5周）" in lpg and "可按期完成" in lpg
        assert "平均每周新增 291户/周" in lpg  # the pace of the last weeks, with its unit

    def test_it_gives_no_needed_pace_without_a_deadline(self, leader):
        from installs.models import Measure

        Measure.objects.update(target_date=None)
        cards = standing_cards(leader.get(QINYANG).content.decode())
        assert not any("每周需新增" in card for card in cards.values())

    def test_it_computes_the_gap_with_the_rule(self, leader):
        standing = selectors.region_standing(
            Region.objects.get(slug="qinyang"), Week.objects.get(date="2022-11-21")
        )
        valve = standing.measures[0]
        assert (valve.rank, valve.above.name, valve.gap, valve.needed_pace) == (
            6,
            "孟州市",
            rules.households_to_pass(
                installed=29577, households=87326, above_installed=29440, above_households=80147
            ),
            11550,
        )


class TestDates:
    def test_its_week_by_week_table_gives_dates_in_chinese_form(self, leader):
        html = leader.get(QINYANG).content.decode()
        start = html.index('<table class="history-table">')
        body = html[html.index("<tbody>", start) : html.index("</tbody>", start)]
        shown = re.findall(r'<a href="/weeks/[0-9-]+/">([^<]*)</a>', body)
        assert shown == ["2022年11月21日", "2022年11月14日"]

    def test_its_charts_read_dates_in_chinese_form(self, leader):
        html = leader.get(QINYANG).content.decode()
        ticks = re.findall(r'"type":\s*"date"[^}]*|"tickformat":\s*"[^"]*"', html)
        assert ticks and not any("%Y-%m-%d" in tick for tick in ticks)
        # 11月21日 over 2022 (plotly's line break), as json_script writes it.
        assert r'"tickformat":"%-m\u6708%-d\u65e5\n%Y"' in html.replace(" ", "")
