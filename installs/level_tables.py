"""
Builders for the table at every level above the city (a province's cities, the
nation's provinces): the page's rows, the official workbook and the API's data,
all from ``level_selectors.LevelProgress`` and the column groups of
``installs.layout`` (the same 户数 / 已安装数 / 环比新增安装数 / 安装率 / 名次 per measure
as the county table), so page, workbook and API cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import html
import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl import Workbook

from installs import layout, rules, sheets
from installs.level_rules import fully_reported
from installs.level_selectors import LevelProgress
from installs.models import Area

# The official title after the area's name: 河南省燃气居民用户安全装置加装情况进度表.
TITLE_SUFFIX = "燃气居民用户安全装置加装情况进度表"
NATION = gettext_lazy("Nationwide")
CITY_LABEL = gettext_lazy("City")
PROVINCE_LABEL = gettext_lazy("Province (autonomous region, municipality)")
# A child whose counties have not all reported the week: its name carries this mark.
INCOMPLETE_MARK = "※"


def area_name(area: Area | None) -> str:
    """The area's name, 全国 for the root."""
    return area.name if area is not None else str(NATION)


def level_title(area: Area | None) -> str:
    """The table's title from the parent's name: 河南省燃气居民用户安全装置加装情况进度表."""
    return f"{area_name(area)}{TITLE_SUFFIX}"


def child_label(area: Area | None) -> str:
    """The first column's heading: 市 under a province, 省（自治区、直辖市） under the nation."""
    return str(CITY_LABEL if area is not None else PROVINCE_LABEL)


def header_rows(progress: LevelProgress) -> list[list[layout.HeaderCell]]:
    """``layout.header_rows`` with the first column named for the level."""
    rows = layout.header_rows(progress.measures)
    first = dataclasses.replace(rows[0][0], text=child_label(progress.area))
    return [[first, *rows[0][1:]], *rows[1:]]


def reported_text(count: tuple[int, int]) -> str:
    """已填报1/2: how many of the child's counties reported the week."""
    return _("Reported %(reported)s/%(total)s") % {"reported": count[0], "total": count[1]}


def level_rows(progress: LevelProgress) -> list[dict]:
    """
    One dict per child in official order: ``region`` (its name), ``code``,
    ``reported`` (n, N counties), ``complete`` (n = N), ``figures`` (any
    figure to show) and per measure the five cells of ``layout`` and
    "<slug>_move" (places gained since last week, or None).
    """
    rows = []
    for child in progress.children:
        count = progress.reported.get(child.pk, (0, 0))
        row = {
            "region": child.name,
            "code": child.code,
            "reported": count,
            "complete": fully_reported(count),
            "figures": False,
        }
        for measure in progress.measures:
            record = progress.records.get((child.pk, measure.pk))
            if record is not None:
                row["figures"] = True
            row.update(_cells(measure, record))
            row[layout.cell_key(measure, "move")] = record["move"] if record else None
        rows.append(row)
    return rows


def totals_row(progress: LevelProgress) -> dict:
    """合计 at the parent: sums over every child, no rank."""
    row = {
        "region": str(layout.TOTAL_LABEL),
        "code": "",
        "reported": progress.reported_count,
        "complete": True,
        "figures": True,
    }
    for measure in progress.measures:
        total = progress.total(measure)
        row.update(_cells(measure, {**total, "rank": None} if total else None))
    return row


def _cells(measure, values: dict | None) -> dict:
    cells = {}
    for field in layout.FIELDS:
        value = None if values is None else values.get(field)
        if value is None or value != value:  # None, or a NaN rate
            cells[layout.cell_key(measure, field)] = None
        else:
            cells[layout.cell_key(measure, field)] = float(value) if field == "rate" else int(value)
    return cells


def incomplete_notes(progress: LevelProgress) -> list[str]:
    """The lines under the table naming the children not fully reported (※焦作市已填报1/2)."""
    lines = []
    for row in level_rows(progress):
        if not row["complete"]:
            lines.append(f"{INCOMPLETE_MARK}{row['region']}{reported_text(row['reported'])}")
    if lines:
        lines.append(
            _(
                "Counties that have not reported count with their latest earlier figures, "
                "as in their city's table."
            )
        )
    return lines


# The page.


def _named_at(ranked: list[tuple], place: int, measure) -> str:
    """The children at one place, with their rates: 洛阳市（50.0%）、新乡市（50.0%）."""
    installed, households = (
        layout.cell_key(measure, "installed"),
        layout.cell_key(measure, "households"),
    )
    return "、".join(
        f"{name}（{rules.rate_text(row[installed], row[households])}）"
        for name, rank, row in ranked
        if rank == place
    )


