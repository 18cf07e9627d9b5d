"""The wording of the checker's errors: where they are, and the cell they quote."""

from __future__ import annotations

from .fieldspec import FieldSpec
from .report import ValidationError


def cell_text(value: str | None) -> str:
    """A cell as an error message quotes it."""
    # Cells can be long free text; quote at most 50 characters in a message.
    if value is None:
        return ""
    return value if len(value) <= 50 else value[:47] + "…"


def where(resource: str, row: int | None, field: str | None = None) -> str:
    """``resource "r", row 3, field "f"`` — the place an error message starts with."""
    place = f'resource "{resource}"'
    if row is not None:
        place += f", row {row}"
    if field is not None:
        place += f', field "{field}"'
    return place


def cell_error(
    resource: str, spec: FieldSpec, kind: str, note: str, row: int, fi: int, cell: str | None
) -> tuple[int, int, ValidationError]:
    """A type-error or constraint-error of one cell, keyed (row, field position) for sorting."""
    if kind == "type-error":
        message = (
            f'{where(resource, row, spec.name)}: "{cell_text(cell)}" is not a valid '
            f"{spec.type} ({note}). Correct the value, or the field's type in the schema."
        )
    else:
        message = (
            f'{where(resource, row, spec.name)}: "{cell_text(cell)}" breaks the schema\'s '
            f"{note}. Correct the value, or the constraint in the schema."
        )
    return (row, fi, ValidationError(kind, resource, message, row, spec.name, note))
