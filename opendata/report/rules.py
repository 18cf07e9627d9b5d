"""Consistency rules of the annual report: R1–R4 and D1 are errors, X1–X3 warnings.

- R1 each Table 三 column: 本年新收 + 上年结转 = （七）总计 + 结转下年度.
- R2 each Table 三 column: （七）总计 = the sum of every outcome row.
- R3 each Table 三 row: the six applicant columns sum to 总计.
- R4 each Table 四 group: 维持 + 纠正 + 其他 + 尚未审结 = 总计.
- X1 this year's 上年结转 = last year's 结转下年度 (needs last year's report).
- X2 a figure quoted in prose equals the table cell it states.
- X3 a total and its parts by channel or method: parts sum >= total when one item may appear in
  several channels, == when it may not.
- D1 the report is dated after the end of the year it reports on. An error, not a warning: a
  report cannot describe a year that has not ended, so the date (or the year) is wrong as
  printed, whatever the figures say. (The founding report, on 2018, is dated 2018-01-02.)

A rule only judges cells that are present: a table missing from a checked document is not an
inconsistency of the figures (the extractor reports what it could not read).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from opendata.report.formats import (
    APPLICANT_PARTS,
    GROUPS,
    SHEET,
    SHEET_PARTS,
    TABLE3,
    TABLE4,
    VALUE,
    PartsSpec,
    outcome_rows,
)
from opendata.report.model import Cell, Number, Report

ERROR = "error"
WARNING = "warning"

SEVERITY = {
    "R1": ERROR,
    "R2": ERROR,
    "R3": ERROR,
    "R4": ERROR,
    "D1": ERROR,
    "X1": WARNING,
    "X2": WARNING,
    "X3": WARNING,
    "A1": WARNING,  # opendata report check --against-data: the document and the data differ
}


@dataclass(frozen=True)
class Finding:
    """One failed rule: where, the numbers it compared, and what it means in zh-CN and English."""

    rule: str
    table: str
    row: str
    column: str
    numbers: tuple[tuple[str, str], ...]  # (label, value as written) in the order of the sum
    expected: str
    actual: str
    message: str
    message_en: str
    line: int | None = None
    sentence: str = ""
    lines: tuple[int, ...] = field(default=())
    held: bool = False  # a check that passed (listed only on request, e.g. --verbose)

    @property
    def severity(self) -> str:
        return SEVERITY[self.rule]

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "numbers": [{"label": k, "value": v} for k, v in self.numbers],
            "expected": self.expected,
            "actual": self.actual,
            "message": self.message,
            "message_en": self.message_en,
            "line": self.line,
            "sentence": self.sentence,
            "held": self.held,
        }


def _s(value: Number) -> str:
    return str(value)


def _sum(values: list[Number]) -> Number:
    total: Number = 0
    for v in values:
        total = total + v
    return total


def _first_line(report: Report, table: str, cells: list[tuple[str, str]]) -> int | None:
    lines = [c.line for r, col in cells if (c := report.cell(table, r, col)) and c.line]
    return min(lines) if lines else None


def _equation(
    report: Report,
    table: str,
    left: list[tuple[str, str]],
    right: list[tuple[str, str]],
) -> tuple[list[tuple[str, Number]], list[tuple[str, Number]]] | None:
    """The labelled values of both sides, or None when any cell is missing."""
    spec = report.spec(table)
    sides: list[list[tuple[str, Number]]] = []
    for side in (left, right):
        vals = []
        for row, col in side:
            v = report.value(table, row, col)
            if v is None:
                return None
            label = (
                spec.row(row).label
                if len(spec.columns) == 1
                else f"{spec.row(row).label}/{spec.column(col).label}"
            )
            vals.append((label, v))
        sides.append(vals)
    return sides[0], sides[1]


def _balance(
    report: Report,
    rule: str,
    table: str,
    where: tuple[str, str],
    left: list[tuple[str, str]],
    right: list[tuple[str, str]],
    texts: tuple[str, str],
) -> Iterator[Finding]:
    """Yield a finding when sum(left) != sum(right)."""
    sides = _equation(report, table, left, right)
    if sides is None:
        return
    lv, rv = sides
    a, b = _sum([v for _, v in lv]), _sum([v for _, v in rv])
    lhs = " + ".join(_s(v) for _, v in lv)
    rhs = " + ".join(_s(v) for _, v in rv)
    zh, en = texts
    yield Finding(
        rule,
        table,
        where[0],
        where[1],
        tuple((k, _s(v)) for k, v in lv + rv),
        _s(a),
        _s(b),
        f"{zh} 成立：{lhs} = {rhs} = {a}"
        if a == b
        else f"{zh} 不成立：{lhs} = {a}，而 {rhs} = {b}",
        f"{en} holds: {lhs} = {rhs} = {a}"
        if a == b
        else f"{en} fails: {lhs} = {a}, but {rhs} = {b}",
        _first_line(report, table, left + right),
        held=a == b,
    )


def rule_r1(report: Report) -> Iterator[Finding]:
    if TABLE3 not in report.format.tables:
        return
    for col in report.spec(TABLE3).columns:
        c = col.code
        yield from _balance(
            report,
            "R1",
            TABLE3,
            ("", c),
            [("1", c), ("2", c)],
            [("3.7", c), ("4", c)],
            (
                f"表三“{col.label}”列 本年新收 + 上年结转 = 办理总计 + 结转下年度",
                f"Table 3 column {c}: new + carried in = handled + carried over",
            ),
        )


def rule_r2(report: Report) -> Iterator[Finding]:
    if TABLE3 not in report.format.tables:
        return
    spec = report.spec(TABLE3)
    outcomes = outcome_rows(spec)
    for col in spec.columns:
        c = col.code
        present = [r for r in outcomes if report.value(TABLE3, r, c) is not None]
        if not present:
            continue
        yield from _balance(
            report,
            "R2",
            TABLE3,
            ("3.7", c),
            [("3.7", c)],
            [(r, c) for r in present],
            (
                f"表三“{col.label}”列 （七）总计 = 各项办理结果之和",
                f"Table 3 column {c}: total handled = sum of outcomes",
            ),
        )


def rule_r3(report: Report) -> Iterator[Finding]:
    if TABLE3 not in report.format.tables:
        return
    for row in report.spec(TABLE3).rows:
        r = row.code
        yield from _balance(
            report,
            "R3",
            TABLE3,
            (r, "total"),
            [(r, "total")],
            [(r, c) for c in APPLICANT_PARTS],
            (
                f"表三“{row.label}”行 总计 = 各类申请人之和",
                f"Table 3 row {r}: total = sum of applicant columns",
            ),
        )


def rule_r4(report: Report) -> Iterator[Finding]:
    if TABLE4 not in report.format.tables:
        return
    for group, label, en in GROUPS:
        parts = [("all", f"{group}.{o}") for o in ("upheld", "corrected", "other", "pending")]
        yield from _balance(
            report,
            "R4",
            TABLE4,
            ("all", f"{group}.total"),
            [("all", f"{group}.total")],
            parts,
            (
                f"表四“{label}” 总计 = 维持 + 纠正 + 其他 + 尚未审结",
                f"Table 4 {en}: total = sum of results",
            ),
        )


def rule_x1(report: Report, previous: Report | None) -> Iterator[Finding]:
    if (
        previous is None
        or TABLE3 not in report.format.tables
        or TABLE3 not in previous.format.tables
    ):
        return
    for col in report.spec(TABLE3).columns:
        c = col.code
        now, before = report.value(TABLE3, "2", c), previous.value(TABLE3, "4", c)
        if now is None or before is None or now == before:
            continue
        yield Finding(
            "X1",
            TABLE3,
            "2",
            c,
            ((f"{report.year}年 上年结转", _s(now)), (f"{previous.year}年 结转下年度", _s(before))),
            _s(before),
            _s(now),
            f"表三“{col.label}”列 上年结转 {now} ≠ {previous.year}年报告的结转下年度 {before}",
            f"Table 3 column {c}: carried in {now} != carried over {before}"
            f" in the {previous.year} report",
            _first_line(report, TABLE3, [("2", c)]),
        )


def rule_x2(report: Report) -> Iterator[Finding]:
    for fig in report.figures:
        if not fig.table:
            continue
        cell = report.cell(fig.table, fig.row, fig.column)
        if cell is None or cell.value == fig.value or cell.line == fig.line:
            continue
        spec = report.spec(fig.table)
        label = spec.row(fig.row).label
        yield Finding(
            "X2",
            fig.table,
            fig.row,
            fig.column,
            (("正文", _s(fig.value)), ("表格", _s(cell.value))),
            _s(cell.value),
            _s(fig.value),
            f"正文所述“{label}”为 {fig.value}，表格（第{cell.line or '?'}行）为 {cell.value}",
            f"the prose states {fig.value} for {fig.row}, the table has {cell.value}",
            fig.line,
            fig.sentence,
        )


def rule_x3(report: Report) -> Iterator[Finding]:
    if SHEET not in report.format.tables:
        return
    for parts in SHEET_PARTS:
        total = report.cell(SHEET, parts.total, VALUE)
        present = [(p, c) for p in parts.parts if (c := report.cell(SHEET, p, VALUE))]
        if total is not None and present:
            yield _x3_finding(report, parts, total, present)


def _x3_finding(
    report: Report, parts: PartsSpec, total: Cell, present: list[tuple[str, Cell]]
) -> Finding:
    """The X3 finding of one total: its parts add up to it (or, overlapping, reach it)."""
    spec = report.spec(SHEET)
    s = _sum([c.value for _, c in present])
    ok = s >= total.value if parts.overlapping else s == total.value
    items = " + ".join(
        f"{c.value}（{spec.row(p).label.removeprefix('其中：')}）" for p, c in present
    )
    relation = "≥" if parts.overlapping else "="
    return Finding(
        "X3",
        SHEET,
        parts.total,
        VALUE,
        (
            (spec.row(parts.total).label, _s(total.value)),
            *((spec.row(p).label, _s(c.value)) for p, c in present),
        ),
        _s(total.value),
        _s(s),
        f"{parts.label}：所述总数 {total.value}，分项 {items} = {s}"
        + ("（成立）" if ok else f"（应{relation}总数）"),
        f"{parts.label_en}: stated {total.value}, itemised {s}"
        + (" (holds)" if ok else f" (should be {relation} the total)"),
        total.line,
        _sentence_of(report, total.line),
        tuple(sorted({c.line for _, c in present if c.line})),
        held=ok,
    )


def _sentence_of(report: Report, line: int | None) -> str:
    for fig in report.figures:
        if fig.line == line:
            return fig.sentence
    return ""


def rule_d1(report: Report) -> Iterator[Finding]:
    if report.date is None:
        return
    year_end = date(report.year, 12, 31)
    if report.date > year_end:
        return
    yield Finding(
        "D1",
        "",
        "",
        "",
        (("报告日期", report.date.isoformat()), ("报告年度结束", year_end.isoformat())),
        f"> {year_end.isoformat()}",
        report.date.isoformat(),
        f"报告日期 {report.date.isoformat()} 早于所报告年度（{report.year}年）结束之日",
        f"the report is dated {report.date.isoformat()},"
        f" before the end of the year it reports on ({report.year})",
        report.date_line,
    )


RULES: tuple[Callable[[Report], Iterator[Finding]], ...] = (
    rule_r1,
    rule_r2,
    rule_r3,
    rule_r4,
    rule_d1,
    rule_x2,
    rule_x3,
)


def check(
    report: Report, previous: Report | None = None, *, include_passed: bool = False
) -> list[Finding]:
    """Every finding on ``report``, errors first, then in document order.

    ``include_passed`` adds the sums that were checked and held (``held=True``), last.
    """
    found: list[Finding] = []
    for rule in RULES:
        found.extend(rule(report))
    found.extend(rule_x1(report, previous))
    order = {ERROR: 0, WARNING: 1}
    failed = sorted(
        (f for f in found if not f.held), key=lambda f: (order[f.severity], f.line or 0, f.rule)
    )
    if not include_passed:
        return failed
    return failed + sorted((f for f in found if f.held), key=lambda f: (f.line or 0, f.rule))


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == ERROR and not f.held]
