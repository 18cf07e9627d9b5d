"""The annual decision statistics (行政决定统计): 行政许可, 行政处罚 and 行政强制 per matter.

The zone's power-operation system (权力运行系统) exports, once a year, how many decisions each
matter produced: a CSV with one line per year × kind × matter. Table 二 of the annual report
takes 本年处理决定数量 for 行政许可 (Art. 20(五)), 行政处罚 and 行政强制 (Art. 20(六)) as the
sum of ``decisions`` over the year's rows of that kind (docs/annual-report-data.md). The export
holds counts only: no party to any decision is named.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from opendata.plugin import Row, SourceError, read_ledger

COL_YEAR = "年度"
COL_KIND = "决定类别"
COL_CODE = "事项编码"
COL_NAME = "事项名称"
COL_DEPT = "实施主体"
COL_COUNT = "决定数量"
COLUMNS = (COL_YEAR, COL_KIND, COL_CODE, COL_NAME, COL_DEPT, COL_COUNT)
KINDS = ("行政许可", "行政处罚", "行政强制")
_CODE = re.compile(r"^\d{6}-[A-Z]{2}-\d{3}$")


def read_decisions(path: Path, encoding: str) -> Iterator[Row]:
    """Rows of ``decisions`` from the export at ``path``; errors name file, line and column."""
    return read_ledger(
        path,
        encoding,
        what="decision statistics",
        columns=COLUMNS,
        parse=partial(_parse, path),
        key=lambda row: (row["year"], row["kind"], row["matter_code"]),
        describe=str,
        encoding_option="decisions_encoding",
    )


def _parse(path: Path, line: int, record: dict[str, str | None]) -> Row:
    def cell(column: str) -> str:
        return (record.get(column) or "").strip()

    def fail(column: str, problem: str) -> SourceError:
        return SourceError(f"decision statistics {path}, line {line}, column {column}: {problem}")

    if not re.fullmatch(r"\d{4}", cell(COL_YEAR)):
        raise fail(COL_YEAR, f"not a year: {cell(COL_YEAR)!r}")
    if cell(COL_KIND) not in KINDS:
        raise fail(COL_KIND, f"{cell(COL_KIND)!r} is not one of {', '.join(KINDS)}")
    if not _CODE.match(cell(COL_CODE)):
        raise fail(COL_CODE, f"not a matter code like 220271-XK-002: {cell(COL_CODE)!r}")
    if not cell(COL_NAME):
        raise fail(COL_NAME, "empty")
    if not cell(COL_COUNT).isdigit():
        raise fail(COL_COUNT, f"not a whole number of decisions: {cell(COL_COUNT)!r}")
    return {
        "year": int(cell(COL_YEAR)),
        "kind": cell(COL_KIND),
        "matter_code": cell(COL_CODE),
        "matter_name": cell(COL_NAME),
        "department": cell(COL_DEPT),
        "decisions": int(cell(COL_COUNT)),
    }
