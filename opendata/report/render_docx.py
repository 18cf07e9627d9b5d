"""The annual report as a Word document (offices submit .docx), from the shared layout.

Fonts are set on every run with ``w:eastAsia`` as well as the Latin slots: Word picks the font of
Chinese characters from ``eastAsia`` alone, so a run without it prints Chinese in the theme's font
(宋体 or 等线) however the style is named. Tables use the built-in "Table Grid" style, whose ruled
cells are what printed reports show. The package carries no clock: its core properties take the
report's own date and its zip entries a fixed time, so building twice gives the same bytes.
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph

from opendata.report.layout import DocumentLayout, TableLayout

BODY_FONT = "仿宋"
BODY_FONT_LATIN = "FangSong"
HEADING_FONT = "黑体"
HEADING_FONT_LATIN = "SimHei"
# A fixed time for every zip entry (the zip format's earliest): the bytes do not depend on when.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _set_font(rpr_parent: object, latin: str, east_asian: str) -> None:
    """Name the font in all slots of ``w:rFonts`` and drop the theme's, which would win."""
    rpr = rpr_parent.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:eastAsia"), east_asian)


def _run(paragraph: Paragraph, text: str, *, heading: bool = False, size: float = 16) -> None:
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.font.color.rgb = RGBColor(0, 0, 0)
    if heading:
        _set_font(run._r, HEADING_FONT_LATIN, HEADING_FONT)
    else:
        _set_font(run._r, BODY_FONT_LATIN, BODY_FONT)


def _paragraph(document: object, text: str, *, indent: bool = True) -> None:
    p = document.add_paragraph()  # type: ignore[attr-defined]
    if indent:
        p.paragraph_format.first_line_indent = Pt(32)  # two characters of 三号
    _run(p, text)


def _heading(document: object, text: str, level: int) -> None:
    p = document.add_heading(level=level)  # type: ignore[attr-defined]
    _run(p, text, heading=True, size=16)


def _cells(table: TableLayout) -> list[tuple[int, int, int, int, str, bool]]:
    """Each cell's (row, column, rowspan, colspan, text, is-heading) on the full grid."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate([*table.head, *table.body]):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            out.append(
                (r, c, cell.rowspan, cell.colspan, cell.text, cell.kind in ("head", "group"))
            )
            taken.update(
                (r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan)
            )
            c += cell.colspan
    return out


def _table(document: object, layout: TableLayout) -> Table:
    title = document.add_paragraph()  # type: ignore[attr-defined]
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    unit = f"（单位：{layout.unit}）" if layout.unit else ""
    _run(title, layout.title + unit, heading=True, size=12)
    rows = len(layout.head) + len(layout.body)
    table: Table = document.add_table(rows=rows, cols=layout.width)  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    # Every cell fetched once: python-docx's table.cell() walks the whole grid on each call,
    # which made Table 三 (232 cells) take seconds. Regions are disjoint, so the cells fetched
    # before any merge stay valid for their own region's merge.
    flat = table._cells
    grid = [flat[r * layout.width : (r + 1) * layout.width] for r in range(rows)]
    for r, c, rowspan, colspan, text, is_heading in _cells(layout):
        cell = grid[r][c]
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, text, heading=is_heading, size=10.5)
        if rowspan > 1 or colspan > 1:
            cell.merge(grid[r + rowspan - 1][c + colspan - 1])
    return table


def _page(document: object) -> None:
    section = document.sections[0]  # type: ignore[attr-defined]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]  # type: ignore[attr-defined]
    normal.font.size = Pt(16)
    _set_font(normal.element, BODY_FONT_LATIN, BODY_FONT)


def _properties(document: object, doc: DocumentLayout, year: int) -> None:
    # The report's own date, or the day after the year it covers when it has none: never now.
    day = doc.date or datetime(year + 1, 1, 1).date()
    stamp = datetime(day.year, day.month, day.day, tzinfo=UTC)
    props = document.core_properties  # type: ignore[attr-defined]
    props.title = doc.title
    props.author = doc.signature or "opendata"
    props.last_modified_by = "opendata"
    props.created = stamp
    props.modified = stamp
    props.revision = 1
    props.comments = doc.format_text


def _stable_zip(data: bytes) -> bytes:
    """The same package with every entry's time fixed (python-docx stamps the time of saving)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def render_docx(doc: DocumentLayout, year: int) -> bytes:
    document = Document()
    _page(document)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, doc.title, heading=True, size=22)
    _paragraph(document, doc.intro)
    for section in doc.sections:
        _heading(document, section.heading, 1)
        for block in section.blocks:
            if block.kind == "table" and block.table is not None:
                _table(document, block.table)
            elif block.kind == "h3":
                _heading(document, block.text, 2)
            else:
                _paragraph(document, block.text)
    for table in doc.appendix:
        _table(document, table)
    for line in (doc.signature, doc.date_text):
        p = document.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        _run(p, line)
    _paragraph(document, f"报告格式：{doc.format_text}", indent=False)
    versions = "；".join(f"{name} {version}" for name, version in doc.built_from) or "无"
    _paragraph(document, f"数据来源（数据集 版本）：{versions}", indent=False)
    _properties(document, doc, year)
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue())
