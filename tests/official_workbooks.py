"""
Workbooks in the official layout, built in code for the import tests: the
title, the date line, the merged three-row header, a row per region, 合计 and
the 备注 note, with knobs for the ways real tables differ (blank rows and
columns around the table, numbers stored as text, no merges).
"""

from __future__ import annotations

import io

from openpyxl import Workbook

from tests.seed import MEASURES, seed_rows

# (device, gas type) of the seed's measures, in the official order.
MEASURE_NAMES = [("自闭阀", "管道气"), ("金属软管", "管道气"), ("金属软管", "液化气")]
LEAVES = ["户数", "已安装数", "环比新增安装数"]


def seed_table(*, changes: dict[tuple[str, str], tuple[int, int]] | None = None) -> list[list]:
    """
    The newspaper's 2022-11-21 rows (without 合计) as cell values: the region,
    then per measure households, installed, new, rate (text as printed), rank.
    ``changes`` maps (region, measure slug) to new (households, installed).
    """
    rows = []
    for printed in seed_rows():
        if printed["region"] == "合计":
            continue
        row: list = [printed["region"]]
        for slug in MEASURES:
            households = int(printed[f"{slug}_households"])
            installed = int(printed[f"{slug}_installed"])
            if changes and (printed["region"], slug) in changes:
                households, installed = changes[(printed["region"], slug)]
            row += [
                households,
                installed,
                int(printed[f"{slug}_new"]),
                printed[f"{slug}_rate"],
                int(printed[f"{slug}_rank"]),
            ]
        rows.append(row)
    return rows


def official_workbook(
    rows: list[list],
    *,
    date_line: str | None = "(2022.11.28)",
    top: int = 0,
    left: int = 0,
    merge: bool = True,
    measures: list[tuple[str, str]] = MEASURE_NAMES,
    total_row: bool = True,
    note: bool = True,
    sheet_title: str = "Sheet1",
) -> Workbook:
    """
    A workbook with one table; ``top`` blank rows above it and ``left`` blank
    columns before it. Each of ``rows`` is [region, then 5 cells per measure].
    """
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet_title
    width = 1 + 5 * len(measures)
    r0, c0 = 1 + top, 1 + left  # the title's cell

    def put(row: int, col: int, value, *, to_row: int | None = None, to_col: int | None = None):
        ws.cell(row=row, column=col, value=value)
        if merge and (to_row or to_col):
            ws.merge_cells(
                start_row=row, start_column=col, end_row=to_row or row, end_column=to_col or col
            )

    put(r0, c0, "焦作市燃气居民用户安全装置加装情况进度表", to_col=c0 + width - 1)
    if date_line is not None:
        put(r0 + 1, c0, date_line, to_col=c0 + width - 1)
    h = r0 + 2  # first header row
    put(h, c0, "县(市、区)", to_row=h + 2)
    col = c0 + 1
    previous_device = None
    for i, (device, gas_type) in enumerate(measures):
        if device != previous_device:
            # Only consecutive measures of one device share the top cell.
            run = 0
            for d, _ in measures[i:]:
                if d != device:
                    break
                run += 1
            span = 5 * run
            put(h, col, device, to_col=col + span - 1)
            previous_device = device
        put(h + 1, col, gas_type, to_col=col + 2)
        put(h + 1, col + 3, "安装率", to_row=h + 2)
        put(h + 1, col + 4, "名次", to_row=h + 2)
        for offset, label in enumerate(LEAVES):
            ws.cell(row=h + 2, column=col + offset, value=label)
        col += 5
    r = h + 3
    for values in rows:
        for offset, value in enumerate(values):
            ws.cell(row=r, column=c0 + offset, value=value)
        r += 1
    if total_row:
        ws.cell(row=r, column=c0, value="合计")
        for m in range(len(measures)):
            for f in (0, 1, 2):
                column = [v[1 + 5 * m + f] for v in rows if isinstance(v[1 + 5 * m + f], int)]
                ws.cell(row=r, column=c0 + 1 + 5 * m + f, value=sum(column))
        r += 1
    if note:
        put(
            r,
            c0,
            "注：本表按安装率排名，安装率=已安装户数/应安装户数×100%。",
            to_col=c0 + width - 1,
        )
    return workbook


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def official_bytes(rows: list[list] | None = None, **options) -> bytes:
    return workbook_bytes(official_workbook(seed_table() if rows is None else rows, **options))
