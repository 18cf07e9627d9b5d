"""Check a report document: read it, apply the rules, and print what was found.

``check_file`` reads the document (and last year's, for X1), applies every rule, and — when a
report computed from the published data is given — compares each cell both have (rule A1, a
warning: the document states a figure the published data does not give). ``render_text`` prints
one finding per paragraph, with the line (for DOCX, the paragraph or table row counted from 1),
the rule, the numbers and the sentence; ``render_json`` is the same for machines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opendata.report.extract import read_report
from opendata.report.formats import SHEET
from opendata.report.model import Report
from opendata.report.rules import ERROR, WARNING, Finding, check

_SEVERITY_ZH = {ERROR: "错误", WARNING: "警告"}


@dataclass
class CheckResult:
    report: Report
    findings: list[Finding]
    against: str = ""  # what the figures were compared with, when they were
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[Finding]:
        return [f for f in self.findings if not f.held]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.failed if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.failed if f.severity == WARNING]


def compare(report: Report, data: Report) -> list[Finding]:
    """A1: every cell the document and the published data both give, where they differ."""
    found = []
    for table, rows in sorted(report.tables.items()):
        if table not in data.format.tables:
            continue
        spec = report.spec(table)
        for row, cols in sorted(rows.items()):
            for col, cell in sorted(cols.items()):
                other = data.cell(table, row, col)
                if other is None or other.value == cell.value:
                    continue
                src = other.source
                where = f"{src.dataset} {src.version} {src.resource}" if src else "published data"
                label = spec.row(row).label
                found.append(
                    Finding(
                        "A1",
                        table,
                        row,
                        col,
                        (("报告", str(cell.value)), ("数据", str(other.value))),
                        str(other.value),
                        str(cell.value),
                        f"“{label}”报告为 {cell.value}，已发布数据为 {other.value}（{where}）",
                        f"{table} {row}/{col}: the report states {cell.value},"
                        f" the published data gives {other.value} ({where})",
                        cell.line,
                        _sentence(report, cell.line),
                    )
                )
    return found


def unread(report: Report) -> list[str]:
    """Notes on the format's tables the document did not give in full (rules skip such cells)."""
    notes = []
    prose = {f.line for f in report.figures}
    for code, spec in report.format.tables.items():
        if code == SHEET:
            continue
        # A cell filled from a figure in prose is not a table row the document gave.
        rows = {
            r: cols
            for r, cols in report.tables.get(code, {}).items()
            if any(c.line not in prose for c in cols.values())
        }
        if not rows:
            notes.append(f"{spec.label}：未找到该表 (table not found; its rules were not applied)")
            continue
        missing = [r.code for r in spec.rows if r.code not in rows]
        if missing:
            notes.append(
                f"{spec.label}：未读到行 {', '.join(missing)}"
                " (rows not read: their labels or number of figures differ from the format)"
            )
    return notes


def _sentence(report: Report, line: int | None) -> str:
    return next((f.sentence for f in report.figures if f.line == line and line), "")


def check_file(
    path: Path,
    *,
    previous: Path | None = None,
    year: int | None = None,
    data: Report | None = None,
    include_passed: bool = False,
) -> CheckResult:
    report = read_report(path, year=year)
    before = read_report(previous) if previous else None
    findings = check(report, before, include_passed=include_passed)
    result = CheckResult(report, findings, notes=unread(report))
    if data is not None:
        result.against = ", ".join(f"{k} {v}" for k, v in sorted(data.built_from.items()))
        extra = compare(report, data)
        result.findings = sorted(
            [f for f in findings if not f.held] + extra, key=lambda f: _order(f)
        ) + [f for f in findings if f.held]
    return result


def _order(f: Finding) -> tuple[int, int, str]:
    return (0 if f.severity == ERROR else 1, f.line or 0, f.rule)


def _where(f: Finding) -> str:
    parts = [p for p in (f.table, f.row, f.column) if p]
    return f" [{' '.join(parts)}]" if parts else ""


def render_text(result: CheckResult, *, verbose: bool = False) -> str:
    r = result.report
    dated = r.date.isoformat() if r.date else "无日期 (no date found)"
    out = [
        f"{r.source_name}: {r.year}年度报告，格式 {r.format_id}（{r.format.document}），"
        f"落款日期 {dated}",
    ]
    if result.against:
        out.append(f"与已发布数据比较 (against the published data): {result.against}")
    out += [f"注意 (note): {n}" for n in result.notes]
    for f in result.failed:
        line = f"第{f.line}行" if f.line else "全文"
        out.append(f"{line} {f.rule} {_SEVERITY_ZH[f.severity]}{_where(f)} {f.message}")
        out.append(f"    {f.severity}: {f.message_en}")
        if f.sentence:
            out.append(f"    「{f.sentence}」")
    if verbose:
        for f in result.findings:
            if f.held:
                line = f"第{f.line}行" if f.line else "全文"
                out.append(f"{line} {f.rule} 通过 (passed){_where(f)} {f.message}")
    out.append(f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)")
    return "\n".join(out) + "\n"


def render_json(result: CheckResult) -> dict[str, Any]:
    r = result.report
    return {
        "file": r.source_name,
        "year": r.year,
        "format": r.format_id,
        "date": r.date.isoformat() if r.date else None,
        "against": result.against or None,
        "notes": result.notes,
        "errors": len(result.errors),
        "warnings": len(result.warnings),
        "findings": [f.as_dict() for f in result.findings],
        "figures": [
            {
                "line": g.line,
                "value": g.value if isinstance(g.value, int) else str(g.value),
                "unit": g.unit,
                "table": g.table,
                "row": g.row,
                "column": g.column,
                "sentence": g.sentence,
            }
            for g in r.figures
        ],
    }
