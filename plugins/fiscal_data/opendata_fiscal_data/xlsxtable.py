"""Read a table out of a worksheet laid out the way finance offices lay them out.

A sheet holds title rows (the table name, a table code such as 公开01表, 部门：…, 单位：万元), a
header block of one to three rows with merged cells (收入 spanning 项目/决算数, 科目编码 spanning
类/款/项), data rows, and footnotes (注：…) and sign-off lines (填表人：…) under the table. Nothing
sits at a fixed address: the reader finds the title, the meta lines, the header block and the
data by their content and by the sheet's merged ranges, so a table moved down or right reads the
same. Whatever it cannot make sense of raises :class:`SourceError` naming file, sheet and cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl.cell.cell import Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from opendata.plugin import SourceError

#: How far down a sheet the title may sit; a finance table never starts lower than this.
TITLE_SCAN_ROWS = 40

_CODE_RE = re.compile(r"^(?:[\u4e00-\u9fff]{0,6})\d{1,2}表$")
_DEPT_RE = re.compile(r"^(?:编制)?(?:部门|部门名称|单位名称|编制单位)[：:]\s*(.*)$")
_UNIT_RE = re.compile(r"^(?:金额)?单位[：:]\s*(.*)$")
_YEAR_RE = re.compile(r"^[（(]?\d{4}年度?[）)]?$")
_FOOTNOTE_RE = re.compile(r"^(?:注|说明|备注)\s*(?:\d+|[一二三四五六七八九十]+)?\s*[：:、.．]")
_SIGNOFF_RE = re.compile(r"(?:负责人|填表人|填报人|制表人|审核人|经办人|联系电话)\s*[：:]")
_SUBTOTAL_WORDS = ("合计", "小计", "总计")
#: Units a finance table may be kept in, with the factor that turns them into 万元.
UNITS = {"万元": "1", "元": "0.0001", "千元": "0.1"}


def norm(value: object) -> str:
    """The text of a cell as compared against labels: stripped, spaces and quote styles unified."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\u3000", " ").strip()
    text = re.sub(r"\s+", "", text)
    for quote in "“”„‟＂「」":
        text = text.replace(quote, '"')
    return text.replace("（", "(").replace("）", ")")


def is_subtotal(text: str) -> bool:
    """Whether an item name marks a subtotal row (合计, 本年支出合计, 小计, 总计…)."""
    return any(text.endswith(word) for word in _SUBTOTAL_WORDS)


def cell_name(row: int, col: int) -> str:
    """The A1 name of a cell."""
    return f"{get_column_letter(col)}{row}"


@dataclass(frozen=True)
class Column:
    """A table column: its sheet column number and its header path from top to bottom."""

    index: int
    path: tuple[str, ...]
    #: The (row, column) of the cell each path element is written in (a merged range's first).
    cells: tuple[tuple[int, int], ...] = ()

    @property
    def name(self) -> str:
        """The compound column name, header levels joined with '/' (收入/决算数)."""
        return "/".join(self.path)


@dataclass
class SheetTable:
    """One table as found in a sheet."""

    file: str
    sheet: str
    title: str
    code: str | None
    department: str | None
    unit: str | None
    unit_cell: str | None
    #: The year the title area states (标题 "2018年度…" or a line "（2018年）"), and where.
    year: int | None
    year_cell: str | None
    columns: list[Column]
    #: Data rows: (sheet row number, {sheet column: value}) with merged cells filled in.
    rows: list[tuple[int, dict[int, object]]]
    notes: list[str] = field(default_factory=list)
    sign_off: list[str] = field(default_factory=list)
    #: Lines above the title skipped because they were declared harmless: (cell, text).
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def where(self, row: int, col: int) -> str:
        """'file, sheet S, cell C' for error messages."""
        return f"{self.file}, sheet {self.sheet}, cell {cell_name(row, col)}"


def stored_cells(ws: Worksheet) -> Iterable[Cell]:
    """The cells a sheet really stores.

    iter_rows() would materialise every cell of the used range, which a sheet formatted down
    to row 65536 makes huge; openpyxl keeps the stored ones in ``_cells``.
    """
    stored = getattr(ws, "_cells", None)
    return list(stored.values()) if stored is not None else [c for r in ws.iter_rows() for c in r]


