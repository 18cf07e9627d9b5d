"""Validator parity with frictionless 5.x on the inputs users produce (issue 11, item 4).

Each case writes a real package, validates it with opendata and with frictionless (the judge),
and requires the same verdict and the same (resource, row, field, error type) set. Where
frictionless refuses a schema outright, opendata must refuse it too, and the plugin contract must
name the field before any refresh runs.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from opendata.sources.contract import check_schema
from opendata.validation import validate_package_dir

frictionless = pytest.importorskip("frictionless")

V2 = "https://datapackage.org/profiles/2.0/datapackage.json"


def schema(*fields: tuple[str, str, dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"fields": [{"name": n, "type": t, **kw} for n, t, kw in fields], **extra}


def csv_bytes(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


def write(folder: Path, resources: list[tuple[dict[str, Any], bytes]], v2: bool = True) -> Path:
    descriptor: dict[str, Any] = {"name": "pkg", "resources": []}
    if v2:
        descriptor["$schema"] = V2
    for res, data in resources:
        entry = {"path": f"{res['name']}.csv", "format": "csv", **res}
        (folder / entry["path"]).write_bytes(data)
        descriptor["resources"].append(entry)
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), "utf-8")
    return folder


def both(
    folder: Path,
) -> tuple[tuple[bool, set[tuple[Any, ...]]], tuple[bool, set[tuple[Any, ...]]]]:
    """(opendata's, frictionless's) verdict and error set."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = frictionless.Package(str(folder / "datapackage.json")).validate()
    theirs = {
        (t.name, getattr(e, "row_number", None), getattr(e, "field_name", None) or None, e.type)
        for t in report.tasks
        for e in t.errors
    }
    ours = validate_package_dir(folder)
    mine = {(e.resource, e.row, e.field or None, e.type) for e in ours.errors}
    return (ours.valid, mine), (bool(report.valid), theirs)


def agree(folder: Path) -> tuple[bool, set[tuple[Any, ...]]]:
    ours, theirs = both(folder)
    assert ours == theirs
    return ours


# ---------------------------------------------------------------- encodings


@pytest.mark.parametrize("declared", ["utf-8", "UTF8", None])
def test_utf8_bom_is_not_part_of_the_first_label(tmp_path: Path, declared: str | None) -> None:
    res: dict[str, Any] = {
        "name": "r",
        "schema": schema(("序号", "integer", {}), ("标题", "string", {})),
    }
    if declared:
        res["encoding"] = declared
    data = codecs.BOM_UTF8 + "序号,标题\n1,政府信息公开\n".encode()
    assert agree(write(tmp_path, [(res, data)])) == (True, set())


def test_undeclared_gb18030_is_detected_as_frictionless_does(tmp_path: Path) -> None:
    res = {"name": "r", "schema": schema(("序号", "integer", {}), ("标题", "string", {}))}
    data = "序号,标题\n1,政府信息公开目录\n2,办事指南\n".encode("gb18030")
    assert agree(write(tmp_path, [(res, data)])) == (True, set())


def test_undetectable_gb18030_names_the_declaration_that_fixes_it(tmp_path: Path) -> None:
    # 100,000 ASCII bytes first: frictionless (and we) take the file for UTF-8 and fail
    res = {"name": "r", "schema": schema(("n", "integer", {}), ("t", "string", {}))}
    text = "n,t\n" + "".join(f"{i},x\n" for i in range(20000)) + "1,政府信息公开\n"
    assert agree(write(tmp_path, [(res, text.encode("gb18030"))]))[0] is False
    report = validate_package_dir(tmp_path)
    assert [e.type for e in report.errors] == ["encoding-error"]
    assert 'declare "encoding": "gb18030"' in report.errors[0].message


# ---------------------------------------------------------------- missing values


@pytest.mark.parametrize("level", ["schema", "field"])
def test_v2_missing_values_objects(tmp_path: Path, level: str) -> None:
    missing = [{"value": "NA", "label": "不适用"}, {"value": ""}]
    opts = {"missingValues": missing} if level == "field" else {}
    extra = {"missingValues": missing} if level == "schema" else {}
    res = {
        "name": "r",
        "schema": schema(
            ("n", "integer", {"constraints": {"required": True}, **opts}),
            ("s", "string", {}),
            **extra,
        ),
    }
    data = csv_bytes([["n", "s"], ["NA", "x"], ["1", "NA"], ["x", ""]])
    valid, errors = agree(write(tmp_path, [(res, data)]))
    assert (valid, errors) == (
        False,
        {("r", 2, "n", "constraint-error"), ("r", 4, "n", "type-error")},
    )


