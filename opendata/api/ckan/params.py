"""Coercing action parameters the way CKAN's validators do.

A parameter may arrive as JSON (POST: ints, bools, lists, objects) or as query-string text (GET:
strings, a repeated key as a list), so every reader here accepts both forms.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from opendata.api.ckan.errors import ValidationError, invalid
from opendata.limits import LimitError, Limits

#: The largest uncapped natural number accepted (offsets, limits without a cap).
NATURAL_MAX = 2**31 - 1
_TRUE = {"true", "yes", "t", "y", "1", "on"}
_FALSE = {"false", "no", "f", "n", "0", "off", ""}


def natural(data: Mapping[str, Any], key: str, default: int, *, cap: int | None = None) -> int:
    """A natural number (CKAN's ``natural_number_validator``); above ``cap`` it is clamped."""
    value = data.get(key)
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise invalid(key, "Invalid integer")
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise invalid(key, "Invalid integer") from None
    if not isinstance(value, int):
        raise invalid(key, "Invalid integer")
    if value < 0:
        raise invalid(key, "Must be a natural number")
    if cap is not None:
        return min(value, cap)
    # Offsets go into SQL: beyond 64 bits the driver fails (a 500); no table is that long.
    if value > NATURAL_MAX:
        raise invalid(key, f"Must be at most {NATURAL_MAX}")
    return value


def boolean(data: Mapping[str, Any], key: str, default: bool) -> bool:
    """CKAN's ``boolean_validator``, but an unreadable value is an error rather than False."""
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    raise invalid(key, "Value must be one of: true; false")


def text(data: Mapping[str, Any], key: str, default: str | None = None) -> str | None:
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise invalid(key, "Must be a string")
    return value


def required_text(data: Mapping[str, Any], *keys: str) -> str:
    """The first of ``keys`` present (``id`` or ``name_or_id``), else Missing value."""
    for key in keys:
        value = text(data, key)
        if value:
            return value
    raise ValidationError({keys[0]: ["Missing value"]})


def string_list(data: Mapping[str, Any], key: str) -> list[str] | None:
    """A list given as a JSON list, a JSON-encoded string, repeated keys or ``a,b`` text."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except ValueError:
                raise invalid(key, "Invalid JSON list") from None
        else:
            value = [part.strip() for part in stripped.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid(key, "Must be a list of strings")
    return value


def json_object(data: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    """An object, or a JSON string holding one (CKAN's ``json_validator``; ckanapi's GET mode
    cannot encode a dict in a query string, so it arrives as text)."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise invalid(key, "Could not parse as valid JSON") from None
    if not isinstance(value, dict):
        raise invalid(key, "Must be a JSON object")
    return value


def check_bounds(data: Mapping[str, Any], limits: Limits, *, full_text: bool) -> None:
    """Refuse a search text beyond the configured bounds with CKAN's Validation Error (409).

    Every ``q``, ``full_text``, ``fq`` and each value of a ``q`` object (``{column: text}``, a
    ``LIKE`` per column) is bounded in characters. Where ``q`` is a datastore full-text search
    (``full_text``), its words and their length are bounded too: each costs posting-list reads
    on the whole table. ``package_search`` matches tens of packages in memory, where a long
    word costs nothing. Checked for every action, GET and POST alike, before any work.
    """
    try:
        for key in ("q", "full_text"):
            value = data.get(key)
            if isinstance(value, str) and value.strip().startswith("{"):
                limits.check_text(value, key)
                value = json_object({key: value}, key)
            if isinstance(value, str):
                (limits.check_q if full_text else limits.check_text)(value, key)
            elif isinstance(value, dict):
                for column, needle in value.items():
                    limits.check_text(str(column), key)
                    limits.check_text(needle if isinstance(needle, str) else str(needle), key)
        for key in ("fq", "fq_list"):
            value = data.get(key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, str):
                    limits.check_text(item, key)
    except LimitError as exc:
        raise invalid(exc.parameter, exc.message) from None