class Grid:
    """A worksheet's values with every merged range filled with its top-left value."""

    def __init__(self, ws: Worksheet, file: str) -> None:
        self.file = file
        self.sheet = ws.title
        self.values: dict[tuple[int, int], object] = {}
        for cell in stored_cells(ws):
            if cell.value is not None and not (
                isinstance(cell.value, str) and not cell.value.strip()
            ):
                self.values[(cell.row, cell.column)] = cell.value
        self.max_row = max((r for r, _ in self.values), default=0)
        self.max_col = max((c for _, c in self.values), default=0)
        #: Merged range bounds (min_row, min_col, max_row, max_col) of every merged cell.
        self.merged: dict[tuple[int, int], tuple[int, int, int, int]] = {}
        for rng in ws.merged_cells.ranges:
            bounds = (rng.min_row, rng.min_col, rng.max_row, rng.max_col)
            top_left = self.values.get((rng.min_row, rng.min_col))
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    self.merged[(r, c)] = bounds
                    if top_left is not None:
                        self.values[(r, c)] = top_left

    def where(self, row: int, col: int) -> str:
        return f"{self.file}, sheet {self.sheet}, cell {cell_name(row, col)}"

    def text(self, row: int, col: int) -> str:
        return norm(self.values.get((row, col)))

    def row_cells(self, row: int, cols: Iterable[int] | None = None) -> list[tuple[int, object]]:
        """The non-empty (column, value) pairs of a row, left to right."""
        span = cols if cols is not None else range(1, self.max_col + 1)
        return [(c, self.values[(row, c)]) for c in span if (row, c) in self.values]

    def row_text(self, row: int) -> str:
        """A row's distinct texts joined for messages (merged cells counted once)."""
        seen: list[str] = []
        for _, value in self.row_cells(row):
            text = norm(value)
            if text and text not in seen:
                seen.append(text)
        return " | ".join(seen)


def find_title(grid: Grid, names: Iterable[str]) -> tuple[int, int, str] | None:
    """The first cell (top to bottom) whose text contains one of ``names``; longest name wins.

    Longest first because 收入支出决算总表 is contained in 财政拨款收入支出决算总表.
    """
    ordered = sorted({norm(n) for n in names}, key=len, reverse=True)
    for row in range(1, min(grid.max_row, TITLE_SCAN_ROWS) + 1):
        for col, value in grid.row_cells(row):
            text = norm(value)
            for name in ordered:
                if name and name in text:
                    return row, col, name
    return None


def _meta(text: str) -> str | None:
    """Which kind of title-area line a cell is (code, dept, unit, year), or None."""
    if _CODE_RE.match(text):
        return "code"
    if _UNIT_RE.match(text):
        # 单位：may name the unit of amounts or, on some forms, the reporting body.
        return "unit"
    if _DEPT_RE.match(text):
        return "dept"
    if _YEAR_RE.match(text):
        return "year"
    return None


def _above_title(
    grid: Grid, row: int, title: str, harmless: Sequence[re.Pattern[str]]
) -> list[tuple[str, str]]:
    """The cells of a line above the title that is not a title-area line, if declared harmless.

    Anything else there (a note, a second heading) would be dropped without a word, so it
    fails the run naming its cell.
    """
    found = []
    for col, value in grid.row_cells(row):
        text = norm(value)
        if _meta(text) is None and not any(p.match(text) for p in harmless):
            raise SourceError(
                f"{grid.where(row, col)}: {str(value).strip()!r} stands above the title {title} "
                "but is not a title-area line (表号, 部门, 单位, 年度), so it would be dropped; "
                "move it under the table (注：…), delete it, or declare it harmless in the "
                "plugin's HARMLESS_ABOVE_TITLE"
            )
        if _meta(text) is None:
            found.append((grid.where(row, col), str(value).strip()))
    return found


