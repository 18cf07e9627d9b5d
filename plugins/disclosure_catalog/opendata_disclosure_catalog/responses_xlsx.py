"""Read the 回应解读 ledger, an XLSX workbook kept by the office.

The ledger is a plain worksheet: usually a title row ("…回应解读工作台账"), then the heading
row, then one row per response. Dates are either real date cells or text as people type it
(``2018年3月5日``). Errors name the workbook, the sheet and the cell.

Every heading must be one of :data:`HEADINGS` (or listed in the source option
``ignored_columns``, then skipped with a warning), and nothing but the title may stand above the
heading row: a renamed column or a note above the table would otherwise vanish without a word.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from opendata.plugin import DISCLOSURE_PUBLIC, Row, SourceError

from .vocab import RESPONSE_METHOD_ALIASES, RESPONSE_METHODS, normalise, parse_date

#: Heading of each column, keyed by field name.
HEADINGS: dict[str, str] = {
    "response_id": "编号",
    "date": "回应日期",
    "topic": "回应主题",
    "method": "回应方式",
    "platform": "发布平台",
    "url": "链接",
    "related_index_no": "关联索引号",
    "handler": "经办人",
    "handler_phone": "联系电话",
    "petitioner": "诉求人",
    "petitioner_id": "诉求人证件号码",
}

REQUIRED_HEADINGS = ("response_id", "date", "topic", "method")

#: How far down the heading row is looked for (title rows above it are common).
HEADER_SEARCH_ROWS = 10

#: Words of the ledger's title, the one line that may stand above the heading row.
TITLE_WORDS = ("台账", "回应", "解读")


def _text(value: Any) -> str:
    """A cell's value as trimmed text; numbers typed into text columns lose a trailing .0."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Sheet:
    """Names places in the workbook for error messages."""

    def __init__(self, path: Path, title: str) -> None:
        self.path = path
        self.title = title

    def fail(self, row: int, column: int, message: str) -> SourceError:
        cell = f"{get_column_letter(column + 1)}{row}"
        return SourceError(f"{self.path}: sheet {self.title!r}, cell {cell}: {message}")


