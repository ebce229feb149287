"""
The summary above the ranking table (installs.summary): its numbers by hand for
the seed week, the same numbers as the table's, and its sentences.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from unittest import mock

import pytest

from installs import deadlines, selectors, summary
from installs.deadline_rules import SHANGHAI
from installs.models import Snapshot, Week
from installs.services import notices
from tests.complete_week import LATE, WEEK, open_scenario
from tests.factories import load_seed, make_user
from tests.seed import MEASURES, seed_rows
from tests.test_week_page import parse_table

HOUR = datetime.timedelta(hours=1)

URL = "/weeks/2022-11-21/"


@pytest.fixture
def seeded(db):
    load_seed()


def seed_facts() -> summary.WeekSummary:
    week = Week.objects.get(date="2022-11-21")
    progress = selectors.week_progress(week)
    return summary.week_summary(
        progress, selectors.week_forecast(progress), statuses=deadlines.week_statuses(week)
    )


@pytest.mark.usefixtures("seeded")
class TestFactsOfTheSeedWeek:
    def test_it_gives_the_city_wide_rate_change_and_new_installs(self):
        measures = {m.slug: m for m in seed_facts().measures}
        # 全市 as printed; the change is 33.2 − 33.1, 69.9 − 69.8 and 54.2 − 52.1
        # (last week: installed minus 环比新增, the same households).
        assert [(m.rate, m.change_points, m.new) for m in measures.values()] == [
            ("33.2%", Decimal("0.1"), 499),
            ("69.9%", Decimal("0.1"), 484),
            ("54.2%", Decimal("2.1"), 586),
        ]

    def test_it_names_the_top_and_bottom_three_in_rank_order(self):
        measures = {m.slug: m for m in seed_facts().measures}
        top = {slug: [(p.name, p.rank) for p in m.top] for slug, m in measures.items()}
        bottom = {slug: [(p.name, p.rank) for p in m.bottom] for slug, m in measures.items()}
        assert top == {
            "valve_pipe": [("修武县", 1), ("中站区", 2), ("武陟县", 3)],
            "hose_pipe": [("博爱县", 1), ("示范区", 1), ("沁阳市", 3)],
            "hose_lpg": [("解放区", 1), ("中站区", 1), ("孟州市", 3)],
        }
        assert bottom == {
            "valve_pipe": [("示范区", 9), ("马村区", 10), ("山阳区", 11)],
            "hose_pipe": [("解放区", 9), ("马村区", 10), ("山阳区", 11)],
            "hose_lpg": [("沁阳市", 9), ("山阳区", 10), ("武陟县", 11)],
        }

    def test_it_counts_who_reported_and_leaves_on_time_unknown(self):
        facts = seed_facts()
        assert (facts.reported, facts.region_count, facts.unreported) == (11, 11, [])
        # Loaded from the fixture, not saved through the app: no report times to judge.
        assert facts.reported_on_time is None
        assert (facts.late, facts.overdue) == ([], [])

    def test_it_names_the_regions_stalled_in_every_measure_not_complete(self):
        # No new installs anywhere this week (博爱县, 中站区: the rest is at 100%).
        assert seed_facts().stalled == ["温县", "博爱县", "山阳区", "马村区", "中站区"]

    def test_it_counts_the_regions_that_will_miss_the_deadline(self):
        will_miss = {m.slug: len(m.will_miss) for m in seed_facts().measures}
        # Every region below 100% but 沁阳市 液化气 (291 a week, 209 needed).
        assert will_miss == {"valve_pipe": 11, "hose_pipe": 9, "hose_lpg": 8}

    def test_it_names_the_regions_that_will_miss_the_deadline(self):
        hose_pipe = {m.slug: m for m in seed_facts().measures}["hose_pipe"]
        # 博爱县 and 示范区 have every pipe hose (complete): not named.
        assert hose_pipe.will_miss == [
            "沁阳市", "孟州市", "温县", "武陟县", "修武县", "解放区", "山阳区", "马村区", "中站区"
        ]  # fmt: skip

    def test_it_says_who_has_not_reported(self):
        Snapshot.objects.filter(week__date="2022-11-21", region__slug="macun").delete()
        facts = seed_facts()
        assert (facts.reported, facts.unreported) == (10, ["马村区"])


@pytest.mark.usefixtures("seeded")
class TestAgainstTheTable:
    """The summary on the page says what the table under it says."""

    @pytest.fixture
    def page(self, client):
        client.force_login(make_user("lingdao", "leader"))
        return client.get(URL)

    def test_its_rate_and_new_installs_are_the_total_row_s(self, page):
        total = parse_table(page).body[-1].texts
        facts = seed_facts()
        for index, measure in enumerate(facts.measures):
            households, installed, new, rate, _rank = total[1 + 5 * index : 6 + 5 * index]
            assert measure.rate == rate
            assert str(measure.new) == new

    def test_its_places_are_the_table_s_ranks(self, page):
        body = parse_table(page).body[:-1]
        for index, measure in enumerate(seed_facts().measures):
            ranks = {row.region: int(row.texts[5 + 5 * index]) for row in body}
            assert {p.name for p in measure.top} == {r for r, k in ranks.items() if k <= 3}
            worst = sorted(ranks.values())[-3]
            assert {p.name for p in measure.bottom} == {r for r, k in ranks.items() if k >= worst}

    def test_its_stalled_regions_are_the_rows_with_no_new_installs(self, page):
        stalled = [
            row["region"]
            for row in seed_rows()[:-1]
            if all(row[f"{m}_new"] == "0" for m in MEASURES)
        ]
        assert seed_facts().stalled == stalled

    def test_it_stands_above_the_table(self, page):
        html = page.content.decode()
        assert html.index('class="week-summary"') < html.index('class="progress-table"')


@pytest.mark.usefixtures("seeded")
class TestSentences:
    def test_it_words_the_seed_week(self):
        paragraphs = [(p.label, p.text) for p in summary.summary_paragraphs(seed_facts())]
        assert paragraphs[0] == ("填报", "已填报11/11个区县。")
        assert paragraphs[1] == (
            "自闭阀·管道气",
            "全市安装率33.2%，较上周提高0.1个百分点，本周新增安装499户；"
            "前三名：修武县（72.0%）、中站区（70.6%）、武陟县（54.1%）；"
            "后三名：示范区（22.1%）、马村区（17.7%）、山阳区（7.6%）；"
            "按当前进度无法在2022年12月31日前达到100.0%：沁阳市、孟州市、温县、博爱县、"
            "武陟县、修武县、解放区、山阳区、马村区、中站区、示范区。",
        )
        assert paragraphs[-1] == ("停滞（本周无新增）", "温县、博爱县、山阳区、马村区、中站区。")

    def test_it_words_a_fall_and_the_regions_not_reported(self):
        Snapshot.objects.filter(week__date="2022-11-21", region__slug="macun").delete()
        texts = [p.text for p in summary.summary_paragraphs(seed_facts())]
        assert texts[0] == "已填报10/11个区县；未填报：马村区；马村区沿用11月14日数据。"
        # 合计 counts 马村区's carried 11-14 figures (8458 of 20229 pipe hoses, as on 11-21):
        # 504495 / 722132 = 69.86%, against 504011 / 722132 = 69.80% the week before.
        assert "全市安装率69.9%，较上周提高0.1个百分点" in texts[2]

    def test_it_shows_the_same_sentences_on_the_page(self, client):
        client.force_login(make_user("lingdao", "leader"))
        html = client.get(URL).content.decode()
        section = html[
            html.index('class="week-summary"') : html.index(
                "</section>", html.index('class="week-summary"')
            )
        ]
        text = re.sub(r"<[^>]+>", "", section)
        for paragraph in summary.summary_paragraphs(seed_facts()):
            assert f"{paragraph.label}：{paragraph.text}" in text


def saved_at(week: Week, names: tuple[str, ...], moment: datetime.datetime) -> None:
    """Those regions' figures of the week first saved at ``moment`` (their history)."""
    Snapshot.history.filter(week_id=week.pk, region__name__in=names).update(history_date=moment)


