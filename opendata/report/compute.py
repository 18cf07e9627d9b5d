"""Build the annual report of a year from the current published versions.

Each figure is a count of rows or a sum of one field over a filter of one published resource
(docs/annual-report-data.md names them), and its cell records dataset, version, resource and
filter, so anyone can repeat it on the downloaded CSV. The format is the one the year requires
(:func:`opendata.report.formats.format_for_year`). A cell no published source gives stays empty
and is listed in ``unsourced``: the report never invents a figure. The prose of each section is a
template filled with the figures, followed by the office's own paragraph or the mark that it is
still to be written (:mod:`opendata.report.paragraphs`).

Building twice from the same versions gives the same JSON bytes: nothing here reads a clock; the
report is dated by the newest version it was built from.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from opendata.report import formats as F
from opendata.report.model import Cell, Number, Report, SourceRef
from opendata.report.paragraphs import MISSING
from opendata.report.prose import fill_sections
from opendata.report.published import MissingData, Published, Record
from opendata.report.rules import Finding, check

REQUESTS = "disclosure_requests"
CATALOGUE = "disclosure_catalog"
HALL = "service_hall"
FISCAL = "fiscal_data"

#: annual_table3.row_code → the format's row code (2021 rows; 2019 folds （六） into one row).
T3_ROWS = {
    "一": "1",
    "二": "2",
    "三（一）": "3.1",
    "三（二）": "3.2",
    **{f"三（三）{n}": f"3.3.{n}" for n in range(1, 9)},
    **{f"三（四）{n}": f"3.4.{n}" for n in range(1, 4)},
    **{f"三（五）{n}": f"3.5.{n}" for n in range(1, 6)},
    **{f"三（六）{n}": f"3.6.{n}" for n in range(1, 4)},
    "三（七）": "3.7",
    "四": "4",
}
#: annual_table3 field → Table 三 column code.
T3_COLUMNS = {
    "natural_person": "natural",
    "commercial_enterprise": "business",
    "research_institution": "research",
    "public_welfare_org": "charity",
    "legal_service_org": "legal",
    "other_org": "other",
    "total": "total",
}
#: annual_table4.kind → Table 四 group; its fields → outcome codes.
T4_GROUPS = {
    "行政复议": "review",
    "行政诉讼·未经复议直接起诉": "suit_direct",
    "行政诉讼·复议后起诉": "suit_after_review",
}
T4_FIELDS = ("upheld", "corrected", "other", "pending", "total")
#: Channels the founding report names; every other channel counts as 其他渠道.
NAMED_CHANNELS = {"政务公开网": "gov_open_site", "门户网站": "portal", "微信公众号": "wechat"}
RESPONSE_METHODS = {
    "新闻发布会": "press_conference",
    "在线访谈": "online_interview",
    "政策解读稿件": "policy_reading",
    "微博微信": "weibo_wechat",
    "其他": "other",
}
DECISION_ROWS = {
    "行政许可": "20.5.licensing",
    "行政处罚": "20.6.penalty",
    "行政强制": "20.6.enforcement",
}
DOC_ROWS = {"规章": "20.1.rules", "行政规范性文件": "20.1.normative"}
TEN_THOUSAND = Decimal(10000)
CENT = Decimal("0.01")


@dataclass
class Built:
    """A computed report with the rules' findings and the cells no published source gives."""

    report: Report
    findings: list[Finding]
    unsourced: list[str] = field(default_factory=list)
    paragraphs: dict[str, str | None] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def as_json(self) -> dict[str, Any]:
        return {
            "report": self.report.as_json(),
            "findings": [f.as_dict() for f in self.findings],
            "unsourced": sorted(self.unsourced),
            "paragraph_files": dict(sorted(self.paragraphs.items())),
            "publishable": not self.errors,
        }


