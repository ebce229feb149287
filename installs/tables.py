"""
The ranking page's table: django-tables2 columns built from the measures in the
database, rows from ``layout.region_rows``, 合计 pinned at the bottom.

django-tables2 declares the columns, reads ``?sort=`` and keeps the ordering
state; the grouped header comes from ``layout.header_rows`` and is drawn by
``templates/installs/progress_table.html``. Rendering is the hot path of the
most visited page (16 columns × up to 200 regions), so the body is written by
one Python call per cell into a single string instead of going through
django-tables2's per-cell accessors, attrs and template loop, which cost
several times more.

Marks (``add_insight_marks``): at most one per cell, each a visible glyph in a
span with its meaning as ``aria-label`` (and ``title``), so a phone and a
screen reader read it too: the target band in 安装率 (behind, far behind),
停滞（本周无新增） in 环比新增安装数, the rank movement in 名次; and for a
carried figure 未填报 ※ (沿用M月D日数据) in 环比新增安装数. The legend
under the table (week_detail.html) explains them.
"""

from __future__ import annotations

import html
from functools import cached_property

import django_tables2 as tables
from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tables2.data import TableListData
from django_tables2.utils import OrderBy

from installs import layout, rules
from installs.models import Measure
from installs.progress import WeekProgress

SORT_FIELD = "sort"
# What the table shows where there is no value: no earlier week, no households, no rank.
MISSING = "—"


class RegionColumn(tables.Column):
    """The region's name; sorting it means the official order (or its reverse)."""

    first_descending = False

    def __init__(self) -> None:
        super().__init__(verbose_name=layout.REGION_LABEL, order_by=("position",))

    def render(self, value):
        return value


class CountColumn(tables.Column):
    """户数, 已安装数 or 环比新增安装数 of one measure: a plain integer, never grouped."""

    first_descending = True

    def __init__(self, measure: Measure, field: str) -> None:
        super().__init__(verbose_name=layout.FIELD_LABELS[field])
        self.key = layout.cell_key(measure, field)
        # 环比新增 carries the 停滞 mark, set by add_insight_marks, or for a carried
        # figure 未填报 with its 沿用M月D日数据 mark (a carried figure has no new installs).
        self.marks_key = layout.cell_key(measure, "stalled_mark") if field == "new" else ""
        self.carried_key = layout.cell_key(measure, "carried_from") if field == "new" else ""

    def render(self, value):
        return str(value)

    def td(self, record: dict, total: bool) -> str:
        value = record[self.key]
        if value is None:
            carried = record.get(self.carried_key) if self.carried_key else None
            if carried is not None:
                return f'<td class="num carried">{carried_html(carried)}</td>'
            return f'<td class="num missing">{MISSING}</td>'
        mark = record.get(self.marks_key, "") if self.marks_key else ""
        if mark:
            return f'<td class="num stalled">{value}{mark}</td>'
        return f'<td class="num">{value}</td>'


class RateColumn(tables.Column):
    """安装率: sorted on the exact float, shown only through ``rules.rate_text``."""

    first_descending = True

    def __init__(self, measure: Measure) -> None:
        super().__init__(verbose_name=layout.FIELD_LABELS["rate"])
        self.key = layout.cell_key(measure, "rate")
        self.installed_key = layout.cell_key(measure, "installed")
        self.households_key = layout.cell_key(measure, "households")
        self.marks_key = layout.cell_key(measure, "band_mark")  # set by add_insight_marks

    def render(self, value, record):
        return rules.rate_text(record[self.installed_key], record[self.households_key])

    def td(self, record: dict, total: bool) -> str:
        if record[self.key] is None:
            return f'<td class="num missing">{MISSING}</td>'
        text = rules.rate_text(record[self.installed_key], record[self.households_key])
        return f'<td class="num rate">{text}{record.get(self.marks_key, "")}</td>'


