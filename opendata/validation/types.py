"""Per-field cell parsers, compiled once per schema field.

Every field gets two entry points that must agree:

* ``read(cell)`` — the exact reader, a line-for-line port of frictionless 5.21's
  ``Field.create_cell_reader`` + the type's ``create_value_reader``: it returns the typed value
  and the problems of that one cell (a type error, or one entry per failed constraint, as
  frictionless does).
* ``column(cells, want_values)`` — a fast, conservative check of a whole column of a chunk of rows,
  built from C-level operations (``str.join``/``isdigit``, ``map(int, …)``, ``set`` algebra, one
  regex over the joined column). It returns ``None`` as soon as anything *might* be wrong, and the
  checker then re-reads that column with ``read`` to find the exact errors. So the fast path can
  only ever be too cautious, never too lenient.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from .columns import column_check
from .fieldspec import CellReader, ColumnCheck, FieldSpec, Problem, SchemaProblem, ValueReader
from .types_scalar import (
    DEFAULT_FALSE_VALUES,
    DEFAULT_TRUE_VALUES,
    boolean_reader,
    integer_reader,
    number_reader,
    string_reader,
)
from .types_structured import geojson_reader, geopoint, geopoint_reader, json_reader, list_reader
from .types_temporal import (
    date_reader,
    datetime_reader,
    duration_reader,
    time_reader,
    year_reader,
    yearmonth,
    yearmonth_reader,
)

__all__ = [
    "DEFAULT_FALSE_VALUES",
    "DEFAULT_MISSING_VALUES",
    "DEFAULT_TRUE_VALUES",
    "SUPPORTED_CONSTRAINTS",
    "UNKEYABLE_TYPES",
    "CellReader",
    "ColumnCheck",
    "FieldSpec",
    "Problem",
    "SchemaProblem",
    "ValueReader",
    "compile_field",
    "geopoint",
    "missing_values",
    "value_reader",
    "yearmonth",
]

DEFAULT_MISSING_VALUES = [""]

SUPPORTED_CONSTRAINTS: dict[str, list[str]] = {
    "any": ["required", "enum"],
    "string": ["required", "minLength", "maxLength", "pattern", "enum"],
    "integer": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "number": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "boolean": ["required", "enum"],
    "date": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "datetime": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "time": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "year": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "yearmonth": ["required", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "enum"],
    "duration": ["required", "enum"],
    "geopoint": ["required", "enum"],
    "array": ["required", "minLength", "maxLength", "enum"],
    "object": ["required", "minLength", "maxLength", "enum"],
    "list": ["required", "minLength", "maxLength"],
    "geojson": ["required", "enum"],
}

# The item types a list may declare (frictionless's ListField.item_types, the standard's list)
LIST_ITEM_TYPES = ("string", "integer", "boolean", "number", "datetime", "date", "time")
GEOJSON_FORMATS = ("default", "topojson")
# Types whose values are JSON lists or objects: no key memory can hold them (frictionless fails
# with a TypeError on them), so "unique" and primary keys of these types are refused.
UNKEYABLE_TYPES = frozenset({"array", "object", "list", "geojson"})


def _any_reader(cell: Any) -> Any:
    return cell


# The readers that depend on the format only (or on nothing); the others need the descriptor.
_BY_FORMAT: dict[str, Callable[[str], ValueReader]] = {
    "any": lambda fmt: _any_reader,
    "string": string_reader,
    "date": date_reader,
    "datetime": datetime_reader,
    "time": time_reader,
    "year": lambda fmt: year_reader,
    "yearmonth": lambda fmt: yearmonth_reader,
    "duration": lambda fmt: duration_reader,
    "geopoint": geopoint_reader,
    # the items of "arrayItem" are read by the field's cell reader (see compile_field)
    "array": lambda fmt: json_reader(list),
    "object": lambda fmt: json_reader(dict),
}


def value_reader(desc: dict[str, Any]) -> ValueReader:
    """The frictionless value reader for a field descriptor (text → typed value, or None)."""
    ftype = desc.get("type", "any")
    fmt = str(desc.get("format", "default")).removeprefix("fmt:")
    by_format = _BY_FORMAT.get(ftype)
    if by_format is not None:
        return by_format(fmt)
    if ftype == "integer":
        return integer_reader(bool(desc.get("bareNumber", True)))
    if ftype == "number":
        return number_reader(desc)
    if ftype == "boolean":
        return boolean_reader(desc)[0]
    if ftype == "list":
        item_type = desc.get("itemType", "string")
        if item_type not in LIST_ITEM_TYPES:
            raise SchemaProblem(
                f'list item type "{item_type}" is not one of {", ".join(LIST_ITEM_TYPES)}'
            )
        # items are read with their type's default format, as the standard requires
        return list_reader(value_reader({"type": item_type}), str(desc.get("delimiter", ",")))
    if ftype == "geojson":
        if fmt not in GEOJSON_FORMATS:
            raise SchemaProblem(f'geojson format "{fmt}" is not one of default, topojson')
        return geojson_reader(fmt)
    raise SchemaProblem(f'field type "{ftype}" is not supported')


# ---------------------------------------------------------------- constraints


def _bound(compare: Callable[[Any, Any], bool], limit: Any, value: Any) -> bool:
    if value is None:
        return True
    if value != value:  # NaN never satisfies a bound (frictionless does the same)
        return False
    try:
        return bool(compare(value, limit))
    except TypeError:
        # a time with an offset against a bound without one: frictionless fails with this
        # TypeError; a value that cannot be compared with the bound does not meet it
        return False


def _compile_checks(
    desc: dict[str, Any], ftype: str, vr: ValueReader
) -> list[tuple[str, Callable[[Any], bool], str]]:
    """(name, check, note) for each declared constraint, in frictionless's order."""
    constraints: dict[str, Any] = desc.get("constraints") or {}
    supported = SUPPORTED_CONSTRAINTS[ftype]
    for name in constraints:
        if name not in supported and name != "unique":
            raise SchemaProblem(f'constraint "{name}" is not supported by type "{ftype}"')
    checks: list[tuple[str, Callable[[Any], bool], str]] = []
    for name in supported:
        raw = constraints.get(name)
        if raw is None or (name == "required" and not raw):
            continue
        check = _constraint(name, raw, ftype, vr)
        if check is not None:
            checks.append((name, check, f'constraint "{name}" is "{raw}"'))
    return checks


