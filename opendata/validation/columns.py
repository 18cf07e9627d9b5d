"""Fast, conservative column checks: a whole column of a chunk of rows at C speed.

A field's ``column(cells, want_values)`` is built from C-level operations (``str.join``/``isdigit``,
``map(int, …)``, ``set`` algebra, one regex over the joined column). It returns ``None`` as soon as
anything *might* be wrong, and the checker then re-reads that column with the exact ``read`` to find
the exact errors. So the fast path can only ever be too cautious, never too lenient.

``column_check`` builds a field's ``column`` when the field is compiled; ``check_columns`` runs
them over a chunk of regular rows for the checker, narrowing a failed column down to its bad cells.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from .fieldspec import CellReader, ColumnCheck, FieldSpec, ValueReader
from .messages import cell_error
from .report import ValidationError
from .types_scalar import boolean_reader

_DATE_BLOCKS = re.compile(r"(?:\d{4}-\d{2}-\d{2})*", re.ASCII)


def _generic_column(read: CellReader) -> ColumnCheck:
    """Cell by cell; used for the types that are rare in our data."""

    def column(cells: Sequence[str], want: bool) -> list[Any] | None:
        values = []
        for cell in cells:
            value, problems = read(cell)
            if problems:
                return None
            values.append(value)
        return values

    return column


def column_check(
    desc: dict[str, Any],
    ftype: str,
    fmt: str,
    vr: ValueReader,
    checks: list[tuple[str, Callable[[Any], bool], str]],
    missing: frozenset[str],
    read: CellReader,
) -> ColumnCheck:
    """The fast ``column`` check of a compiled field, or the cell-by-cell one for rare types."""
    convert = _converter(desc, ftype, fmt)
    if convert is None:
        return _generic_column(read)
    names = {name for name, _, _ in checks}
    within = _constraint_check(desc.get("constraints") or {}, names, vr)
    required = "required" in names
    only_empty_missing = missing == frozenset({""})
    trivial = ftype == "string" and fmt == "default" and not names

    def column(cells: Sequence[str], want: bool) -> list[Any] | None:
        if trivial and not want:
            return []  # a plain text field with no constraints: nothing can be wrong
        nn: list[str] = (
            list(filter(None, cells))
            if only_empty_missing
            else [c for c in cells if c not in missing]
        )
        has_null = len(nn) != len(cells)
        if required and has_null:
            return None
        typed = convert(nn)
        if typed is None or (typed and within is not None and not within(typed)):
            return None
        if not want:
            return []
        return _with_nulls(cells, typed, missing) if has_null else typed

    return column


def _with_nulls(cells: Sequence[str], typed: list[Any], missing: frozenset[str]) -> list[Any]:
    """The column's values with None where a cell was missing (once per chunk, not per row)."""
    it = iter(typed)
    return [None if c in missing else next(it) for c in cells]


Convert = Callable[[list[str]], list[Any] | None]


def _converter(desc: dict[str, Any], ftype: str, fmt: str) -> Convert | None:
    """The typed-value conversion that runs at C speed over a column's non-null cells; None
    for the types read cell by cell."""
    if ftype == "string" and fmt == "default":
        return _as_strings
    if ftype == "integer" and desc.get("bareNumber", True):
        return _as_integers
    if ftype == "number" and not ({"groupChar", "decimalChar", "bareNumber"} & desc.keys()):
        return _number_converter(float if desc.get("floatNumber", False) else Decimal)
    if ftype == "boolean":
        return _boolean_converter(boolean_reader(desc)[1])
    if ftype == "date" and fmt == "default":
        return _as_dates
    return None


def _as_strings(nn: list[str]) -> list[Any] | None:
    return nn


def _as_integers(nn: list[str]) -> list[Any] | None:
    joined = "".join(nn)
    # ASCII digits and minus signs only; int() then rejects "1-2" and "-" itself.
    if not (joined.isascii() and joined.replace("-", "").isdigit()) and nn:
        return None
    try:
        return list(map(int, nn))
    except ValueError:
        return None