def to_json_bytes(data: Any) -> bytes:
    """Canonical JSON: sorted keys, UTF-8, no spaces that vary; equal data, equal bytes."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1, default=str)
    return (text + "\n").encode("utf-8")


def available_years(data: Published) -> list[int]:
    """Years the application register covers: a report needs its Table 三 at least."""
    try:
        rows = data.rows(REQUESTS, "annual_summary")
    except MissingData:
        return []
    return sorted({int(r["year"]) for r in rows if r.get("year", "").isdigit()})


def version_date(version: str) -> date | None:
    """The day a version id (``20261130T221151809054Z``) was made, or None."""
    digits = version[:8]
    if len(digits) < 8 or not digits.isdigit():
        return None
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


class _Builder:
    """Fills one report; one method per table, each reading one or two published resources."""

    def __init__(self, data: Published, year: int) -> None:
        self.data = data
        self.year = year
        spec = F.format_for_year(year)
        self.report = Report(year=year, format_id=spec.id)
        self.unsourced: list[str] = []

    # -- reading -------------------------------------------------------------------------

    def _rows(self, dataset: str, resource: str) -> list[Record] | None:
        try:
            rows = self.data.rows(dataset, resource)
            self.report.built_from[dataset] = self.data.version(dataset)
        except MissingData:
            return None
        return rows

    def _ref(self, dataset: str, resource: str, filter_: str) -> SourceRef:
        return SourceRef(dataset, self.data.version(dataset), resource, filter_)

    def _put(self, table: str, row: str, column: str, value: Number, ref: SourceRef) -> None:
        if table in self.report.format.tables:
            self.report.set(table, row, column, Cell(value, ref))

    def _missing(self, table: str, row: str, columns: Iterable[str], why: str) -> None:
        if table in self.report.format.tables:
            self.unsourced.extend(f"{table}/{row}/{c}: {why}" for c in columns)

    def _in_year(self, text: str) -> bool:
        return text[:4] == str(self.year)

    # -- tables --------------------------------------------------------------------------

    def table3(self) -> None:
        rows = self._rows(REQUESTS, "annual_table3")
        spec = self.report.format.tables.get(F.TABLE3)
        if spec is None:
            return
        if rows is None:
            for row in spec.rows:
                self._missing(F.TABLE3, row.code, spec.columns_of(row.code), "not published")
            return
        for target, records in self._table3_sources(rows, {r.code for r in spec.rows}).items():
            published = [r["row_code"] for r in records]
            where = published[0] if len(published) == 1 else f"IN ({', '.join(published)})"
            eq = "=" if len(published) == 1 else " "
            ref = self._ref(REQUESTS, "annual_table3", f"year={self.year} AND row_code{eq}{where}")
            for fname, col in T3_COLUMNS.items():
                value = sum(int(r[fname]) for r in records)
                self._put(F.TABLE3, target, col, value, ref)

    def _table3_sources(self, rows: list[Record], codes: set[str]) -> dict[str, list[Record]]:
        """Published row codes per row of this format: the 2019 format's single 其他处理 row
        sums the three published 其他处理 rows, and its filter names all three."""
        sources: dict[str, list[Record]] = {}
        for record in rows:
            if record["year"] != str(self.year):
                continue
            target: str = T3_ROWS.get(record["row_code"], "")
            if target not in codes:
                target = "3.6" if target.startswith("3.6.") and "3.6" in codes else ""
            if target:
                sources.setdefault(target, []).append(record)
        return sources

    def table4(self) -> None:
        rows = self._rows(REQUESTS, "annual_table4")
        if rows is None:
            for code in T4_GROUPS.values():
                cols = [f"{code}.{o}" for o in T4_FIELDS]
                self._missing(F.TABLE4, "all", cols, "not published")
            return
        for record in rows:
            group = T4_GROUPS.get(record["kind"])
            if record["year"] != str(self.year) or group is None:
                continue
            ref = self._ref(
                REQUESTS, "annual_table4", f"year={self.year} AND kind={record['kind']}"
            )
            for name in T4_FIELDS:
                self._put(F.TABLE4, "all", f"{group}.{name}", int(record[name]), ref)

    def table2(self) -> None:
        if F.TABLE2 not in self.report.format.tables:
            return
        if self.report.format_id == F.FORMAT_2021:
            self._documents_2021()
        else:
            self._documents_2019()
        self._decisions()
        self._fees()
        self._missing(F.TABLE2, "20.5.services", ("previous", "change", "decisions"), "no source")
        self._missing(F.TABLE2, "20.9.procurement", ("items", "amount"), "no source")

    def _doc_filters(self) -> dict[str, Callable[[Record], bool]]:
        first, last = f"{self.year}-01-01", f"{self.year}-12-31"

        def issued(r: Record) -> bool:
            return first <= r["created"] <= last

        def repealed(r: Record) -> bool:
            return first <= r.get("repealed_on", "") <= last

        def in_force(r: Record) -> bool:
            return r["created"] <= last and (r.get("repealed_on", "") or "9999") > last

        def published(r: Record) -> bool:
            return first <= r["published"] <= last

        return {
            "issued": issued,
            "repealed": repealed,
            "in_force": in_force,
            "published": published,
        }

    _DOC_FILTER_TEXT: ClassVar[dict[str, str]] = {
        "issued": "created between {y}-01-01 and {y}-12-31",
        "repealed": "repealed_on between {y}-01-01 and {y}-12-31",
        "in_force": "created <= {y}-12-31 AND (repealed_on empty OR repealed_on > {y}-12-31)",
        "published": "published between {y}-01-01 and {y}-12-31",
    }

    def _count_docs(self, columns: dict[str, str]) -> None:
        """``columns``: the format's column code → which filter of :meth:`_doc_filters` it is."""
        entries = self._rows(CATALOGUE, "entries")
        for kind, row in DOC_ROWS.items():
            if entries is None or (entries and "doc_kind" not in entries[0]):
                self._missing(F.TABLE2, row, columns, "entries.doc_kind not published")
                continue
            tests = self._doc_filters()
            for col, which in columns.items():
                text = self._DOC_FILTER_TEXT[which].format(y=self.year)
                count = sum(1 for r in entries if r["doc_kind"] == kind and tests[which](r))
                ref = self._ref(CATALOGUE, "entries", f"doc_kind={kind} AND {text}")
                self._put(F.TABLE2, row, col, count, ref)

    def _documents_2021(self) -> None:
        self._count_docs({"issued": "issued", "repealed": "repealed", "in_force": "in_force"})

    def _documents_2019(self) -> None:
        self._count_docs({"made": "issued", "published": "published", "total": "in_force"})

    def _decisions(self) -> None:
        rows = self._rows(HALL, "decisions")
        for kind, row in DECISION_ROWS.items():
            if rows is None:
                self._missing(F.TABLE2, row, ("decisions",), "not published")
                continue
            now = [r for r in rows if r["year"] == str(self.year) and r["kind"] == kind]
            filt = f"year={self.year} AND kind={kind}"
            total = sum(int(r["decisions"] or 0) for r in now)
            self._put(F.TABLE2, row, "decisions", total, self._ref(HALL, "decisions", filt))
            if self.report.format_id == F.FORMAT_2019:
                # 上一年项目数量 and 本年增/减: matters with decisions last year and the change.
                before = [r for r in rows if r["year"] == str(self.year - 1) and r["kind"] == kind]
                prev = f"year={self.year - 1} AND kind={kind}"
                self._put(
                    F.TABLE2, row, "previous", len(before), self._ref(HALL, "decisions", prev)
                )
                change_ref = self._ref(HALL, "decisions", f"count({filt}) - count({prev})")
                self._put(F.TABLE2, row, "change", len(now) - len(before), change_ref)

    def _fees(self) -> None:
        rows = self._rows(FISCAL, "fee_income")
        row = "20.8.fees"
        if rows is None:
            self._missing(F.TABLE2, row, ("amount", "previous", "change"), "not published")
            return
        now = [r for r in rows if r["year"] == str(self.year)]
        filt = f"year={self.year}"
        if self.report.format_id == F.FORMAT_2021:
            amount = sum((Decimal(r["amount"] or "0") for r in now), Decimal(0)).quantize(CENT)
            self._put(F.TABLE2, row, "amount", amount, self._ref(FISCAL, "fee_income", filt))
            return
        before = [r for r in rows if r["year"] == str(self.year - 1)]
        prev = f"year={self.year - 1}"
        self._put(F.TABLE2, row, "previous", len(before), self._ref(FISCAL, "fee_income", prev))
        ref = self._ref(FISCAL, "fee_income", f"count({filt}) - count({prev})")
        self._put(F.TABLE2, row, "change", len(now) - len(before), ref)

    def sheet(self) -> None:
        """The figures the prose states (the provincial sheet before 2019)."""
        self._channels()
        self._responses()
        self._applications()

    def _sheet(self, row: str, value: Number, ref: SourceRef) -> None:
        self._put(F.SHEET, row, F.VALUE, value, ref)

    def _channels(self) -> None:
        rows = self._rows(CATALOGUE, "publications")
        if rows is None:
            return
        now = [r for r in rows if self._in_year(r["published"])]
        base = f"published between {self.year}-01-01 and {self.year}-12-31"
        ref = self._ref(CATALOGUE, "publications", base)
        self._sheet("proactive.total", len(now), ref)
        for channel, code in NAMED_CHANNELS.items():
            n = sum(1 for r in now if r["channel"] == channel)
            self._sheet(
                f"proactive.{code}",
                n,
                self._ref(CATALOGUE, "publications", f"{base} AND channel={channel}"),
            )
        others = sum(1 for r in now if r["channel"] not in NAMED_CHANNELS)
        filt = f"{base} AND channel NOT IN ({','.join(NAMED_CHANNELS)})"
        self._sheet("proactive.other", others, self._ref(CATALOGUE, "publications", filt))

    def _responses(self) -> None:
        rows = self._rows(CATALOGUE, "responses")
        if rows is None:
            return
        now = [r for r in rows if self._in_year(r["date"])]
        base = f"date between {self.year}-01-01 and {self.year}-12-31"
        self._sheet("response.total", len(now), self._ref(CATALOGUE, "responses", base))
        for method, code in RESPONSE_METHODS.items():
            n = sum(1 for r in now if r["method"] == method)
            ref = self._ref(CATALOGUE, "responses", f"{base} AND method={method}")
            self._sheet(f"response.{code}", n, ref)

    def _applications(self) -> None:
        self._applications_received()
        self._reviews_and_suits()
        self._fee_amount()
        self._missing(F.SHEET, "complaint.total", (F.VALUE,), "no source")

    def _applications_received(self) -> None:
        """Applications received and completed, as table 3 publishes them."""
        t3 = self._rows(REQUESTS, "annual_table3")
        if t3 is None:
            return
        for row_code, code in (
            ("一", "application.received"),
            ("三（七）", "application.completed"),
        ):
            found = [r for r in t3 if r["year"] == str(self.year) and r["row_code"] == row_code]
            if found:
                ref = self._ref(
                    REQUESTS, "annual_table3", f"year={self.year} AND row_code={row_code}"
                )
                self._sheet(code, int(found[0]["total"]), ref)

    def _reviews_and_suits(self) -> None:
        t4 = self._rows(REQUESTS, "annual_table4")
        if t4 is None:
            return
        now = [r for r in t4 if r["year"] == str(self.year)]
        reviews = [r for r in now if r["kind"] == "行政复议"]
        suits = [r for r in now if r["kind"].startswith("行政诉讼")]
        base = f"year={self.year} AND kind"
        self._sheet(
            "review.total",
            sum(int(r["total"]) for r in reviews),
            self._ref(REQUESTS, "annual_table4", f"{base}=行政复议"),
        )
        self._sheet(
            "suit.total",
            sum(int(r["total"]) for r in suits),
            self._ref(REQUESTS, "annual_table4", f"{base} LIKE 行政诉讼%"),
        )

    def _fee_amount(self) -> None:
        summary = self._rows(REQUESTS, "annual_summary")
        if summary is None:
            return
        found = [r for r in summary if r["year"] == str(self.year)]
        if found:
            yuan = Decimal(found[0]["fee_total"] or "0")
            ref = self._ref(REQUESTS, "annual_summary", f"year={self.year} (fee_total 元 / 10000)")
            self._sheet("fees.amount", (yuan / TEN_THOUSAND).quantize(CENT), ref)