_COMPARE = {
    "minimum": operator.ge,
    "maximum": operator.le,
    "exclusiveMinimum": operator.gt,
    "exclusiveMaximum": operator.lt,
}


def _constraint(name: str, raw: Any, ftype: str, vr: ValueReader) -> Callable[[Any], bool] | None:
    """The check of one declared constraint over a typed value (None is no value)."""
    if name == "required":
        return partial(operator.is_not, None)
    if name in _COMPARE:
        limit = vr(raw)
        if limit is None:
            raise SchemaProblem(f'constraint "{name}" value "{raw}" is not a valid {ftype}')
        return partial(_bound, _COMPARE[name], limit)
    if name == "minLength":
        return partial(lambda n, v: v is None or len(v) >= n, raw)
    if name == "maxLength":
        return partial(lambda n, v: v is None or len(v) <= n, raw)
    if name == "pattern":
        # frictionless wraps the pattern as "^…$" and uses match(): "$" also matches before
        # a final newline — odd, but kept so verdicts agree.
        rx = re.compile(f"^{raw}$")
        return partial(lambda r, v: v is None or r.match(v) is not None, rx)
    if name == "enum":
        allowed = [vr(v) for v in raw]
        return partial(lambda a, v: v is None or v in a, allowed)
    return None  # pragma: no cover - SUPPORTED_CONSTRAINTS lists only the names above


# ---------------------------------------------------------------- compile a field


def missing_values(
    desc: dict[str, Any], schema_missing: Sequence[Any] | None = None
) -> frozenset[str]:
    """The texts that mean "no value" for a field: its own ``missingValues``, else the schema's,
    else ``[""]``. Data Package v2 also allows objects (``{"value": "NA", "label": "…"}``)."""
    raw = desc.get("missingValues")
    if raw is None:
        raw = schema_missing if schema_missing is not None else DEFAULT_MISSING_VALUES
    return frozenset(str(m["value"]) if isinstance(m, dict) else str(m) for m in raw)


