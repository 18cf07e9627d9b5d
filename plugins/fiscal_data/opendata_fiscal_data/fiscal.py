"""Turn a budget or final-account workbook into long-format rows.

One workbook holds one table per sheet, optionally with a 目录 (index) sheet listing each table's
code, name and 公开属性. Every amount cell becomes one row keyed by (year, report, table code, line,
column), so tables of different shapes share one queryable resource.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

import openpyxl

from opendata.plugin import DISCLOSURE_PUBLIC, Row, SourceError

from .catalogue import (
    ECONOMIC,
    FUNCTION,
    GENERIC_ANCHORS,
    HARMLESS_ABOVE_TITLE,
    HEADER_SYNONYMS,
    TableKind,
)
from .layout import checked_columns
from .xlsxtable import (
    UNITS,
    Column,
    Grid,
    SheetTable,
    find_title,
    is_subtotal,
    norm,
    read_table,
    stored_cells,
)

CENT = Decimal("0.01")
LEVELS = {3: "类", 5: "款", 7: "项"}
_NAME_LABELS = {"科目名称", "项目", "项目名称"}
_SKIP_LABELS = ("行次", "栏次")


@dataclass
class FoundTable:
    """A table read from a workbook, with what the workbook says about it."""

    table: SheetTable
    kind: TableKind | None
    code: str
    name: str
    disclosure: str

    @property
    def is_three_public(self) -> bool:
        return self.kind is not None and self.kind.is_three_public


def clean(value: object) -> str:
    """A cell's text for publication: outer spaces (also the full-width indent) removed."""
    return "" if value is None else str(value).strip(" \t\r\n\u3000")


def open_workbook(path: Path) -> openpyxl.Workbook:
    """Open an XLSX origin for its values, turning every failure into a SourceError naming the file.

    The values are the ones Excel or WPS cached when they last saved the file. A workbook
    written by a program that leaves formulas uncalculated has no cached values; reading it
    would publish blanks where totals stand, so it is refused, naming the first such cell.
    """
    try:
        # Not read_only: merged ranges are only available on normal worksheets.
        values = openpyxl.load_workbook(path, data_only=True)
        formulas = openpyxl.load_workbook(path, data_only=False)
    except FileNotFoundError as exc:
        raise SourceError(f"{path}: workbook not found") from exc
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SourceError(f"{path.name}: not a readable XLSX workbook ({exc})") from exc
    for ws in formulas.worksheets:
        for cell in stored_cells(ws):
            if cell.data_type == "f" and values[ws.title][cell.coordinate].value is None:
                raise SourceError(
                    f"{path.name}, sheet {ws.title}, cell {cell.coordinate}: formula "
                    f"{cell.value} has no calculated value; open the workbook in Excel or "
                    "WPS and save it again"
                )
    return values


def _index(grid: Grid) -> dict[str, tuple[str, str]] | None:
    """A 目录 sheet: table name → (code, 公开属性), or None when the sheet is not an index."""
    for row in range(1, grid.max_row + 1):
        labels = {norm(v): c for c, v in grid.row_cells(row)}
        if {"表号", "表名", "公开属性"} <= labels.keys():
            entries: dict[str, tuple[str, str]] = {}
            for below in range(row + 1, grid.max_row + 1):
                code = norm(grid.values.get((below, labels["表号"])))
                name = norm(grid.values.get((below, labels["表名"])))
                status = norm(grid.values.get((below, labels["公开属性"])))
                if code and name:
                    # A blank 公开属性 is not a decision to publish: the core withholds it.
                    entries[name] = (code, status or "未标注")
            return entries
    return None


def _index_error(grid: Grid) -> str:
    """Why a 目录 sheet is not read as the index, naming the row that looks like its headings."""
    wanted = ("表号", "表名", "公开属性")
    for row in range(1, grid.max_row + 1):
        cells = grid.row_cells(row)
        if any(norm(v) in wanted for _, v in cells):
            return (
                f"{grid.where(row, cells[0][0])}: the 目录 sheet needs the headings "
                f"{'/'.join(wanted)} (it decides which tables are public), found "
                f"{grid.row_text(row)!r}"
            )
    return (
        f"{grid.where(1, 1)}: the 目录 sheet has no heading row with {'/'.join(wanted)} "
        "(it decides which tables are public)"
    )


