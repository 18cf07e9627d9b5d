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
        if field in fields.values():
            raise SourceError(f"{where}: header {label!r} repeats a column already read as {field}")
        fields[column.index] = field
    missing = [f for f in _REQUIRED if f not in fields.values()]
    if missing:
        labels = [next(k for k, v in LABELS.items() if v == f) for f in missing]
        first = table.columns[0]
        row, col = first.cells[0] if first.cells else (0, first.index)
        raise SourceError(
            f"{table.file}, sheet {table.sheet}, cell {cell_name(row, col)}: the header lacks "
            f"{', '.join(labels)}"
        )
    return fields


def fee_rows(
    path: Path,
    *,
    year: int,
    synonyms: Mapping[str, str] | None = None,
    warnings: list[str] | None = None,
) -> Iterator[Row]:
    """One row per fee sub-item (an item without sub-items is its own single sub-item)."""
    warnings = [] if warnings is None else warnings
    book = open_workbook(path)
    for ws in book.worksheets:
        grid = Grid(ws, path.name)
        hit = find_title(grid, [TITLE])
        if hit is not None:
            break
    else:
        raise SourceError(f"{path.name}: no sheet with a {TITLE} title")
    table = read_table(
        grid,
        hit[0],
        TITLE,
        ("序号", "项目名称", "资金管理方式"),
        need_unit=False,
        harmless_above=HARMLESS_ABOVE_TITLE,
    )
    warnings.extend(skipped_warnings(table))
    check_year(table, year)
    fields = _fields(table, {norm(k): v for k, v in (synonyms or {}).items()}, warnings)
    counts: dict[int, int] = {}
    for row, data in table.rows:
        values = {f: data.get(c) for c, f in fields.items()}
        no_text = norm(values.get("item_no"))
        if not no_text.isdigit():
            col = next(c for c, f in fields.items() if f == "item_no")
            raise SourceError(
                f"{table.where(row, col)}: expected a 序号 (number), found {no_text!r}"
            )
        item_no = int(no_text)
        counts[item_no] = counts.get(item_no, 0) + 1
        fund = norm(values.get("fund_management"))
        if fund not in FUND_MANAGEMENT:
            col = next(c for c, f in fields.items() if f == "fund_management")
            raise SourceError(
                f"{table.where(row, col)}: 资金管理方式 must be 国库 or 财政专户, found {fund!r}"
            )
        item_name = clean(values.get("item_name"))
        if not item_name:
            col = next(c for c, f in fields.items() if f == "item_name")
            raise SourceError(f"{table.where(row, col)}: 项目名称 is empty")
        yield {
            "year": year,
            "item_no": item_no,
            "sub_item_no": counts[item_no],
            "item_name": item_name,
            "sub_item_name": clean(values.get("sub_item_name")) or None,
            "department": clean(values.get("department")) or None,
            "fund_management": FUND_MANAGEMENT[fund],
            "basis": clean(values.get("basis")) or None,
            "remarks": clean(values.get("remarks")) or None,
            "handler": clean(values.get("handler")) or None,
            "handler_phone": clean(values.get("handler_phone")) or None,
            "internal_note": clean(values.get("internal_note")) or None,
            "sheet_row": row,
        }
