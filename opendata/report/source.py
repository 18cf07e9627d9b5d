"""The core's derived source: the annual report's tables (政府信息公开工作年度报告) in long form.

It reads the current published versions of the datasets the report is made of (through
``context.datasets``, declared in ``depends_on``, so the scheduler refreshes it after them) and
publishes one row per cell: year, table, row code, column code, value and the source reference
(dataset, version, resource, filter) the figure was computed from. Only reports that pass the
rules are published: a report with a rule error (R1–R4, D1) fails the run, naming each failed
rule with its table, row, column and numbers, and the last good version stays current.

It lives in the core, not under plugins/, because it builds the report with the core's own
builder (``opendata.report``), which is no part of the plugin API (plugins import only
``opendata.plugin`` and ``opendata.testing``). The core registers it under the same entry-point
group as the plugins (pyproject.toml), so discovery, the scheduler and the contract treat it alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from opendata.plugin import ResourceSpec, Row, Source, SourceError, fields
from opendata.report.compute import Built, available_years, build
from opendata.report.formats import SHEET, TABLE2, TABLE3, TABLE4
from opendata.report.published import ReaderData

__all__ = ["AnnualReports"]

#: The table resources, each the cells of one table of the report in long form.
TABLES = (
    (TABLE2, "表二：主动公开政府信息情况"),
    (TABLE3, "表三：收到和处理政府信息公开申请情况"),
    (TABLE4, "表四：政府信息公开行政复议、行政诉讼情况"),
    (SHEET, "正文所述数字（统计表）"),
)


def due_date(year: int) -> date:
    """31 January of the next year (《政府信息公开条例》第五十条)."""
    return date(year + 1, 1, 31)


def findings_text(built: Built) -> str:
    """The rule errors of a report, one per line, with table, row, column and numbers."""
    lines = []
    for f in built.errors:
        where = "/".join(p for p in (f.table, f.row, f.column) if p) or "报告"
        numbers = ", ".join(f"{k}={v}" for k, v in f.numbers)
        lines.append(f"{built.report.year} {f.rule} {where}: {f.message} [{numbers}]")
    return "\n".join(lines)


class AnnualReports(Source):
    """政府信息公开工作年度报告：由已发布数据计算、经一致性规则检查的各表数据。"""

    name = "annual_reports"
    title = "政府信息公开工作年度报告数据"
    title_en = "Annual reports on government information disclosure (data)"
    description = (
        "按年度报告格式（国办公开办函〔2021〕30号；2019–2020年为〔2019〕60号试行格式；2019年以前为"
        "文字报告及统计表）由本平台已发布的数据计算的年度报告各表，每个单元格一行：年度、表、"
        "行代码、列代码、数值，以及所据数据集、版本、资源和筛选条件。只发布通过一致性规则"
        "（R1–R4、报告日期）检查的年度报告。"
    )
    publisher = "吉林经济技术开发区管理委员会办公室"
    license = "CC-BY-4.0"
    # After the sources it reads (01:45–02:00) have refreshed.
    schedule = "30 3 * * *"
    keywords = ("政府信息公开", "年度报告", "表二", "表三", "表四")
    origin_title = (
        "本平台已发布的 disclosure_requests、disclosure_catalog、service_hall、fiscal_data 数据集"
    )
    depends_on = ("disclosure_requests", "disclosure_catalog", "service_hall", "fiscal_data")
    resources = (
        ResourceSpec(
            "reports",
            "年度报告目录",
            "schemas/reports.json",
            description="每年一行：报告格式、日期、发布期限和所据数据版本。",
        ),
        *(
            ResourceSpec(code, label, "schemas/cells.json", description="每个单元格一行。")
            for code, label in TABLES
        ),
    )

    class Config(Source.Config):
        """Which years to publish."""

        #: Years before this one are left out (None: every year the data covers).
        first_year = fields.Integer(load_default=None, allow_none=True)
        #: The last year to publish (None: every year that has ended).
        last_year = fields.Integer(load_default=None, allow_none=True)

    def _years(self, data: ReaderData) -> list[int]:
        last = self.config.get("last_year") or date.today().year - 1
        first = self.config.get("first_year") or 0
        # A year that has not ended has no report yet: it would fail D1 (dated before its end).
        return [y for y in available_years(data) if first <= y <= last]

    def extract(self) -> Iterator[tuple[str, Row]]:
        data = ReaderData(self.context.datasets)
        years = self._years(data)
        if not years:
            raise SourceError(
                "no year to report on: disclosure_requests/annual_summary is not published "
                "or covers no year that has ended"
            )
        built = [build(data, year) for year in years]
        failed = [b for b in built if b.errors]
        if failed:
            raise SourceError(
                "annual reports with rule errors are not published:\n"
                + "\n".join(findings_text(b) for b in failed)
            )
        for b in built:
            yield "reports", self._report_row(b)
        for b in built:
            for code, _ in TABLES:
                for row in _cells(b, code):
                    yield code, row

    @staticmethod
    def _report_row(b: Built) -> Row:
        r = b.report
        return {
            "year": r.year,
            "format": r.format_id,
            "format_document": r.format.document,
            "report_date": r.date,
            "due_date": due_date(r.year),
            "built_from": "; ".join(f"{d}@{v}" for d, v in sorted(r.built_from.items())),
            "warnings": len(b.findings) - len(b.errors),
            "unsourced_cells": len(b.unsourced),
        }


def _cells(b: Built, table: str) -> Iterator[Row]:
    r = b.report
    if table not in r.format.tables:
        return
    spec = r.spec(table)
    for row in spec.rows:
        for col in spec.columns_of(row.code):
            cell = r.cell(table, row.code, col)
            if cell is None:
                continue
            ref = cell.source
            yield {
                "year": r.year,
                "table": table,
                "row_code": row.code,
                "row_label": row.label,
                "column_code": col,
                "column_label": spec.column(col).label,
                "value": cell.value,
                "source_dataset": ref.dataset if ref else None,
                "source_version": ref.version if ref else None,
                "source_resource": ref.resource if ref else None,
                "source_filter": ref.filter if ref else None,
            }