def test_v2_only_features_in_a_v1_package_are_refused_with_the_fix(tmp_path: Path) -> None:
    res = {"name": "r", "schema": schema(("n", "integer", {}), missingValues=[{"value": "NA"}])}
    write(tmp_path, [(res, csv_bytes([["n"], ["NA"]]))], v2=False)
    with pytest.raises(frictionless.FrictionlessException):
        frictionless.Package(str(tmp_path / "datapackage.json"))
    report = validate_package_dir(tmp_path)
    assert [e.type for e in report.errors] == ["schema-error"]
    assert '"$schema"' in report.errors[0].message


# ---------------------------------------------------------------- fieldsMatch


@pytest.mark.parametrize("mode", ["exact", "equal", "subset", "superset", "partial"])
@pytest.mark.parametrize(
    "header",
    [
        ["a", "b"],
        ["b", "a"],
        ["a"],
        ["a", "b", "c"],
        ["c", "a"],
        ["b"],
        ["x", "y"],
        ["b", "", "a"],
        ["a", "a"],
    ],
)
def test_fields_match(tmp_path: Path, mode: str, header: list[str]) -> None:
    fields = schema(
        ("a", "integer", {}), ("b", "string", {"constraints": {"required": True}}), fieldsMatch=mode
    )
    rows = [header, ["1"] * len(header), ["x"] * len(header)]
    res = {"name": "r", "encoding": "utf-8", "schema": fields}
    agree(write(tmp_path, [(res, csv_bytes(rows))]))


@pytest.mark.parametrize("mode", ["exact", "equal", "partial"])
def test_header_case(tmp_path: Path, mode: str) -> None:
    res = {
        "name": "r",
        "encoding": "utf-8",
        "dialect": {"headerCase": False},
        "schema": schema(("a", "integer", {}), ("b", "string", {}), fieldsMatch=mode),
    }
    assert agree(write(tmp_path, [(res, csv_bytes([["A", "B"], ["1", "x"]]))])) == (True, set())


# ---------------------------------------------------------------- types and formats

CASES: list[tuple[str, dict[str, Any], list[str]]] = [
    ("list", {"constraints": {"maxLength": 1}}, ["a,b", "", "1"]),
    ("list", {"itemType": "integer"}, ["1,2", "x,1", "3", "1,"]),
    ("list", {"itemType": "number", "delimiter": ";"}, ["1;2.5", "x;1", "3"]),
    (
        "list",
        {"itemType": "boolean", "constraints": {"minLength": 2}},
        ["true,false", "true", "x,true"],
    ),
    ("list", {"itemType": "date"}, ["2020-01-01,2020-02-30", "2020-01-01"]),
    ("list", {"itemType": "datetime"}, ["2020-01-01T00:00:00", "2020-01-01T00:00:00,x"]),
    ("list", {"itemType": "time", "delimiter": "|"}, ["10:00:00|11:00:00", "1"]),
    ("array", {}, ["[1,2]", '{"a":1}', "x"]),
    (
        "array",
        {"arrayItem": {"type": "integer", "constraints": {"minimum": 2}}},
        ["[1,2]", '["a",1]', '[3,"",null]', "[]"],
    ),
    (
        "array",
        {"arrayItem": {"type": "string", "constraints": {"required": True}}},
        ['["a",""]', "[null]", '["a"]'],
    ),
    ("object", {"constraints": {"minLength": 1}}, ["[1,2]", '{"a":1}', "{}", "x"]),
    ("geojson", {}, ['{"type":"Point","coordinates":[1,2]}', '{"type":"Foo"}', "[1]", "x"]),
    (
        "geojson",
        {"format": "topojson"},
        ['{"type":"Topology","objects":{},"arcs":[]}', '{"type":"Foo"}'],
    ),
    ("geopoint", {}, ["1,2", "1, 2", "200,1", "x"]),
    ("geopoint", {"format": "array"}, ["[1,2]", "[1,2,3]", "x"]),
    ("geopoint", {"format": "object"}, ['{"lon":1,"lat":2}', '{"lon":1}', "x"]),
    ("duration", {}, ["P1Y", "PT1H", "x", "P1.5Y"]),
    ("yearmonth", {"constraints": {"minimum": "2020-02"}}, ["2020-01", "2020-13", "2020-1", "x"]),
    ("year", {}, ["2020", "20", "-200", "abcd"]),
    ("string", {"format": "email"}, ["a@b.com", "a＠b.com", "x"]),
    ("string", {"format": "uri"}, ["http://x.org", "x y", "mailto:a@b.c"]),
    ("string", {"format": "uuid"}, ["550e8400-e29b-41d4-a716-446655440000", "x"]),
    ("string", {"format": "binary"}, ["ZmFrZQ==", "x"]),
    ("date", {"format": "%Y年%m月%d日"}, ["2020年01月02日", "2020-01-02", "2020年02月30日"]),
    ("date", {"format": "any"}, ["01/02/2020", "2020-01-02", "x"]),
    ("datetime", {"format": "%d/%m/%Y %H:%M"}, ["01/02/2020 10:00", "x"]),
    ("time", {"format": "%H%M"}, ["1000", "x"]),
    ("any", {"constraints": {"enum": ["1", "x"]}}, ["1", "x", "y"]),
]


