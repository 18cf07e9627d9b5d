"""Fee income per year and item (行政事业性收费收入), from the non-tax revenue system's export.

Table 二 of the annual report asks for 行政事业性收费 本年收费金额（万元）(Art. 20(八)). The fee
list (``fees``) says what may be charged, not how much was: the amount comes from the non-tax
revenue collection system (非税收入征管系统), which exports one CSV line per year × fee item
with the amount collected in 元. Published as ``fee_income`` in 元 and in 万元 (exact: the
元 amount divided by 10,000, never rounded, so the report's rounding is the only one).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path

from opendata.plugin import Row, SourceError, read_ledger

COL_YEAR = "年度"
COL_ITEM = "收费项目"
COL_DEPT = "执收部门"
COL_AMOUNT = "收入金额（元）"
COLUMNS = (COL_YEAR, COL_ITEM, COL_DEPT, COL_AMOUNT)
TEN_THOUSAND = Decimal(10_000)


def read_fee_income(path: Path, encoding: str) -> Iterator[Row]:
    """Rows of ``fee_income``; errors name file, line and column."""
    return read_ledger(
        path,
        encoding,
        what="fee income",
        columns=COLUMNS,
        parse=partial(_parse, path),
        key=lambda row: (row["year"], row["item_name"]),
        describe=lambda key: f"{key[1]} of {key[0]}",
        encoding_option="fee_income_encoding",
    )


def _parse(path: Path, line: int, record: dict[str, str | None]) -> Row:
    def cell(column: str) -> str:
        return (record.get(column) or "").strip()

    def fail(column: str, problem: str) -> SourceError:
        return SourceError(f"fee income {path}, line {line}, column {column}: {problem}")

    if not re.fullmatch(r"\d{4}", cell(COL_YEAR)):
        raise fail(COL_YEAR, f"not a year: {cell(COL_YEAR)!r}")
    if not cell(COL_ITEM):
        raise fail(COL_ITEM, "empty")
    text = cell(COL_AMOUNT).replace(",", "")
    try:
        yuan = Decimal(text)
    except InvalidOperation:
        raise fail(COL_AMOUNT, f"not an amount in 元: {cell(COL_AMOUNT)!r}") from None
    if not yuan.is_finite() or yuan < 0 or yuan != yuan.quantize(Decimal("0.01")):
        raise fail(COL_AMOUNT, f"not an amount in 元 (≥ 0, at most 2 decimals): {text!r}")
    yuan = yuan.quantize(Decimal("0.01"))
    return {
        "year": int(cell(COL_YEAR)),
        "item_name": cell(COL_ITEM),
        "department": cell(COL_DEPT),
        "amount_yuan": yuan,
        "amount": (yuan / TEN_THOUSAND).quantize(Decimal("0.000001")),
    }
