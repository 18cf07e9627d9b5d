"""The value codec: every Table Schema option, text → value → text, and the store side agreeing
with the validator's exact readers (frictionless's own reading is the reference in
tests/test_value_agreement.py)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest

from opendata import codec
from opendata.codec import CodecError, codec_for, codecs


def field(**desc: Any) -> codec.FieldCodec:
    return codec_for({"name": "f", **desc})


# (descriptor, published text, value frictionless reads, canonical text written back)
CASES: list[tuple[dict[str, Any], str, Any, str]] = [
    ({"type": "boolean"}, "true", True, "true"),
    ({"type": "boolean"}, "0", False, "false"),
    ({"type": "boolean", "trueValues": ["是"], "falseValues": ["否"]}, "是", True, "是"),
    ({"type": "boolean", "trueValues": ["是"], "falseValues": ["否"]}, "否", False, "否"),
    ({"type": "boolean", "trueValues": ["Y", "yes"], "falseValues": ["N"]}, "yes", True, "Y"),
    ({"type": "integer"}, "42", 42, "42"),
    ({"type": "integer"}, "-7", -7, "-7"),
    (
        {"type": "integer"},
        "123456789012345678901234567890",
        123456789012345678901234567890,
        "123456789012345678901234567890",
    ),
    ({"type": "integer", "bareNumber": False}, "¥1200元", 1200, "1200"),
    ({"type": "number"}, "5033.00", Decimal("5033.00"), "5033.00"),
    ({"type": "number"}, "0.00", Decimal("0.00"), "0.00"),
    ({"type": "number", "decimalChar": ","}, "3,14", Decimal("3.14"), "3,14"),
    ({"type": "number", "groupChar": ","}, "1,234,567.5", Decimal("1234567.5"), "1234567.5"),
    (
        {"type": "number", "groupChar": " ", "decimalChar": ","},
        "1 234,5",
        Decimal("1234.5"),
        "1234,5",
    ),
    ({"type": "number", "bareNumber": False}, "12.5%", Decimal("12.5"), "12.5"),
    (
        {"type": "number"},
        "12345678901234567890.123456789",
        Decimal("12345678901234567890.123456789"),
        "12345678901234567890.123456789",
    ),
    ({"type": "date"}, "2024-02-29", date(2024, 2, 29), "2024-02-29"),
    ({"type": "date", "format": "%d/%m/%Y"}, "31/12/2024", date(2024, 12, 31), "31/12/2024"),
    (
        {"type": "date", "format": "%Y年%m月%d日"},
        "2024年01月05日",
        date(2024, 1, 5),
        "2024年01月05日",
    ),
    (
        {"type": "datetime"},
        "2024-01-05T08:30:00",
        datetime(2024, 1, 5, 8, 30),
        "2024-01-05T08:30:00",
    ),
    (
        {"type": "datetime", "format": "%Y/%m/%d %H:%M"},
        "2024/01/05 08:30",
        datetime(2024, 1, 5, 8, 30),
        "2024/01/05 08:30",
    ),
    ({"type": "time"}, "08:30:00", time(8, 30), "08:30:00"),
    ({"type": "time", "format": "%H时%M分"}, "08时30分", time(8, 30), "08时30分"),
    ({"type": "string"}, "档案室", "档案室", "档案室"),
    ({"type": "year"}, "2024", 2024, "2024"),
    ({"type": "array"}, '["a",1]', ["a", 1], '["a",1]'),
    ({"type": "object"}, '{"k":"值"}', {"k": "值"}, '{"k":"值"}'),
]


@pytest.mark.parametrize(("desc", "text", "value", "canonical"), CASES)
def test_text_to_value_and_back(
    desc: dict[str, Any], text: str, value: Any, canonical: str
) -> None:
    c = field(**desc)
    read = c.read(text)
    assert read == value and type(read) is type(value)
    assert c.write(read) == canonical
    # The canonical text reads as the same value again (round trip).
    assert c.read(canonical) == value


@pytest.mark.parametrize(("desc", "text", "value", "canonical"), CASES)
def test_store_side_agrees_with_the_validator(
    desc: dict[str, Any], text: str, value: Any, canonical: str
) -> None:
    """The loader's light converter gives the datastore value of what the validator reads."""
    c = field(**desc)
    stored = c.to_store(text)
    if isinstance(value, bool) or (isinstance(value, int) and desc["type"] == "integer"):
        assert stored == value and type(stored) is type(value)
    elif isinstance(value, Decimal):
        assert stored == float(value)
    elif isinstance(value, date | time):
        assert stored == value.isoformat()  # ISO text: it sorts as the value does
    else:
        assert stored == text
    # And back from the store to the field's text, which reads as the same value (numbers are
    # doubles in the datastore: equal as doubles; the published file keeps every digit).
    back = c.read(c.store_text(stored))
    assert float(back) == float(value) if isinstance(value, Decimal) else back == value


@pytest.mark.parametrize(
    "missing",
    [["", "NA"], [{"value": "NA", "label": "不适用"}, {"value": "", "label": "空"}]],
)
def test_missing_values_both_forms(missing: list[Any]) -> None:
    for kind in ("integer", "number", "boolean", "string", "date"):
        c = field(type=kind, missingValues=missing)
        assert c.read("NA") is None and c.read("") is None
        assert c.to_store("NA") is None
        assert c.write(None) == ""
        assert c.store_text(None) == ""


