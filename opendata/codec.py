"""One value codec: a field's published text ⇄ its value, honouring every Table Schema option.

Built once per field from its descriptor (:func:`codec_for`, :func:`codecs`), a
:class:`FieldCodec` has five directions, and every part of opendata that turns text into values
or values into text uses them:

* ``read(text)`` — the value frictionless reads (``Decimal`` for numbers, ``date`` for dates,
  ``None`` for a missing value); the validator's own exact readers
  (:func:`opendata.validation.types.value_reader`) do the work, so the codec and the validator
  cannot disagree. Raises :class:`CodecError` for text that is not of the field's type.
* ``write(value)`` — what build writes for a Python value a plugin yields: ``True`` as the
  first ``trueValues`` text, a ``Decimal`` with the ``decimalChar``, a date in the field's
  ``format``, ``None`` as the empty text when that means missing, else the first declared
  missing value.
* ``to_store(text)`` — the datastore's value of a cell: ``bool``, ``int`` (any size), ``float``,
  ISO text for dates and times, the text itself otherwise, ``None`` for a missing value.
* ``store_text(value)`` — a datastore value written back as the field's text (filtered exports,
  CKAN ``records_format=csv``, the filtered dump).
* ``json_of(type)(value)`` — a datastore value as the row API, ``.json`` and change feeds show it
  (``to_json(text)`` from a published cell): exact integers, arrays and objects as JSON.

The store-side half (:func:`store_converter`) runs in the preloader's child process, which must
start in milliseconds: it needs only the resolved options of :func:`field_options` (plain data)
and the standard library. ``tests/test_codec.py`` checks that it agrees with ``read``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from operator import methodcaller
from typing import Any

DEFAULT_TRUE_VALUES = ("true", "True", "TRUE", "1")
DEFAULT_FALSE_VALUES = ("false", "False", "FALSE", "0")
#: The descriptor keys that change how a field's text reads or is written.
CODEC_KEYS = (
    "type",
    "format",
    "trueValues",
    "falseValues",
    "missingValues",
    "decimalChar",
    "groupChar",
    "bareNumber",
    "floatNumber",
)
_NUMBER_KEYS = frozenset({"groupChar", "decimalChar", "bareNumber"})
#: frictionless's "bareNumber: false" strip: leading non-digits (but "-") and trailing non-digits
_NON_BARE = re.compile(r"((^[^-\d]*)|(\D*$))")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
#: Texts of at most this length are integers SQLite stores exactly (19 digits may overflow).
SAFE_INT_DIGITS = 18


class CodecError(ValueError):
    """A text that is not a value of its field's type (the message names the field)."""


# -- resolved options: plain data that crosses a process boundary -------------------------


def field_options(
    desc: Mapping[str, Any], schema_missing: Sequence[Any] | None = None
) -> dict[str, Any]:
    """The codec-relevant part of a field descriptor, with ``missingValues`` resolved.

    ``missingValues`` becomes a list of texts: the field's own, else the schema's, else ``[""]``
    (Data Package v2 objects ``{"value": …}`` read as their value), as the validator reads them.
    """
    from opendata.validation.types import missing_values

    options = {k: desc[k] for k in CODEC_KEYS if k in desc and k != "missingValues"}
    options.setdefault("type", "string")
    missing = missing_values(dict(desc), schema_missing)
    # In declared order: the first declared text is what a missing value is written as.
    declared = desc.get("missingValues", schema_missing) or []
    texts = [str(m["value"]) if isinstance(m, dict) else str(m) for m in declared]
    options["missingValues"] = [t for t in dict.fromkeys(texts) if t in missing] or sorted(missing)
    return options


def _fmt(options: Mapping[str, Any]) -> str:
    return str(options.get("format", "default")).removeprefix("fmt:")


def _missing(options: Mapping[str, Any]) -> frozenset[str]:
    raw = options.get("missingValues", [""])
    return frozenset(str(m["value"]) if isinstance(m, dict) else str(m) for m in raw)