def level_summary(progress: LevelProgress, previous: LevelProgress | None = None) -> list[dict]:
    """
    A few lines above the table, as the city's summary box shows them: reporting
    (and the children not fully reported), then per measure the parent's rate and
    its change since ``previous`` (last week's table of the same area: both with
    carried figures, so a late county moves neither), the week's new installs and
    the first and last places (ties named together).
    """
    between = "、"
    reported, total = progress.reported_count
    text = _("Reported %(reported)s/%(total)s regions") % {"reported": reported, "total": total}
    rows = level_rows(progress)
    incomplete = [
        f"{row['region']}（{row['reported'][0]}/{row['reported'][1]}）"
        for row in rows
        if not row["complete"]
    ]
    if incomplete:
        text += _("; not every county reported: %(names)s") % {"names": between.join(incomplete)}
    lines = [{"label": _("Reporting"), "text": text}]
    for measure in progress.measures:
        total_row = progress.total(measure)
        ranked = [
            (row["region"], row[layout.cell_key(measure, "rank")], row)
            for row in rows
            if row[layout.cell_key(measure, "rank")] is not None
        ]
        if total_row is None or not ranked:
            continue
        last_rank = max(rank for _name, rank, _row in ranked)
        new = total_row["new"]
        lines.append(
            {
                "label": str(measure),
                "text": _(
                    "%(area)s rate %(rate)s%(change)s, new installs this week %(new)s; "
                    "first: %(first)s; last: %(last)s."
                )
                % {
                    "area": area_name(progress.area),
                    "rate": rules.rate_text(total_row["installed"], total_row["households"]),
                    "change": _change_text(
                        total_row, previous.total(measure) if previous else None
                    ),
                    "new": "—" if new is None else new,
                    "first": _named_at(ranked, 1, measure),
                    "last": _named_at(ranked, last_rank, measure),
                },
            }
        )
    return lines


def _change_text(now: dict, before: dict | None) -> str:
    """ "，较上周提高0.1个百分点" (the city summary's words), or nothing without last week."""
    if before is None:
        return ""
    change = rules.rate_change_points(
        installed=now["installed"],
        households=now["households"],
        previous_installed=before["installed"],
        previous_households=before["households"],
    )
    if change is None:
        return ""
    if change > 0:
        words = _("up %(points)s points on last week") % {"points": change}
    elif change < 0:
        words = _("down %(points)s points on last week") % {"points": -change}
    else:
        words = _("the same as last week")
    return pgettext("between clauses", ", ") + words


def body_html(progress: LevelProgress, link_for_code) -> str:
    """
    The table's body rows and 合计 as one string; ``link_for_code(code)`` gives
    each child's name its link (the child's own table).
    """
    up = _("Up %(places)s places since last week")
    down = _("Down %(places)s places since last week")
    rows = []
    for row in [*level_rows(progress), None]:
        total = row is None
        if total:
            row = totals_row(progress)
            name = html.escape(row["region"])
        else:
            name = f'<a href="{html.escape(link_for_code(row["code"]))}">{html.escape(row["region"])}</a>'
            text = html.escape(reported_text(row["reported"]))
            mark = "" if row["complete"] else INCOMPLETE_MARK
            name += f' <span class="level-reported{"" if row["complete"] else " incomplete"}">{mark}{text}</span>'
        cells = []
        for measure in progress.measures:
            key = {f: layout.cell_key(measure, f) for f in layout.FIELDS}
            for field in ("households", "installed", "new"):
                value = row[key[field]]
                cells.append(
                    f'<td class="num">{value}</td>'
                    if value is not None
                    else '<td class="num missing">—</td>'
                )
            if row[key["rate"]] is None:
                cells.append('<td class="num missing">—</td>')
            else:
                text = rules.rate_text(row[key["installed"]], row[key["households"]])
                cells.append(f'<td class="num rate">{text}</td>')
            rank = row[key["rank"]]
            if total:
                cells.append('<td class="num"></td>')
            elif rank is None:
                cells.append('<td class="num missing">—</td>')
            else:
                move = row[layout.cell_key(measure, "move")]
                mark = ""
                if move:
                    label = html.escape((up if move > 0 else down) % {"places": abs(move)})
                    glyph = f"↑{move}" if move > 0 else f"↓{-move}"
                    kind = "up" if move > 0 else "down"
                    mark = (
                        f'<span class="mark mark-move {kind}" role="img" aria-label="{label}" '
                        f'title="{label}">{glyph}</span>'
                    )
                cells.append(f'<td class="num rank">{rank}{mark}</td>')
        css = "total" if total else ("" if row["complete"] else "incomplete")
        rows.append(
            f'<tr class="{css}"><th scope="row" class="region">{name}</th>{"".join(cells)}</tr>'
        )
    return "\n".join(rows)


