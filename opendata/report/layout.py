"""The report laid out as a document: title, sections of paragraphs, tables as grids of cells.

HTML, DOCX and PDF all draw this one layout, so the three outputs cannot disagree on a label, a
figure or the order of rows. Tables follow the national format's printed shape: Table 二 in blocks
per article of the regulation, Table 三 with the applicant columns under 申请人情况 and the outcome
rows under their headings, Table 四 with 行政复议 / 行政诉讼 over their five outcomes each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from opendata.report.formats import (
    FORMAT_PRE2019,
    SHEET,
    TABLE2,
    TABLE3,
    TABLE4,
    TableSpec,
)
from opendata.report.model import Cell, Report

#: What a section without the office's own text says, so nobody mistakes it for content.
MISSING = "（本节内容待填写）"
#: An absent figure is shown as absent, never as an invented zero.
ABSENT = "—"

# Which table stands in which section (by section code) of the later formats.
_TABLE_SECTION = {TABLE2: "2", TABLE3: "3", TABLE4: "4"}


@dataclass(frozen=True)
class GridCell:
    text: str
    kind: str = "label"  # "head", "label", "num" or "group"
    colspan: int = 1
    rowspan: int = 1
    source: str = ""  # where a figure came from (the HTML shows it on hover)
    key: str = ""  # "row|column" of a figure: machines (and the checker) find it by code


@dataclass
class TableLayout:
    code: str
    title: str
    unit: str
    head: list[list[GridCell]] = field(default_factory=list)
    body: list[list[GridCell]] = field(default_factory=list)

    @property
    def width(self) -> int:
        first = self.head[0] if self.head else self.body[0]
        return sum(c.colspan for c in first)


@dataclass(frozen=True)
class Block:
    kind: str  # "p", "h3", "missing" or "table"
    text: str = ""
    table: TableLayout | None = None


@dataclass
class SectionLayout:
    code: str
    heading: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class DocumentLayout:
    title: str
    intro: str
    sections: list[SectionLayout]
    appendix: list[TableLayout]
    signature: str
    date_text: str
    date: date | None
    format_text: str
    built_from: list[tuple[str, str]]


def figure_text(cell: Cell | None) -> str:
    """A figure as printed: integers as they are, amounts with their decimals kept exactly."""
    if cell is None:
        return ABSENT
    return str(cell.value)


def source_text(cell: Cell | None) -> str:
    if cell is None or cell.source is None:
        return ""
    ref = cell.source
    where = f"{ref.dataset} {ref.version} / {ref.resource}"
    return f"{where} / {ref.filter}" if ref.filter else where


def chinese_date(day: date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def prose_blocks(text: str) -> list[Block]:
    """The office's Markdown as paragraphs: ``#`` lines are sub-headings, other lines paragraphs.

    Only this subset is read: the paragraphs of a report are plain prose, and a fuller Markdown
    would let raw HTML from the file into the page.
    """
    blocks: list[Block] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            blocks.append(Block("h3", line.lstrip("#").strip()))
        elif line == MISSING:
            blocks.append(Block("missing", line))
        else:
            blocks.append(Block("p", line.removeprefix("- ").removeprefix("* ")))
    return blocks or [Block("missing", MISSING)]


def _num(report: Report, table: str, row: str, col: str) -> GridCell:
    cell = report.cell(table, row, col)
    return GridCell(figure_text(cell), "num", source=source_text(cell), key=f"{row}|{col}")


def _table2(report: Report, spec: TableSpec) -> TableLayout:
    """Blocks per article (第二十条第（一）项 …), each with its own column headings."""
    # No unit in the title: its rows count documents and decisions but also 万元 of fees, and
    # each column heading names its own unit.
    out = TableLayout(spec.code, spec.label, "")
    width = 1 + max(len(spec.columns_of(r.code)) for r in spec.rows)
    previous: tuple[str, tuple[str, ...]] | None = None
    for row in spec.rows:
        cols = spec.columns_of(row.code)
        if (row.group, cols) != previous:
            out.body.append([GridCell(row.group, "group", colspan=width)])
            heads = [GridCell(spec.column(c).label, "head") for c in cols]
            heads[-1] = GridCell(heads[-1].text, "head", colspan=width - len(cols))
            out.body.append([GridCell("信息内容", "head"), *heads])
            previous = (row.group, cols)
        cells = [_num(report, spec.code, row.code, c) for c in cols]
        last = cells[-1]
        cells[-1] = GridCell(
            last.text, "num", colspan=width - len(cols), source=last.source, key=last.key
        )
        out.body.append([GridCell(row.label), *cells])
    return out


def _table3(report: Report, spec: TableSpec) -> TableLayout:
    out = TableLayout(spec.code, spec.label, spec.unit)
    cols = [c.code for c in spec.columns]
    natural, *organisations, total = spec.columns
    out.head = [
        [
            GridCell(
                "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                "head",
                rowspan=3,
            ),
            GridCell("申请人情况", "head", colspan=len(cols)),
        ],
        [
            GridCell(natural.label, "head", rowspan=2),
            GridCell("法人或其他组织", "head", colspan=len(organisations)),
            GridCell(total.label, "head", rowspan=2),
        ],
        [GridCell(c.label, "head") for c in organisations],
    ]
    width = 1 + len(cols)
    group = ""
    for row in spec.rows:
        if row.code == "3.1":
            out.body.append([GridCell("三、本年度办理结果", "group", colspan=width)])
        if row.group and row.group != group:
            out.body.append([GridCell(row.group, "group", colspan=width)])
        group = row.group
        out.body.append(
            [GridCell(row.label), *(_num(report, spec.code, row.code, c) for c in cols)]
        )
    return out


def _table4(report: Report, spec: TableSpec) -> TableLayout:
    """行政复议 and 行政诉讼 (未经复议直接起诉 / 复议后起诉), five outcomes each, one row."""
    out = TableLayout(spec.code, spec.label, spec.unit)
    groups: dict[str, list[str]] = {}
    for col in spec.columns:
        groups.setdefault(col.code.split(".")[0], []).append(col.code)
    names = [spec.column(codes[0]).label.split("·") for codes in groups.values()]
    review, *suits = list(groups.values())
    out.head = [
        [
            GridCell(names[0][0], "head", colspan=len(review), rowspan=2),
            GridCell("行政诉讼", "head", colspan=sum(len(s) for s in suits)),
        ],
        [GridCell(n[1], "head", colspan=len(s)) for n, s in zip(names[1:], suits, strict=True)],
        [
            GridCell(spec.column(c).label.split("·")[-1], "head")
            for codes in groups.values()
            for c in codes
        ],
    ]
    for row in spec.rows:
        out.body.append(
            [_num(report, spec.code, row.code, c) for cs in groups.values() for c in cs]
        )
    return out


def _sheet(report: Report, spec: TableSpec) -> TableLayout:
    # Each row names its own unit (条, 次, 件, 万元): none in the title.
    out = TableLayout(spec.code, "附表：" + spec.label, "")
    out.head = [[GridCell("项目", "head"), *(GridCell(c.label, "head") for c in spec.columns)]]
    for row in spec.rows:
        cols = spec.columns_of(row.code)
        out.body.append(
            [GridCell(row.label), *(_num(report, spec.code, row.code, c) for c in cols)]
        )
    return out


_TABLES = {TABLE2: _table2, TABLE3: _table3, TABLE4: _table4, SHEET: _sheet}


def table_layout(report: Report, code: str) -> TableLayout:
    return _TABLES[code](report, report.spec(code))


def layout(report: Report) -> DocumentLayout:
    """The whole document: sections in the format's order, each table under its section."""
    fmt = report.format
    sections = []
    for spec in fmt.sections:
        section = SectionLayout(
            spec.code, spec.label, prose_blocks(report.sections.get(spec.code, ""))
        )
        for code, where in _TABLE_SECTION.items():
            if where == spec.code and code in fmt.tables:
                section.blocks.append(Block("table", table=table_layout(report, code)))
        sections.append(section)
    # Before 2019 the figures stood in a provincial sheet beside the prose: print it after.
    appendix = [table_layout(report, SHEET)] if fmt.id == FORMAT_PRE2019 else []
    body = report.body
    return DocumentLayout(
        title=f"{body}{report.year}年政府信息公开工作年度报告",
        intro=(
            f"本报告根据《中华人民共和国政府信息公开条例》编制，所列数据的统计期限自"
            f"{report.year}年1月1日起至{report.year}年12月31日止。"
        ),
        sections=sections,
        appendix=appendix,
        signature=body,
        date_text=chinese_date(report.date),
        date=report.date,
        format_text=f"{fmt.label}（{fmt.document}）",
        built_from=sorted(report.built_from.items()),
    )
