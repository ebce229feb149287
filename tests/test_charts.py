"""The charts' data: bar order and values, reference lines, trend points, Chinese labels."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from html.parser import HTMLParser

import pandas as pd
import pytest

from installs import charts, selectors
from installs.models import Measure, Region, Snapshot, Week
from tests.factories import load_seed, make_measure, make_region, make_snapshot, make_week
from tests.seed import MEASURES, seed_rows

WEEK = datetime.date(2022, 11, 21)


def seed_progress():
    load_seed()
    return selectors.week_progress(Week.objects.get(date=WEEK))


def vertical_lines(figure) -> dict[str, float]:
    """The reference lines' x by their label's first word (全市 / 目标)."""
    xs = [shape.x0 for shape in figure.layout.shapes]
    assert [shape.x1 for shape in figure.layout.shapes] == xs  # vertical
    labels = [annotation.text.split(" ")[0] for annotation in figure.layout.annotations]
    return dict(zip(labels, xs, strict=True))


@pytest.mark.django_db
class TestSeedRateBars:
    @pytest.mark.parametrize("slug", MEASURES)
    def test_it_orders_the_bars_as_the_printed_ranks(self, slug):
        figure = charts.week_rate_bars(seed_progress(), Measure.objects.get(slug=slug))
        printed = sorted(seed_rows()[:-1], key=lambda row: int(row[f"{slug}_rank"]))  # stable
        assert list(figure.data[0].y) == [row["region"] for row in printed]

    @pytest.mark.parametrize("slug", MEASURES)
    def test_it_draws_each_region_at_its_exact_rate(self, slug):
        figure = charts.week_rate_bars(seed_progress(), Measure.objects.get(slug=slug))
        printed = {row["region"]: row for row in seed_rows()[:-1]}
        for name, x, text in zip(
            figure.data[0].y, figure.data[0].x, figure.data[0].text, strict=True
        ):
            row = printed[name]
            assert x == int(row[f"{slug}_installed"]) / int(row[f"{slug}_households"])
            assert text == row[f"{slug}_rate"]

    def test_it_draws_the_city_rate_and_the_target(self):
        figure = charts.week_rate_bars(seed_progress(), Measure.objects.get(slug="valve_pipe"))
        total = seed_rows()[-1]
        assert vertical_lines(figure) == {
            "全市": int(total["valve_pipe_installed"]) / int(total["valve_pipe_households"]),
            "目标": 1.0,
        }

    def test_it_labels_the_lines_with_the_printed_rates(self):
        figure = charts.week_rate_bars(seed_progress(), Measure.objects.get(slug="valve_pipe"))
        texts = sorted(a.text for a in figure.layout.annotations)
        assert texts == sorted([f"全市 {seed_rows()[-1]['valve_pipe_rate']}", "目标 100.0%"])

    def test_it_labels_in_chinese(self):
        figure = charts.week_rate_bars(seed_progress(), Measure.objects.get(slug="hose_lpg"))
        assert figure.layout.title.text == "金属软管·液化气 各县(市、区)安装率"
        assert "安装率" in figure.data[0].hovertemplate
        assert "已安装数" in figure.data[0].hovertemplate
        assert "Microsoft YaHei" in figure.layout.font.family

    def test_it_moves_the_target_line_with_the_measure(self):
        progress = seed_progress()
        measure = Measure.objects.get(slug="hose_pipe")
        measure.target_rate = Decimal("0.9500")
        figure = charts.week_rate_bars(progress, measure)
        assert vertical_lines(figure)["目标"] == 0.95
        assert "目标 95.0%" in [a.text for a in figure.layout.annotations]


def bar_regions(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["name", "installed", "households"])
    frame["rate"] = frame["installed"] / frame["households"].where(frame["households"] > 0)
    return frame


class TestRateBars:
    def test_it_keeps_the_given_order_for_equal_rates(self):
        figure = charts.rate_bars(
            measure="自闭阀·管道气",
            regions=bar_regions([("乙", 1, 4), ("甲", 1, 2), ("丙", 2, 8), ("丁", 3, 4)]),
            city=(7, 18),
            target_rate=Decimal("1"),
        )
        assert list(figure.data[0].y) == ["丁", "甲", "乙", "丙"]
        assert list(figure.data[0].x) == [0.75, 0.5, 0.25, 0.25]

    def test_it_leaves_out_regions_without_a_rate(self):
        figure = charts.rate_bars(
            measure="自闭阀·管道气",
            regions=bar_regions([("甲", 0, 0), ("乙", 1, 2)]),
            city=(1, 2),
            target_rate=None,
        )
        assert list(figure.data[0].y) == ["乙"]
        assert vertical_lines(figure) == {"全市": 0.5}

    def test_it_puts_the_best_at_the_top(self):
        figure = charts.rate_bars(
            measure="m", regions=bar_regions([("甲", 1, 2)]), city=None, target_rate=None
        )
        assert figure.layout.yaxis.autorange == "reversed"
        assert figure.layout.xaxis.tickformat == ".0%"

    def test_it_rounds_hover_rates_half_up(self):
        # 3745/10000 is 37.45%: rules.rate_text shows 37.5%, Python's format() would show 37.4%.
        figure = charts.rate_bars(
            measure="m", regions=bar_regions([("甲", 3745, 10000)]), city=None, target_rate=None
        )
        assert list(figure.data[0].text) == ["37.5%"]
        assert figure.data[0].customdata[0][0] == "37.5%"


@pytest.mark.django_db
class TestNewInstalls:
    def test_it_shows_each_measure_new_installs_in_official_order(self):
        figure = charts.week_new_installs_bars(seed_progress())
        rows = seed_rows()[:-1]
        assert [trace.name for trace in figure.data] == [str(m) for m in Measure.objects.all()]
        for trace, slug in zip(figure.data, MEASURES, strict=True):
            assert list(trace.x) == [row["region"] for row in rows]
            assert list(trace.y) == [int(row[f"{slug}_new"]) for row in rows]

    def test_it_leaves_a_gap_where_there_is_no_earlier_week(self):
        load_seed()
        progress = selectors.week_progress(Week.objects.get(date="2022-11-14"))
        figure = charts.week_new_installs_bars(progress)
        assert all(v is None for trace in figure.data for v in trace.y)
        assert figure.layout.title.text == "各县(市、区)本周环比新增安装数"


@pytest.mark.django_db
class TestRateTrend:
    def setup_method(self):
        self.measure = make_measure("valve_pipe", target_rate=Decimal("0.9"))
        self.north = make_region("北区", "north", order=1)
        self.south = make_region("南区", "south", order=2)
        self.dates = [datetime.date(2022, 11, 7), datetime.date(2022, 11, 14), WEEK]
        weeks = [make_week(d) for d in self.dates]
        for week, north, south in zip(weeks, [10, 20, 40], [5, 5, 30], strict=True):
            make_snapshot(week, self.north, self.measure, 100, north)
            make_snapshot(week, self.south, self.measure, 50, south)

    def figure(self, until=None):
        return charts.history_rate_trend(selectors.progress_history(until=until), self.measure)

    def test_it_draws_one_point_per_week_per_region(self):
        north, south = self.figure().data[:2]
        assert north.name == "北区" and south.name == "南区"
        dates = [d.isoformat() for d in self.dates]
        assert list(north.x) == dates and list(south.x) == dates
        assert list(north.y) == [0.1, 0.2, 0.4]
        assert list(south.y) == [0.1, 0.1, 0.6]

    def test_it_draws_the_city_rate_per_week(self):
        total = self.figure().data[2]
        assert total.name == "合计"
        assert list(total.y) == [15 / 150, 25 / 150, 70 / 150]
        assert list(total.customdata) == ["10.0%", "16.7%", "46.7%"]

    def test_it_draws_the_target_line(self):
        figure = self.figure()
        assert [(s.y0, s.y1) for s in figure.layout.shapes] == [(0.9, 0.9)]
        assert [a.text for a in figure.layout.annotations] == ["目标 90.0%"]

    def test_it_stops_at_the_week_shown(self):
        north = self.figure(until=Week.objects.get(date="2022-11-14")).data[0]
        assert list(north.x) == ["2022-11-07", "2022-11-14"]

    def test_it_lets_the_legend_toggle_regions(self):
        figure = self.figure()
        assert all(trace.mode == "lines+markers" for trace in figure.data)
        assert figure.layout.legend.title.text == "点击名称可隐藏或显示"
        assert figure.layout.title.text == "自闭阀·管道气 安装率逐周走势"

    def test_it_draws_a_week_a_region_skipped_with_its_carried_rate(self):
        # As the week's table shows it: the latest earlier figure (沿用11月7日数据), flat.
        Snapshot.objects.filter(region=self.south, week__date="2022-11-14").delete()
        south = self.figure().data[1]
        assert list(south.x) == ["2022-11-07", "2022-11-14", "2022-11-21"]
        assert south.y[1] == south.y[0]


@pytest.mark.django_db
class TestRegionCharts:
    def test_it_draws_the_region_rank_per_week(self):
        load_seed()
        region = Region.objects.get(slug="qinyang")
        figures = charts.region_figures(selectors.progress_history(), region)
        printed = seed_rows()[0]
        assert printed["region"] == "沁阳市"
        for trace, slug in zip(figures["rank"].data, MEASURES, strict=True):
            assert list(trace.x) == ["2022-11-14", "2022-11-21"]
            assert trace.y[-1] == int(printed[f"{slug}_rank"])
        assert figures["rank"].layout.yaxis.range == (11.5, 0.5)  # first place on top

    def test_it_draws_the_region_rate_per_week(self):
        load_seed()
        region = Region.objects.get(slug="qinyang")
        figures = charts.region_figures(selectors.progress_history(), region)
        printed = seed_rows()[0]
        hose_lpg = figures["rate"].data[2]
        assert hose_lpg.name == "金属软管·液化气"
        assert hose_lpg.customdata[-1] == printed["hose_lpg_rate"]
        assert figures["rate"].layout.title.text == "沁阳市 安装率逐周走势"


class TestFigureHtml:
    """figure_html: data for static/js/plotly-figures.js, nothing the Content-Security-Policy blocks."""

    def figure_html(self, name: str = "甲"):
        figure = charts.rate_bars(
            measure="m", regions=bar_regions([(name, 1, 2)]), city=(1, 2), target_rate=1
        )
        return figure, charts.figure_html(figure, div_id="rate-m")

    def parsed(self, html: str) -> tuple[list[tuple[str, dict]], list[str]]:
        """The elements (tag, attributes) and the data block's text, as a browser's parser reads them."""

        class Reader(HTMLParser):
            def __init__(self):
                super().__init__()
                self.elements, self.texts = [], []

            def handle_starttag(self, tag, attrs):
                self.elements.append((tag, dict(attrs)))

            def handle_data(self, data):
                self.texts.append(data)

        reader = Reader()
        reader.feed(html)
        reader.close()
        return reader.elements, reader.texts

    def payload(self, html: str) -> dict:
        _elements, texts = self.parsed(html)
        (block,) = texts
        return json.loads(block)

    def test_it_loads_no_script_and_runs_none_inline(self):
        _figure, html = self.figure_html()
        elements, _texts = self.parsed(html)
        scripts = [attrs for tag, attrs in elements if tag == "script"]
        assert scripts == [{"type": "application/json", "class": "chart-figure"}]
        assert "cdn" not in html.lower()

    def test_it_writes_no_style_attribute_and_no_event_handler(self):
        _figure, html = self.figure_html()
        elements, _texts = self.parsed(html)
        for _tag, attrs in elements:
            assert "style" not in attrs
            assert not [name for name in attrs if name.startswith("on")]

    def test_it_carries_the_figure_and_the_container_height(self):
        figure, html = self.figure_html()
        elements, _texts = self.parsed(html)
        assert elements[0] == (
            "div",
            {"class": "chart", "data-chart": "rate-m", "data-height": str(figure.layout.height)},
        )
        assert elements[1] == ("div", {"id": "rate-m", "class": "plotly-graph-div"})
        drawn = self.payload(html)["figure"]
        assert drawn["data"][0]["y"] == ["甲"]
        assert drawn["data"][0]["text"] == ["50.0%"]
        assert drawn["layout"]["height"] == figure.layout.height

    def test_it_sets_the_chinese_locale_and_hides_the_cloud_button(self):
        _figure, html = self.figure_html()
        config = self.payload(html)["config"]
        assert config["locale"] == "zh-CN"
        assert config["showSendToCloud"] is False
        assert config["displaylogo"] is False

    def test_a_name_cannot_end_the_data_block(self):
        name = "</script><script>alert(1)</script><!--&"
        _figure, html = self.figure_html(name)
        assert html.count("</script>") == 1
        elements, _texts = self.parsed(html)
        assert [tag for tag, _attrs in elements] == ["div", "div", "script"]
        assert self.payload(html)["figure"]["data"][0]["y"] == [name]