def _number_converter(primary: Callable[[Any], Any]) -> Convert:
    def convert(nn: list[str]) -> list[Any] | None:
        joined = "".join(nn)
        # digits, "." and "-" only: on that alphabet float() and Decimal() accept the same
        # strings, and NaN/Infinity (which need letters) cannot occur.
        if nn and not (joined.isascii() and joined.replace("-", "").replace(".", "").isdigit()):
            return None
        try:
            return list(map(primary, nn))
        except Exception:
            return None

    return convert


def _boolean_converter(mapping: dict[str, bool]) -> Convert:
    def convert(nn: list[str]) -> list[Any] | None:
        if not mapping.keys() >= set(nn):
            return None
        return list(map(mapping.__getitem__, nn))

    return convert


def _as_dates(nn: list[str]) -> list[Any] | None:
    joined = "".join(nn)
    # Exactly "YYYY-MM-DD" per cell (every cell 10 long, so the joined text splits into
    # blocks): on that shape date.fromisoformat and strptime("%Y-%m-%d") agree, while
    # fromisoformat alone would also take "20200105" or "2020-W01-1".
    if nn and not (
        joined.isascii()
        and len(joined) == 10 * len(nn)
        and max(map(len, nn)) == 10
        and _DATE_BLOCKS.fullmatch(joined)
    ):
        return None
    try:
        return list(map(date.fromisoformat, nn))
    except ValueError:
        return None


_BOUNDS = (
    ("minimum", operator.ge),
    ("maximum", operator.le),
    ("exclusiveMinimum", operator.gt),
    ("exclusiveMaximum", operator.lt),
)


def _constraint_check(
    constraints: dict[str, Any], names: set[str], vr: ValueReader
) -> Callable[[list[Any]], bool] | None:
    """Whether a column's non-null typed values (at least one) keep the field's constraints,
    checked over the whole column at once; None when the field has none of them."""
    enum_set = {vr(v) for v in constraints["enum"]} if "enum" in names else None
    bounds = [(op, vr(constraints[name])) for name, op in _BOUNDS if name in names]
    min_len = constraints.get("minLength") if "minLength" in names else None
    max_len = constraints.get("maxLength") if "maxLength" in names else None
    pattern = re.compile(f"^{constraints['pattern']}$") if "pattern" in names else None
    if not bounds and all(c is None for c in (enum_set, min_len, max_len, pattern)):
        return None

    def within(typed: list[Any]) -> bool:
        if enum_set is not None and not enum_set.issuperset(typed):
            return False
        for op, limit in bounds:
            if not (op(min(typed), limit) and op(max(typed), limit)):
                return False
        if min_len is not None and min(map(len, typed)) < min_len:
            return False
        if max_len is not None and max(map(len, typed)) > max_len:
            return False
        return pattern is None or all(map(pattern.match, typed))

    return within


def check_columns(
    resource: str,
    expected: Sequence[FieldSpec],
    rows: list[list[str]],
    nums: Sequence[int],
    need: set[int],
    found: list[tuple[int, int, ValidationError]],
) -> list[list[Any] | None]:
    """Check a chunk of regular rows column by column; ``need`` holds the field positions whose
    typed values the key checks need (the other columns are only checked)."""
    columns = list(zip(*rows, strict=True))
    values: list[list[Any] | None] = []
    for fi, spec in enumerate(expected):
        col = columns[fi]
        want = fi in need
        typed = _column(resource, spec, fi, col, nums, want, found)
        values.append(typed if want else None)
    return values


def _column(
    resource: str,
    spec: FieldSpec,
    fi: int,
    col: Sequence[str],
    nums: Sequence[int],
    want: bool,
    found: list[tuple[int, int, ValidationError]],
) -> list[Any]:
    """Fast check of a column; where it fails, halve the column until the bad cells are
    pinned down, and read only those small pieces exactly (every fast check is a property of
    single cells, so the halves can be checked independently)."""
    typed = spec.column(col, want)
    if typed is not None:
        return typed
    if len(col) > 64:
        mid = len(col) // 2
        left = _column(resource, spec, fi, col[:mid], nums[:mid], want, found)
        right = _column(resource, spec, fi, col[mid:], nums[mid:], want, found)
        return left + right
    typed = []
    read = spec.read
    for row, cell in zip(nums, col, strict=True):
        value, problems = read(cell)
        for kind, note in problems:
            found.append(cell_error(resource, spec, kind, note, row, fi, cell))
        typed.append(value)
    return typed
