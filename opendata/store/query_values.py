"""Typed values for row queries: a filter's text (from a URL) or JSON value, checked against its
field's Table Schema type, and the error that names what to fix.

Split from :mod:`opendata.store.query`, which re-exports :class:`QueryError` and :func:`coerce`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any

from opendata.codec import plain_storage, store_converter

_TRUE = {"true", "1", "yes", "t", "y"}
_FALSE = {"false", "0", "no", "f", "n"}
TEXT_TYPES = {"string", "date", "datetime", "time", "year", "yearmonth", "any"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class QueryError(ValueError):
    """A request the datastore cannot answer as asked; the message names what to fix."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid_query",
        parameter: str | None = None,
        field: str | None = None,
        value: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = {
            k: v
            for k, v in {"parameter": parameter, "field": field, "value": value}.items()
            if v is not None
        }


def check_text(value: str, what: str, name: str) -> str:
    if "\x00" in value:
        raise QueryError(f"{what} contains a NUL character", parameter=name, value=value)
    return value


def _own_text(spec: Mapping[str, Any], value: Any) -> Any:
    """``value`` read as the field's own published text (its ``trueValues``, ``decimalChar``,
    date ``format`` …) by the codec, or ``None`` when it is not one."""
    options = spec.get("codec")
    if not options or not isinstance(value, str) or plain_storage(options):
        return None  # default options: the generic reading below checks the text
    try:
        return store_converter(options)(value)
    except (ValueError, KeyError, ArithmeticError):
        return None


def coerce(spec: Mapping[str, Any], value: Any, parameter: str | None = None) -> Any:
    """``value`` (text from a URL or a typed JSON value) as the field's SQL value.

    Text is read the generic way (``true``, ``1.5``, ISO dates) or as the field's own published
    text (``是`` for a field with ``trueValues: ["是"]``, ``1,5`` with ``decimalChar: ","``).
    Raises :class:`QueryError` naming the field and the value when it does not fit the type.
    """
    kind = spec.get("type", "string")
    name = spec["name"]
    own = _own_text(spec, value) if kind != "string" else None
    if own is not None:
        return own

    def bad(expected: str) -> QueryError:
        return QueryError(
            f"value {value!r} for field {name!r} is not {expected}",
            code="invalid_value",
            parameter=parameter,
            field=name,
            value=value if isinstance(value, str | int | float | bool) else repr(value),
        )

    if value is None:
        return None
    reader = _READERS.get(kind)
    if reader is not None:
        return reader(value, bad)
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise bad(f"a {kind}")
    text_value = check_text(str(value), f"value for field {name!r}", parameter or name)
    parse = _TEMPORAL.get(kind)
    if parse is not None:
        if kind == "date" and not _DATE.match(text_value):
            raise bad("a date (YYYY-MM-DD)")
        try:
            parse(text_value)
        except ValueError:
            raise bad(f"a {kind} in ISO 8601 form") from None
    return text_value


Bad = Callable[[str], QueryError]


def _integer(value: Any, bad: Bad) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise bad("an integer")
    try:
        return int(value)  # any size: the datastore keeps integers beyond 64 bits exactly
    except ValueError:
        raise bad("an integer") from None


def _number(value: Any, bad: Bad) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise bad("a number")
    try:
        real = float(value)
    except (ValueError, OverflowError):
        raise bad("a number") from None
    if not math.isfinite(real):
        raise bad("a finite number")
    return real


def _boolean(value: Any, bad: Bad) -> bool:
    if isinstance(value, bool):
        return value
    lowered = str(value).strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise bad("a boolean (true or false)")


_READERS: dict[str, Callable[[Any, Bad], Any]] = {
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
}
_TEMPORAL: dict[str, Callable[[str], Any]] = {
    "date": date.fromisoformat,
    "datetime": datetime.fromisoformat,
    "time": time.fromisoformat,
}