_APPLICATION_ROWS = (("一", "application.received"), ("三（七）", "application.completed"))


# -- the report ----------------------------------------------------------------------------


def build_model(data: Published, year: int, *, body: str = "") -> tuple[Report, list[str]]:
    """The tables and sheet of ``year`` (no prose, no findings) and the unsourced cells."""
    builder = _Builder(data, year)
    builder.table2()
    builder.table3()
    builder.table4()
    builder.sheet()
    report = builder.report
    report.body = body
    dates = [d for v in report.built_from.values() if (d := version_date(v))]
    # Dated by the data, not by a clock: the newest version the report was built from.
    report.date = max(dates) if dates else None
    return report, builder.unsourced


def build(
    data: Published,
    year: int,
    *,
    paragraphs_root: str | Path | None = None,
    body: str = "",
) -> Built:
    """The report of ``year``, its prose, and the findings of every rule (X1 against Y-1)."""
    report, unsourced = build_model(data, year, body=body)
    files = fill_sections(report, paragraphs_root)
    previous = None
    if year - 1 in available_years(data):
        previous, _ = build_model(data, year - 1, body=body)
    return Built(report, check(report, previous), unsourced, files)


def missing_sections(built: Built) -> list[str]:
    """Sections whose office paragraph is still to be written."""
    return [code for code, text in built.report.sections.items() if text.endswith(MISSING)]
