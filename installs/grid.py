"""
The bureau's bulk grid: every active region × measure of one week on one page,
typed or pasted from Excel, saved through figures_save (source "grid").

Two parts:

- ``parse_paste``: pure (no database). Text copied from Excel, one line per
  region, tab-separated: the region's name (or slug, or an alias) in the first
  column, then per measure in the page's order either
    * 2 columns: 户数, 已安装数 (the grid's own layout), or
    * 5 columns: 户数, 已安装数, 环比新增安装数, 安装率, 名次 (the official
      table's layout, installs.layout.FIELDS): only the first two are read,
      the computed ones are ignored (the app computes them itself).
  Full-width digits and thousands separators are accepted (validation.parse_count
  reads the cells later). Lines without any digit (headers) and the 合计 line
  are skipped; a line with numbers but an unknown region, the wrong number of
  columns, or a region given twice is an error naming the line. A line without
  a tab is split on spaces (numbers typed in a chat message).
  static/js/grid.js follows the same rules in the browser.

- ``GridRow``/``GridCell`` and ``grid_rows``: what the page shows (this week's
  figures, or each region's latest earlier ones) and what a submission typed.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from installs import layout, rules, selectors, validation
from installs.models import Area, Measure, Region, Snapshot, Week
from installs.services.figures import FigureInput, problem_message

FIELDS = ("households", "installed")
PAIR_WIDTH = len(FIELDS)
OFFICIAL_WIDTH = len(layout.FIELDS)
TOTAL_NAMES = frozenset({"合计", "总计", "小计", "total"})


# Pasting.


@dataclass(frozen=True)
class PastedRow:
    line: int
    region: Region
    cells: tuple[tuple[str, str], ...]  # (households, installed) text per measure, in order


@dataclass(frozen=True)
class PasteError:
    line: int
    message: str


@dataclass(frozen=True)
class Pasted:
    rows: list[PastedRow]
    errors: list[PasteError]
    skipped: int  # header and total lines left out


def paste_messages() -> dict[str, str]:
    """The paste's messages, in the current language; grid.js shows the same ones."""
    return {
        "no_region": _("line %(line)s: the first column must be the region's name"),
        "unknown": _("line %(line)s: unknown region “%(name)s”"),
        "twice": _("line %(line)s: %(region)s is given twice (also on line %(first)s)"),
        "columns": _(
            "line %(line)s (%(region)s): expected %(pairs)s numbers after the region "
            "(households and installed per measure) or %(official)s (the progress "
            "table's columns), found %(count)s"
        ),
        "filled": _("Filled in %(count)s region(s); check them and save."),
    }


def name_key(text: str) -> str:
    """How a region's name is compared: NFKC (full-width letters), no spaces, lower case."""
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def region_keys(region: Region) -> list[str]:
    return [name_key(k) for k in [region.name, region.slug, *region.alias_list()] if k]


