"""The office's 复议诉讼台账: reviews and lawsuits about disclosure decisions, and Table 四.

One line per case: the case number the office gives it, whether it is a 行政复议 or a
行政诉讼 (and, for a lawsuit, whether a review came first), the date it was filed, the date it
was closed and its result. The applicant's name and the related application are in the ledger
too; they are never read. Published per case without them (``appeals``), and as the national
Table 四 per year (``annual_table4``).

Table 四 of year Y counts the cases filed in Y, each with the result known at the end of Y: a
case closed later is 尚未审结 in Y's table. So 维持 + 纠正 + 其他 + 尚未审结 = 总计 (R4) holds
by construction, and every cell is a filter over ``appeals`` (docs/annual-report-data.md).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from opendata.plugin import Row, SourceError

from .register import parse_date

COL_CASE = "案件编号"
COL_TYPE = "案件类别"
COL_REVIEWED = "是否经复议"
COL_FILED = "收到日期"
COL_CLOSED = "审结日期"
COL_RESULT = "结果"
REQUIRED = (COL_CASE, COL_TYPE, COL_REVIEWED, COL_FILED, COL_CLOSED, COL_RESULT)
#: Personal or internal columns: known, never read.
NOT_READ = ("申请人姓名或名称", "关联申请编号", "复议机关或法院", "备注")

REVIEW = "行政复议"
SUIT_DIRECT = "行政诉讼·未经复议直接起诉"
SUIT_AFTER_REVIEW = "行政诉讼·复议后起诉"
#: Table 四's column groups, in the table's order.
KINDS = (REVIEW, SUIT_DIRECT, SUIT_AFTER_REVIEW)
PENDING = "尚未审结"
OUTCOMES = ("维持", "纠正", "其他", PENDING)

#: What ledgers write as a result → Table 四's column. A court's 驳回诉讼请求 leaves the
#: decision standing (维持); 撤销, 变更, 确认违法 and 责令履行 correct it (纠正); a withdrawal or
#: a termination decides nothing about it (其他).
_RESULTS = {
    "维持": "维持",
    "驳回": "维持",
    "驳回诉讼请求": "维持",
    "驳回复议申请": "维持",
    "纠正": "纠正",
    "撤销": "纠正",
    "变更": "纠正",
    "确认违法": "纠正",
    "责令履行": "纠正",
    "其他": "其他",
    "撤回": "其他",
    "终止": "其他",
    "调解": "其他",
    "不予受理": "其他",
}
_YES, _NO = {"是", "Y", "1"}, {"", "否", "N", "0"}


@dataclass(frozen=True)
class Case:
    """One case, without the applicant."""

    case_id: str
    kind: str
    filed: dt.date
    closed: dt.date | None
    #: 维持, 纠正 or 其他 once closed; 尚未审结 while open.
    outcome: str


def read_appeals(path: Path, encoding: str) -> list[Case]:
    """Every case of the ledger at ``path``; errors name the file, line and column."""
    if not path.is_file():
        raise SourceError(f"appeals ledger {path}: file not found")
    try:
        with path.open(encoding=encoding, newline="") as handle:
            reader = csv.DictReader(handle)
            header = [name.strip().lstrip("\ufeff") for name in reader.fieldnames or []]
            _check_header(path, header)
            reader.fieldnames = header
            cases: dict[str, Case] = {}
            for record in reader:
                if not any((value or "").strip() for value in record.values()):
                    continue
                case = _parse(path, reader.line_num, record)
                if case.case_id in cases:
                    raise SourceError(
                        f"appeals ledger {path}, line {reader.line_num}, column {COL_CASE}: "
                        f"{case.case_id!r} appears twice"
                    )
                cases[case.case_id] = case
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"appeals ledger {path}: not readable as {encoding} at byte {exc.start}; "
            "set the source's appeals_encoding (e.g. gb18030)"
        ) from exc
    except csv.Error as exc:
        raise SourceError(f"appeals ledger {path}: malformed CSV: {exc}") from exc
    return sorted(cases.values(), key=lambda c: (c.filed, c.case_id))


def _check_header(path: Path, header: list[str]) -> None:
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise SourceError(
            f"appeals ledger {path}: header lacks column(s) {', '.join(missing)} "
            f"(found {', '.join(header) or 'no header'})"
        )
    known = {*REQUIRED, *NOT_READ}
    for index, heading in enumerate(header):
        if heading and heading not in known:
            raise SourceError(
                f"appeals ledger {path}, line 1, column {index + 1}: heading {heading!r} is not "
                f"a column of the ledger (known: {', '.join(sorted(known))})"
            )


def _parse(path: Path, line: int, record: dict[str, str | None]) -> Case:
    def cell(column: str) -> str:
        return (record.get(column) or "").strip()

    def fail(column: str, problem: str) -> SourceError:
        return SourceError(f"appeals ledger {path}, line {line}, column {column}: {problem}")

    case_id = cell(COL_CASE)
    if not case_id:
        raise fail(COL_CASE, "empty")
    kind = _kind(cell(COL_TYPE), cell(COL_REVIEWED))
    if kind is None:
        raise fail(
            COL_TYPE,
            f"{cell(COL_TYPE)!r} / {COL_REVIEWED} {cell(COL_REVIEWED)!r}: expected 行政复议, or "
            "行政诉讼 with 是否经复议 是 or 否",
        )
    filed = parse_date(cell(COL_FILED))
    if filed is None:
        raise fail(COL_FILED, f"not a date: {cell(COL_FILED)!r}")
    closed = parse_date(cell(COL_CLOSED)) if cell(COL_CLOSED) else None
    if cell(COL_CLOSED) and closed is None:
        raise fail(COL_CLOSED, f"not a date: {cell(COL_CLOSED)!r}")
    if closed is not None and closed < filed:
        raise fail(COL_CLOSED, f"closed {closed} before it was filed {filed}")
    result = _RESULTS.get(cell(COL_RESULT))
    if closed is None:
        if cell(COL_RESULT) not in ("", PENDING):
            raise fail(COL_RESULT, f"result {cell(COL_RESULT)!r} but no {COL_CLOSED}")
        result = PENDING
    elif result is None:
        raise fail(
            COL_RESULT, f"unknown result {cell(COL_RESULT)!r} (expected one of {sorted(_RESULTS)})"
        )
    return Case(case_id, kind, filed, closed, result)


def _kind(case_type: str, reviewed: str) -> str | None:
    if case_type == REVIEW and reviewed in _NO:
        return REVIEW
    if case_type != "行政诉讼":
        return None
    if reviewed in _YES:
        return SUIT_AFTER_REVIEW
    return SUIT_DIRECT if reviewed in _NO else None


def case_rows(cases: Iterable[Case]) -> Iterator[Row]:
    """Rows of ``appeals``."""
    for case in cases:
        yield {
            "case_id": case.case_id,
            "kind": case.kind,
            "year": case.filed.year,
            "filed": case.filed,
            "outcome": case.outcome,
            "closed": case.closed,
        }


def outcome_at(case: Case, day: dt.date) -> str:
    """The case's result as known at the end of ``day``."""
    if case.closed is None or case.closed > day:
        return PENDING
    return case.outcome


def table4(cases: list[Case], years: Iterable[int]) -> Iterator[Row]:
    """Rows of ``annual_table4``: three groups for every year, zeros included."""
    for year in years:
        end = dt.date(year, 12, 31)
        for order, kind in enumerate(KINDS, start=1):
            found = [outcome_at(c, end) for c in cases if c.kind == kind and c.filed.year == year]
            yield {
                "year": year,
                "group_order": order,
                "kind": kind,
                "upheld": found.count("维持"),
                "corrected": found.count("纠正"),
                "other": found.count("其他"),
                "pending": found.count(PENDING),
                "total": len(found),
            }