def check_year(table: SheetTable, year: int) -> None:
    """Refuse a table whose title area states another year than the configured one."""
    if table.year is not None and table.year != year:
        raise SourceError(
            f"{table.year_cell}: the table states the year {table.year}, but the source is "
            f"configured for {year} (set the source's year option or point it at the right file)"
        )


def skipped_warnings(table: SheetTable) -> list[str]:
    """Run-report warnings for the declared-harmless lines skipped above a table's title."""
    return [
        f"{where}: {text!r} above the title {table.title} skipped (declared harmless)"
        for where, text in table.skipped
    ]


def read_workbook(
    path: Path,
    kinds: Sequence[TableKind],
    *,
    year: int,
    required: bool,
    warnings: list[str],
    synonyms: Mapping[str, str] = HEADER_SYNONYMS,
) -> list[FoundTable]:
    """Every table of the workbook at ``path``.

    A table is recognised by its title row. The 目录 sheet, when present, gives each table's
    公开属性; tables it does not list are published only if they are among ``kinds`` (tables
    the law requires to be published proactively). With ``required`` every one of ``kinds``
    must be present. A known table's header must hold the columns its kind declares, under
    those names or a synonym of ``synonyms`` (see :mod:`.layout`).
    """
    book = open_workbook(path)
    index, grids = _split_index([Grid(ws, path.name) for ws in book.worksheets])
    reader = _SheetReader(path, {norm(k.name): k for k in kinds}, index, year, warnings, synonyms)
    tables = [t for t in map(reader.read, grids) if t is not None]
    _check_codes(path, tables)
    if required:
        _check_required(path, book, kinds, tables)
    elif not tables:
        raise SourceError(f"{path.name}: no known table found in any sheet")
    return tables


def _split_index(grids: list[Grid]) -> tuple[dict[str, tuple[str, str]], list[Grid]]:
    """The 目录 sheets' entries (name → (code, 公开属性)), and the other sheets."""
    index: dict[str, tuple[str, str]] = {}
    tables: list[Grid] = []
    for grid in grids:
        found = _index(grid)
        if found is not None:
            index.update(found)
        elif "目录" in grid.sheet:
            # The index decides which tables are public: one whose headings were reworded must
            # not be read as a table, nor its 公开属性 silently replaced by the default.
            raise SourceError(_index_error(grid))
        else:
            tables.append(grid)
    return index, tables


@dataclass
class _SheetReader:
    """Reads the table of one sheet, with what the workbook's 目录 says about it."""

    path: Path
    by_name: dict[str, TableKind]
    index: dict[str, tuple[str, str]]
    year: int
    warnings: list[str]
    synonyms: Mapping[str, str]

    def read(self, grid: Grid) -> FoundTable | None:
        """The sheet's table, or None (with a warning) when no known title is on it."""
        hit = find_title(grid, [*self.by_name, *self.index])
        if hit is None:
            self.warnings.append(
                f"{self.path.name}, sheet {grid.sheet}: no known table title, sheet skipped"
            )
            return None
        row, column, name = hit
        kind = self.by_name.get(name)
        table = self._table(grid, row, name, kind)
        listed = self.index.get(name)
        code = table.code or (listed[0] if listed else None)
        if code is None:
            raise SourceError(
                f"{grid.where(row, 1)}: no table code (such as 公开01表) near the title {name}, "
                "and no 目录 sheet listing it"
            )
        disclosure = listed[1] if listed else DISCLOSURE_PUBLIC
        if kind is None and disclosure == DISCLOSURE_PUBLIC:
            # Nothing declares this table's columns, so a reworded header would rename keys
            # unnoticed; say so in every run until it is added to catalogue.py.
            self.warnings.append(
                f"{grid.where(row, column)}: {name} is listed in the 目录 but not a known table; "
                "its column names (part of the published keys) are not checked against a "
                "declaration"
            )
        display = kind.name if kind else clean(grid.values.get((row, column)))
        return FoundTable(table, kind, code, display, disclosure)

    def _table(self, grid: Grid, row: int, name: str, kind: TableKind | None) -> SheetTable:
        anchors = kind.anchors if kind else GENERIC_ANCHORS
        table = read_table(grid, row, name, anchors, harmless_above=HARMLESS_ABOVE_TITLE)
        self.warnings.extend(skipped_warnings(table))
        if kind is not None:
            table.columns = checked_columns(table, kind, self.synonyms, self.warnings)
        check_year(table, self.year)
        if not table.rows and not table.notes:
            self.warnings.append(
                f"{self.path.name}, sheet {grid.sheet}: {name} is empty and has no note"
            )
        return table


