"""What opendata's validator cannot check, said before any data is read.

A plugin's Table Schema is checked when the plugin is discovered (``opendata.sources.contract``):
a field this validator would refuse must be refused there, with its name, rather than make every
refresh fail — and never be validated differently from frictionless.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fieldspec import SchemaProblem
from .labels import FIELDS_MATCH
from .types import UNKEYABLE_TYPES, compile_field


def unsupported(schema: Mapping[str, Any]) -> list[str]:
    """One sentence per field or schema option the validator cannot honour (empty: all fine)."""
    problems: list[str] = []
    fields = schema.get("fields")
    if not isinstance(fields, list):
        return ['"fields" must be a list of field descriptors']
    schema_missing = schema.get("missingValues")
    for position, field in enumerate(fields, start=1):
        if not isinstance(field, dict):
            problems.append(f"field {position} is not a field descriptor (an object)")
            continue
        try:
            compile_field(field, schema_missing)
        except SchemaProblem as exc:
            problems.append(f"{exc}; opendata's validator cannot check it")
    types = {f.get("name"): f.get("type", "any") for f in fields if isinstance(f, dict)}
    primary_key = schema.get("primaryKey") or []
    for name in [primary_key] if isinstance(primary_key, str) else primary_key:
        if types.get(name) in UNKEYABLE_TYPES:
            problems.append(
                f'primary key field "{name}" is of type {types[name]}, whose values cannot be '
                "compared as keys; opendata's validator cannot check it"
            )
    fields_match = schema.get("fieldsMatch", "exact")
    if fields_match not in FIELDS_MATCH:
        problems.append(
            f'"fieldsMatch" is "{fields_match}"; it must be one of {", ".join(FIELDS_MATCH)}'
        )
    return problems
