"""XLSX downloads ready for Excel: the data sheet, a 数据字典 and a 说明 sheet.

Written with openpyxl in write-only mode (constant memory), imported on the first workbook
written rather than by every web worker (with numpy and PIL it costs a worker ~24 MB).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from opendata import codec
from opendata.read import fieldinfo
from opendata.read.exports import csv_rows
from opendata.read.fixedzip import FixedTimeZip

if TYPE_CHECKING:  # at run time _openpyxl() binds these names on the first XLSX written
    from openpyxl import Workbook
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.utils import get_column_letter

XLSX_MAX_ROWS = 1_048_575  # Excel's limit, less the header row


class TooManyRows(ValueError):
    """More rows than an XLSX sheet holds."""


WIDTH_SAMPLE = 200
_SHEET_UNSAFE = re.compile(r"[\\\[\]:*?/]+")
DICTIONARY_SHEET = "数据字典"
ABOUT_SHEET = "说明"
DICTIONARY_HEADER = ("字段", "中文标题", "类型", "单位", "说明")
ABOUT_HEADER = ("项目", "内容")
_BOLD: Any = None  # openpyxl's bold Font, made by _openpyxl()


def _openpyxl() -> None:
    """Import openpyxl on the first XLSX written, not in every web worker at start: it pulls
    numpy and PIL, ~24 MB of each worker's memory (issue 17). Its names become globals here."""
    if _BOLD is not None:
        return
    from openpyxl import Workbook
    from openpyxl.cell import Cell, WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    globals().update(
        Workbook=Workbook,
        Cell=Cell,
        WriteOnlyCell=WriteOnlyCell,
        ILLEGAL_CHARACTERS_RE=ILLEGAL_CHARACTERS_RE,
        get_column_letter=get_column_letter,
    )
    globals()["_BOLD"] = Font(bold=True)  # last: it marks the names as bound


def sheet_title(title: str, fallback: str = "数据") -> str:
    """An Excel sheet name from a resource title: at most 31 characters, none of ``[]:*?/\\``,
    not empty, and not one of the two sheets the workbook adds itself."""
    name = _SHEET_UNSAFE.sub(" ", title).strip().strip("'")[:31].strip()
    if not name or name in (DICTIONARY_SHEET, ABOUT_SHEET):
        return fallback
    return name


def _text_width(value: Any) -> int:
    """Columns an Excel cell needs for ``value``: CJK and full-width characters count two."""
    text = value if isinstance(value, str) else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text[:200])


def column_widths(
    header: Sequence[str], rows: Sequence[Sequence[Any]], low: int = 6, high: int = 60
) -> list[int]:
    """A width per column from the header and the sampled rows, within ``low``..``high``."""
    widths = [_text_width(h) for h in header]
    for row in rows:
        for i, value in enumerate(row):
            if value is not None:
                widths[i] = max(widths[i], _text_width(value))
    return [min(max(w + 2, low), high) for w in widths]


def _header_cells(ws: Any, titles: Sequence[str]) -> list[WriteOnlyCell]:
    cells = []
    for title in titles:
        cell = WriteOnlyCell(ws, title)
        cell.font = _BOLD
        cells.append(cell)
    return cells


def _table_sheet(
    book: Workbook, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """A small sheet with a bold, frozen header and sized columns (the dictionary, the notes)."""
    ws = book.create_sheet(title)
    for i, width in enumerate(column_widths(header, rows, high=80), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws.append(_header_cells(ws, header))
    for row in rows:
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])


def dictionary_rows(fields: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, str, str, str]]:
    """One row per field: name, Chinese title, type, unit (from the title), description."""
    return [
        (
            f["name"],
            f.get("title") or "",
            f.get("type") or "string",
            fieldinfo.unit(f),
            f.get("description") or "",
        )
        for f in fields
    ]


def write_xlsx(
    out: IO[bytes] | Path,
    sheet: str,
    fields: Sequence[Mapping[str, Any]],
    rows: Iterable[Mapping[str, Any]],
    about: Sequence[tuple[str, str]] = (),
    when: datetime | None = None,
) -> None:
    """A write-only workbook (constant memory) ready for Excel.

    The data sheet is named from the resource title, has the Chinese field titles as a bold,
    frozen header with an autofilter, columns sized from the header and the first rows, and
    number formats from the schema (percent, money with two decimals, dates). A 数据字典 sheet
    lists the fields and a 说明 sheet holds ``about`` (dataset, version, publisher, licence…).
    """
    _openpyxl()
    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet_title(sheet))
    names = [f["name"] for f in fields]
    iterator = iter(rows)
    ahead = list(itertools.islice(iterator, WIDTH_SAMPLE))
    header = [f.get("title") or f["name"] for f in fields]
    sample = [[row[n] for n in names] for row in ahead]
    for i, width in enumerate(column_widths(header, sample), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    ws._values_to_row = _rows_of(ws)
    ws.append(_header_cells(ws, header))
    pairs = list(zip(names, _converters(ws, fields), strict=True))
    count = 0
    for count, row in enumerate(itertools.chain(ahead, iterator), start=1):
        if count > XLSX_MAX_ROWS:
            raise TooManyRows(f"more than {XLSX_MAX_ROWS} rows do not fit an XLSX sheet")
        ws.append([convert(row[n]) for n, convert in pairs])
    if names:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(names))}{count + 1}"
    _table_sheet(book, DICTIONARY_SHEET, DICTIONARY_HEADER, dictionary_rows(fields))
    _table_sheet(book, ABOUT_SHEET, ABOUT_HEADER, list(about))
    _save(book, out, when or datetime(1980, 1, 1, tzinfo=UTC))


