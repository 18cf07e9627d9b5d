"""What a compiled field is, and the types the cell parsers of every family share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Problem = tuple[str, str]  # (frictionless error type, note)
CellReader = Callable[[str | None], tuple[Any, tuple[Problem, ...]]]
ColumnCheck = Callable[[Sequence[str], bool], "list[Any] | None"]
ValueReader = Callable[[Any], Any]


class SchemaProblem(Exception):
    """A field descriptor this validator cannot honour; reported as a schema-error."""


@dataclass(frozen=True)
class FieldSpec:
    """A compiled field: its exact cell reader and its fast column check."""

    name: str
    type: str
    missing: frozenset[str]
    required: bool
    unique: bool
    read: CellReader
    column: ColumnCheck