@pytest.mark.parametrize(
    ("ftype", "options", "cells"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_types_and_formats(
    tmp_path: Path, ftype: str, options: dict[str, Any], cells: list[str]
) -> None:
    res = {
        "name": "r",
        "encoding": "utf-8",
        "schema": schema(("a", ftype, options), ("b", "string", {})),
    }
    data = csv_bytes([["a", "b"], *[[c, "z"] for c in cells]])
    valid, errors = agree(write(tmp_path, [(res, data)]))
    assert not valid and errors, "every case holds at least one value frictionless rejects"


def test_foreign_key_to_a_missing_resource_is_a_resource_error(tmp_path: Path) -> None:
    fk = [{"fields": ["a"], "reference": {"resource": "zz", "fields": ["a"]}}]
    res = {"name": "r", "encoding": "utf-8", "schema": schema(("a", "integer", {}), foreignKeys=fk)}
    other = {"name": "s", "encoding": "utf-8", "schema": schema(("a", "integer", {}))}
    data = csv_bytes([["a"], ["x"]])
    assert agree(write(tmp_path, [(res, data), (other, data)])) == (
        False,
        {("r", None, None, "resource-error"), ("s", 2, "a", "type-error")},
    )


# ---------------------------------------------------------------- refused at contract time


@pytest.mark.parametrize(
    ("field", "extra", "named"),
    [
        ({"name": "geom", "type": "string", "format": "wkt"}, {}, 'field "geom"'),
        ({"name": "geom", "type": "wkt"}, {}, 'field "geom"'),
        ({"name": "tags", "type": "object", "constraints": {"unique": True}}, {}, 'field "tags"'),
        ({"name": "tags", "type": "array"}, {"primaryKey": ["tags"]}, '"tags"'),
        ({"name": "tags", "type": "list", "itemType": "geopoint"}, {}, 'field "tags"'),
        ({"name": "n", "type": "integer", "constraints": {"pattern": "1"}}, {}, 'field "n"'),
        ({"name": "n", "type": "integer"}, {"fieldsMatch": "loose"}, '"fieldsMatch"'),
    ],
)
def test_contract_refuses_what_the_validator_cannot_check(
    field: dict[str, Any], extra: dict[str, Any], named: str
) -> None:
    desc = {"fields": [{**field, "title": "字段"}], **extra}
    problems = check_schema("r", desc, {"r": desc})
    assert any(named in p for p in problems), problems


def test_contract_accepts_the_newly_supported_types() -> None:
    fields = [
        {"name": "a", "type": "list", "itemType": "integer", "delimiter": ";", "title": "列表"},
        {"name": "b", "type": "geojson", "title": "地理"},
        {"name": "c", "type": "array", "arrayItem": {"type": "integer"}, "title": "数组"},
        {
            "name": "d",
            "type": "integer",
            "missingValues": [{"value": "NA", "label": "不适用"}],
            "title": "数",
        },
    ]
    desc = {"fields": fields, "fieldsMatch": "subset"}
    assert check_schema("r", desc, {"r": desc}) == []


@pytest.mark.parametrize(
    ("parent", "child"),
    [
        (b"a\n\xff\n", b"a\nx\n2\n"),  # undecodable parent: the child fails with it
        (b"a\n\xff\n", b""),  # ... even when the child is empty
        (b"", b"a\nx\n2\n"),  # empty parent: an empty lookup, every reference fails
        (None, b"a\nx\n2\n"),  # no parent file: scheme-error, for the child too
    ],
)
def test_errors_of_a_referenced_resource(
    tmp_path: Path, parent: bytes | None, child: bytes
) -> None:
    fk = [{"fields": ["a"], "reference": {"resource": "p", "fields": ["a"]}}]
    p = {"name": "p", "encoding": "utf-8", "schema": schema(("a", "integer", {}))}
    c = {"name": "c", "encoding": "utf-8", "schema": schema(("a", "integer", {}), foreignKeys=fk)}
    write(tmp_path, [(p, parent or b""), (c, child)])
    if parent is None:
        (tmp_path / "p.csv").unlink()
    valid, _ = agree(tmp_path)
    assert not valid


def test_header_error_of_a_referenced_resource(tmp_path: Path) -> None:
    fk = [{"fields": ["a"], "reference": {"resource": "p", "fields": ["a"]}}]
    p = {
        "name": "p",
        "encoding": "utf-8",
        "schema": schema(("a", "integer", {}), ("b", "integer", {}), fieldsMatch="equal"),
    }
    c = {"name": "c", "encoding": "utf-8", "schema": schema(("a", "integer", {}), foreignKeys=fk)}
    write(tmp_path, [(p, b"a,a\n1,2\n"), (c, b"a\nx\n2\n")])
    assert agree(tmp_path) == (False, {("p", None, None, "error"), ("c", None, None, "error")})
