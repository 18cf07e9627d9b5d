"""Tables of a report's lines → cells of Table 二/三/四, matched by their row labels.

A table row is a line whose trailing tokens (cells, or whitespace/bar-separated words in text)
are standalone numbers — "3", "３件", "12.50万元" — and whose leading text is its label. Prose has
its numbers inside words ("共计2790条") and is never read as a row. Labels are matched by the
distinctive phrases of ``formats`` after NFKC (full-width digits and brackets) with spacing
removed. Table 三's rows are matched in the format's order, so the repeated numbering (1., 2., …
under each heading) and the generic 其他 cannot be confused.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from opendata.report.formats import SHEET, TABLE2, TABLE3, TABLE4, FormatSpec, TableSpec
from opendata.report.lines import Line
from opendata.report.model import Cell, Number, Report, to_number

_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?(?:件|条|个|次|项|篇|万元)?$")
_SPLIT = re.compile(r"[\t|｜]+|\s+")
_UNIT = re.compile(r"(件|条|个|次|项|篇|万元)$")


def normalize(text: str) -> str:
    """NFKC (full-width digits, brackets, spaces) and thousands separators removed."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", text)


def squash(text: str) -> str:
    """A label for matching: normalised, without any spacing."""
    return re.sub(r"\s+", "", normalize(text))


@dataclass(frozen=True)
class Row:
    label: str
    numbers: tuple[Number, ...]
    line: int


def table_row(line: Line) -> Row | None:
    """The label and trailing numbers of a line that is a table row, else None."""
    tokens = [normalize(t).strip() for t in (line.cells or _SPLIT.split(line.text))]
    tokens = [t for t in tokens if t]
    values: list[Number] = []
    while tokens and _NUMBER.match(tokens[-1]):
        values.append(to_number(_UNIT.sub("", tokens.pop())))
    if not values:
        return None
    return Row("".join(squash(t) for t in tokens), tuple(reversed(values)), line.number)


def _has_key(label: str, keys: tuple[str, ...]) -> bool:
    return any(squash(k) in label for k in keys)


class TableReader:
    """Assigns table rows, in document order, to the cells of one report."""

    def __init__(self, report: Report, fmt: FormatSpec) -> None:
        self.report = report
        self.fmt = fmt
        self.t3_next = 0  # Table 三 rows are matched in order from here
        self.unmatched: list[Row] = []

    def feed(self, row: Row) -> bool:
        """Store the row's cells; False when it matches no row of the format."""
        return self._table4(row) or self._table3(row) or self._sheet(row) or self._table2(row)

    def _put(self, spec: TableSpec, code: str, row: Row) -> None:
        for col, value in zip(spec.columns_of(code), row.numbers, strict=True):
            self.report.set(spec.code, code, col, Cell(value, line=row.line))

    def _table4(self, row: Row) -> bool:
        spec = self.fmt.tables.get(TABLE4)
        if spec is None or len(row.numbers) != len(spec.columns):
            return False
        self._put(spec, "all", row)
        return True

    def _table3(self, row: Row) -> bool:
        spec = self.fmt.tables.get(TABLE3)
        if spec is None or len(row.numbers) != len(spec.columns) or not row.label:
            return False
        for i in range(self.t3_next, len(spec.rows)):
            if _has_key(row.label, spec.rows[i].keys):
                self._put(spec, spec.rows[i].code, row)
                self.t3_next = i + 1
                return True
        return False

    def _sheet(self, row: Row) -> bool:
        # The statistics sheet (the generator prints it for pre-2019 reports): exact labels.
        spec = self.fmt.tables.get(SHEET)
        if spec is None or len(row.numbers) != 1 or not row.label:
            return False
        for axis in spec.rows:
            if row.label == squash(axis.label):
                self._put(spec, axis.code, row)
                return True
        return False

    def _table2(self, row: Row) -> bool:
        spec = self.fmt.tables.get(TABLE2)
        if spec is None or not row.label:
            return False
        for axis in spec.rows:
            if _has_key(row.label, axis.keys) and len(spec.columns_of(axis.code)) == len(
                row.numbers
            ):
                self._put(spec, axis.code, row)
                return True
        return False
