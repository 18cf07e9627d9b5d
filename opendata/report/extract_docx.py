"""DOCX report → lines: paragraphs and table rows in body order (python-docx)."""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from opendata.report.lines import Line


def docx_lines(path: Path) -> list[Line]:
    """Paragraphs and table rows, numbered by their position in the body (from 1).

    Merged cells repeat in python-docx's row view; a repeated cell is kept once so that a
    label spanning rows reads as one label.
    """
    doc = Document(str(path))
    lines: list[Line] = []
    n = 0
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            n += 1
            if block.text.strip():
                lines.append(Line(n, block.text.strip()))
        elif isinstance(block, Table):
            for row in block.rows:
                n += 1
                cells: list[str] = []
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(cell.text.strip())
                if any(cells):
                    lines.append(Line(n, " ".join(c for c in cells if c), tuple(cells)))
    return lines