@pytest.mark.django_db
class TestOnTime:
    """
    The 2022-11-28 scenario, deadline 11-28 12:00 (the default), long passed: 6 of the
    8 regions that reported did so by the deadline, 温县 and 示范区 after it, and
    山阳区, 马村区, 中站区 not at all.
    """

    @pytest.fixture
    def week(self):
        week = open_scenario()
        on_time = ("沁阳市", "孟州市", "博爱县", "武陟县", "修武县", "解放区")
        saved_at(week, on_time, datetime.datetime(2022, 11, 28, 11, 59, tzinfo=SHANGHAI))
        saved_at(week, ("温县", "示范区"), datetime.datetime(2022, 11, 28, 15, 0, tzinfo=SHANGHAI))
        return week

    def facts(self, week: Week) -> summary.WeekSummary:
        progress = selectors.week_progress(week)
        return summary.week_summary(
            progress, selectors.week_forecast(progress), statuses=deadlines.week_statuses(week)
        )

    def test_it_counts_the_regions_reported_by_the_deadline(self, week):
        facts = self.facts(week)
        assert (facts.reported, facts.reported_on_time) == (8, 6)
        assert facts.late == ["温县", "示范区"]
        assert facts.overdue == list(LATE)

    def test_it_names_them_in_the_reporting_sentence(self, week):
        text = summary.summary_paragraphs(self.facts(week))[0].text
        assert text == (
            "已填报8/11个区县，其中按时填报6个；逾期填报：温县、示范区；"
            "逾期未填报：山阳区、马村区、中站区；山阳区、马村区、中站区沿用11月21日数据。"
        )

    def test_before_the_deadline_the_missing_are_only_not_reported(self, week):
        Week.objects.filter(pk=week.pk).update(
            deadline=datetime.datetime(2099, 1, 1, 12, 0, tzinfo=SHANGHAI)
        )
        week.refresh_from_db()
        text = summary.summary_paragraphs(self.facts(week))[0].text
        assert text.startswith(
            "已填报8/11个区县，其中按时填报8个；未填报：山阳区、马村区、中站区；"
        )

    def test_the_page_and_the_notice_say_the_same(self, week, client):
        client.force_login(make_user("lingdao", "leader"))
        page = client.get(f"/weeks/{WEEK.isoformat()}/").content.decode()
        notice = notices.notice_text(notices.notice_content(week, number=None))
        for words in (
            "其中按时填报6个",
            "逾期填报：温县、示范区",
            "逾期未填报：山阳区、马村区、中站区",
        ):
            assert words in page
            assert words in notice

    def test_the_page_says_overdue_once_the_deadline_passes_without_a_write(self, week, client):
        # The ranking page's computation is kept until a figure changes; the deadline
        # passing is no change of data, yet the page must then say 逾期未填报.
        # The clock moves past the deadline (the week, its row and its token unchanged).
        client.force_login(make_user("lingdao", "leader"))
        url = f"/weeks/{WEEK.isoformat()}/"
        deadline = deadlines.week_deadline(week)
        with mock.patch("django.utils.timezone.now", return_value=deadline - HOUR):
            assert "；未填报：山阳区、马村区、中站区" in client.get(url).content.decode()
        with mock.patch("django.utils.timezone.now", return_value=deadline + HOUR):
            assert "逾期未填报：山阳区、马村区、中站区" in client.get(url).content.decode()
