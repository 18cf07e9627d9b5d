"""Value readers of the text, number and boolean types: string, integer, number, boolean.

Each is a line-for-line port of the frictionless 5.21 type's ``create_value_reader``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .fieldspec import SchemaProblem, ValueReader

DEFAULT_TRUE_VALUES = ["true", "True", "TRUE", "1"]
DEFAULT_FALSE_VALUES = ["false", "False", "FALSE", "0"]

_NON_BARE = re.compile(r"((^[^-\d]*)|(\D*$))")


def string_reader(fmt: str) -> ValueReader:
    """The string reader for a format (default, email, uuid, uri, binary)."""
    if fmt == "email":
        import validators  # frictionless's own dependency, so the verdict is the same

        def read_email(cell: Any) -> Any:
            return cell if isinstance(cell, str) and validators.email(cell) is True else None

        return read_email
    if fmt == "uuid":
        import validators

        def read_uuid(cell: Any) -> Any:
            return cell if isinstance(cell, str) and validators.uuid(cell) is True else None

        return read_uuid
    if fmt == "uri":
        import rfc3986
        from rfc3986 import exceptions as rfc_exc
        from rfc3986 import validators as rfc_val

        def read_uri(cell: Any) -> Any:
            if not isinstance(cell, str):
                return None
            validator = rfc_val.Validator().require_presence_of("scheme")
            try:
                validator.validate(rfc3986.uri_reference(cell))
            except rfc_exc.ValidationError:
                return None
            return cell

        return read_uri
    if fmt == "binary":

        def read_binary(cell: Any) -> Any:
            if not isinstance(cell, str):
                return None
            try:
                base64.b64decode(cell)
            except Exception:
                return None
            return cell

        return read_binary
    if fmt != "default":
        raise SchemaProblem(f'string format "{fmt}" is not supported')
    return lambda cell: cell if isinstance(cell, str) else None


def integer_reader(bare: bool) -> ValueReader:
    """The integer reader; ``bare`` False strips leading and trailing non-digits first."""

    def read_integer(cell: Any) -> Any:
        if isinstance(cell, str):
            cell = cell.strip()
            if not bare:
                cell = _NON_BARE.sub("", cell)
            try:
                return int(cell)
            except Exception:
                return None
        if cell is True or cell is False:
            return None
        if isinstance(cell, int):
            return cell
        if isinstance(cell, float) and cell.is_integer():
            return int(cell)
        if isinstance(cell, Decimal) and cell % 1 == 0:
            return int(cell)
        return None

    return read_integer


def number_reader(desc: dict[str, Any]) -> ValueReader:
    """The number reader for a descriptor's groupChar, decimalChar, bareNumber, floatNumber."""
    bare = bool(desc.get("bareNumber", True))
    group_char = str(desc.get("groupChar", ""))
    decimal_char = str(desc.get("decimalChar", "."))
    primary: Callable[[Any], Any] = float if desc.get("floatNumber", False) else Decimal
    # frictionless only pre-processes the text when one of these keys is declared at all
    processed = bool({"groupChar", "decimalChar", "bareNumber"} & desc.keys())

    def read_number(cell: Any) -> Any:
        if isinstance(cell, str):
            cell = cell.strip()
            if processed:
                if not bare:
                    cell = _NON_BARE.sub("", cell)
                cell = cell.replace(group_char, "")
                if decimal_char != "." and "." in cell:
                    return None
                cell = cell.replace(decimal_char, ".")
            try:
                return primary(cell)
            except Exception:
                return None
        if cell is True or cell is False:
            return None
        if isinstance(cell, int | float | Decimal):
            if primary is Decimal and isinstance(cell, float):
                return Decimal(str(cell))
            return cell if isinstance(cell, int) else primary(cell)
        return None

    return read_number


def boolean_reader(desc: dict[str, Any]) -> tuple[ValueReader, dict[str, bool]]:
    """The boolean reader, and the text → bool mapping it uses (the column check needs it too)."""
    mapping: dict[str, bool] = {}
    for v in desc.get("trueValues", DEFAULT_TRUE_VALUES):
        mapping[v] = True
    for v in desc.get("falseValues", DEFAULT_FALSE_VALUES):
        mapping[v] = False

    def read_boolean(cell: Any) -> Any:
        if cell is True or cell is False:
            return cell
        if isinstance(cell, str):
            return mapping.get(cell)
        return None

    return read_boolean, mapping
