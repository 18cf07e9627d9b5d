"""Read the 收费目录清单 (administrative fee list) workbook.

The list is one sheet: a title containing 收费目录清单, a header row (序号, 项目名称, 子项名称,
执收部门, 资金管理方式, 政策依据, 备注 …) and one row per sub-item, with 序号 and 项目名称
merged down over an item's sub-items. Columns are matched by their header label, so their order
and position do not matter. Columns the list does not know are not read at all; the office's
working columns it does know (经办人, 联系电话, 内部备注) go into fields the schema marks
private, so the core drops them before anything is built.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from opendata.plugin import Row, SourceError

from .fiscal import check_year, clean, open_workbook
from .xlsxtable import Grid, find_title, norm, read_table

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


def fee_rows(path: Path, *, year: int) -> Iterator[Row]:
    """One row per fee sub-item (an item without sub-items is its own single sub-item)."""
    book = open_workbook(path)
    for ws in book.worksheets:
        grid = Grid(ws, path.name)
        hit = find_title(grid, [TITLE])
        if hit is not None:
            break
    else:
        raise SourceError(f"{path.name}: no sheet with a {TITLE} title")
    table = read_table(grid, hit[0], TITLE, ("序号", "项目名称", "资金管理方式"), need_unit=False)
    check_year(table, year)
    fields = {c.index: LABELS[c.path[-1]] for c in table.columns if c.path[-1] in LABELS}
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
