"""The annual report as data, shared by the generator (compute, render) and the checker.

A report is its year, the format it follows (``formats.FORMATS``), its date, prose per section,
and tables keyed by the stable codes of ``formats``: ``tables[table][row][column]`` is a
:class:`Cell`. A generated cell carries the :class:`SourceRef` it was computed from; an extracted
cell carries the line of the document it was read from. Figures quoted in prose are kept apart
(:class:`Figure`), each with its sentence and line, so that X2 can compare them with the tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from opendata.report.formats import FORMATS, FormatSpec, TableSpec

Number = int | Decimal


@dataclass(frozen=True)
class SourceRef:
    """Where a computed figure came from: the published version and the rows it counts."""

    dataset: str
    version: str
    resource: str
    filter: str = ""  # a human-readable filter, e.g. "year=2018 AND outcome=予以公开"

    def as_dict(self) -> dict[str, str]:
        return {
            "dataset": self.dataset,
            "version": self.version,
            "resource": self.resource,
            "filter": self.filter,
        }


@dataclass(frozen=True)
class Cell:
    value: Number
    source: SourceRef | None = None
    line: int | None = None  # where an extracted figure stands in the document (1-based)


@dataclass(frozen=True)
class Figure:
    """A number quoted in prose, with the sentence it stands in.

    ``table``/``row``/``column`` say what it states when the extractor recognised it (a figure it
    did not recognise keeps them empty and is only listed).
    """

    value: Number
    unit: str
    sentence: str
    line: int
    table: str = ""
    row: str = ""
    column: str = ""


Tables = dict[str, dict[str, dict[str, Cell]]]


@dataclass
class Report:
    year: int
    format_id: str
    date: date | None = None
    body: str = ""  # the reporting body, e.g. 吉林经开区管委会
    sections: dict[str, str] = field(default_factory=dict)  # section code -> prose (Markdown)
    tables: Tables = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    built_from: dict[str, str] = field(default_factory=dict)  # dataset -> version
    date_line: int | None = None  # where the date stands in a checked document
    source_name: str = ""  # the file a checked report was read from (display only)

    @property
    def format(self) -> FormatSpec:
        return FORMATS[self.format_id]

    def spec(self, table: str) -> TableSpec:
        return self.format.tables[table]

    def value(self, table: str, row: str, column: str) -> Number | None:
        cell = self.tables.get(table, {}).get(row, {}).get(column)
        return None if cell is None else cell.value

    def cell(self, table: str, row: str, column: str) -> Cell | None:
        return self.tables.get(table, {}).get(row, {}).get(column)

    def set(self, table: str, row: str, column: str, cell: Cell | Number) -> None:
        """Set a cell; the codes must exist in the report's format (a typo fails loudly)."""
        spec = self.spec(table)
        if column not in spec.columns_of(row):
            raise KeyError(f"{self.format_id} {table}: row {row!r} has no column {column!r}")
        if not isinstance(cell, Cell):
            cell = Cell(cell)
        self.tables.setdefault(table, {}).setdefault(row, {})[column] = cell

    def as_json(self) -> dict[str, Any]:
        """A plain, deterministic JSON form (sorted by the format's own row and column order)."""
        tables: dict[str, list[dict[str, Any]]] = {}
        for code, spec in self.format.tables.items():
            rows = self.tables.get(code, {})
            out = []
            for row in spec.rows:
                for col in spec.columns_of(row.code):
                    cell = rows.get(row.code, {}).get(col)
                    if cell is None:
                        continue
                    out.append(
                        {
                            "row": row.code,
                            "column": col,
                            "value": _json_number(cell.value),
                            "source": cell.source.as_dict() if cell.source else None,
                        }
                    )
            if out:
                tables[code] = out
        return {
            "year": self.year,
            "format": self.format_id,
            "format_document": self.format.document,
            "date": self.date.isoformat() if self.date else None,
            "body": self.body,
            "built_from": dict(sorted(self.built_from.items())),
            "sections": {k: self.sections[k] for k in sorted(self.sections)},
            "tables": tables,
        }


def _json_number(value: Number) -> int | str:
    # Decimal amounts stay exact as text ("12.50"); counts are integers.
    return value if isinstance(value, int) else str(value)


def to_number(text: str) -> Number:
    """A figure as written ("12", "12.50") to int or Decimal."""
    return Decimal(text) if "." in text else int(text)