def test_schema_level_missing_values_and_a_missing_text_other_than_empty() -> None:
    schema = {"missingValues": ["-"], "fields": [{"name": "n", "type": "integer"}, {"name": "s"}]}
    n, s = codecs(schema)
    assert n.read("-") is None and n.to_store("-") is None
    assert n.write(None) == "-"  # "" would not mean missing here
    # An empty string is a value of a string field when "" is not a missing value.
    assert s.read("") == "" and s.to_store("") == ""


def test_a_missing_value_is_written_as_the_first_declared_text() -> None:
    assert field(type="integer", missingValues=["NA", "-"]).write(None) == "NA"
    assert field(type="integer", missingValues=["-", "NA"]).store_text(None) == "-"
    schema = {"missingValues": [{"value": "无"}, {"value": "-"}], "fields": [{"name": "n"}]}
    assert codecs(schema)[0].write(None) == "无"


def test_python_values_written_as_the_schema_describes() -> None:
    flag = field(type="boolean", trueValues=["是"], falseValues=["否"])
    assert (flag.write(True), flag.write(False)) == ("是", "否")
    comma = field(type="number", decimalChar=",")
    assert comma.write(Decimal("1234.50")) == "1234,50"
    assert comma.write(2.5) == "2,5"
    assert comma.read(comma.write(Decimal("0.10"))) == Decimal("0.10")
    assert field(type="integer").write(Decimal("12")) == "12"
    assert field(type="integer").write(2**80) == str(2**80)
    assert field(type="date", format="%d.%m.%Y").write(date(2024, 3, 1)) == "01.03.2024"
    assert field(type="date").write(datetime(2024, 3, 1)) == "2024-03-01"
    assert field(type="datetime").write(datetime(2024, 3, 1, 9, 0)) == "2024-03-01T09:00:00"
    assert field(type="time").write(time(9, 5)) == "09:05:00"
    assert field(type="duration").write(timedelta(days=2)) == "P2D"
    assert field(type="yearmonth").write((2024, 3)) == "2024-03"
    assert field(type="geopoint").write((116.4, 39.9)) == "116.4,39.9"
    assert field(type="geopoint", format="array").read(
        field(type="geopoint", format="array").write([116.4, 39.9])
    )
    assert field(type="array").write(["档案", 2]) == '["档案",2]'
    assert field(type="string").write(None) == ""


def test_every_written_python_value_validates() -> None:
    """What write() makes is read by the validator's exact reader as the value given."""
    cases: list[tuple[dict[str, Any], Any]] = [
        ({"type": "boolean", "trueValues": ["是"], "falseValues": ["否"]}, True),
        ({"type": "number", "decimalChar": ",", "groupChar": "."}, Decimal("-3.25")),
        ({"type": "integer", "bareNumber": False}, 17),
        ({"type": "date", "format": "%Y年%m月%d日"}, date(2023, 12, 1)),
        ({"type": "datetime", "format": "%d/%m/%Y %H:%M:%S"}, datetime(2023, 12, 1, 23, 59, 1)),
        ({"type": "object"}, {"a": [1, 2]}),
    ]
    for desc, value in cases:
        c = field(**desc)
        assert c.read(c.write(value)) == value


def test_unreadable_text_is_an_error_naming_the_field() -> None:
    with pytest.raises(CodecError, match="'f'"):
        field(type="integer").read("12a")
    with pytest.raises(CodecError):
        field(type="number", decimalChar=",").read("1.5")  # frictionless refuses "." then


def test_plain_storage_only_for_default_options() -> None:
    options = codec.field_options
    assert codec.plain_storage(options({"type": "integer"}))
    assert codec.plain_storage(options({"type": "number"}))
    assert codec.plain_storage(options({"type": "date"}))
    assert not codec.plain_storage(options({"type": "boolean"}))
    assert not codec.plain_storage(options({"type": "number", "decimalChar": ","}))
    assert not codec.plain_storage(options({"type": "integer", "bareNumber": False}))
    assert not codec.plain_storage(options({"type": "date", "format": "%d/%m/%Y"}))
    assert not codec.plain_storage(options({"type": "string", "missingValues": ["", "NA"]}))


def test_json_values_of_store_values() -> None:
    assert codec.json_value(b"123456789012345678901234567890") == 123456789012345678901234567890
    assert codec.json_value(Decimal("12")) == 12 and type(codec.json_value(Decimal("12"))) is int
    assert codec.json_value(1.5) == 1.5


def test_json_values_of_text_kept_types() -> None:
    """Arrays, objects and years are stored as published text and shown as JSON values."""
    assert field(type="array").to_json('["档案", 2]') == ["档案", 2]
    assert field(type="object").to_json('{"a": 1}') == {"a": 1}
    assert field(type="year").to_json("2024") == 2024
    assert field(type="year").store_text(999) == "0999"
    assert field(type="year").read(field(type="year").write(999)) == 999
    assert field(type="array").to_json("") is None