def header_html(progress: LevelProgress) -> str:
    """The three header rows, spans as printed."""
    out = []
    for header_row in header_rows(progress):
        cells = []
        for cell in header_row:
            attrs = ""
            if cell.rowspan > 1:
                attrs += f' rowspan="{cell.rowspan}"'
            if cell.colspan > 1:
                attrs += f' colspan="{cell.colspan}"'
            kind = "group" if not cell.key else "leaf"
            cells.append(f'<th scope="col" class="{kind}"{attrs}>{html.escape(cell.text)}</th>')
        out.append(f"<tr>{''.join(cells)}</tr>")
    return "\n".join(out)


# The workbook.


def export_filename(progress: LevelProgress) -> str:
    title = re.sub(r'[\\/:*?"<>|\s]+', "_", level_title(progress.area)).strip("_")
    return f"{title}_{progress.week.date.isoformat()}.xlsx"


def export_ascii_filename(progress: LevelProgress) -> str:
    code = progress.area.code if progress.area is not None else "nation"
    return f"gas-safety-progress_{code}_{progress.week.date.isoformat()}.xlsx"


def level_workbook(progress: LevelProgress) -> Workbook:
    """
    One sheet in the official layout of the county workbook (``installs.sheets``):
    title from the parent's name, date line, the merged three-row header, a row per
    child, 合计, the note and the children not fully reported.
    """
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheets.sheet_title(progress.week.date)
    measures = progress.measures
    last_col = 1 + len(layout.leaf_keys(measures))
    sheet = sheets._SheetWriter(ws, last_col)
    sheet.merged(
        sheets.TITLE_ROW, 1, sheets.TITLE_ROW, last_col, level_title(progress.area), "title"
    )
    sheet.merged(
        sheets.DATE_ROW, 1, sheets.DATE_ROW, last_col, sheets.date_text(progress.week), "date"
    )
    for header_row in header_rows(progress):
        for h in header_row:
            row, col = sheets.HEADER_FIRST_ROW + h.row, 1 + h.col
            sheet.merged(row, col, row + h.rowspan - 1, col + h.colspan - 1, h.text, "header")
    row = sheets.FIRST_DATA_ROW
    for values in level_rows(progress):
        name = values["region"] + ("" if values["complete"] else INCOMPLETE_MARK)
        sheet.data_row(row, {**values, "region": name}, measures, is_total=False)
        row += 1
    sheet.data_row(row, totals_row(progress), measures, is_total=True)
    last_table_row = row
    note_row = row + 1
    sheet.merged(note_row, 1, note_row, last_col, str(layout.NOTE), "note")
    for line in incomplete_notes(progress):
        note_row += 1
        sheet.merged(note_row, 1, note_row, last_col, line, "note")
    sheet.set_widths_and_heights(last_table_row, note_row)
    sheets._set_print_layout(ws, last_col, note_row)
    return workbook


# The API.


def level_data(progress: LevelProgress) -> dict:
    """The table as JSON-ready data: children rows (with reported n/N), totals and ranks."""
    measures = progress.measures

    def figures(row: dict, measure, *, rank: bool) -> dict | None:
        data = layout.figure_cells(row, measure)
        if data is not None and rank:
            data["rank"] = row[layout.cell_key(measure, "rank")]
            data["move"] = row[layout.cell_key(measure, "move")]
        return data

    area = progress.area
    reported, total = progress.reported_count
    return {
        "week": progress.week.date.isoformat(),
        "state": progress.week.state,
        "state_label": progress.week.get_state_display(),
        "area": (
            {"name": area.name, "code": area.code, "level": area.level}
            if area is not None
            else {"name": str(NATION), "code": "", "level": "nation"}
        ),
        "title": level_title(area),
        "date_line": layout.date_line(progress.week.date),
        "measures": [
            {"slug": m.slug, "device": m.device, "gas_type": m.gas_type} for m in measures
        ],
        "children": [
            {
                "name": row["region"],
                "code": row["code"],
                "reported": row["reported"][0],
                "counties": row["reported"][1],
                "complete": row["complete"],
                "figures": {m.slug: figures(row, m, rank=True) for m in measures},
            }
            for row in level_rows(progress)
        ],
        "totals": {m.slug: figures(totals_row(progress), m, rank=False) for m in measures},
        "reporting": {"reported": reported, "total": total},
    }
