"""The exact path: a chunk of rows checked one row at a time, as frictionless 5.21 does.

The checker takes it for chunks the fast column checks cannot handle: rows with too few or too
many cells, blank rows — and for every chunk when ``force_exact`` is set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .fieldspec import FieldSpec
from .messages import cell_error, cell_text, where
from .report import ValidationError


def check_exact(
    resource: str,
    expected: Sequence[FieldSpec],
    rows: list[list[str]],
    nums: Sequence[int],
    found: list[tuple[int, int, ValidationError]],
) -> list[list[Any] | None]:
    """The line-for-line port of frictionless's ``Row`` processing, one row at a time."""
    n = len(expected)
    values: list[list[Any]] = [[] for _ in expected]
    for cells, row in zip(rows, nums, strict=True):
        row_found: list[tuple[int, int, ValidationError]] = []
        blank = 0
        for fi, spec in enumerate(expected):
            cell = cells[fi] if fi < len(cells) else None
            value, problems = spec.read(cell)
            if value is None and not (problems and problems[0][0] == "type-error"):
                blank += 1
            for kind, note in problems:
                row_found.append(cell_error(resource, spec, kind, note, row, fi, cell))
            values[fi].append(value)
        for number in range(n + 1, len(cells) + 1):
            row_found.append(
                (
                    row,
                    n + number,
                    ValidationError(
                        "extra-cell",
                        resource,
                        f"{where(resource, row)}: cell {number} "
                        f'("{cell_text(cells[number - 1])}") has no column in the header. '
                        "Remove it or quote the value if it contains the delimiter.",
                        row,
                        None,
                        f"position {number}",
                    ),
                )
            )
        for fi in range(len(cells), n):
            spec = expected[fi]
            row_found.append(
                (
                    row,
                    fi,
                    ValidationError(
                        "missing-cell",
                        resource,
                        f"{where(resource, row, spec.name)}: the row ends before this field "
                        f"(it has {len(cells)} of {n} cells). Add the missing cell(s).",
                        row,
                        spec.name,
                    ),
                )
            )
        if blank == n:
            # frictionless replaces every other error of a blank row with this one (even
            # when the row has extra non-empty cells beyond the header's columns).
            row_found = [
                (
                    row,
                    -1,
                    ValidationError(
                        "blank-row",
                        resource,
                        f"{where(resource, row)}: the row is empty. Remove it.",
                        row,
                    ),
                )
            ]
        found.extend(row_found)
    return list(values)
