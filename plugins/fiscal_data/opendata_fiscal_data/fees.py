"""Read the 收费目录清单 (administrative fee list) workbook.

The list is one sheet: a title containing 收费目录清单, a header row (序号, 项目名称, 子项名称,
执收部门, 资金管理方式, 政策依据, 备注 …) and one row per sub-item, with 序号 and 项目名称
merged down over an item's sub-items. Columns are matched by their header label, so their order
and position do not matter. A column the list does not know fails the run naming its header cell
(a renamed 政策依据 would otherwise publish every fee without its basis), unless a declared
synonym maps it to a known label; the office's working columns it does know (经办人, 联系电话,
内部备注) go into fields the schema marks private, so the core drops them before anything is
built.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from opendata.plugin import Row, SourceError

from .catalogue import HARMLESS_ABOVE_TITLE
from .fiscal import check_year, clean, open_workbook, skipped_warnings
from .xlsxtable import Grid, SheetTable, cell_name, find_title, norm, read_table

TITLE = "收费目录清单"
#: Header label → field; several labels an office may use for the same column.
LABELS = {
    "序号": "item_no",
    "项目名称": "item_name",
    "收费项目": "item_name",
    "子项名称": "sub_item_name",
    "子项": "sub_item_name",
    "执收部门": "department",
    "执收单位": "department",
    "资金管理方式": "fund_management",
    "政策依据": "basis",
    "收费依据": "basis",
    "备注": "remarks",
    "经办人": "handler",
    "联系电话": "handler_phone",
    "内部备注": "internal_note",
}
FUND_MANAGEMENT = {
    "国库": "国库",
    "缴入国库": "国库",
    "财政专户": "财政专户",
    "缴入财政专户": "财政专户",
}


_REQUIRED = ("item_no", "item_name", "fund_management")


def _fields(table: SheetTable, synonyms: Mapping[str, str], warnings: list[str]) -> dict[int, str]:
    """Sheet column → field for every header column; raise naming the cell of an unknown one."""
    fields: dict[int, str] = {}
    for column in table.columns:
        label = column.path[-1]
        row, col = column.cells[-1] if column.cells else (0, column.index)
        where = f"{table.file}, sheet {table.sheet}, cell {cell_name(row, col)}"
        field = _field(label, where, synonyms, warnings)
        if field in fields.values():
            raise SourceError(f"{where}: header {label!r} repeats a column already read as {field}")
        fields[column.index] = field
    _check_required(table, fields)
    return fields


def _field(label: str, where: str, synonyms: Mapping[str, str], warnings: list[str]) -> str:
    """The field of a header label, directly or through a declared synonym."""
    field = LABELS.get(label)
    alias = norm(synonyms.get(label, ""))
    if field is None and alias in LABELS:
        field = LABELS[alias]
        warnings.append(f"{where}: header {label!r} read as {alias!r} (a declared synonym)")
    if field is None:
        raise SourceError(
            f"{where}: header {label!r} is not a column of the {TITLE} (known: "
            f"{', '.join(LABELS)}); if it means one of them, declare it in the source "
            f'option header_synonyms, e.g. {{"{label}": "…"}}'
        )
    return field


def _check_required(table: SheetTable, fields: dict[int, str]) -> None:
    missing = [f for f in _REQUIRED if f not in fields.values()]
    if missing:
        labels = [next(k for k, v in LABELS.items() if v == f) for f in missing]
        first = table.columns[0]
        row, col = first.cells[0] if first.cells else (0, first.index)
        raise SourceError(
            f"{table.file}, sheet {table.sheet}, cell {cell_name(row, col)}: the header lacks "
            f"{', '.join(labels)}"
        )


def _fee_table(path: Path) -> SheetTable:
    """The table of the first sheet whose title holds 收费目录清单."""
    book = open_workbook(path)
    for ws in book.worksheets:
        grid = Grid(ws, path.name)
        hit = find_title(grid, [TITLE])
        if hit is not None:
            return read_table(
                grid,
                hit[0],
                TITLE,
                ("序号", "项目名称", "资金管理方式"),
                need_unit=False,
                harmless_above=HARMLESS_ABOVE_TITLE,
            )
    raise SourceError(f"{path.name}: no sheet with a {TITLE} title")


def fee_rows(
    path: Path,
    *,
    year: int,
    synonyms: Mapping[str, str] | None = None,
    warnings: list[str] | None = None,
) -> Iterator[Row]:
    """One row per fee sub-item (an item without sub-items is its own single sub-item)."""
    warnings = [] if warnings is None else warnings
    table = _fee_table(path)
    warnings.extend(skipped_warnings(table))
    check_year(table, year)
    fields = _fields(table, {norm(k): v for k, v in (synonyms or {}).items()}, warnings)
    counts: dict[int, int] = {}
    for row, data in table.rows:
        line = _Line(table, row, fields, {f: data.get(c) for c, f in fields.items()})
        item_no = line.item_no()
        counts[item_no] = counts.get(item_no, 0) + 1
        fund = line.fund_management()  # checked before the name, as the columns are read
        yield {
            "year": year,
            "item_no": item_no,
            "sub_item_no": counts[item_no],
            "item_name": line.item_name(),
            **line.texts("sub_item_name", "department"),
            "fund_management": fund,
            **line.texts("basis", "remarks", "handler", "handler_phone", "internal_note"),
            "sheet_row": row,
        }


class _Line:
    """One data row of the fee list, read field by field with errors naming the cell."""

    def __init__(
        self, table: SheetTable, row: int, fields: dict[int, str], values: dict[str, object]
    ) -> None:
        self.table, self.row, self.fields, self.values = table, row, fields, values

    def _where(self, field: str) -> str:
        column = next(c for c, f in self.fields.items() if f == field)
        return self.table.where(self.row, column)

    def item_no(self) -> int:
        text = norm(self.values.get("item_no"))
        if not text.isdigit():
            raise SourceError(f"{self._where('item_no')}: expected a 序号 (number), found {text!r}")
        return int(text)

    def fund_management(self) -> str:
        fund = norm(self.values.get("fund_management"))
        if fund not in FUND_MANAGEMENT:
            raise SourceError(
                f"{self._where('fund_management')}: 资金管理方式 must be 国库 or 财政专户, "
                f"found {fund!r}"
            )
        return FUND_MANAGEMENT[fund]

    def item_name(self) -> str:
        name = clean(self.values.get("item_name"))
        if not name:
            raise SourceError(f"{self._where('item_name')}: 项目名称 is empty")
        return name

    def texts(self, *fields: str) -> Row:
        """The optional text fields, None when blank."""
        return {f: clean(self.values.get(f)) or None for f in fields}
