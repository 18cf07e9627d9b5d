"""The published-cell size bound (``limits.max_cell_bytes``, 1 MiB by default).

A 100 MB cell used to publish (800 MB RSS during the refresh) and then fail its .json and .xlsx
downloads. The check costs nothing on ordinary batches: a batch whose CSV bytes are within the
bound cannot hold a larger cell, so cells are looked at one by one only in a batch that is
larger than the bound, and of those only cells whose character count could reach it (UTF-8
takes at most 4 bytes a character). The error names resource, row and field, never the value.
"""

from __future__ import annotations

from collections.abc import Sequence

from opendata.validation.report import ValidationError

ERROR_TYPE = "cell-too-large"


def oversized_cells(
    resource: str,
    fields: Sequence[str],
    rows: Sequence[Sequence[str]],
    first_row: int,
    batch_bytes: int,
    limit: int,
) -> list[ValidationError]:
    """Errors for the cells of ``rows`` larger than ``limit`` UTF-8 bytes; ``first_row`` is
    the CSV row number of ``rows[0]`` and ``batch_bytes`` the size of the batch as written."""
    if batch_bytes <= limit:
        return []
    errors = []
    could = limit // 4
    for offset, cells in enumerate(rows):
        for name, cell in zip(fields, cells, strict=True):
            if len(cell) > could and len(cell.encode("utf-8")) > limit:
                row = first_row + offset
                message = (
                    f"resource {resource!r}, row {row}, field {name!r}: the cell is "
                    f"{len(cell.encode('utf-8')):,} bytes, more than the {limit:,} bytes a "
                    "published cell may hold (limits.max_cell_bytes). Shorten it at the origin, "
                    "publish it as a file of its own, or raise the limit."
                )
                errors.append(ValidationError(ERROR_TYPE, resource, message, row, name))
    return errors