def _save(book: Any, out: IO[bytes] | Path, when: datetime) -> None:
    """``book.save`` with the version's time in the document properties and on every member,
    where openpyxl would stamp the time of writing: the same version gives the same bytes."""
    from openpyxl.writer.excel import ExcelWriter

    naive = when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when
    book.properties.created = book.properties.modified = naive
    ExcelWriter(book, FixedTimeZip(out, when, allowZip64=True)).save()


def _converters(ws: Any, fields: Sequence[Mapping[str, Any]]) -> list[Callable[[Any], Any]]:
    """Per field, the cell value of a JSON value: a styled cell where a number format applies."""
    formats = dict(_formats(fields))
    out: list[Callable[[Any], Any]] = []
    for i, f in enumerate(fields):
        plain = _plain(f)
        out.append(
            partial(_cell, ws, plain, _number_style(ws, formats[i])) if i in formats else plain
        )
    return out


def _rows_of(ws: Any) -> Callable[[Sequence[Any], int], Iterator[Any]]:
    """openpyxl's write-only ``_values_to_row`` without its cost for a cell given as value.

    openpyxl first tries ``cell.value = value``, and a Cell as value raises a ValueError whose
    message formats the cell's repr: that doubled the time of a sheet with formatted columns.
    Here a Cell is checked first; the rest is openpyxl's logic (a fresh reusable cell after
    a styled one, so no style leaks to the next value).
    """

    def values_to_row(values: Sequence[Any], row_idx: int) -> Iterator[Any]:
        reusable = WriteOnlyCell(ws)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Cell):
                cell = value
            else:
                cell = reusable
                cell.value = value
            cell.column = col_idx
            cell.row = row_idx
            yield cell
            if cell is reusable and cell.has_style:
                reusable = WriteOnlyCell(ws)  # a date value gave it a number format

    return values_to_row


def _formats(fields: Sequence[Mapping[str, Any]]) -> list[tuple[int, str]]:
    """Columns that need a number format; dates get theirs from openpyxl with the value."""
    found = [(i, fieldinfo.xlsx_format(f)) for i, f in enumerate(fields)]
    return [(i, fmt) for i, fmt in found if fmt and not fmt.startswith("yyyy")]


def _number_style(ws: Any, fmt: str) -> Any:
    """The style array of a cell formatted ``fmt``, made once per column: setting
    ``number_format`` on each of 100,000 cells costs a style lookup per cell."""
    prototype = WriteOnlyCell(ws, 0)
    prototype.number_format = fmt
    return prototype._style


def _cell(ws: Any, plain: Callable[[Any], Any], style: Any, value: Any) -> Any:
    value = plain(value)
    if value is None:
        return None
    if isinstance(value, str):
        return value  # a long integer kept as text: no number format
    cell = Cell(ws, row=1, column=1, value=value)
    cell._style = style  # shared and never changed; openpyxl reads it when writing the row
    return cell


def _plain(field: Mapping[str, Any]) -> Callable[[Any], Any]:
    """The converter of a field's values; numbers and booleans pass as they are."""
    ftype = field.get("type")
    if ftype == "boolean":
        return _same
    return partial(_xlsx_value, is_date=ftype == "date")


def _same(value: Any) -> Any:
    return value


def _xlsx_value(value: Any, is_date: bool) -> Any:
    if type(value) is int and not -(2**53) <= value <= 2**53:
        return str(value)  # Excel keeps 15 digits of a number: a long integer stays exact as text
    if isinstance(value, list | dict):  # array and object fields: their JSON text
        return ILLEGAL_CHARACTERS_RE.sub("", codec.value_writer({"type": "object"})(value))
    if isinstance(value, str):
        if is_date:
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def xlsx_file(
    csv_path: Path,
    schema: Mapping[str, Any],
    sheet: str,
    about: Sequence[tuple[str, str]] = (),
    when: datetime | None = None,
) -> Callable[[Path], None]:
    def build(dst: Path) -> None:
        rows = csv_rows(csv_path, schema)
        write_xlsx(dst, sheet, schema.get("fields", []), rows, about, when)

    return build