class RankColumn(tables.Column):
    """名次, with the movement since last week; the 合计 row has none, printed blank."""

    first_descending = False

    def __init__(self, measure: Measure) -> None:
        super().__init__(verbose_name=layout.FIELD_LABELS["rank"])
        self.key = layout.cell_key(measure, "rank")
        self.move_key = layout.cell_key(measure, "move")  # set by add_insight_marks

    def render(self, value):
        return str(value)

    def td(self, record: dict, total: bool) -> str:
        rank = record[self.key]
        if total:
            return '<td class="num rank"></td>'
        if rank is None:
            return f'<td class="num rank missing">{MISSING}</td>'
        return f'<td class="num rank">{rank}{record.get(self.move_key, "")}</td>'


class ProgressData(TableListData):
    """
    The region rows, sorted on the raw values: a rate on the exact float, not
    its text. Rows without a value (not reported, no rate, no earlier week) go
    last in either direction; ties keep the official order.
    """

    def order_by(self, aliases) -> None:
        rows = self.data
        # Least significant key first: Python's sort is stable, also in reverse.
        for alias in reversed(aliases):
            order = OrderBy(alias)
            column = self.table.columns[order.bare]
            key = column.column.order_by[0].bare if column.column.order_by else order.bare
            if key == "position":  # the official order: every row has a place in it
                valued, reported_without, unreported = list(rows), [], []
            else:
                # Carried figures sort like the week's own: a late region keeps its place.
                valued = [r for r in rows if r["figures"] and r[key] is not None]
                reported_without = [r for r in rows if r["figures"] and r[key] is None]
                unreported = [r for r in rows if not r["figures"]]
            valued.sort(key=lambda r: r[key], reverse=order.is_descending)
            rows = valued + reported_without + unreported
        self.data = rows


class ProgressTable(tables.Table):
    """The official progress table of one week; build it with ``progress_table``."""

    region = RegionColumn()

    class Meta:
        orderable = True
        order_by_field = SORT_FIELD
        attrs = {"class": "progress-table"}

    def __init__(
        self,
        progress: WeekProgress,
        *,
        request: HttpRequest | None = None,
        movement: dict[tuple[int, int], int] | None = None,
        flags: dict[tuple[int, int], dict] | None = None,
    ) -> None:
        self.progress = progress
        rows = layout.region_rows(progress)
        for position, row in enumerate(rows):
            row["position"] = position
        # The kinds of mark this week's table shows: the legend lists only those.
        self.marks_used: set[str] = set()
        if movement or flags:
            self.marks_used = add_insight_marks(rows, progress, movement or {}, flags or {})
        super().__init__(
            data=ProgressData(rows),
            extra_columns=measure_columns(progress.measures),
            empty_text=_("No regions yet."),
        )
        self.data_columns = [bc.column for bc in self.columns if bc.name != "region"]
        if request is not None:
            tables.RequestConfig(request, paginate=False).configure(self)

    def get_bottom_pinned_data(self) -> list[dict]:
        return [layout.totals_row(self.progress)]

    def body_html(self) -> SafeString:
        """
        Every body row in the current order, then 合计: one string for the
        template, instead of a BoundRow and a template loop per row.
        """
        rows = [self.row_html(record, total=False) for record in self.data]
        rows += [self.row_html(record, total=True) for record in self.pinned_data["bottom"]]
        return mark_safe("\n".join(rows))

    def row_html(self, record: dict, *, total: bool) -> str:
        """The <tr> of one record: the region's name as a row header, then every data cell."""
        name = html.escape(record["region"])
        if record["slug"]:
            # Every region's name leads to its page; 合计 has no slug and stays text.
            name = f'<a href="{self.region_url(record["slug"])}">{name}</a>'
        if not record["figures"]:
            # Nothing to show, not even an earlier figure: a region that never reported.
            return (
                f'<tr class="unreported"><th scope="row" class="region">{name}</th>'
                f'<td class="unreported-cell" colspan="{len(self.data_columns)}">'
                f"<span>{self.texts['unreported']}</span></td></tr>"
            )
        cells = "".join([column.td(record, total) for column in self.data_columns])
        if total:
            return f'<tr class="total"><th scope="row" class="region">{name}</th>{cells}</tr>'
        if not record["reported"]:
            # 未填报 or 部分填报: its carried figures are marked cell by cell (未填报※ in
            # 环比新增); the name stays the name, so a copied table still reads in Excel.
            state = "partial" if record["partial"] else "missing"
            return f'<tr class="carried {state}"><th scope="row" class="region">{name}</th>{cells}</tr>'
        return f'<tr><th scope="row" class="region">{name}</th>{cells}</tr>'

    @cached_property
    def region_url_pattern(self) -> str:
        # One reverse() per table, not per row: the slug is put in by replace().
        return reverse("installs:region_detail", kwargs={"slug": "SLUG"})

    def region_url(self, slug: str) -> str:
        return self.region_url_pattern.replace("SLUG", html.escape(slug))

    @cached_property
    def texts(self) -> dict[str, str]:
        """Translated once per table, not once per row."""
        return {"unreported": html.escape(_("Not reported"))}

    def header(self) -> list[list[dict]]:
        """
        ``layout.header_rows`` ready for the template: each cell's text, its
        attributes (spans, class, ordering state) and, on a leaf, its sort link.
        """
        order = {OrderBy(alias).bare: OrderBy(alias) for alias in self.order_by or ()}
        query = self.request.GET.copy() if getattr(self, "request", None) else None
        arrows = {"ascending": "▲", "descending": "▼"}
        # BoundColumns looks a name up by walking every column: index them once.
        columns = {bound.name: bound.column for bound in self.columns}
        rows = []
        for header_row in layout.header_rows(self.progress.measures):
            cells = []
            for cell in header_row:
                state, href = "", ""
                if cell.key in columns:
                    current = order.get(cell.key)
                    if current is not None:
                        state = "descending" if current.is_descending else "ascending"
                        descending = not current.is_descending
                    else:
                        descending = columns[cell.key].first_descending
                    if query is not None:
                        query[SORT_FIELD] = f"-{cell.key}" if descending else cell.key
                        href = "?" + query.urlencode()
                cells.append(
                    {
                        "text": cell.text,
                        "key": cell.key,
                        "href": href,
                        "attrs": _header_attrs(cell, state),
                        "arrow": arrows.get(state, ""),
                    }
                )
            rows.append(cells)
        return rows

    @property
    def is_sorted(self) -> bool:
        return bool(self.order_by)


