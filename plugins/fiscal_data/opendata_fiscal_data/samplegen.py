"""Seeded generator of the sample origin: three workbooks as the finance office keeps them.

``python -m opendata_fiscal_data.samplegen`` rewrites the shipped ``sample/`` folder. Amounts
are drawn at the lowest level (经济分类 款 for basic expenditure, 功能分类 项 for projects) in
units of 0.01 万元 and every other figure is summed from them, so all tables agree: 类 = sum of
款 = sum of 项, 合计 = sum of 类, 收入总计 = 支出合计 + 年末结转和结余, 基本支出 by function equals
基本支出 by economic class, and the 三公 figures equal their 经济分类 lines.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import MergedCell

from .fee_income_sample import write_fee_income
from .fees_sample import write_fees
from .sample_figures import ORG, Accounts, draw_three_public
from .sample_tables import budget_tables, final_tables
from .sheetwriter import HeaderCell, TableSheet, write_table

SECRET_ID = "11010519491231002X"
SECRET_MOBILE = "13912345678"
SECRET_NAME = "王秘密"
SECRET_TITLE = "绝密测试记录"

#: Published text fields a test may plant text into (``write_origin(planted=…)``): resource →
#: field → the heading of the fee list's column, or "注：" for the first footnote of the final
#: accounts (it becomes the table's note).
PLANTABLE: dict[str, dict[str, str]] = {
    "fees": {
        "item_name": "项目名称",
        "sub_item_name": "子项名称",
        "department": "执收部门",
        "basis": "政策依据",
        "remarks": "备注",
    },
    "table_notes": {"note": "注："},
}
#: Places whose text no published byte carries: the fee list's working columns and every
#: table's sign-off line (private fields of the schemas).
UNPUBLISHED_PLANTABLE: dict[str, dict[str, str]] = {
    "fees": {"handler": "经办人", "handler_phone": "联系电话", "internal_note": "内部备注"},
    "table_notes": {"sign_off": "单位负责人："},
}


def _sign_off(plant: bool) -> str:
    clerk, phone = (SECRET_NAME, SECRET_MOBILE) if plant else ("刘洋", "0432-64661234")
    return f"单位负责人：赵志刚　　财务负责人：孙丽　　填表人：{clerk}　　联系电话：{phone}"


def planted_tables(year: int) -> list[tuple[TableSheet, str]]:
    """Internal tables a finance workbook may also hold, listed in its 目录 as not public."""
    header = [HeaderCell("项目", 0, 0), HeaderCell("金额", 0, 1)]
    secret = TableSheet(
        "内部01表",
        f"{SECRET_TITLE}人员工资明细表",
        "内部01表",
        ORG,
        "万元",
        header,
        rows=[[f"{SECRET_NAME}（身份证号{SECRET_ID}，手机{SECRET_MOBILE}）基本工资", 1.23]],
        footnotes=[f"注：{SECRET_TITLE}，经办人{SECRET_NAME}，电话{SECRET_MOBILE}"],
        sign_off=_sign_off(True),
    )
    on_request = TableSheet(
        "内部02表",
        f"{SECRET_TITLE}专项资金明细表",
        "内部02表",
        ORG,
        "万元",
        header,
        rows=[[f"{SECRET_TITLE}：{SECRET_NAME}专项补助", 4.56]],
    )
    return [(secret, "不予公开"), (on_request, "依申请公开")]


def write_workbook(
    path: Path, label: str, tables: list[tuple[TableSheet, str]], shift: tuple[int, int]
) -> None:
    """A workbook with a 目录 sheet first and one sheet per table."""
    book = Workbook()
    index = book.active
    assert index is not None
    index.title = "目录"
    index.append([f"{ORG}{label}公开表目录"])
    index.append(["表号", "表名", "公开属性", "备注"])
    for table, disclosure in tables:
        index.append([table.code, table.title, disclosure, None])
        write_table(book.create_sheet(table.sheet), table, shift)
    index.column_dimensions["B"].width = 48
    book.save(path)


def _cells_to_plant(book: Any, resource: str, marker: str) -> list[Any]:
    """The writable cells a field's texts go into, in order: under the fee list's heading, the
    cells of rows that carry a fee (they have a 经办人; merged continuation cells are skipped);
    for notes, every footnote of the final accounts."""
    if resource == "table_notes":
        return _footnote_cells(book, marker)
    return _fee_cells(book.active, marker)


def _footnote_cells(book: Any, marker: str) -> list[Any]:
    return [
        cell
        for sheet in book.worksheets[1:]
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith(marker)
    ]


def _fee_cells(sheet: Any, marker: str) -> list[Any]:
    heading = next(row for row in sheet.iter_rows() if any(c.value == marker for c in row))
    column = next(c.column for c in heading if c.value == marker)
    clerk = next(c.column for c in heading if c.value == "经办人")
    first = heading[0].row + 1
    return [
        sheet.cell(r, column)
        for r in range(first, sheet.max_row + 1)
        if sheet.cell(r, clerk).value and not isinstance(sheet.cell(r, column), MergedCell)
    ]


def _plant_text(paths: dict[str, Path], planted: Sequence[tuple[str, str, str]]) -> None:
    """Append each text to its field's next cell (see :func:`_cells_to_plant`).

    The workbooks are edited after they are written, so the tables stay exactly as generated
    apart from the planted cells.
    """
    books: dict[str, Any] = {}
    cells: dict[tuple[str, str], list[Any]] = {}
    for resource, name, text in planted:
        markers = {**PLANTABLE.get(resource, {}), **UNPUBLISHED_PLANTABLE.get(resource, {})}
        if name not in markers:
            raise ValueError(
                f"cannot plant into {resource}.{name}; "
                f"plantable: {PLANTABLE}, {UNPUBLISHED_PLANTABLE}"
            )
        key = "fees_xlsx" if resource == "fees" else "final_accounts_xlsx"
        if key not in books:
            books[key] = load_workbook(paths[key])
        if (resource, name) not in cells:
            cells[resource, name] = _cells_to_plant(books[key], resource, markers[name])
        if not cells[resource, name]:
            raise ValueError(f"no cell left to plant into for {resource}.{name}")
        cell = cells[resource, name].pop(0)
        cell.value = f"{cell.value or ''}{text}"
    for key, book in books.items():
        book.save(paths[key])


def write_origin(
    dest: Path,
    *,
    plant: bool = False,
    seed: int = 2018,
    shift: tuple[int, int] = (0, 0),
    planted: Sequence[tuple[str, str, str]] = (),
) -> dict[str, object]:
    """Write the three workbooks into ``dest`` and return the source config pointing at them.

    ``plant`` adds personal data and non-public tables wherever a finance office's files could
    hold them (sign-off lines, internal tables, the fee list's 经办人 columns); ``shift`` moves
    every table of the two amount workbooks down and right by (rows, columns).
    ``planted=[(resource, field, text), …]`` appends each ``text`` to a published field (one of
    :data:`PLANTABLE`), the n-th text of a field in its n-th row: the privacy tests plant values
    that must fail the run, or public identifiers that must publish; or to a private field
    (:data:`UNPUBLISHED_PLANTABLE`).
    """
    from . import SAMPLE_FILES

    year = 2018
    dest.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    budget3, actual3 = draw_three_public(rng)
    actual = Accounts(rng, actual3)
    planned = Accounts(random.Random(seed + 1), budget3, scale=1.04)
    finals = [(t, "主动公开") for t in final_tables(actual, budget3, year, _sign_off(plant))]
    budgets = [(t, "主动公开") for t in budget_tables(planned, year, _sign_off(plant))]
    if plant:
        finals += planted_tables(year)
    paths = {key: dest / name for key, name in SAMPLE_FILES.items()}
    write_workbook(paths["final_accounts_xlsx"], f"{year}年度部门决算", finals, shift)
    write_workbook(paths["budget_xlsx"], f"{year}年度部门预算", budgets, shift)
    write_fees(paths["fees_xlsx"], year=year, plant=plant)
    if planted:
        _plant_text(paths, planted)
    fee_income = write_fee_income(dest, seed)
    return {
        **{key: str(p) for key, p in paths.items()},
        "fee_income_csv": str(fee_income),
        "year": year,
    }


def main() -> None:
    """Rewrite the shipped sample origin."""
    dest = Path(__file__).with_name("sample")
    for config in [write_origin(dest)]:
        print("\n".join(f"{k} = {v}" for k, v in config.items()))


if __name__ == "__main__":
    main()
