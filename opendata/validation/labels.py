"""The header check: labels against the schema's field names (frictionless 5.21).

``fieldsMatch`` (Data Package v2) decides how labels pair with fields: ``exact`` (the default) by
position; ``equal``, ``subset``, ``superset`` and ``partial`` by name, differing only in which
mismatch they tolerate — a label without a field (subset, partial) or a field without a label
unless it is required or in the primary key (superset, partial). The dialect's
``headerCase: false`` compares labels and names case-insensitively.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
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


FIELDS_MATCH = ("exact", "equal", "subset", "superset", "partial")
TOLERATES_EXTRA_LABELS = ("subset", "partial")
TOLERATES_MISSING_FIELDS = ("superset", "partial")


class HeaderAbort(Exception):
    """A header that cannot be paired with the fields at all; frictionless reads no row then."""

    def __init__(self, type_: str, message: str, note: str) -> None:
        super().__init__(message)
        self.type = type_
        self.message = message
        self.note = note


class Matching:
    """How the header's labels pair with the schema's fields (frictionless's LabelMatching)."""

    def __init__(
        self,
        fields: Sequence[FieldSpec],
        labels: list[str],
        fields_match: str = "exact",
        ignore_case: bool = False,
    ) -> None:
        self.fields = fields
        self.labels = labels
        self.mode = fields_match
        self.by_name = fields_match != "exact"
        self.ignore_case = ignore_case
        self.by_key: dict[str, FieldSpec] = {}
        for spec in fields:
            self.by_key.setdefault(self.key(spec.name), spec)

    def key(self, name: str) -> str:
        return name.lower() if self.ignore_case else name

    def field_for(self, position: int, label: str) -> FieldSpec | None:
        """The field the label at ``position`` (0-based) pairs with, if any."""
        if not self.by_name:
            return self.fields[position] if position < len(self.fields) else None
        return self.by_key.get(self.key(label))

    def unmatched_fields(self) -> list[FieldSpec]:
        if not self.by_name:
            return list(self.fields[len(self.labels) :])
        matched = {self.key(label) for label in self.labels}
        return [spec for spec in self.fields if self.key(spec.name) not in matched]

    def check_pairing(self, resource: str) -> None:
        """Raise HeaderAbort where pairing by name is ambiguous, as frictionless does."""
        if not self.by_name:
            return
        groups: dict[str, list[str]] = {}
        for spec in self.fields:
            groups.setdefault(self.key(spec.name), []).append(spec.name)
        for names in groups.values():
            if len(names) > 1:
                shown = ", ".join(f'"{n}"' for n in names)
                note = (
                    f'matching fields by name ("fieldsMatch": "{self.mode}") is ambiguous: '
                    f'fields {shown} differ only by case, which "header_case" is set to ignore'
                )
                raise HeaderAbort(
                    "metadata-error",
                    f'Resource "{resource}": fields {shown} differ only by case, but the dialect '
                    'ignores case ("headerCase": false). Rename a field or compare case.',
                    note,
                )
        keys = [self.key(label) for label in self.labels]
        if len(keys) != len(set(keys)):
            note = (
                f'matching fields by name ("fieldsMatch": "{self.mode}") requires unique labels '
                "in the header"
            )
            raise HeaderAbort(
                "error",
                f'Resource "{resource}": the header repeats a label, so its columns cannot be '
                f'matched to fields by name ("fieldsMatch": "{self.mode}"). Make the labels '
                "unique.",
                note,
            )


def label_errors(
    resource: str,
    fields: Sequence[FieldSpec],
    labels: list[str],
    *,
    fields_match: str = "exact",
    ignore_case: bool = False,
    required: Collection[str] = (),
) -> list[LabelError]:
    """extra-, unmatched-header, missing-, blank-, duplicate- and incorrect-label errors, in
    frictionless's order. ``required``: the names of required and primary-key fields."""
    matching = Matching(fields, labels, fields_match, ignore_case)
    errors: list[LabelError] = []
    if fields_match not in TOLERATES_EXTRA_LABELS:
        errors += _extra_labels(resource, matching, labels)
    paired = any(matching.field_for(i, label) for i, label in enumerate(labels))
    if fields_match == "partial" and fields and not paired:
        errors.append(
            LabelError(
                "unmatched-header",
                f"{where(resource, 1)}: no column of the header names a field of the schema "
                '("fieldsMatch": "partial" needs at least one). Check the header row.',
                None,
                "",
            )
        )
    missing = matching.unmatched_fields()
    if fields_match in TOLERATES_MISSING_FIELDS:
        missing = [spec for spec in missing if spec.name in required]
    for number, spec in enumerate(missing, start=len(labels) + 1):
        errors.append(
            LabelError(
                "missing-label",
                f"{where(resource, 1, spec.name)}: the header has no column for this field "
                f"(expected at position {number}). Add the column or remove the field.",
                spec.name,
                "",
            )
        )
    if matching.by_name:
        return errors  # the positional checks below do not apply to fields paired by name
    for number, (spec, label) in enumerate(zip(fields, labels, strict=False), start=1):
        error = _positional_label_error(resource, matching, labels, number, spec, label)
        if error is not None:
            errors.append(error)
    return errors


def _extra_labels(resource: str, matching: Matching, labels: list[str]) -> list[LabelError]:
    return [
        LabelError(
            "extra-label",
            f'{where(resource, 1)}: column {number} "{label}" is not in the schema. '
            "Remove the column or add a field for it.",
            None,
            f'label "{label}" at position {number}',
        )
        for number, label in enumerate(labels, start=1)
        if matching.field_for(number - 1, label) is None
    ]


def _positional_label_error(
    resource: str,
    matching: Matching,
    labels: list[str],
    number: int,
    spec: FieldSpec,
    label: str,
) -> LabelError | None:
    """The blank-, duplicate- or incorrect-label error of column ``number``, if any."""
    if not label:
        return LabelError(
            "blank-label",
            f"{where(resource, 1, spec.name)}: the header of column {number} is empty; "
            f'it should be "{spec.name}".',
            spec.name,
            "",
        )
    seen = [i for i, prev in enumerate(labels[: number - 1], start=1) if prev == label]
    if seen:
        positions = ", ".join(map(str, seen))
        return LabelError(
            "duplicate-label",
            f'{where(resource, 1, spec.name)}: column {number} "{label}" repeats the '
            f'header at position {positions}; it should be "{spec.name}".',
            spec.name,
            f'at position "{positions}"',
        )
    if matching.key(label) != matching.key(spec.name):
        return LabelError(
            "incorrect-label",
            f'{where(resource, 1, spec.name)}: column {number} is headed "{label}" but the '
            f'schema names this field "{spec.name}". Rename the column or the field.',
            spec.name,
            f'label "{label}"',
        )
    return None


def expected_fields(
    fields: Sequence[FieldSpec],
    labels: list[str],
    *,
    fields_match: str = "exact",
    ignore_case: bool = False,
) -> list[FieldSpec]:
    """The fields the data is read with, given the header's labels."""
    # Each label gets the field it pairs with (by position, or by name), a label without one an
    # untyped field named after it (deduplicated); fields no label pairs with are not read.
    matching = Matching(fields, labels, fields_match, ignore_case)
    matched = [matching.field_for(i, label) for i, label in enumerate(labels)]
    used: set[str] = set()
    expected: list[FieldSpec] = []
    for spec, label in zip(matched, labels, strict=True):
        base = spec.name if spec is not None else label
        name, suffix = base, 2
        while name in used:
            name, suffix = f"{base}{suffix}", suffix + 1
        used.add(name)
        if spec is not None and name == spec.name:
            expected.append(spec)
        else:
            expected.append(compile_field({"name": name, "type": "any"}))
    return expected