def _header_attrs(cell: layout.HeaderCell, state: str) -> SafeString:
    """A header cell's attributes: spans, a class per kind (the leaf key or group), sort state."""
    attrs = ""
    if cell.rowspan > 1:
        attrs += f' rowspan="{cell.rowspan}"'
    if cell.colspan > 1:
        attrs += f' colspan="{cell.colspan}"'
    if not cell.key:
        classes = "group"
    elif cell.key == "region":
        classes = "leaf region"
    else:
        classes = f"leaf {html.escape(cell.key)}"
    if state:
        classes += f" sorted {state}"
        attrs += f' class="{classes}" aria-sort="{state}"'
    else:
        attrs += f' class="{classes}"'
    return mark_safe(attrs)


def measure_columns(measures: list[Measure]) -> list[tuple[str, tables.Column]]:
    """Five columns per measure, named and ordered as ``layout.leaf_keys``."""
    kinds = {"households": CountColumn, "installed": CountColumn, "new": CountColumn}
    columns: list[tuple[str, tables.Column]] = []
    for measure in measures:
        for field in layout.FIELDS:
            if field in kinds:
                column = kinds[field](measure, field)
            else:
                column = RateColumn(measure) if field == "rate" else RankColumn(measure)
            columns.append((layout.cell_key(measure, field), column))
    return columns


# The glyph of each band shown in 安装率 and what it says; on track and complete show none.
BAND_GLYPHS = {rules.BAND_BEHIND: "◐", rules.BAND_FAR_BEHIND: "●"}
BAND_LABELS = {
    rules.BAND_COMPLETE: gettext_lazy("Target reached"),
    rules.BAND_ON_TRACK: gettext_lazy("On track for the deadline"),
    rules.BAND_BEHIND: gettext_lazy("Behind"),
    rules.BAND_FAR_BEHIND: gettext_lazy("Far behind"),
}
STALLED_GLYPH = "停"
# The kinds of mark besides the bands (rules.BAND_*), as add_insight_marks reports them.
MARK_STALLED = "stalled"
MARK_UP = "up"
MARK_DOWN = "down"
NOT_REPORTED_CELL = gettext_lazy("Not reported")


