"""
The weekly notice's documents (进度通报): an A4 landscape PDF with the table,
the summary and the rate chart, and the official table as a PNG for chat groups.

Both come from one HTML and CSS page (templates/installs/notice/document.html)
laid out once by WeasyPrint, with no browser: the PDF as it is, the PNG by
rendering that PDF page with PDFium (pypdfium2) at about 1800 px wide and
keeping its upper part, down to the table's note. The chart is inline SVG drawn here from
``rate_bars.rate_bars``, the same bars the ranking page shows.

Everything shown comes from the computed week (``selectors.week_progress``)
through ``installs.layout`` (title, date line, header, rows, 合计, note) and
``rules.rate_text``, so the notice, the page and the workbook cannot drift.

A province's or the nation's notice (``LevelNoticeContent``) is the same page
with the level table instead (``level_selectors.level_progress`` through
``installs.level_tables``: its title, rows with the ※ of a child not fully
reported, 合计, the notes, the level summary) and a bar per child.
"""

from __future__ import annotations

import contextlib
import datetime
import gc
import html
import io
from dataclasses import dataclass

import pandas as pd
import pypdfium2
import weasyprint
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from PIL import Image

from installs import charts, layout, level_tables, rate_bars, rules
from installs.level_selectors import LevelProgress
from installs.progress import WeekProgress

# What a cell shows where there is no value (no earlier week, no households, no rank).
MISSING = "—"
# The PNG's width: legible on a phone once zoomed, within WeCom's 2 MB for a picture.
PNG_WIDTH_PX = 1800
# CSS pixels are 1/96 in, PDF points 1/72 in.
PT_PER_CSS_PX = 0.75
TABLE_END_ANCHOR = "table-end"
# Blank paper kept under the table's last line in the PNG, in pixels.
PNG_BOTTOM_MARGIN_PX = 12
# A PNG of more than this would not reach a WeCom group: the robot refuses it.
PNG_MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of the summary: a short label (shown bold) and its sentence."""

    label: str
    text: str


@dataclass(frozen=True)
class NoticeContent:
    """What a notice shows: the computed week, its number and the summary's paragraphs."""

    progress: WeekProgress
    number: int | None  # None: not published (a preview), marked 未发布 on every document
    paragraphs: list[Paragraph]
    published_at: datetime.datetime | None = None
    published_by: str = ""
    # The table's title: None for PROGRESS_TABLE_TITLE (the deployment's own city).
    title: str | None = None

    @property
    def shown_title(self) -> str:
        return self.title if self.title is not None else layout.table_title()


@dataclass(frozen=True)
class LevelNoticeContent:
    """What a province's (the nation's) notice shows: its table of children, numbered."""

    progress: LevelProgress
    number: int | None
    paragraphs: list[Paragraph]
    published_at: datetime.datetime | None = None
    published_by: str = ""

    @property
    def shown_title(self) -> str:
        return level_tables.level_title(self.progress.area)


@dataclass(frozen=True)
class NoticeFiles:
    pdf: bytes
    png: bytes


def notice_files(content: NoticeContent | LevelNoticeContent) -> NoticeFiles:
    """
    Both documents from one layout: the A4 landscape PDF (the table, then the
    summary and the rate chart side by side) and, as a PNG about 1800 px wide,
    the page's upper part down to the table's note: the official table as it
    stands in the PDF. One layout instead of two halves the time.
    """
    html_text = _document_html(content)
    with _young_garbage_only():
        pdf, table_end = _pdf(html_text)
        png = _table_png(pdf, table_end_pt=table_end * PT_PER_CSS_PX)
    return NoticeFiles(pdf=pdf, png=png)


def _pdf(html_text: str) -> tuple[bytes, float]:
    """
    The PDF and where the table part of its page ends (the anchor after the
    note, in CSS px). Nothing of the layout outlives the call: its objects are
    garbage when _young_garbage_only collects.
    """
    document = weasyprint.HTML(string=html_text).render()
    table_end = document.pages[0].anchors[TABLE_END_ANCHOR][1]
    # No base_url: the document names no file, font or address; fonts come from fontconfig.
    return document.write_pdf(), table_end