def null_text(options: Mapping[str, Any]) -> str:
    """The text a missing value is written as: empty when that means missing, else the first."""
    raw = options.get("missingValues", [""])
    texts = [str(m["value"]) if isinstance(m, dict) else str(m) for m in raw]
    return "" if "" in texts or not texts else texts[0]


def _number_processed(options: Mapping[str, Any]) -> bool:
    return bool(_NUMBER_KEYS & options.keys())


def plain_storage(options: Mapping[str, Any]) -> bool:
    """Whether cells may go into SQLite as text unchanged (column affinity types them).

    True for the common case — default number options, default date formats, empty cells as
    the only missing value — which keeps the loader's fast path; booleans are never plain.
    """
    kind = options.get("type", "string")
    if _missing(options) - {""}:
        return False
    if kind == "boolean":
        return False
    if kind == "integer":
        return bool(options.get("bareNumber", True))
    if kind == "number":
        return not _number_processed(options)
    if kind in ("date", "datetime", "time"):
        return _fmt(options) == "default"
    return True


# -- the store side: standard library only ------------------------------------------------


def _int_text(text: str, bare: bool) -> int:
    text = text.strip()
    if not bare:
        text = _NON_BARE.sub("", text)
    return int(text)


def _number_text(text: str, options: Mapping[str, Any]) -> Decimal:
    text = text.strip()
    if _number_processed(options):
        if not options.get("bareNumber", True):
            text = _NON_BARE.sub("", text)
        text = text.replace(str(options.get("groupChar", "")), "")
        decimal_char = str(options.get("decimalChar", "."))
        if decimal_char != "." and "." in text:
            raise ValueError(text)
        text = text.replace(decimal_char, ".")
    return Decimal(text)


def _temporal_iso(kind: str, fmt: str) -> Callable[[str], str]:
    """A non-default date/time text → ISO text (which sorts and compares as the value does)."""

    def iso(text: str) -> str:
        if fmt == "any":
            from dateutil import parser as du  # only fields with format "any" need it

            parsed: datetime = du.parse(text)
        else:
            parsed = datetime.strptime(text, fmt)
        if kind == "date":
            return parsed.date().isoformat()
        if kind == "time":
            return parsed.timetz().isoformat()
        return parsed.isoformat()

    return iso


def store_converter(options: Mapping[str, Any]) -> Callable[[str], Any]:
    """Text → datastore value for one field (``None`` for a missing value)."""
    kind = options.get("type", "string")
    missing = _missing(options)
    convert: Callable[[str], Any]
    if kind == "boolean":
        table: dict[str, Any] = {t: False for t in options.get("falseValues", DEFAULT_FALSE_VALUES)}
        table.update({t: True for t in options.get("trueValues", DEFAULT_TRUE_VALUES)})
        table.update(dict.fromkeys(missing))
        return table.__getitem__
    if kind == "integer":
        bare = bool(options.get("bareNumber", True))

        def convert(text: str) -> Any:
            return _int_text(text, bare)

    elif kind == "number":

        def convert(text: str) -> Any:
            return float(_number_text(text, options))

    elif kind in ("date", "datetime", "time") and _fmt(options) != "default":
        convert = _temporal_iso(kind, _fmt(options))
    else:
        if missing == {""}:  # the common text field: as cheap as the loader was before

            def plain(text: str) -> Any:
                return None if text == "" else text

            return plain

        def convert(text: str) -> Any:
            return text

    def store(text: str) -> Any:
        return None if text in missing else convert(text)

    return store


# -- the value side -----------------------------------------------------------------------


def _number_writer(kind: str, options: Mapping[str, Any]) -> Callable[[Any], str]:
    """float/Decimal → text with the field's ``decimalChar`` (an integral one, for an integer
    field, as an integer)."""
    decimal_char = str(options.get("decimalChar", "."))

    def write(value: Any) -> str:
        if kind == "integer" and value == value and value % 1 == 0:
            return str(int(value))
        text = repr(value) if isinstance(value, float) else format(value, "f")
        return text if decimal_char == "." else text.replace(".", decimal_char)

    return write