@dataclass
class _TitleArea:
    """What the title-area lines (表号, 部门, 单位, 年度) say, as they are found."""

    code: str | None = None
    dept: str | None = None
    unit: str | None = None
    unit_cell: str | None = None
    year: int | None = None
    year_cell: str | None = None

    def take(self, grid: Grid, row: int, kinds: list[tuple[str | None, int, str]]) -> None:
        """Take one title-area line's cells; the first of each kind wins."""
        for kind, col, text in kinds:
            if kind == "code" and self.code is None:
                self.code = text
            elif kind == "unit":
                value = _UNIT_RE.match(text).group(1)  # type: ignore[union-attr]
                if value in UNITS:
                    self.unit, self.unit_cell = value, grid.where(row, col)
                elif self.dept is None:
                    self.dept = value
            elif kind == "dept" and self.dept is None:
                self.dept = _DEPT_RE.match(text).group(1)  # type: ignore[union-attr]
            elif kind == "year" and self.year is None:
                self.year, self.year_cell = int(re.sub(r"\D", "", text)), grid.where(row, col)


def read_table(
    grid: Grid,
    title_row: int,
    title: str,
    anchors: tuple[str, ...],
    *,
    need_unit: bool = True,
    harmless_above: Sequence[re.Pattern[str]] = (),
) -> SheetTable:
    """Read the table whose title sits in ``title_row``.

    ``anchors`` are header labels that must all appear in the header block (e.g. 科目编码 and
    科目名称); the first row under the title that is not a title-area line is where the header
    must start. A line above the title that is not a title-area line fails, unless each of its
    cells matches one of ``harmless_above`` (it is then listed in ``SheetTable.skipped``).
    """
    area = _TitleArea()
    title_col = find_col(grid, title_row, title)
    stated = re.search(r"(\d{4})年", grid.text(title_row, title_col))
    if stated:
        area.year, area.year_cell = int(stated.group(1)), grid.where(title_row, title_col)
    header_row, skipped = _title_area(grid, title_row, title, area, harmless_above)
    if header_row is None:
        raise SourceError(
            f"{grid.where(title_row + 1, 1)}: expected a header row with {'/'.join(anchors)} "
            f"under the title {title}, found nothing"
        )
    last_row = _header_end(grid, header_row)
    _check_anchors(grid, header_row, last_row, anchors)
    if need_unit and area.unit is None:
        raise SourceError(
            f"{grid.where(title_row, 1)}: no 单位 note (单位：万元) found above the header "
            f"of {title}"
        )
    table = SheetTable(
        file=grid.file,
        sheet=grid.sheet,
        title=title,
        code=area.code,
        department=area.dept,
        unit=area.unit,
        unit_cell=area.unit_cell,
        year=area.year,
        year_cell=area.year_cell,
        columns=_columns(grid, header_row, last_row),
        rows=[],
        skipped=skipped,
    )
    _read_body(grid, table, last_row + 1)
    return table


def _title_area(
    grid: Grid,
    title_row: int,
    title: str,
    area: _TitleArea,
    harmless_above: Sequence[re.Pattern[str]],
) -> tuple[int | None, list[tuple[str, str]]]:
    """The header's first row (None: no header) and the harmless lines skipped above the title.

    The title area runs from the sheet's top to the header; meta lines may sit above or below
    the title (公开01表 is often top right, above it) and are taken into ``area``.
    """
    skipped: list[tuple[str, str]] = []
    for row in range(1, grid.max_row + 1):
        cells = grid.row_cells(row)
        if not cells or row == title_row:
            continue
        kinds = [(_meta(norm(v)), c, norm(v)) for c, v in cells]
        if all(kind is not None for kind, _, _ in kinds):
            area.take(grid, row, kinds)
        elif row < title_row:
            skipped += _above_title(grid, row, title, harmless_above)
        else:
            return row, skipped
    return None, skipped


def _check_anchors(grid: Grid, header_row: int, last_row: int, anchors: tuple[str, ...]) -> None:
    """Fail naming the header row unless every anchor label is in the header block."""
    block = {grid.text(r, c) for r in range(header_row, last_row + 1) for c, _ in grid.row_cells(r)}
    missing = [a for a in anchors if not any(norm(a) in label for label in block)]
    if missing:
        first_col = grid.row_cells(header_row)[0][0]
        raise SourceError(
            f"{grid.where(header_row, first_col)}: expected a header row with "
            f"{'/'.join(anchors)}, found {grid.row_text(header_row)!r}"
        )


def find_col(grid: Grid, row: int, text: str) -> int:
    """The column of the first cell in ``row`` containing ``text`` (1 when none does)."""
    return next((c for c, v in grid.row_cells(row) if norm(text) in norm(v)), 1)