def _date(sheet: _Sheet, row: int, column: int, value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        parsed = parse_date(_text(value))
    except ValueError:
        parsed = None
    if parsed is None:
        raise sheet.fail(row, column, f"回应日期 {_text(value)!r} is not a date")
    return parsed


def read_responses(
    path: Path,
    sheet_name: str | None,
    public_entries: Mapping[str, str | None],
    *,
    ignored: frozenset[str] = frozenset(),
    warnings: list[str] | None = None,
) -> Iterator[Row]:
    """Yield the rows of the ``responses`` resource from the ledger at ``path``.

    ``public_entries`` maps every catalogue 索引号 to its 公开属性: a response may only refer
    to an entry that is published (主动公开), or its foreign key would dangle once the core
    withholds the entry.
    """
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SourceError(f"{path}: cannot open the responses workbook: {exc}") from exc
    try:
        if sheet_name is None:
            worksheet = workbook.worksheets[0]
        elif sheet_name in workbook.sheetnames:
            worksheet = workbook[sheet_name]
        else:
            raise SourceError(
                f"{path}: no sheet {sheet_name!r} (sheets: {', '.join(workbook.sheetnames)})"
            )
        sheet = _Sheet(path, worksheet.title)
        layout = _Layout(sheet, ignored, [] if warnings is None else warnings)
        yield from _read_sheet(sheet, worksheet.iter_rows(values_only=True), public_entries, layout)
    finally:
        workbook.close()


class _Layout:
    """Checks the lines above the heading row and the headings themselves."""

    def __init__(self, sheet: _Sheet, ignored: frozenset[str], warnings: list[str]) -> None:
        self.sheet = sheet
        self.ignored = ignored
        self.warnings = warnings
        #: (row, column, text, title words) of the first cell of each line above the headings
        self.above: list[tuple[int, int, str, int]] = []

    def line_above(self, rownum: int, values: tuple[Any, ...]) -> None:
        """Remember a non-blank line above the heading row."""
        cells = [(i, _text(v)) for i, v in enumerate(values) if _text(v)]
        if cells:
            words = sum(w in cells[0][1] for w in TITLE_WORDS) if len(cells) == 1 else 0
            self.above.append((rownum, cells[0][0], cells[0][1], words))

    def stray_lines(self) -> list[tuple[int, int, str, int]]:
        """The lines above the headings but the title (the one-cell line most like a title)."""
        titles = [line for line in self.above if line[3]]
        title = max(reversed(titles), key=lambda line: line[3]) if titles else None
        return [line for line in self.above if line is not title]

    def columns(self, rownum: int, values: tuple[Any, ...]) -> dict[str, int]:
        """Field → column of the heading row; raise naming an unknown heading or a stray line."""
        stray = self.stray_lines()
        if stray:
            row, col, text, _ = stray[0]
            raise self.sheet.fail(
                row,
                col,
                f"{text!r} stands above the heading row but is not the ledger's title, so it "
                "would be dropped; move it below the table or delete it",
            )
        known = {h: f for f, h in HEADINGS.items()}
        columns: dict[str, int] = {}
        for i, value in enumerate(values):
            heading = _text(value)
            if not heading:
                continue
            if heading in self.ignored:
                self.warnings.append(
                    f"{self.sheet.path.name}: sheet {self.sheet.title!r}, cell "
                    f"{get_column_letter(i + 1)}{rownum}: {heading!r} not read "
                    "(declared in ignored_columns)"
                )
                continue
            if heading not in known:
                raise self.sheet.fail(
                    rownum,
                    i,
                    f"heading {heading!r} is not a column of the ledger (known: "
                    f"{', '.join(known)}); a renamed column would be read wrongly or not at "
                    "all. If the ledger carries it on purpose and it is not to be published, "
                    "list it in the source option ignored_columns",
                )
            if known[heading] in columns:
                raise self.sheet.fail(rownum, i, f"heading {heading!r} appears twice")
            columns[known[heading]] = i
        return columns


def _read_sheet(
    sheet: _Sheet,
    rows: Iterator[tuple[Any, ...]],
    public_entries: Mapping[str, str | None],
    layout: _Layout,
) -> Iterator[Row]:
    columns: dict[str, int] | None = None
    seen: dict[str, int] = {}
    for rownum, values in enumerate(rows, start=1):
        if columns is None:
            columns = _heading_row(sheet, rownum, values, layout)
            continue
        cells = {f: (values[i] if i < len(values) else None) for f, i in columns.items()}
        if all(_text(v) == "" for v in cells.values()):
            continue  # blank rows between blocks, formatted-but-empty rows at the end
        line = _LedgerLine(sheet, rownum, columns, cells)
        response_id = line.response_id(seen)
        seen[response_id] = rownum
        method = line.method()
        related = line.related(public_entries)
        topic = line.required("topic", "回应主题")
        yield {
            "response_id": response_id,
            "date": _date(sheet, rownum, columns["date"], cells["date"]),
            "topic": topic,
            "method": method,
            "platform": line.optional("platform"),
            "url": line.optional("url"),
            "related_index_no": related or None,
            "handler": line.optional("handler"),
            "handler_phone": line.optional("handler_phone"),
            "petitioner": line.optional("petitioner"),
            "petitioner_id": line.optional("petitioner_id"),
        }
    if columns is None:
        raise SourceError(f"{sheet.path}: sheet {sheet.title!r} has no heading row")


def _heading_row(
    sheet: _Sheet, rownum: int, values: tuple[Any, ...], layout: _Layout
) -> dict[str, int] | None:
    """The columns, if ``values`` is the heading row; else the line is checked as one above it."""
    headings = {_text(v): i for i, v in enumerate(values)}
    if all(HEADINGS[f] in headings for f in REQUIRED_HEADINGS):
        return layout.columns(rownum, values)
    if rownum >= HEADER_SEARCH_ROWS:
        wanted = ", ".join(HEADINGS[f] for f in REQUIRED_HEADINGS)
        raise SourceError(
            f"{sheet.path}: sheet {sheet.title!r}: no heading row with {wanted} "
            f"in the first {HEADER_SEARCH_ROWS} rows"
        )
    layout.line_above(rownum, values)
    return None


class _LedgerLine:
    """One data row of the ledger; each check fails naming its cell."""

    def __init__(
        self, sheet: _Sheet, rownum: int, columns: dict[str, int], cells: dict[str, Any]
    ) -> None:
        self.sheet, self.rownum, self.columns, self.cells = sheet, rownum, columns, cells

    def _fail(self, field: str, message: str) -> SourceError:
        return self.sheet.fail(self.rownum, self.columns[field], message)

    def response_id(self, seen: Mapping[str, int]) -> str:
        response_id = _text(self.cells["response_id"])
        if not response_id:
            raise self._fail("response_id", "编号 is empty")
        if response_id in seen:
            raise self._fail("response_id", f"编号 {response_id} repeats row {seen[response_id]}")
        return response_id

    def method(self) -> str:
        text = _text(self.cells["method"])
        method = normalise(text, RESPONSE_METHODS, RESPONSE_METHOD_ALIASES)
        if method is None:
            raise self._fail(
                "method", f"回应方式 {text!r} is not one of {', '.join(RESPONSE_METHODS)}"
            )
        return method

    def related(self, public_entries: Mapping[str, str | None]) -> str:
        """The 关联索引号, which must name a proactively published catalogue entry."""
        related = _text(self.cells.get("related_index_no"))
        if related and related not in public_entries:
            raise self._fail("related_index_no", f"关联索引号 {related} is not in the catalogue")
        if related and public_entries[related] != DISCLOSURE_PUBLIC:
            raise self._fail(
                "related_index_no", f"关联索引号 {related} refers to an entry that is not 主动公开"
            )
        return related

    def required(self, field: str, label: str) -> str:
        text = _text(self.cells[field])
        if not text:
            raise self._fail(field, f"{label} is empty")
        return text

    def optional(self, field: str) -> str | None:
        return _text(self.cells.get(field)) or None