def _json_text(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _temporal_writer(kind: str, fmt: str) -> Callable[[Any], str]:
    """date/datetime/time → text in the field's ``format`` (ISO by default)."""
    pattern = kind in ("date", "datetime", "time") and fmt not in ("default", "any")

    def write(value: Any) -> str:
        if kind == "date" and isinstance(value, datetime):
            value = value.date()
        return str(value.strftime(fmt)) if pattern else str(value.isoformat())

    return write


def _geopoint_text(value: Any, fmt: str) -> str:
    lon, lat = (value["lon"], value["lat"]) if isinstance(value, Mapping) else value
    if fmt == "array":
        return f"[{lon}, {lat}]"
    if fmt == "object":
        return f'{{"lon": {lon}, "lat": {lat}}}'
    return f"{lon},{lat}"


def _structured_text(value: Any, kind: str, fmt: str) -> str:
    if isinstance(value, timedelta):
        import isodate  # only durations need it

        return str(isodate.duration_isoformat(value))
    if kind == "geopoint" and isinstance(value, list | tuple | Mapping):
        return _geopoint_text(value, fmt)
    if kind == "yearmonth" and isinstance(value, list | tuple) and len(value) == 2:
        return f"{int(value[0]):04d}-{int(value[1]):02d}"
    if isinstance(value, list | tuple | dict):
        return _json_text(value)
    return str(value)


def value_writer(options: Mapping[str, Any]) -> Callable[[Any], str]:
    """Python value → the field's published text (what a plugin's value is written as).

    The common Python types are dispatched on their exact type through one dict lookup (build
    calls this for every cell that is not text); subclasses and the rest take the slow path.
    """
    kind = options.get("type", "string")
    fmt = _fmt(options)
    empty = null_text(options)
    if kind == "boolean":
        true_text = next(iter(options.get("trueValues", DEFAULT_TRUE_VALUES)), "true")
        false_text = next(iter(options.get("falseValues", DEFAULT_FALSE_VALUES)), "false")
    else:
        true_text, false_text = "true", "false"
    number = _number_writer(kind, options)
    temporal = _temporal_writer(kind, fmt)
    integer: Callable[[Any], str] = (lambda v: f"{v:04d}") if kind == "year" else str
    by_type: dict[type, Callable[[Any], str]] = {
        str: str,
        type(None): lambda _v: empty,
        bool: lambda v: true_text if v else false_text,
        int: integer,
        float: number,
        Decimal: number,
        date: temporal,
        datetime: temporal,
        time: temporal,
    }
    # The plainest cases call the C methods directly (measured: half the cost of a closure).
    if kind != "integer" and str(options.get("decimalChar", ".")) == ".":
        by_type[float] = repr
        by_type[Decimal] = methodcaller("__format__", "f")
    if fmt in ("default", "any") or kind not in ("date", "datetime", "time"):
        by_type[time] = time.isoformat
        by_type[date] = date.isoformat
        if kind != "date":  # a datetime in a date field is written as its date
            by_type[datetime] = datetime.isoformat

    def slow(value: Any) -> str:
        if isinstance(value, bool):
            return true_text if value else false_text
        if isinstance(value, int):
            return integer(value)
        if isinstance(value, float | Decimal):
            return number(value)
        if isinstance(value, date | time):
            return temporal(value)
        if isinstance(value, str):
            return str(value)
        return _structured_text(value, kind, fmt)

    def write(value: Any) -> str:
        handler = by_type.get(type(value))
        return handler(value) if handler is not None else slow(value)

    return write


def store_writer(options: Mapping[str, Any]) -> Callable[[Any], str]:
    """Datastore value → the field's text (ISO dates back into the field's format)."""
    kind = options.get("type", "string")
    fmt = _fmt(options)
    write = value_writer(options)
    if kind in ("date", "datetime", "time") and fmt not in ("default", "any"):
        parse = {"date": date.fromisoformat, "datetime": datetime.fromisoformat}.get(
            kind, time.fromisoformat
        )

        def temporal(value: Any) -> str:
            return write(parse(value) if isinstance(value, str) else value)

        return temporal
    return write


def json_value(value: Any) -> Any:
    """A datastore value as JSON can carry it (exact integers of any size, finite floats)."""
    if isinstance(value, bytes):  # SQLite keeps integers beyond 64 bits as their text
        return int(value)
    if isinstance(value, Decimal):  # PostgreSQL NUMERIC
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _json_document(value: Any) -> Any:
    if isinstance(value, str):
        import json

        return json.loads(value)
    return value


def _year(value: Any) -> Any:
    return int(value) if isinstance(value, str) else value


#: Types whose datastore text is shown as another JSON value: arrays and objects as themselves,
#: a year as a number (as frictionless reads them).
_JSON_OF: dict[str, Callable[[Any], Any]] = {
    "array": _json_document,
    "object": _json_document,
    "year": _year,
}


def json_of(kind: str) -> Callable[[Any], Any]:
    """A datastore value of a field of type ``kind`` → the value the row API shows."""
    return _JSON_OF.get(kind, json_value)


def json_bytes(value: Any) -> bytes:
    """JSON bytes of API values: orjson, or the standard library for an integer beyond 64 bits
    (which orjson refuses) so that such a value is written exactly."""
    import orjson  # not needed by the loader child, which never writes JSON

    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:
        import json

        return json.dumps(value, default=str, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class FieldCodec:
    """Every conversion of one field; see the module docstring."""

    name: str
    type: str
    options: Mapping[str, Any]
    missing: frozenset[str]
    write: Callable[[Any], str]
    to_store: Callable[[str], Any]
    store_text: Callable[[Any], str]
    _reader: Callable[[Any], Any] | None = None

    def read(self, text: str) -> Any:
        """The value of a published cell, as frictionless reads it (``None`` when missing)."""
        if text in self.missing:
            return None
        if self._reader is None:
            # The validator's exact reader, built on first use: serving that only writes
            # values back never imports the validator.
            from opendata.validation.types import value_reader

            self._reader = value_reader(dict(self.options))
        value = self._reader(text)
        if value is None:
            raise CodecError(f"field {self.name!r}: {text!r} is not a {self.type}")
        return value

    def to_json(self, text: str) -> Any:
        """A published cell as the row API shows it."""
        return json_of(self.type)(self.to_store(text))


def codec_for(desc: Mapping[str, Any], schema_missing: Sequence[Any] | None = None) -> FieldCodec:
    """The codec of one field descriptor (``schema_missing``: the schema's ``missingValues``)."""
    return codec_from_options(str(desc.get("name", "")), field_options(desc, schema_missing))


def codec_from_options(name: str, options: Mapping[str, Any]) -> FieldCodec:
    """A codec from resolved options (as :func:`field_options` makes and the catalog keeps)."""
    return FieldCodec(
        name=name,
        type=str(options.get("type", "string")),
        options=options,
        missing=_missing(options),
        write=value_writer(options),
        to_store=store_converter(options),
        store_text=store_writer(options),
    )


def codecs(schema: Mapping[str, Any]) -> list[FieldCodec]:
    """One codec per field of a Table Schema, in field order."""
    schema_missing = schema.get("missingValues")
    return [codec_for(f, schema_missing) for f in schema.get("fields", [])]


def writers(schema: Mapping[str, Any], names: Sequence[str]) -> list[Callable[[Any], str]]:
    """Value → text writers for ``names`` (fields of ``schema``), light: no reader is built."""
    schema_missing = schema.get("missingValues")
    by_name = {f["name"]: f for f in schema.get("fields", [])}
    return [value_writer(field_options(by_name.get(n, {}), schema_missing)) for n in names]
