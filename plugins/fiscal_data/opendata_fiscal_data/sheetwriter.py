"""Write a finance table into a worksheet the way a finance office lays it out (for the samples).

Title merged over the table, table code top right, 部门 and 单位 line, a merged multi-row header,
data rows with 科目编码 split into 类/款/项 cells, an optional merged note row, footnotes and a
sign-off line under the table. ``shift`` moves the whole table down and right, which the reader
must not notice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass(frozen=True)
class HeaderCell:
    """A header label at (row, col) relative to the header's top-left, with its span."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass
class TableSheet:
    """One table to write: its sheet name, title lines, header, body and what follows it."""

    sheet: str
    title: str
    code: str
    department: str
    unit: str
    header: list[HeaderCell]
    rows: list[list[object]] = field(default_factory=list)
    #: Merged cells inside the body: (body row, first col, last col), 0-based.
    body_merges: list[tuple[int, int, int]] = field(default_factory=list)
    note_in_table: str | None = None
    footnotes: list[str] = field(default_factory=list)
    sign_off: str | None = None
    name_col: int | None = None
    #: Written as "2018年度" between the 部门 and 单位 notes.
    year: int | None = None

    @property
    def ncols(self) -> int:
        return max(c.col + c.colspan for c in self.header)

    @property
    def header_rows(self) -> int:
        return max(c.row + c.rowspan for c in self.header)


def write_table(ws: Worksheet, table: TableSheet, shift: tuple[int, int] = (0, 0)) -> None:
    """Write ``table`` into ``ws`` starting at A1 moved by ``shift`` (rows, columns)."""
    r0, c0 = 1 + shift[0], 1 + shift[1]
    last = c0 + table.ncols - 1
    _write_title_area(ws, table, r0, c0, last)
    top = r0 + 3
    _write_header(ws, table, top, c0)
    body = top + table.header_rows
    _write_body(ws, table, body, c0)
    _write_footer(ws, table, body + len(table.rows), c0, last)
    for j in range(table.ncols):
        width = 36 if j == table.name_col else 14
        ws.column_dimensions[get_column_letter(c0 + j)].width = width


def _write_title_area(ws: Worksheet, table: TableSheet, r0: int, c0: int, last: int) -> None:
    """Code top right, the title merged across, then department, year and unit."""
    ws.cell(r0, last, table.code).alignment = Alignment(horizontal="right")
    ws.cell(r0 + 1, c0, table.title).font = Font(size=16, bold=True)
    ws.cell(r0 + 1, c0).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=r0 + 1, start_column=c0, end_row=r0 + 1, end_column=last)
    ws.cell(r0 + 2, c0, f"部门：{table.department}")
    if table.year is not None and table.ncols >= 3:
        middle = c0 + table.ncols // 2
        ws.cell(r0 + 2, middle, f"{table.year}年度").alignment = Alignment(horizontal="center")
    ws.cell(r0 + 2, last, f"单位：{table.unit}").alignment = Alignment(horizontal="right")


def _write_header(ws: Worksheet, table: TableSheet, top: int, c0: int) -> None:
    for h in table.header:
        cell = ws.cell(top + h.row, c0 + h.col, h.text)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.font = Font(bold=True)
        if h.rowspan > 1 or h.colspan > 1:
            ws.merge_cells(
                start_row=top + h.row,
                start_column=c0 + h.col,
                end_row=top + h.row + h.rowspan - 1,
                end_column=c0 + h.col + h.colspan - 1,
            )


def _write_body(ws: Worksheet, table: TableSheet, body: int, c0: int) -> None:
    for i, values in enumerate(table.rows):
        for j, value in enumerate(values):
            cell = ws.cell(body + i, c0 + j)
            cell.border = _BOX
            if value is None:
                continue
            cell.value = value
            if isinstance(value, float):
                cell.number_format = "#,##0.00"
    for i, first, end in table.body_merges:
        ws.merge_cells(
            start_row=body + i, start_column=c0 + first, end_row=body + i, end_column=c0 + end
        )


def _write_footer(ws: Worksheet, table: TableSheet, after: int, c0: int, last: int) -> None:
    """The note of an empty table (merged across), footnotes, and the sign-off line."""
    if table.note_in_table:
        ws.cell(after, c0, table.note_in_table).alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=after, start_column=c0, end_row=after, end_column=last)
        after += 1
    for k, note in enumerate(table.footnotes):
        ws.cell(after + 1 + k, c0, note)
        ws.merge_cells(
            start_row=after + 1 + k, start_column=c0, end_row=after + 1 + k, end_column=last
        )
    if table.sign_off:
        ws.cell(after + 2 + len(table.footnotes), c0, table.sign_off)
