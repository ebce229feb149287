"""
The rate chart of a notice is drawn to scale: its height follows the number of
bars (a city's counties, a province's cities), with a minimum, and a chart of two
or three bars is not stretched to its panel's width (it came out with 17 pt names).
"""

from __future__ import annotations

import re

import pytest
import weasyprint

from installs import notice_documents
from installs.services import notices
from tests.factories import make_area, make_measure, make_region, make_snapshot, make_week

pytestmark = pytest.mark.django_db

CITIES = ["焦作市", "新乡市", "洛阳市", "郑州市", "开封市", "安阳市", "鹤壁市", "濮阳市"]


def province_of(children: int):
    henan = make_area("河南省", "410000")
    measure = make_measure("valve_pipe")
    week = make_week("2022-11-21")
    for i in range(children):
        city = make_area(CITIES[i], f"41{i + 1:02d}00", henan, order=i)
        make_snapshot(week, make_region(f"区{i}", f"r{i}", city=city), measure, 1000, 100 + 37 * i)
    return week, henan


def chart_boxes(week, area) -> list:
    """The laid-out chart SVGs of the area's notice (WeasyPrint's boxes, sizes in CSS px)."""
    content = notices.notice_content(week, number=None, area=area)
    page = weasyprint.HTML(string=notice_documents._document_html(content)).render().pages[0]
    found = []

    def walk(box):
        if str(getattr(box, "element_tag", "")).endswith("svg"):
            found.append(box)
        for child in getattr(box, "children", []):
            walk(child)

    walk(page._page_box)
    return found


def test_the_chart_s_height_follows_the_number_of_bars_with_a_minimum():
    heights = {}
    for bars in (1, 2, 3, 4, 8, 11):
        width, height = notice_documents.chart_size(bars)
        heights[bars] = height
        assert width == notice_documents.chart_size(1)[0]  # the same width whatever the count
    rows = notice_documents.CHART_MIN_ROWS
    assert heights[1] == heights[2] == heights[rows]  # the minimum
    assert heights[11] - heights[8] == 3 * notice_documents.CHART_ROW  # a row per bar


def test_a_notice_of_two_children_draws_its_chart_at_the_size_of_its_text():
    week, henan = province_of(2)
    (svg,) = chart_boxes(week, henan)
    pt = svg.height * notice_documents.PT_PER_CSS_PX
    width, height = notice_documents.chart_size(2)
    assert pt == pytest.approx(height * notice_documents.CHART_PT_PER_UNIT, abs=0.5)
    assert pt < 45  # stretched to the panel's width it was 103 pt
    # Names at about 7 pt, as the summary's text.
    scale = svg.width / width * notice_documents.PT_PER_CSS_PX
    assert notice_documents.CHART_FONT_SIZE * scale == pytest.approx(7, abs=0.5)


def test_the_chart_s_svg_names_its_size_in_points():
    week, henan = province_of(3)
    content = notices.notice_content(week, number=None, area=henan)
    html = notice_documents._document_html(content)
    size = re.search(r'<svg [^>]*width="([\d.]+)pt" height="([\d.]+)pt"', html)
    width, height = notice_documents.chart_size(3)
    scale = notice_documents.CHART_PT_PER_UNIT
    assert (float(size[1]), float(size[2])) == pytest.approx(
        (width * scale, height * scale), abs=0.1
    )


def test_charts_of_several_measures_shrink_to_their_panels_keeping_their_proportions():
    """A city of the seed: three panels side by side, each narrower than the chart at scale."""
    from installs.models import Week
    from tests.factories import load_seed

    load_seed()
    boxes = chart_boxes(Week.objects.order_by("-date").first(), False)
    assert len(boxes) == 3
    width, height = notice_documents.chart_size(11)
    for svg in boxes:
        assert (
            svg.width * notice_documents.PT_PER_CSS_PX < width * notice_documents.CHART_PT_PER_UNIT
        )
        assert svg.height / svg.width == pytest.approx(height / width, rel=0.01)