def _check_codes(path: Path, tables: list[FoundTable]) -> None:
    codes = [t.code for t in tables]
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        raise SourceError(f"{path.name}: table code(s) {', '.join(duplicated)} used by two sheets")


def _check_required(
    path: Path, book: openpyxl.Workbook, kinds: Sequence[TableKind], tables: list[FoundTable]
) -> None:
    present = {t.kind.name for t in tables if t.kind}
    missing = [k.name for k in kinds if k.name not in present]
    if missing:
        sheets = ", ".join(ws.title for ws in book.worksheets)
        raise SourceError(
            f"{path.name}: table(s) {', '.join(missing)} not found (sheets: {sheets})"
        )


def parse_amount(value: object, unit: str, where: str) -> Decimal | None:
    """A cell's amount in 万元 rounded to 2 decimals; None for a blank or dash."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise SourceError(f"{where}: expected an amount, found {value!r}")
    text = str(value) if isinstance(value, int | float) else norm(value).replace(",", "")
    if text in ("", "-", "—", "－", "/"):
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise SourceError(f"{where}: expected an amount in {unit}, found {value!r}") from exc
    return (amount * Decimal(UNITS[unit])).quantize(CENT, rounding=ROUND_HALF_UP)


class _Codes:
    """Joins 类/款/项 code cells into one code, inheriting blank upper levels from above."""

    def __init__(self, columns: list[Column]) -> None:
        self.columns = columns
        self.previous: list[str] = [""] * len(columns)

    def read(self, table: SheetTable, row: int, data: dict[int, object]) -> tuple[str | None, str]:
        """(code, text found in a code cell that is not a code, e.g. a merged 合计)."""
        parts = [norm(data.get(c.index)) for c in self.columns]
        if not any(parts):
            return None, ""
        for col, part in zip(self.columns, parts, strict=True):
            if part and not part.isdigit():
                if is_subtotal(part) or (len(parts) > 1 and len(set(parts)) == 1):
                    return None, part
                raise SourceError(
                    f"{table.where(row, col.index)}: expected a 科目编码, found {part!r}"
                )
        deepest = max(i for i, p in enumerate(parts) if p)
        joined = [p or self.previous[i] for i, p in enumerate(parts[: deepest + 1])]
        self.previous = joined + [""] * (len(parts) - deepest - 1)
        code = "".join(joined)
        if len(code) not in LEVELS:
            col = self.columns[deepest]
            raise SourceError(
                f"{table.where(row, col.index)}: 科目编码 {code!r} has {len(code)} digits, "
                "expected 3 (类), 5 (款) or 7 (项)"
            )
        return code, ""


@dataclass
class _Side:
    """One side of a table (收入 | 支出): its name column, section label and value columns."""

    name_col: Column | None
    label: str | None
    cols: list[Column]


@dataclass
class _Layout:
    """Which columns of an amount table hold codes, and its sides."""

    code_cols: list[Column]
    sides: list[_Side]
    system: str | None  # the 科目 code system of the code columns


def _layout(found: FoundTable) -> _Layout:
    table = found.table
    code_cols, name_cols, value_cols = _column_roles(table)
    if code_cols and len(name_cols) > 1:
        raise SourceError(f"{table.where(1, code_cols[0].index)}: two-sided table with 科目编码")
    return _Layout(code_cols, _sides(name_cols, value_cols), _code_system(found, code_cols))


def _column_roles(table: SheetTable) -> tuple[list[Column], list[Column], list[Column]]:
    """The table's code, name and value columns (行次/栏次 columns left out)."""
    columns = [c for c in table.columns if not any(s in c.path[0] for s in _SKIP_LABELS)]
    code_cols = [c for c in columns if "编码" in c.path[0]]
    name_cols = [c for c in columns if c.path[-1] in _NAME_LABELS or c.path[0] == "科目名称"]
    value_cols = [c for c in columns if c not in code_cols and c not in name_cols]
    return code_cols, name_cols, value_cols