@contextlib.contextmanager
def _young_garbage_only():
    """
    The cycle collector off while the page is laid out, then one collection of
    the youngest generation. The layout allocates a few hundred thousand objects;
    with the collector on they set off full collections that walk the whole
    process (Django, pandas, the fonts), a third of the time and most of its
    spread (measured at city scale: 0.32-0.78 s a pair with it on, 0.32-0.35 s
    with this). While it is off nothing leaves the youngest generation, so the
    one collection after frees the layout's cycles: memory stays as with it on.
    A collector already off (someone else's choice) is left off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect(0)


def _table_png(pdf: bytes, *, table_end_pt: float) -> bytes:
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        width, _height = page.get_size()
        scale = PNG_WIDTH_PX / width
        image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    bottom = min(image.height, round(table_end_pt * scale) + PNG_BOTTOM_MARGIN_PX)
    return _png_bytes(image.crop((0, 0, image.width, bottom)))


def _png_bytes(image: Image.Image) -> bytes:
    """
    A palette PNG: black text, grey lines and a few colours need no more than
    256 colours; a third of the size of a full-colour one, and quick to write
    (zlib's default level: ``optimize`` tripled the time for a few per cent).
    """
    buffer = io.BytesIO()
    palette = image.quantize(colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    palette.save(buffer, format="PNG")
    return buffer.getvalue()


def _document_html(content: NoticeContent | LevelNoticeContent) -> str:
    """One document for both kinds: a city's counties, or a province's (the nation's) table."""
    progress = content.progress
    if isinstance(content, LevelNoticeContent):
        table = level_table_html(progress)
        notes = level_tables.incomplete_notes(progress)
        chart = level_rate_chart_svg
        extra = {
            "chart_heading": _("Installation rate by %(level)s")
            % {"level": level_tables.child_label(progress.area)}
        }
    else:
        table = table_html(progress)
        notes = [f"{layout.CARRIED_MARK}{line}" for line in layout.carried_notes(progress)]
        chart = rate_chart_svg
        extra = {}
    return render_to_string(
        "installs/notice/document.html",
        {
            "table_end": TABLE_END_ANCHOR,
            "heading": notice_heading(content.number),
            "draft": content.number is None,
            "title": content.shown_title,
            "date_line": layout.date_line(progress.week.date),
            "table": table,
            "note": layout.NOTE,
            "carried_notes": notes,
            "paragraphs": content.paragraphs,
            "charts": [(str(measure), chart(progress, measure)) for measure in progress.measures],
            "published_at": content.published_at,
            "published_by": content.published_by,
            **extra,
        },
    )


def notice_heading(number: int | None) -> str:
    """进度通报（第3期）, or 进度通报（未发布） for a preview."""
    if number is None:
        return _("Progress notice (not published)")
    return _("Progress notice (No. %(number)s)") % {"number": number}


def table_html(progress: WeekProgress) -> SafeString:
    """
    The official table as printed: the three-row header of ``layout.header_rows``,
    a row per region in official order, 合计; no sorting, no marks.
    """
    rows = [(row["region"], row) for row in layout.region_rows(progress)]
    return _official_table(
        layout.header_rows(progress.measures),
        progress.measures,
        rows,
        layout.totals_row(progress),
    )


def level_table_html(progress: LevelProgress) -> SafeString:
    """
    A province's (the nation's) table as its workbook prints it
    (``level_tables.level_workbook``): a row per child in official order, the
    name of one not fully reported marked ※, 合计; no links, no movement marks.
    """
    rows = [
        (row["region"] + ("" if row["complete"] else level_tables.INCOMPLETE_MARK), row)
        for row in level_tables.level_rows(progress)
    ]
    return _official_table(
        level_tables.header_rows(progress),
        progress.measures,
        rows,
        level_tables.totals_row(progress),
    )


def _official_table(header_rows, measures, rows: list[tuple[str, dict]], total: dict) -> SafeString:
    head = []
    for header_row in header_rows:
        cells = []
        for cell in header_row:
            spans = ""
            if cell.rowspan > 1:
                spans += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                spans += f' colspan="{cell.colspan}"'
            cells.append(f"<th{spans}>{html.escape(cell.text)}</th>")
        head.append(f"<tr>{''.join(cells)}</tr>")
    keys = [
        (
            layout.cell_key(m, "households"),
            layout.cell_key(m, "installed"),
            layout.cell_key(m, "new"),
            layout.cell_key(m, "rate"),
            layout.cell_key(m, "rank"),
            layout.cell_key(m, "carried_from"),
        )
        for m in measures
    ]
    body = []
    for name, row in rows:
        # A late region's row carries its latest figures, as on the page and in the workbook.
        body.append(f"<tr><th>{html.escape(name)}</th>{_measure_cells(row, keys)}</tr>")
    body.append(
        f'<tr class="total"><th>{html.escape(total["region"])}</th>'
        f"{_measure_cells(total, keys)}</tr>"
    )
    return mark_safe(
        '<table class="official">'
        f"<thead>{''.join(head)}</thead><tbody>{''.join(body)}</tbody></table>"
    )


def _measure_cells(row: dict, keys: list[tuple[str, str, str, str, str, str]]) -> str:
    cells = []
    for households, installed, new, rate, rank, carried_from in keys:
        cells.append(_cell(row[households]))
        cells.append(_cell(row[installed]))
        if row.get(carried_from) is not None:
            # A carried figure: 未填报 and the mark the notes under the table explain.
            cells.append(f'<td class="carried">{html.escape(layout.carried_cell_text())}</td>')
        else:
            cells.append(_cell(row[new]))
        if row[rate] is None:
            cells.append(f"<td>{MISSING}</td>")
        else:
            cells.append(f"<td>{rules.rate_text(row[installed], row[households])}</td>")
        # 合计 has no rank: printed blank, as in the newspaper.
        cells.append("<td></td>" if row["region"] == str(layout.TOTAL_LABEL) else _cell(row[rank]))
    return "".join(cells)


def _cell(value: int | None) -> str:
    return f"<td>{MISSING if value is None else value}</td>"


# The chart: one panel per measure, a bar per region, best first.
CHART_ROW = 13  # SVG units per region
CHART_NAME_WIDTH = 40
CHART_BAR_WIDTH = 70
CHART_VALUE_WIDTH = 36
CHART_TOP = 4
CHART_FONT_SIZE = 7.5
# The chart is drawn at this size (PDF points per SVG unit: its names and rates about 7 pt,
# as the summary beside it), shrunk only where its panel is narrower (several measures).
# Stretched to its panel's width instead, a chart of two or three bars came out with
# names of 17 pt; drawn to scale its height follows the number of bars, as a city's does.
CHART_PT_PER_UNIT = 0.93
# A chart of one or two bars keeps the height of this many, so it does not shrink to a strip.
CHART_MIN_ROWS = 3
# Named on the SVG itself: its text does not inherit the page's CSS, and a bare sans-serif
# picked the Japanese face for Han and DejaVu for digits (two more fonts to subset and embed).
CHART_FONT = "Noto Sans CJK SC"


def rate_chart_svg(progress: WeekProgress, measure) -> SafeString:
    """
    One measure's rates by region as inline SVG: the bars of ``rate_bars.rate_bars``
    (best first, rates through ``rules.rate_text``), the city-wide rate dashed
    and the target dotted across them.
    """
    regions, city = charts.week_rate_frame(progress, measure)
    return _rate_chart_svg(
        rate_bars.rate_bars(regions=regions, city=city, target_rate=measure.target_rate),
        _("City-wide %(rate)s"),
    )


def level_rate_chart_svg(progress: LevelProgress, measure) -> SafeString:
    """One measure's rates by child (a province's cities), drawn as ``rate_chart_svg``."""
    installed, households, rate = (
        layout.cell_key(measure, "installed"),
        layout.cell_key(measure, "households"),
        layout.cell_key(measure, "rate"),
    )
    children = pd.DataFrame(
        [
            {
                "name": row["region"],
                "installed": row[installed],
                "households": row[households],
                "rate": float("nan") if row[rate] is None else row[rate],
            }
            for row in level_tables.level_rows(progress)
        ],
        columns=["name", "installed", "households", "rate"],
    )
    total = progress.total(measure)
    parent = None if total is None else (int(total["installed"]), int(total["households"]))
    # The parent's rate line, named for it (河南省 33.2%); a name is never a format.
    overall = level_tables.area_name(progress.area).replace("%", "%%") + " %(rate)s"
    return _rate_chart_svg(
        rate_bars.rate_bars(regions=children, city=parent, target_rate=measure.target_rate),
        overall,
    )


def chart_size(bars: int) -> tuple[int, int]:
    """The chart's width and height in SVG units: a row per bar, at least CHART_MIN_ROWS."""
    width = CHART_NAME_WIDTH + CHART_BAR_WIDTH + CHART_VALUE_WIDTH
    return width, CHART_TOP + CHART_ROW * max(bars, CHART_MIN_ROWS) + 2


def _rate_chart_svg(drawn: rate_bars.RateBars, overall: str) -> SafeString:
    if not drawn.bars:
        return mark_safe(f'<p class="no-data">{html.escape(_("No data"))}</p>')
    width, height = chart_size(len(drawn.bars))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width * CHART_PT_PER_UNIT:.1f}pt" height="{height * CHART_PT_PER_UNIT:.1f}pt" '
        f'font-size="{CHART_FONT_SIZE}" font-family="{CHART_FONT}">'
    ]
    for place, bar in enumerate(drawn.bars):
        y = CHART_TOP + place * CHART_ROW
        length = float(bar.width) / 100 * CHART_BAR_WIDTH
        parts.append(
            f'<text x="{CHART_NAME_WIDTH - 3}" y="{y + 9}" text-anchor="end">'
            f"{html.escape(bar.name)}</text>"
            f'<rect x="{CHART_NAME_WIDTH}" y="{y + 2}" width="{length:.2f}" height="9" '
            f'fill="{charts.BAR_COLOUR}"/>'
            f'<text x="{CHART_NAME_WIDTH + CHART_BAR_WIDTH + 3}" y="{y + 9}">'
            f"{html.escape(bar.rate_text)}</text>"
        )
    bottom = CHART_TOP + CHART_ROW * len(drawn.bars)
    for line, colour, dash in (
        (drawn.city, charts.CITY_COLOUR, "4 2"),
        (drawn.target, charts.TARGET_COLOUR, "1 2"),
    ):
        if line is None:
            continue
        x = CHART_NAME_WIDTH + float(line.x) / 100 * CHART_BAR_WIDTH
        parts.append(
            f'<line x1="{x:.2f}" x2="{x:.2f}" y1="{CHART_TOP - 2}" y2="{bottom}" '
            f'stroke="{colour}" stroke-width="1.2" stroke-dasharray="{dash}"/>'
        )
    parts.append("</svg>")
    key = []
    if drawn.city is not None:
        key.append(
            f'<span class="key-city">{html.escape(overall % {"rate": drawn.city.label})}</span>'
        )
    if drawn.target is not None:
        key.append(
            f'<span class="key-target">{html.escape(_("Target %(rate)s") % {"rate": drawn.target.label})}</span>'
        )
    return mark_safe(f'<p class="chart-key">{" ".join(key)}</p>{"".join(parts)}')