def compile_field(desc: dict[str, Any], schema_missing: Sequence[Any] | None = None) -> FieldSpec:
    """Compile one Table Schema field descriptor; raises SchemaProblem for what we can't check."""
    name = desc.get("name")
    if not isinstance(name, str):
        raise SchemaProblem(f"field without a valid name: {desc!r}")
    ftype = desc.get("type", "any")
    if ftype not in SUPPORTED_CONSTRAINTS:
        raise SchemaProblem(f'field "{name}": type "{ftype}" is not supported')
    fmt = str(desc.get("format", "default")).removeprefix("fmt:")
    try:
        vr = value_reader(desc)
        checks = _compile_checks(desc, ftype, vr)
    except SchemaProblem as exc:
        raise SchemaProblem(f'field "{name}": {exc}') from None
    missing = missing_values(desc, schema_missing)
    constraints = desc.get("constraints") or {}
    if constraints.get("unique") and ftype in UNKEYABLE_TYPES:
        raise SchemaProblem(
            f'field "{name}": "unique" cannot be checked on {ftype} values; remove the constraint'
        )
    required = bool(constraints.get("required", False))
    type_note = f'type is "{ftype}/{fmt}"'
    if ftype == "list":
        type_note = f'expected item type is "{desc.get("itemType", "string")}"'
    type_problem: tuple[Problem, ...] = (("type-error", type_note),)
    no_problem: tuple[Problem, ...] = ()

    def read_cell(cell: Any) -> tuple[Any, tuple[Problem, ...]]:
        # Same order as frictionless: missing value → None; parse; constraints only if it parsed.
        # (Cells are text; only the items of an array are other JSON values, compared as text.)
        value: Any = None
        if cell is not None and (cell if isinstance(cell, str) else str(cell)) not in missing:
            value = vr(cell)
            if value is None:
                return None, type_problem
        if not checks:
            return value, no_problem
        failed = tuple(("constraint-error", note) for _, check, note in checks if not check(value))
        return value, failed

    read: CellReader = read_cell
    if ftype == "array" and desc.get("arrayItem"):
        try:
            read = _array_item_read(name, desc["arrayItem"], read_cell)
        except SchemaProblem as exc:
            raise SchemaProblem(f'field "{name}": arrayItem: {exc}') from None
    column = column_check(desc, ftype, fmt, vr, checks, missing, read)
    return FieldSpec(
        name=name,
        type=ftype,
        missing=missing,
        required=required,
        unique=bool(constraints.get("unique", False)),
        read=read,
        column=column,
    )


def _array_item_read(name: str, item_desc: Any, read: CellReader) -> CellReader:
    """An array field's cell reader that also reads every item with the ``arrayItem`` field
    (frictionless's ArrayField.create_cell_reader): the items only when the array itself read
    cleanly; each kind of item problem is reported once per cell, its note prefixed."""
    if not isinstance(item_desc, dict):
        raise SchemaProblem('"arrayItem" must be a field descriptor (an object)')
    item = {k: v for k, v in item_desc.items() if k != "arrayItem"}
    item.setdefault("name", name)
    item.setdefault("type", "any")
    item_read = compile_field(item).read

    def read_array(cell: Any) -> tuple[Any, tuple[Problem, ...]]:
        value, problems = read(cell)
        if value is None or problems:
            return value, problems
        notes: dict[str, Problem] = {}
        for index, raw in enumerate(value):
            typed, item_problems = item_read(raw)
            for kind, note in item_problems:
                key = "type" if kind == "type-error" else note
                notes.setdefault(key, (kind, f"array item {note}"))
            value[index] = typed
        if not notes:
            return value, problems
        # frictionless reports the type problem first, then the constraints in order met
        ordered = sorted(notes.values(), key=lambda p: p[0] != "type-error")
        return value, tuple(ordered)

    return read_array
