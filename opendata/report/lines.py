"""A report document as numbered lines: the common input of the extractor.

Text files give their lines; HTML gives its block elements and table rows (cells kept apart)
with the source line each starts on; DOCX gives its paragraphs and table rows in body order,
numbered from 1 (Word has no lines: the number is the paragraph or row's position).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    number: int
    text: str
    cells: tuple[str, ...] | None = None  # a table row's cells, when the document has them


def text_lines(text: str) -> list[Line]:
    """The lines of a plain-text report (tables as whitespace- or bar-separated columns)."""
    return [Line(i, t) for i, t in enumerate(text.splitlines(), start=1) if t.strip()]