def parse_paste(text: str, *, regions: Sequence[Region], measure_count: int) -> Pasted:
    """Read a block copied from Excel into cell texts per region (see the module's docstring)."""
    lookup = {key: region for region in regions for key in region_keys(region)}
    messages = paste_messages()
    rows: list[PastedRow] = []
    errors: list[PasteError] = []
    skipped = 0
    seen: dict[int, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        cells = _split(line)
        if not any(cells):
            continue
        first = cells[0]
        region = lookup.get(name_key(first))
        if region is None:
            if name_key(first) in TOTAL_NAMES or not any(c.isdigit() for c in "".join(cells)):
                skipped += 1
                continue
            code = "unknown" if first else "no_region"
            errors.append(PasteError(number, messages[code] % {"line": number, "name": first}))
            continue
        if region.pk in seen:
            params = {"line": number, "region": region.name, "first": seen[region.pk]}
            errors.append(PasteError(number, messages["twice"] % params))
            continue
        seen[region.pk] = number
        values = _fit(cells[1:], measure_count)
        if values is None:
            params = {
                "line": number,
                "region": region.name,
                "pairs": PAIR_WIDTH * measure_count,
                "official": OFFICIAL_WIDTH * measure_count,
                "count": len(cells) - 1,
            }
            errors.append(PasteError(number, messages["columns"] % params))
            continue
        rows.append(PastedRow(number, region, values))
    return Pasted(rows=rows, errors=errors, skipped=skipped)


def _split(line: str) -> list[str]:
    parts = line.split("\t") if "\t" in line else line.split()
    # Full-width digits become ASCII in the inputs; not NFKC, which would read ① and ² as 1 and 2.
    return [" ".join(validation.narrow(p).split()) for p in parts]


def _fit(values: list[str], measure_count: int) -> tuple[tuple[str, str], ...] | None:
    """The (households, installed) texts, if the columns are one of the two layouts."""
    candidates = [values]
    trimmed = list(values)
    while trimmed and trimmed[-1] == "":
        trimmed.pop()  # Excel copies trailing empty cells, e.g. an empty last 名次
    candidates.append(trimmed)
    for candidate in candidates:
        for width in (PAIR_WIDTH, OFFICIAL_WIDTH):
            # An empty last 名次 (no rank) may have been trimmed with the trailing cells.
            if len(candidate) == width * measure_count or (
                width == OFFICIAL_WIDTH and len(candidate) == width * measure_count - 1
            ):
                padded = candidate + [""] * (width * measure_count - len(candidate))
                return tuple(
                    (padded[i * width], padded[i * width + 1]) for i in range(measure_count)
                )
    return None


# The grid's rows.


@dataclass
class GridCell:
    """One region × measure: the two inputs, the version the page was built on, and messages."""

    measure: Measure
    prefix: str  # "<region slug>.<measure slug>": the inputs' names start with it
    households: str = ""
    installed: str = ""
    version: int | None = None  # this week's snapshot version the user saw; None: no snapshot
    prefill: tuple[str, str] = ("", "")  # the latest earlier report, when there is no snapshot
    pasted: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    newer: Snapshot | None = None  # a conflict: what someone else saved meanwhile
    conflict: bool = False

    @property
    def households_name(self) -> str:
        return f"{self.prefix}.households"

    @property
    def installed_name(self) -> str:
        return f"{self.prefix}.installed"

    @property
    def version_name(self) -> str:
        return f"{self.prefix}.version"

    @property
    def touched(self) -> bool:
        """Typed or pasted into: different from the earlier report the page proposed."""
        return self.pasted or _same_counts((self.households, self.installed), self.prefill) is False

    @property
    def figure_errors(self) -> list[str]:
        """Errors about the figure as a whole (field ""), shown beside installed."""
        return self.errors.get("", [])


@dataclass
class GridRow:
    region: Region
    cells: list[GridCell]
    include: bool = False  # "report this region" ticked: its figures are saved even if unchanged
    errors: list[str] = field(default_factory=list)  # the row's messages, for the summary

    @property
    def include_name(self) -> str:
        return f"{self.region.slug}.include"

    @property
    def complete(self) -> bool:
        """Every measure has this week's figures (then there is nothing to tick)."""
        return all(c.version is not None for c in self.cells)

    @property
    def reported(self) -> bool:
        """``rules.has_reported``, from the measures with this week's figures stored."""
        stored = [c.measure.pk for c in self.cells if c.version is not None]
        return rules.has_reported(stored, [c.measure.pk for c in self.cells])

    @property
    def touched(self) -> bool:
        """Reported this week already, ticked, or typed or pasted into anywhere in the row."""
        return self.include or any(c.version is not None or c.touched for c in self.cells)

    def saved_cells(self) -> list[GridCell]:
        """
        The cells a submission saves: every cell of a touched row, none of a row
        left alone. A region has reported a week only with a figure for every
        measure (``rules.has_reported``), so the grid never leaves a row half
        saved by accident: a measure left as proposed is saved as "no change"
        (its latest earlier figure, which the page pre-filled; figures_save
        skips one already saved this week), and a row with a measure left
        empty is refused by ``figure_inputs``, naming the measure.
        """
        return list(self.cells) if self.touched else []


def _same_counts(a: tuple[str, str], b: tuple[str, str]) -> bool | None:
    """Whether two (households, installed) texts are the same numbers; None if one is empty."""
    try:
        return tuple(validation.parse_count(x) for x in a) == tuple(
            validation.parse_count(x) for x in b
        )
    except validation.CountError:
        if all(x.strip() == "" for x in a):
            return None if any(x.strip() for x in b) else True
        return a == b


def grid_rows(week: Week, city: Area | None = None) -> list[GridRow]:
    """
    Every active region (of ``city``; None: all) and measure: this week's
    figures, or else the latest earlier ones.
    """
    regions = Region.objects.filter(active=True)
    if city is not None:
        regions = regions.filter(city=city)
    regions = list(regions.order_by("order", "name"))
    measures = list(Measure.objects.filter(active=True).order_by("order", "pk"))
    stored = {
        (s.region_id, s.measure_id): s
        for s in Snapshot.objects.filter(week=week, region__in=regions, measure__in=measures)
    }
    earlier = selectors.earlier_figures(
        week=week, pairs=[(r.pk, m.pk) for r in regions for m in measures]
    )
    rows = []
    for region in regions:
        cells = []
        for measure in measures:
            snapshot = stored.get((region.pk, measure.pk))
            prefix = f"{region.slug}.{measure.slug}"
            before = earlier.get((region.pk, measure.pk))
            prefill = (str(before.households), str(before.installed)) if before else ("", "")
            if snapshot is not None:
                cell = GridCell(
                    measure,
                    prefix,
                    str(snapshot.households),
                    str(snapshot.installed),
                    version=snapshot.version,
                    prefill=prefill,
                )
            else:
                cell = GridCell(measure, prefix, *prefill, prefill=prefill)
            cells.append(cell)
        rows.append(GridRow(region, cells))
    return rows


def read_submission(rows: list[GridRow], data) -> None:
    """Put what was typed (and the versions the page carried) into the rows."""
    for row in rows:
        row.include = data.get(row.include_name) == "on"
        for cell in row.cells:
            cell.households = data.get(cell.households_name, "").strip()
            cell.installed = data.get(cell.installed_name, "").strip()
            cell.version = _version(data.get(cell.version_name, ""))


def _version(text: str) -> int | None:
    try:
        version = int(text)
    except (TypeError, ValueError):
        return None  # no snapshot seen; a tampered value then meets the version check
    return version if version > 0 else None


def apply_paste(rows: list[GridRow], pasted: Pasted) -> None:
    """Pasted regions take the pasted numbers and are reported."""
    by_region = {p.region.pk: p for p in pasted.rows}
    for row in rows:
        paste = by_region.get(row.region.pk)
        if paste is None:
            continue
        row.include = True
        for cell, (households, installed) in zip(row.cells, paste.cells, strict=True):
            cell.households, cell.installed, cell.pasted = households, installed, True


def figure_inputs(rows: list[GridRow]) -> list[FigureInput]:
    """
    The figures to save, or none when a cell is not a count: then each such
    cell gets its message (naming the measure and the field), the row's
    summary names the region, and the other cells are checked too.
    """
    figures = []
    for row in rows:
        empty = [
            c for c in row.saved_cells() if not c.households.strip() and not c.installed.strip()
        ]
        if empty:
            # A touched row must give every measure: name what is missing, once for the row.
            message = _(
                "%(region)s: give %(measures)s too, or leave the row as it was: a region "
                "has reported only with every measure."
            ) % {
                "region": row.region.name,
                "measures": pgettext("between names in a list", ", ").join(
                    str(c.measure) for c in empty
                ),
            }
            for cell in empty:
                cell.errors.setdefault("", []).append(message)
            row.errors.append(message)
            continue
        for cell in row.saved_cells():
            counts = {}
            for name in FIELDS:
                try:
                    counts[name] = validation.parse_count(getattr(cell, name))
                except validation.CountError as error:
                    message = problem_message(error.code, cell.measure, name, {})
                    cell.errors.setdefault(name, []).append(message)
                    row.errors.append(message)
            if len(counts) == len(FIELDS):
                figures.append(
                    FigureInput(
                        region=row.region,
                        measure=cell.measure,
                        households=counts["households"],
                        installed=counts["installed"],
                        version=cell.version,
                    )
                )
    if any(row.errors for row in rows):
        # Nothing goes to the service, but every error is shown at once: the
        # figures that did parse get the checks that need no earlier week.
        rows_by_region = {row.region.pk: row for row in rows}
        for figure in figures:
            row = rows_by_region[figure.region.pk]
            cell = next(c for c in row.cells if c.measure == figure.measure)
            for problem in validation.figure_problems(figure.households, figure.installed, None):
                message = problem_message(problem.code, cell.measure, problem.field, problem.params)
                cell.errors.setdefault(problem.field, []).append(message)
                row.errors.append(message)
        return []
    return figures