def _code_system(found: FoundTable, code_cols: list[Column]) -> str | None:
    system = found.kind.code_system if found.kind else None
    if system is None and code_cols:
        system = ECONOMIC if "经济" in code_cols[0].path[0] else FUNCTION
    return system


def _sides(name_cols: list[Column], value_cols: list[Column]) -> list[_Side]:
    """Each name column opens a side (收入 | 支出); the value columns to its right belong to it."""
    starts = [c.index for c in name_cols] or [0]
    sides = []
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else 10**6
        name_col = name_cols[i] if name_cols else None
        cols = [c for c in value_cols if (start <= c.index < end) or (i == 0 and c.index < start)]
        label = name_col.path[0] if name_col and len(name_col.path) > 1 else None
        sides.append(_Side(name_col, label, cols))
    return sides


def _item(code: str | None, name: str, system: str | None) -> Row:
    """The item columns of an amount row: its code, level, name and whether it is a subtotal."""
    return {
        "item_code": code,
        "code_system": system if code else None,
        "item_level": LEVELS.get(len(code)) if code else None,
        "is_subtotal": bool(name) and is_subtotal(norm(name)),
        "item_name": name or None,
    }


def amount_rows(found: FoundTable, *, year: int, report: str) -> Iterator[Row]:
    """One row per amount cell of the table, in sheet order."""
    table = found.table
    unit = table.unit or "万元"
    layout = _layout(found)
    codes = _Codes(layout.code_cols)
    for line_no, (row, data) in enumerate(table.rows, start=1):
        code, code_text = codes.read(table, row, data)
        for side in layout.sides:
            name = (clean(data.get(side.name_col.index)) if side.name_col else "") or code_text
            amounts = [
                (c, parse_amount(data.get(c.index), unit, table.where(row, c.index)))
                for c in side.cols
            ]
            if not name and code is None and all(a is None for _, a in amounts):
                continue
            item = _item(code, name, layout.system)
            for col, amount in amounts:
                yield {
                    "year": year,
                    "report": report,
                    "table_code": found.code,
                    "line_no": line_no,
                    "column_name": col.name,
                    "section": side.label,
                    **item,
                    "amount": amount,
                    "disclosure": found.disclosure,
                }


def note_row(found: FoundTable, *, year: int, report: str) -> Row:
    """The table_notes row of a table: what it is, whether it is empty, and its notes."""
    table = found.table
    return {
        "year": year,
        "report": report,
        "table_code": found.code,
        "table_name": found.name,
        "department": table.department,
        "unit": "万元",
        "source_unit": table.unit,
        "is_empty": not table.rows,
        "data_rows": len(table.rows),
        "note": "\n".join(table.notes) or None,
        "workbook": table.file,
        "sheet": table.sheet,
        "sign_off": "\n".join(table.sign_off) or None,
        "disclosure": found.disclosure,
    }


_FIGURE = re.compile(r"^(预算|决算)数?$")


def three_public_rows(found: FoundTable, *, year: int, report: str) -> Iterator[Row]:
    """The 三公 table as (figure 预算/决算, category, sub-category) rows.

    Header paths read 决算数/公务用车购置及运行费/公务用车购置费; a category without a split
    (因公出国(境)费) has itself as sub-category.
    """
    table = found.table
    if len(table.rows) > 1:
        row = table.rows[1][0]
        raise SourceError(f"{table.where(row, 1)}: the 三公 table should have one data row")
    for entry in amount_rows(found, year=year, report=report):
        path = entry["column_name"].split("/")
        match = _FIGURE.match(path[0])
        if match is None or len(path) < 2:
            raise SourceError(
                f"{table.file}, sheet {table.sheet}: 三公 column {entry['column_name']!r} is not "
                "under 预算数 or 决算数"
            )
        category, sub = path[1], path[-1]
        yield {
            "year": year,
            "figure": match.group(1),
            "category": category,
            "sub_category": sub,
            "is_subtotal": category == "合计" or sub == "小计",
            "amount": entry["amount"],
            "report": report,
            "table_code": found.code,
            "disclosure": found.disclosure,
        }
