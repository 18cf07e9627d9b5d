"""The header check: labels against the schema's field names, by position (frictionless 5.21)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from .fieldspec import FieldSpec
from .messages import where
from .types import compile_field


class LabelError(NamedTuple):
    """An error of the header row; the checker records it like any other."""

    type: str
    message: str
    field: str | None = None
    note: str = ""


def label_errors(resource: str, fields: Sequence[FieldSpec], labels: list[str]) -> list[LabelError]:
    """extra-, missing-, blank-, duplicate- and incorrect-label errors, in frictionless's order."""
    errors: list[LabelError] = []

    def add(type_: str, message: str, *, field: str | None = None, note: str = "") -> None:
        errors.append(LabelError(type_, message, field, note))

    for number, label in enumerate(labels[len(fields) :], start=len(fields) + 1):
        add(
            "extra-label",
            f'{where(resource, 1)}: column {number} "{label}" is not in the schema. '
            "Remove the column or add a field for it.",
            note=f'label "{label}" at position {number}',
        )
    for number, spec in enumerate(fields[len(labels) :], start=len(labels) + 1):
        add(
            "missing-label",
            f"{where(resource, 1, spec.name)}: the header has no column for this field "
            f"(expected at position {number}). Add the column or remove the field.",
            field=spec.name,
        )
    for number, (spec, label) in enumerate(zip(fields, labels, strict=False), start=1):
        if not label:
            add(
                "blank-label",
                f"{where(resource, 1, spec.name)}: the header of column {number} is empty; "
                f'it should be "{spec.name}".',
                field=spec.name,
            )
            continue
        seen = [i for i, prev in enumerate(labels[: number - 1], start=1) if prev == label]
        if seen:
            positions = ", ".join(map(str, seen))
            add(
                "duplicate-label",
                f'{where(resource, 1, spec.name)}: column {number} "{label}" repeats the '
                f'header at position {positions}; it should be "{spec.name}".',
                field=spec.name,
                note=f'at position "{positions}"',
            )
            continue
        if label != spec.name:
            add(
                "incorrect-label",
                f'{where(resource, 1, spec.name)}: column {number} is headed "{label}" but the '
                f'schema names this field "{spec.name}". Rename the column or the field.',
                field=spec.name,
                note=f'label "{label}"',
            )
    return errors


def expected_fields(fields: Sequence[FieldSpec], labels: list[str]) -> list[FieldSpec]:
    """The fields the data is read with, given the header's labels."""
    # Data is read with the fields the labels pair with: the schema's fields by position,
    # then an untyped field per extra label (named after it, deduplicated); schema fields
    # beyond the labels are not read at all.
    expected = list(fields[: len(labels)])
    used = {s.name for s in expected}
    for label in labels[len(fields) :]:
        name, suffix = label, 2
        while name in used:
            name, suffix = f"{label}{suffix}", suffix + 1
        used.add(name)
        expected.append(compile_field({"name": name, "type": "any"}))
    return expected