def carried_html(date) -> str:
    """The 环比新增 cell of a carried figure: 未填报 and the mark saying which week it is from."""
    return html.escape(str(NOT_REPORTED_CELL)) + mark_html(
        "mark-carried", layout.CARRIED_MARK, layout.carried_text(date)
    )


STALLED_LABEL = gettext_lazy("Stalled (no new installs this week)")


def mark_html(kind: str, glyph: str, label: str) -> str:
    """
    One mark: the glyph people see, its meaning as aria-label (read out by a
    screen reader in place of the glyph) and as title (a tooltip on a desktop).
    """
    label = html.escape(label)
    return (
        f'<span class="mark {kind}" role="img" aria-label="{label}" title="{label}">{glyph}</span>'
    )


def add_insight_marks(
    rows: list[dict],
    progress: WeekProgress,
    movement: dict[tuple[int, int], int],
    flags: dict[tuple[int, int], dict],
) -> set[str]:
    """
    The marks of each row, as "<slug>_move" (名次: ↑2 or ↓1 since last week;
    nothing when unchanged or not ranked last week), "<slug>_band_mark" (安装率:
    the target band where it is behind or far behind) and "<slug>_stalled_mark"
    (环比新增安装数: 停滞（本周无新增）) strings; a pair has 停 or a band, never
    both (see below). Texts are translated once per table. Returns the kinds
    used (MARK_UP, MARK_DOWN, MARK_STALLED and the bands), for the legend.
    """
    used: set[str] = set()
    up, down = (
        _("Up %(places)s places since last week"),
        _("Down %(places)s places since last week"),
    )
    bands = {
        band: mark_html(f"mark-band {band}", glyph, str(BAND_LABELS[band]))
        for band, glyph in BAND_GLYPHS.items()
    }
    stalled = mark_html("mark-stalled", STALLED_GLYPH, str(STALLED_LABEL))
    keys = [
        (
            m.pk,
            layout.cell_key(m, "move"),
            layout.cell_key(m, "band_mark"),
            layout.cell_key(m, "stalled_mark"),
        )
        for m in progress.measures
    ]
    for region, row in zip(progress.regions, rows, strict=True):
        for measure_pk, move_key, band_key, stalled_key in keys:
            pair = (region.pk, measure_pk)
            places = movement.get(pair)
            if places is not None and places > 0:
                row[move_key] = mark_html("mark-move up", f"↑{places}", up % {"places": places})
                used.add(MARK_UP)
            elif places is not None and places < 0:
                row[move_key] = mark_html(
                    "mark-move down", f"↓{-places}", down % {"places": -places}
                )
                used.add(MARK_DOWN)
            flag = flags.get(pair)
            if flag is None:
                continue
            # One status per region and measure, though 停 and the band sit in different
            # cells: 停 wins. It is the stronger alarm (nothing at all this week), and a
            # region with no new installs is nearly always behind too, so showing both
            # would mark almost every stalled row twice (the seed week: 28 of 33 rate
            # cells instead of 12). The band stays on the region's page and the pace page.
            if flag["stalled"]:
                row[stalled_key] = stalled
                used.add(MARK_STALLED)
            elif flag.get("band") in bands:
                row[band_key] = bands[flag["band"]]
                used.add(flag["band"])
    return used


def progress_table(
    progress: WeekProgress,
    *,
    request: HttpRequest | None = None,
    movement: dict[tuple[int, int], int] | None = None,
    flags: dict[tuple[int, int], dict] | None = None,
) -> ProgressTable:
    """The table; ``movement`` and ``flags`` (issue 4) add marks to the rank and rate cells."""
    return ProgressTable(progress, request=request, movement=movement, flags=flags)
