"""How the portal shows a field and its values: labels with units, numbers, dates, 是/否.

Values are shown, never changed: a number keeps all its digits (grouped by thousands), a date
stays the published date, and the row detail and the downloads hold the same values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from opendata.read import fieldinfo
from opendata.web.i18n import translate

#: Integers that are identifiers or calendar parts: no thousands separator (2018, not 2,018).
_PLAIN_INTEGER = re.compile(r"(年度|年份|年|月份|月|日|编号|序号|行号|代码|编码|号)$")
_PLAIN_NAMES = re.compile(r"(^|_)(year|month|day|id|no|code|line_no)$")


@dataclass(frozen=True)
class Column:
    """A field as the table view shows it."""

    name: str
    title: str
    label: str  # the title without its unit
    unit: str
    kind: str  # see fieldinfo.kind
    sortable: bool
    enum: tuple[Any, ...]
    field: Mapping[str, Any]

    @property
    def numeric(self) -> bool:
        return self.kind in ("integer", "number", "money", "percent")


def column(field: Mapping[str, Any]) -> Column:
    title = field.get("title") or field["name"]
    label, unit = fieldinfo.split_title(title)
    return Column(
        name=field["name"],
        title=title,
        label=label or field["name"],
        unit=unit,
        kind=fieldinfo.kind(field),
        sortable=bool(field.get("filterable")),
        enum=tuple((field.get("constraints") or {}).get("enum") or ()),
        field=field,
    )


def grouped(col: Column) -> bool:
    """Whether an integer is a quantity (grouped by thousands) rather than a year or a code."""
    return not (_PLAIN_INTEGER.search(col.label) or _PLAIN_NAMES.search(col.name))


def _number(value: float | int, col: Column) -> str:
    if isinstance(value, int):
        return f"{value:,}" if grouped(col) else str(value)
    if col.kind == "money":
        return f"{value:,.2f}"
    text = repr(float(value))
    if "e" in text or "inf" in text or "nan" in text:
        return text
    whole, _, frac = text.partition(".")
    grouped_whole = f"{int(whole):,}" if whole not in ("-0",) else whole
    return grouped_whole + ("." + frac if frac and frac != "0" else "")


def show(value: Any, col: Column, lang: str) -> str:
    """The text of a value in a cell: grouped numbers, 是/否, local date-times, JSON as text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return translate(lang, "yes" if value else "no")
    if isinstance(value, int | float) and col.numeric:
        if col.kind == "percent":
            return f"{value * 100:.2f}%"
        return _number(value, col)
    if col.kind == "datetime" and isinstance(value, str):
        try:
            return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")
        except ValueError:
            return value
    if isinstance(value, list | dict):
        return orjson.dumps(value).decode()
    return str(value)
