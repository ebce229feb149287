"""
A workbook sent while it is written: sheets filled one at a time by the same
code that fills an ordinary openpyxl worksheet, each sheet's XML written into
the zip as soon as it is filled, and the zip's bytes given out as they are final.

openpyxl's own save builds every cell as an object, then writes each through
its general XML writer: a city's every-week workbook (260 official sheets and
the long sheet, 170,000 cells) took 3-4 s before its first byte. Here a sheet
is a ``StreamedSheet``: what the fillers use of an openpyxl ``Worksheet``, so
the code that fills it (``sheets.write_week_sheet``) is the one that fills an
ordinary sheet and the layout has one definition. Its cells are ``LightCell``
objects that record what was set, written out as text (or, for a long sheet
filled by ``append()``, each row written as it comes); its settings (widths,
merged ranges, frozen panes, print set-up, filter) are recorded and set on a
real openpyxl sheet once for all the sheets that share them, whose XML around
the rows is the one written. Styles, workbook and content types are openpyxl's
own writing, and each distinct cell style is resolved once through a real
openpyxl cell: the file is openpyxl's, part for part (tested against a
workbook built the ordinary way).

No Django here: the strings to translate are the fillers' business.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import (
    ERROR_CODES,
    ILLEGAL_CHARACTERS_RE,
    TIME_TYPES,
    Cell,
    get_time_format,
)
from openpyxl.compat import NUMERIC_TYPES, safe_string
from openpyxl.packaging.extended import ExtendedProperties
from openpyxl.packaging.manifest import Manifest
from openpyxl.styles.numbers import is_date_format
from openpyxl.styles.stylesheet import write_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.workbook._writer import WorkbookWriter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.dimensions import RowDimension, SheetDimension
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.theme import theme_xml
from openpyxl.xml.constants import (
    ARC_APP,
    ARC_CORE,
    ARC_ROOT_RELS,
    ARC_STYLE,
    ARC_THEME,
    ARC_WORKBOOK,
    ARC_WORKBOOK_RELS,
)
from openpyxl.xml.functions import tostring

# A cell's style, as what was set on it, in order: ("style", "progress-table title"),
# ("number_format", "0.0%"), ("quotePrefix", True), ("date", datetime.date)…
StyleKey = tuple[tuple[str, object], ...]
SheetFiller = Callable[[Worksheet], None]

# The sheet's XML between its head and its tail, as openpyxl's writer leaves it when
# it writes no rows (``_SheetShellWriter``): the rows go in its place.
EMPTY_SHEET_DATA = b"<sheetData></sheetData>"


class LightCell:
    """
    A cell that records what is set on it: a value (typed as openpyxl types it),
    a data type, and its style as the list of style attributes set, in order.
    Enough of openpyxl's ``Cell`` for ``sheets.put_text`` and the like; reading a
    style back is not supported.
    """

    __slots__ = ("row", "column", "_value", "data_type", "_style_key")

    def __init__(self, row: int, column: int) -> None:
        self.row = row
        self.column = column
        self._value = None
        self.data_type = "n"
        self._style_key: StyleKey = ()

    @property
    def col_idx(self) -> int:
        return self.column

    @property
    def coordinate(self) -> str:
        return f"{get_column_letter(self.column)}{self.row}"

    @property
    def column_letter(self) -> str:
        return get_column_letter(self.column)

    @property
    def value(self):
        return self._value

    @value.setter
    def value(self, value) -> None:
        # As Cell._bind_value: the type decides the data type; a date gets a date
        # format unless it has one (resolved with the style, ``_StyleIds``).
        kind = type(value)
        if kind is int or kind is float or value is None:
            self.data_type = "n"
        elif kind is str or isinstance(value, str):
            value = value[:32767]
            if ILLEGAL_CHARACTERS_RE.search(value):
                raise IllegalCharacterError(f"{value} cannot be used in worksheets.")
            if len(value) > 1 and value.startswith("="):
                self.data_type = "f"
            elif value in ERROR_CODES:
                self.data_type = "e"
            else:
                self.data_type = "s"
        elif isinstance(value, bool):
            self.data_type = "b"
        elif isinstance(value, NUMERIC_TYPES):
            self.data_type = "n"
        elif isinstance(value, TIME_TYPES):
            self.data_type = "d"
            self._style_key += (("date", kind),)
        else:
            raise ValueError(f"Cannot convert {value!r} to Excel")
        self._value = value

    def _set_style(self, name: str, value) -> None:
        self._style_key += ((name, value),)

    style = property(None, lambda self, value: self._set_style("style", value))
    font = property(None, lambda self, value: self._set_style("font", value))
    fill = property(None, lambda self, value: self._set_style("fill", value))
    border = property(None, lambda self, value: self._set_style("border", value))
    alignment = property(None, lambda self, value: self._set_style("alignment", value))
    protection = property(None, lambda self, value: self._set_style("protection", value))
    number_format = property(None, lambda self, value: self._set_style("number_format", value))
    quotePrefix = property(None, lambda self, value: self._set_style("quotePrefix", value))  # noqa: N815 (openpyxl's name)


def new_cell(ws, value=None):
    """
    A cell to style and then append: a streamed sheet's, or openpyxl's
    ``WriteOnlyCell`` (which an ordinary sheet's append takes too).
    """
    if isinstance(ws, StreamedSheet):
        cell = LightCell(0, 0)
        if value is not None:
            cell.value = value
        return cell
    return WriteOnlyCell(ws, value)


# Where a sheet's settings live on an openpyxl Worksheet; a StreamedSheet records what
# is set through them (ws.page_setup.orientation = …, ws.column_dimensions["A"].width = …).
SETTINGS_GROUPS = frozenset(
    {
        "page_setup",
        "sheet_properties",
        "print_options",
        "page_margins",
        "column_dimensions",
        "row_dimensions",
        "auto_filter",
        "sheet_format",
        "sheet_view",
        "views",
        "protection",
        "HeaderFooter",
    }
)
# What openpyxl's WorkbookWriter reads of each sheet (the workbook's defined names).
WORKBOOK_SETTINGS = frozenset({"print_area", "print_title_rows", "print_title_cols", "auto_filter"})

Step = tuple[str, object]  # ("attr", name) or ("item", key)
Setting = tuple[tuple[Step, ...], object]


class _Recorder:
    """A settings object of a StreamedSheet: what is set through it goes to the sheet's log."""

    __slots__ = ("_log", "_path")

    def __init__(self, log: list[Setting], path: tuple[Step, ...]) -> None:
        object.__setattr__(self, "_log", log)
        object.__setattr__(self, "_path", path)

    def __getattr__(self, name: str) -> _Recorder:
        if name.startswith("_"):
            raise AttributeError(name)
        return _Recorder(self._log, (*self._path, ("attr", name)))

    def __getitem__(self, key) -> _Recorder:
        return _Recorder(self._log, (*self._path, ("item", key)))

    def __setattr__(self, name: str, value) -> None:
        self._log.append(((*self._path, ("attr", name)), value))


def _recorded(name: str) -> property:
    """A sheet property that openpyxl sets through a setter (freeze_panes, print_area…)."""

    def record(self, value) -> None:
        self._settings.append(((("attr", name),), value))

    return property(None, record)


def _replay(ws: Worksheet, settings: Iterable[Setting]) -> None:
    """Set the recorded settings on a real openpyxl sheet, as they were set."""
    for path, value in settings:
        target = ws
        for kind, step in path[:-1]:
            target = target[step] if kind == "item" else getattr(target, step)
        setattr(target, path[-1][1], value)


class StreamedSheet:
    """
    What the fillers see of a sheet: openpyxl's ``Worksheet`` as far as they use
    it, made cheap. ``cell()`` gives a ``LightCell``; merges and every setting
    (widths, heights, frozen panes, print set-up, filter) are recorded and later
    set on a real openpyxl sheet, once for all the sheets that share them, whose
    XML around the rows is the one written (``_Shells``). Reading a setting back
    is not supported.

    Or, as a write-only sheet, filled by ``append()``: each row written as it
    comes (a long sheet keeps its rows as text, not as cells).
    """

    freeze_panes = _recorded("freeze_panes")
    print_area = _recorded("print_area")
    print_title_rows = _recorded("print_title_rows")
    print_title_cols = _recorded("print_title_cols")

    def __init__(self, parent: Workbook, styles: _StyleIds, shells: _Shells) -> None:
        self.parent = parent
        self.title: str | None = None
        self._cells: dict[tuple[int, int], LightCell] = {}
        self._merged: list[tuple[int, int, int, int]] = []
        self._settings: list[Setting] = []
        self._styles, self._shells = styles, shells
        # Appended rows: their XML, how many, the last column and first row holding any.
        self._appended: list[str] = []
        self._appended_count = 0
        self._appended_columns = 0
        self._appended_first = 0
        self._appended_row_settings: dict[int, tuple[Setting, ...]] | None = None

    def __getattr__(self, name: str) -> _Recorder:
        if name in SETTINGS_GROUPS:
            return _Recorder(self._settings, (("attr", name),))
        if name.isupper():  # openpyxl's constants: ws.ORIENTATION_LANDSCAPE, ws.PAPERSIZE_A4…
            return getattr(Worksheet, name)
        raise AttributeError(f"a streamed sheet has no {name!r}")

    def cell(self, row: int, column: int, value=None) -> LightCell:
        if self._appended_count:
            raise ValueError("a sheet filled by append() is not filled by cell() too")
        cell = self._cells.get((row, column))
        if cell is None:
            if not (0 < row < 1048577 and 0 < column < 16385):
                raise ValueError(f"No cell at row {row}, column {column}")
            cell = self._cells[row, column] = LightCell(row, column)
        if value is not None:
            cell.value = value
        return cell

    def merge_cells(
        self, range_string=None, start_row=None, start_column=None, end_row=None, end_column=None
    ) -> None:
        # The covered cells stay ordinary empty cells, as openpyxl's MergedCell are
        # when written: the filler styles each of them.
        bounds = CellRange(
            range_string=range_string,
            min_col=start_column,
            min_row=start_row,
            max_col=end_column,
            max_row=end_row,
        ).bounds
        self._merged.append(bounds)

    def append(self, row: Iterable) -> None:
        """
        The next row, as openpyxl's append: values, or cells from ``new_cell()``
        styled before; None leaves a cell empty. Written at once, so the row's
        height (if any) is set before.
        """
        if self._cells:
            raise ValueError("a sheet filled by cell() is not filled by append() too")
        if self._appended_row_settings is None:
            self._appended_row_settings = self._row_settings()
        self._appended_count += 1
        number = self._appended_count
        settings = self._appended_row_settings.get(number)
        attributes = "" if settings is None else self._shells.row_attributes(settings)
        pieces = [f'<row r="{number}"{attributes}>']
        epoch = self.parent.epoch
        column = 0
        for column, item in enumerate(row, start=1):
            if item is None:
                continue
            if isinstance(item, LightCell):
                item.row, item.column = number, column
                cell = item
            else:
                cell = LightCell(number, column)
                cell.value = item
            xml = _cell_xml(cell, get_column_letter(column), self._styles, epoch)
            if xml is not None:
                pieces.append(xml)
        pieces.append("</row>")
        self._appended.append("".join(pieces))
        if column:  # as openpyxl's dimension, which counts the row's empty cells too
            self._appended_columns = max(self._appended_columns, column)
            self._appended_first = self._appended_first or number

    @property
    def dimensions(self) -> str:
        """The range its cells cover, as Worksheet.calculate_dimension gives it."""
        if self._appended_columns:
            last = get_column_letter(self._appended_columns)
            return f"A{self._appended_first}:{last}{self._appended_count}"
        if not self._cells:
            return "A1:A1"
        rows = [row for row, _col in self._cells]
        cols = [col for _row, col in self._cells]
        return (
            f"{get_column_letter(min(cols))}{min(rows)}:{get_column_letter(max(cols))}{max(rows)}"
        )

    def _row_settings(self) -> dict[int, tuple[Setting, ...]]:
        found: dict[int, list] = {}
        for path, value in self._settings:
            if path[0] == ("attr", "row_dimensions"):
                found.setdefault(path[1][1], []).append((path[2:], value))
        return {row: tuple(settings) for row, settings in found.items()}

    def _sheet_settings(self) -> tuple[Setting, ...]:
        return tuple(s for s in self._settings if s[0][0] != ("attr", "row_dimensions"))


class _SheetShellWriter(WorksheetWriter):
    """openpyxl's sheet writer with the rows left out, for the XML around them."""

    def __init__(self, ws: Worksheet, dimension: str) -> None:
        self.dimension = dimension
        super().__init__(ws, out=io.BytesIO())

    def write_dimensions(self) -> None:
        self.xf.send(SheetDimension(self.dimension).to_tree())

    def write_rows(self) -> None:
        xf = self.xf.send(True)
        with xf.element("sheetData"):
            pass
        self.xf.send(None)


class _Shells:
    """
    A sheet's XML before and after its rows, and each row's attributes, from a
    real openpyxl sheet with the same settings: made once for all the sheets that
    share them (a city's 260 week sheets are alike).
    """

    def __init__(self, workbook: Workbook) -> None:
        self.workbook = workbook
        self.shells: dict[tuple, tuple[bytes, bytes]] = {}
        self.rows: dict[tuple, str] = {}

    def shell(self, ws: StreamedSheet) -> tuple[bytes, bytes]:
        key = (ws.dimensions, tuple(ws._merged), ws._sheet_settings())
        try:
            return self.shells[key]
        except KeyError:
            pass
        real = Worksheet(self.workbook)  # never added to the workbook
        _replay(real, key[2])
        for min_col, min_row, max_col, max_row in ws._merged:
            real.merge_cells(
                start_row=min_row, start_column=min_col, end_row=max_row, end_column=max_col
            )
        writer = _SheetShellWriter(real, key[0])
        writer.write()
        head, tail = writer.read().split(EMPTY_SHEET_DATA)
        shell = self.shells[key] = (head, tail)
        return shell

    def row_attributes(self, settings: tuple[Setting, ...]) -> str:
        """' ht="30" customHeight="1"': what openpyxl writes of a row's dimension."""
        try:
            return self.rows[settings]
        except KeyError:
            pass
        dimension = RowDimension(Worksheet(self.workbook), index=1)
        _replay(dimension, settings)
        found = self.rows[settings] = "".join(
            f' {k}="{_escape_attribute(v)}"' for k, v in dimension
        )
        return found


class _StyleIds:
    """
    Each distinct style resolved once through a real openpyxl cell, as the
    attributes openpyxl writes on a <c> of that style and data type.
    """

    def __init__(self, workbook: Workbook) -> None:
        self.scratch = Worksheet(workbook)  # never added to the workbook
        self.known: dict[tuple[StyleKey, str], tuple[bool, str]] = {}

    def attributes(self, key: StyleKey, data_type: str) -> tuple[bool, str]:
        """(whether the cell has a style, ' s="3" t="n"')."""
        try:
            return self.known[key, data_type]
        except KeyError:
            pass
        cell = Cell(self.scratch)
        for name, value in key:
            if name == "date":
                if not is_date_format(cell.number_format):
                    cell.number_format = get_time_format(value)
            else:
                setattr(cell, name, value)
        # style_id registers the style with the workbook, as openpyxl's writer does
        # when it writes the cell: ids come in the order cells are written.
        has_style = cell.has_style
        attributes = f' s="{cell.style_id}"' if has_style else ""
        if data_type == "s":
            attributes += ' t="inlineStr"'
        elif data_type == "d":
            attributes += ' t="n"'  # a date is written as its serial number
        else:
            attributes += f' t="{data_type}"'
        found = self.known[key, data_type] = (has_style, attributes)
        return found


def _escape_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _escape_attribute(text: str) -> str:
    text = _escape_text(text)
    for char, entity in (('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;")):
        if char in text:
            text = text.replace(char, entity)
    return text


def _cell_xml(cell: LightCell, letter: str, styles: _StyleIds, epoch) -> str | None:
    """One <c> element as openpyxl writes it (cell/_writer.py), or None when it writes none."""
    data_type = cell.data_type
    has_style, attributes = styles.attributes(cell._style_key, data_type)
    value = cell._value
    if value is None:
        return f'<c r="{letter}{cell.row}"{attributes} />' if has_style else None
    if data_type == "s":
        if value == "":
            return f'<c r="{letter}{cell.row}"{attributes} />'
        stripped = value.strip()
        space = ' xml:space="preserve"' if stripped and stripped != value else ""
        return f'<c r="{letter}{cell.row}"{attributes}><is><t{space}>{_escape_text(value)}</t></is></c>'
    if data_type == "f":
        raise ValueError(f"{cell.coordinate}: a streamed sheet holds values, not formulas")
    if data_type == "d":
        value = to_excel(value, epoch)
    kind = type(value)
    if kind is str:  # sheets.put_exact_float: the number's exact text
        text = _escape_text(value) if value else value
    elif kind is int and -(10**15) < value < 10**15:
        text = str(value)  # what safe_string's "%.16g" gives, faster
    else:
        text = _escape_text(safe_string(value))
    if text == "":  # NaN, infinity: openpyxl writes an empty value
        return f'<c r="{letter}{cell.row}"{attributes}><v /></c>'
    return f'<c r="{letter}{cell.row}"{attributes}><v>{text}</v></c>'


def _rows_xml(
    ws: StreamedSheet, styles: _StyleIds, shells: _Shells, rows_per_piece: int = 500
) -> Iterator[str]:
    """The <row> elements, as openpyxl writes them (worksheet/_writer.py), a few hundred at a time."""
    if ws._appended_count:
        if ws._row_settings() != ws._appended_row_settings:
            raise ValueError("an appended sheet's row heights are set before its rows")
        for start in range(0, len(ws._appended), rows_per_piece):
            yield "".join(ws._appended[start : start + rows_per_piece])
        return
    by_row: dict[int, list[LightCell]] = {}
    for (row, _col), cell in sorted(ws._cells.items()):
        by_row.setdefault(row, []).append(cell)
    row_settings = ws._row_settings()
    for row in row_settings.keys() - by_row.keys():
        by_row[row] = []
    epoch = ws.parent.epoch
    letters = {col: get_column_letter(col) for _row, col in ws._cells}
    piece: list[str] = []
    for row, cells in sorted(by_row.items()):
        settings = row_settings.get(row)
        attributes = "" if settings is None else shells.row_attributes(settings)
        piece.append(f'<row r="{row}"{attributes}>')
        for cell in cells:
            xml = _cell_xml(cell, letters[cell.column], styles, epoch)
            if xml is not None:
                piece.append(xml)
        piece.append("</row>")
        if len(piece) >= rows_per_piece:
            yield "".join(piece)
            piece = []
    if piece:
        yield "".join(piece)


def sheet_xml(ws: StreamedSheet, styles: _StyleIds, shells: _Shells) -> Iterator[bytes]:
    """The sheet's part: openpyxl's head, the rows, openpyxl's tail."""
    head, tail = shells.shell(ws)
    yield head + b"<sheetData>"
    for piece in _rows_xml(ws, styles, shells):
        yield piece.encode("utf-8")
    yield b"</sheetData>" + tail


class _FinalBytes(io.RawIOBase):
    """
    The zip's output, seekable only back to the start of what is not given out
    yet: zipfile writes an entry, then goes back to its local header to put its
    sizes. Between entries everything written is final and ``take()`` gives it out,
    so the file is a plain zip (no data descriptors) sent as it is written.
    """

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.start = 0  # the offset of buffer[0] in the file
        self.position = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self.position
        elif whence == io.SEEK_END:
            offset += self.start + len(self.buffer)
        if offset < self.start:
            raise io.UnsupportedOperation("those bytes are sent already")
        self.position = offset
        return offset

    def write(self, data) -> int:
        at = self.position - self.start
        self.buffer[at : at + len(data)] = data
        self.position += len(data)
        return len(data)

    def take(self) -> bytes:
        """Everything written so far; call it only between entries."""
        data = bytes(self.buffer)
        self.start += len(self.buffer)
        self.buffer.clear()
        return data


class StreamedWorkbook:
    """
    A workbook of sheets filled one by one as its file is written: ``fillers``
    are called in order, each with an empty ``StreamedSheet`` (the same calls fill an
    ordinary openpyxl sheet), and must name their sheet ``sheetnames`` in order.
    ``chunks()`` gives the .xlsx file's bytes as they are final; a sheet's
    cells are dropped once written, so memory holds one sheet's cells at a time.
    Like a write-only workbook, it is written once.
    """

    def __init__(self, sheetnames: list[str], fillers: Iterable[SheetFiller]) -> None:
        self.sheetnames = list(sheetnames)
        self._fillers = fillers
        self.workbook = Workbook()
        self.workbook.remove(self.workbook.active)
        self._written = False

    def save(self, file) -> None:
        """Write the file to ``file`` (a path or a binary file object), as Workbook.save does."""
        if isinstance(file, str | bytes) or hasattr(file, "__fspath__"):
            with open(file, "wb") as out:
                self.save(out)
            return
        for chunk in self.chunks():
            file.write(chunk)

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes: the first part at once, then each sheet as it is written."""
        if self._written:
            raise RuntimeError("a streamed workbook is written once")
        self._written = True
        workbook = self.workbook
        out = _FinalBytes()
        archive = ZipFile(out, "w", ZIP_DEFLATED, allowZip64=True)
        manifest = Manifest()
        # What openpyxl's ExcelWriter.write_data writes, in its order, for a workbook of
        # plain worksheets (no charts, images, comments, tables or macros).
        workbook.properties.modified = datetime.datetime.now(tz=datetime.UTC).replace(tzinfo=None)
        archive.writestr(ARC_APP, tostring(ExtendedProperties().to_tree()))
        archive.writestr(ARC_CORE, tostring(workbook.properties.to_tree()))
        archive.writestr(ARC_THEME, theme_xml)
        yield out.take()
        styles = _StyleIds(workbook)
        shells = _Shells(workbook)
        names = iter(self.sheetnames)
        written = []
        for number, fill in enumerate(self._fillers, start=1):
            ws = StreamedSheet(workbook, styles, shells)
            fill(ws)
            expected = next(names, None)
            if ws.title != expected:
                raise ValueError(f"sheet {number} is {ws.title!r}, announced as {expected!r}")
            with archive.open(f"xl/worksheets/sheet{number}.xml", "w") as part:
                for piece in sheet_xml(ws, styles, shells):
                    part.write(piece)
            # Written: what the workbook's part needs of it stays, its cells go.
            written.append((ws.title, [s for s in ws._settings if s[0][0][1] in WORKBOOK_SETTINGS]))
            del ws
            yield out.take()
        missing = list(names)
        if missing:
            raise ValueError(f"sheets announced but not written: {missing}")
        for number, (title, settings) in enumerate(written, start=1):
            # openpyxl checks a new title against every sheet's: 260 sheets added one by
            # one cost a second. Titled first, added after (the titles are checked above).
            real = Worksheet(workbook, title=title)
            _replay(real, settings)
            real._id = number
            manifest.append(real)
            workbook._add_sheet(real)
        archive.writestr(ARC_STYLE, tostring(write_stylesheet(workbook)))
        writer = WorkbookWriter(workbook)
        archive.writestr(ARC_ROOT_RELS, writer.write_root_rels())
        archive.writestr(ARC_WORKBOOK, writer.write())
        archive.writestr(ARC_WORKBOOK_RELS, writer.write_rels())
        manifest._write(archive, workbook)
        archive.close()
        yield out.take()