def _header_end(grid: Grid, start: int) -> int:
    """The last row of the header block beginning at ``start``.

    The block covers every merged range that starts inside it, and one more row whenever its
    current last row holds a header spanning several columns (its sub-headers sit below).
    """
    end = start
    while True:
        grown = end
        for (r, c), (r0, c0, r1, _) in grid.merged.items():
            if start <= r0 <= end and (r, c) == (r0, c0):
                grown = max(grown, r1)
        if grown == end:
            spans = [
                b
                for (r, c), b in grid.merged.items()
                if (r, c) == (b[0], b[1]) and b[2] == end and b[3] > b[1]
            ]
            if any(start <= b[0] for b in spans) and grid.row_cells(end + 1):
                grown = end + 1
        if grown == end:
            return end
        end = grown


def _columns(grid: Grid, first: int, last: int) -> list[Column]:
    """Compound column names: each column's header texts top-down, repeats (merges) collapsed."""
    columns = []
    for col in range(1, grid.max_col + 1):
        path: list[str] = []
        cells: list[tuple[int, int]] = []
        for row in range(first, last + 1):
            text = grid.text(row, col)
            if text and (not path or path[-1] != text):
                path.append(text)
                bounds = grid.merged.get((row, col))
                cells.append((bounds[0], bounds[1]) if bounds else (row, col))
        if path:
            columns.append(Column(col, tuple(path), tuple(cells)))
    return columns


def _is_number(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return True
    return bool(re.fullmatch(r"-?[\d,]+(?:\.\d+)?", norm(value)))


def _line_texts(cells: list[tuple[int, object]]) -> tuple[list[str], list[str]]:
    """A line's distinct cell texts: normalised (for detection) and as written (for notes)."""
    texts: list[str] = []
    raws: list[str] = []
    for _, value in cells:
        raw = value.isoformat() if isinstance(value, date | datetime) else str(value).strip()
        if norm(raw) not in texts:
            texts.append(norm(raw))
            raws.append(raw.strip(" \u3000"))
    return texts, raws


def _is_merged_note(
    grid: Grid,
    cell: tuple[int, int],
    first: str,
    texts: list[str],
    data: dict[int, object],
    width: int,
) -> bool:
    """A sentence merged across the table body: the explanatory note of an empty table."""
    merged = grid.merged.get(cell)
    return (
        len(texts) == 1
        and not any(_is_number(v) for v in data.values())
        and merged is not None
        and merged[3] - merged[1] + 1 >= max(3, width // 2)
        and not is_subtotal(first)
    )


def _footer_kind(line: str, first: str, numbers: bool, footer_started: bool) -> str | None:
    """ "sign_off", "note" or None (not a footer line)."""
    # A data row may mention 联系电话： in a remark; a sign-off line holds no amount.
    if _SIGNOFF_RE.search(norm(line)) and not numbers:
        return "sign_off"
    if footer_started or _FOOTNOTE_RE.match(first):
        return "note"
    return None


def _read_body(grid: Grid, table: SheetTable, start: int) -> None:
    """Data rows until the first footnote; footnotes and sign-off lines after it.

    The footer starts at a line opening with 注/说明/备注, at a sign-off line, or at a line
    without any number that follows a blank line under the data.
    """
    cols = [c.index for c in table.columns]
    lo, hi = min(cols), max(cols)
    in_footer = False
    last = start - 1
    for row in range(start, grid.max_row + 1):
        cells = grid.row_cells(row, range(lo, grid.max_col + 1))
        if not cells or norm(cells[0][1]) == "栏次":
            continue
        first = norm(cells[0][1])
        texts, raws = _line_texts(cells)
        line = " ".join(raws)
        numbers = any(_is_number(v) for _, v in cells)
        footer = _footer_kind(line, first, numbers, in_footer or (row > last + 1 and not numbers))
        if footer == "sign_off":
            table.sign_off.append(line)
        elif footer == "note":
            table.notes.append(_FOOTNOTE_RE.sub("", line, count=1).strip())
        if footer is not None:
            in_footer = True
            continue
        data = {c: v for c, v in cells if c <= hi}
        if not data:
            continue
        if _is_merged_note(grid, (row, cells[0][0]), first, texts, data, hi - lo + 1):
            table.notes.append(raws[0])
        else:
            table.rows.append((row, data))
        last = row
