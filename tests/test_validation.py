"""Unit tests for opendata.validation: types, constraints, keys, header/row errors, the report."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opendata.validation import (
    PackageChecker,
    ResourceChecker,
    ValidationError,
    ValidationReport,
    validate_package_dir,
)


def check(schema: dict[str, Any], header: list[str], rows: list[list[str]]) -> set[tuple]:
    checker = ResourceChecker("r", schema)
    checker.check_header(header)
    for row in rows:
        checker.check_row(row)
    checker.finish()
    return {(e.row, e.field, e.type) for e in checker.errors}


def schema(*fields: tuple[str, str, dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"fields": [{"name": n, "type": t, **o} for n, t, o in fields], **extra}


@pytest.mark.parametrize(
    ("ftype", "options", "good", "bad"),
    [
        ("integer", {}, ["1", "-3", "007", " 5 "], ["1.5", "x", "十"]),
        ("integer", {"bareNumber": False}, ["$12", "12%"], ["x"]),
        ("number", {}, ["1.5", "-2", "1e3", "NaN", ".5"], ["1,5", "abc", "-"]),
        ("number", {"decimalChar": ",", "groupChar": " "}, ["1 000,5"], ["1.5"]),
        ("boolean", {}, ["true", "FALSE", "1"], ["yes", "T"]),
        ("boolean", {"trueValues": ["是"], "falseValues": ["否"]}, ["是", "否"], ["true"]),
        ("date", {}, ["2020-01-05", "2020-1-5"], ["2021-02-30", "20200105", "x"]),
        ("date", {"format": "%d/%m/%Y"}, ["05/01/2020"], ["2020-01-05"]),
        ("datetime", {}, ["2020-01-05T10:00:00", "2020-01-05T10:00:00Z"], ["2020-01-05"]),
        ("time", {}, ["10:00:00"], ["25:00:00", "10:00"]),
        ("year", {}, ["2020"], ["20", "abcd"]),
        ("yearmonth", {}, ["2020-05"], ["2020-13"]),
        ("duration", {}, ["P1D", "PT1H"], ["1D"]),
        ("geopoint", {}, ["10,20"], ["200,0"]),
        ("array", {}, ["[1]"], ["{}", "[1,"]),
        ("object", {}, ['{"a":1}'], ["[]"]),
        ("string", {"format": "email"}, ["a@b.cn"], ["x@"]),
        ("string", {"format": "uuid"}, ["6fa459ea-ee8a-3ca4-894e-db77e160355e"], ["123"]),
    ],
)
def test_type_errors(ftype: str, options: dict[str, Any], good: list[str], bad: list[str]) -> None:
    s = schema(("v", ftype, options))
    rows = [[c] for c in good + bad]
    expected = {(2 + len(good) + i, "v", "type-error") for i in range(len(bad))}
    assert check(s, ["v"], rows) == expected


def test_constraint_errors_one_per_failed_constraint() -> None:
    s = schema(
        ("s", "string", {"constraints": {"minLength": 3, "pattern": "a.*", "enum": ["abc", "zz"]}}),
        ("n", "integer", {"constraints": {"minimum": 0, "maximum": 5}}),
    )
    checker = ResourceChecker("r", s)
    checker.check_header(["s", "n"])
    checker.check_rows([["zz", "9"], ["b", "-1"], ["abc", "3"]])
    checker.finish()
    notes = sorted((e.row, e.field, e.note) for e in checker.errors)
    assert notes == [
        (2, "n", 'constraint "maximum" is "5"'),
        (2, "s", 'constraint "minLength" is "3"'),
        (2, "s", 'constraint "pattern" is "a.*"'),
        (3, "n", 'constraint "minimum" is "0"'),
        (3, "s", "constraint \"enum\" is \"['abc', 'zz']\""),
        (3, "s", 'constraint "minLength" is "3"'),
        (3, "s", 'constraint "pattern" is "a.*"'),
    ]
    message = next(e.message for e in checker.errors if e.row == 2 and e.field == "n")
    assert 'resource "r", row 2, field "n"' in message and '"9"' in message


def test_required_and_missing_cell() -> None:
    s = schema(("s", "string", {}), ("n", "integer", {"constraints": {"required": True}}))
    assert check(s, ["s", "n"], [["x"], ["x", ""]]) == {
        (2, "n", "constraint-error"),
        (2, "n", "missing-cell"),
        (3, "n", "constraint-error"),
    }


def test_blank_row_replaces_cell_errors_and_extra_cells() -> None:
    s = schema(("id", "integer", {"constraints": {"required": True}}), ("name", "string", {}))
    rows = [[], ["", ""], ["1"], ["1", "2", "3"], ["", "", "4"]]
    assert check(s, ["id", "name"], rows) == {
        (2, None, "blank-row"),
        (3, None, "blank-row"),
        (4, "name", "missing-cell"),
        (5, None, "extra-cell"),
        (6, None, "blank-row"),  # frictionless ignores the extra "4" of an otherwise blank row
    }


def test_primary_key_duplicates_and_nulls() -> None:
    s = schema(("id", "integer", {}), ("name", "string", {}), primaryKey=["id"])
    rows = [["", "x"], ["1", "y"], ["1", "z"], ["x", "w"]]
    assert check(s, ["id", "name"], rows) == {
        (2, None, "primary-key"),  # null key
        (4, None, "primary-key"),  # duplicate of row 3
        (5, "id", "type-error"),
        (5, None, "primary-key"),  # a type error leaves the key null
    }


def test_composite_key_allows_partial_nulls() -> None:
    s = schema(("a", "integer", {}), ("b", "string", {}), primaryKey=["a", "b"])
    assert check(s, ["a", "b"], [["1", ""], ["", "x"], ["1", ""]]) == {(4, None, "primary-key")}


def test_unique_compares_typed_values() -> None:
    s = schema(("n", "integer", {"constraints": {"unique": True}}), ("s", "string", {}))
    checker = ResourceChecker("r", s)
    checker.check_header(["n", "s"])
    checker.check_rows([["1", "a"], ["01", "b"], ["", "c"], ["", "d"]])  # nulls are not compared
    checker.finish()
    assert [(e.row, e.type, e.note) for e in checker.errors] == [
        (3, "unique-error", "the same as in the row at position 2")
    ]


def test_header_errors() -> None:
    s = schema(("id", "integer", {}), ("name", "string", {}))
    assert check(s, ["id", "nam"], []) == {(None, "name", "incorrect-label")}
    assert check(s, ["id"], [["1", "x"]]) == {
        (None, "name", "missing-label"),
        (2, None, "extra-cell"),
    }
    assert check(s, ["id", "name", "x"], [["1", "a", "b"]]) == {(None, None, "extra-label")}
    assert check(s, ["id", ""], []) == {(None, "name", "blank-label")}
    assert check(s, ["id", "id"], []) == {(None, "name", "duplicate-label")}


def test_foreign_keys_with_nulls_and_self_reference() -> None:
    parent = schema(("id", "integer", {}), ("k", "string", {}), primaryKey=["id"])
    child = schema(
        ("rid", "integer", {}),
        ("k", "string", {}),
        foreignKeys=[
            {"fields": ["rid", "k"], "reference": {"resource": "p", "fields": ["id", "k"]}}
        ],
    )
    tree = schema(
        ("id", "integer", {}),
        ("up", "integer", {}),
        foreignKeys=[{"fields": ["up"], "reference": {"resource": "", "fields": ["id"]}}],
    )
    pc = PackageChecker({"p": parent, "c": child, "t": tree})
    pc.resource("p").check_header(["id", "k"])
    pc.resource("p").check_rows([["1", "a"], ["2", ""]])
    pc.resource("c").check_header(["rid", "k"])
    pc.resource("c").check_rows([["1", "a"], ["2", ""], ["", ""], ["3", "a"], ["1", ""]])
    pc.resource("t").check_header(["id", "up"])
    pc.resource("t").check_rows([["1", ""], ["2", "3"], ["3", "1"], ["4", "9"]])
    report = pc.finish()
    fk = [(e.resource, e.row, e.note) for e in report.errors if e.type == "foreign-key"]
    assert fk == [
        ("c", 5, 'for "rid, k": values "3, a" not found in the lookup table "p" as "id, k"'),
        ("c", 6, 'for "rid, k": values "1, None" not found in the lookup table "p" as "id, k"'),
        ("t", 5, 'for "up": values "9" not found in the lookup table "t" as "id"'),
    ]
    assert report.stats["c"] == {"rows": 5, "errors": 3}  # + the blank row 4


def write(folder: Path, descriptor: dict[str, Any], files: dict[str, bytes]) -> Path:
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), "utf-8")
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_package_dir_reads_declared_encoding_and_dialect(tmp_path: Path) -> None:
    desc = {
        "resources": [
            {
                "name": "文件",
                "path": "a.csv",
                "encoding": "gb18030",
                "dialect": {"header": True, "csv": {"delimiter": ";"}},
                "schema": schema(("标题", "string", {}), ("页数", "integer", {})),
            }
        ]
    }
    write(tmp_path, desc, {"a.csv": "标题;页数\n通知;3\n公告;三\n".encode("gb18030")})
    report = validate_package_dir(tmp_path)
    assert [(e.resource, e.row, e.field, e.type) for e in report.errors] == [
        ("文件", 3, "页数", "type-error")
    ]
    assert "页数" in report.summary() and report.stats == {"文件": {"rows": 2, "errors": 1}}


def test_package_dir_bad_bytes_unsafe_paths_and_missing_descriptor(tmp_path: Path) -> None:
    s = schema(("a", "string", {}))
    desc = {
        "resources": [
            {"name": "bad", "path": "b.csv", "encoding": "utf-8", "schema": s},
            {"name": "abs", "path": "/etc/passwd", "schema": s},
            {"name": "up", "path": "../x.csv", "schema": s},
        ]
    }
    write(tmp_path, desc, {"b.csv": b"a\n\xff\n"})
    report = validate_package_dir(tmp_path)
    assert [(e.resource, e.type) for e in report.errors] == [
        ("bad", "encoding-error"),
        ("abs", "source-error"),
        ("up", "source-error"),
    ]
    assert "absolute" in report.errors[1].message and '".."' in report.errors[2].message

    empty = tmp_path / "none"
    empty.mkdir()
    missing = validate_package_dir(empty)
    assert not missing.valid and missing.errors[0].type == "source-error"
    assert "datapackage.json" in missing.errors[0].message


def test_schema_problems_are_reported_not_raised(tmp_path: Path) -> None:
    desc = {
        "resources": [
            {"name": "r", "path": "r.csv", "schema": schema(("a", "strange", {}))},
            {
                "name": "c",
                "path": "r.csv",
                "schema": schema(
                    ("a", "string", {}),
                    foreignKeys=[
                        {"fields": ["a"], "reference": {"resource": "x", "fields": ["a"]}}
                    ],
                ),
            },
        ]
    }
    write(tmp_path, desc, {"r.csv": b"a\n1\n"})
    report = validate_package_dir(tmp_path)
    # a foreign key to a resource that is not there is frictionless's resource-error
    assert [(e.resource, e.type) for e in report.errors] == [
        ("r", "schema-error"),
        ("c", "resource-error"),
    ]


def test_error_limit() -> None:
    pc = PackageChecker({"r": schema(("n", "integer", {}))}, error_limit=5)
    pc.resource("r").check_header(["n"])
    pc.resource("r").check_rows([["x"]] * 20)
    report = pc.finish()
    assert len(report.errors) == 5 and report.error_limit_reached and not report.valid


def test_report_round_trip() -> None:
    report = ValidationReport(
        errors=[ValidationError("type-error", "r", "bad 金额", row=3, field="金额", note="n")],
        stats={"r": {"rows": 4, "errors": 1}},
    )
    d = report.to_dict()
    assert d["valid"] is False
    assert ValidationReport.from_dict(json.loads(json.dumps(d))) == report
    assert "金额" in report.summary()


# The fast column path must find exactly what the exact cell-by-cell path finds, also on chunks
# big enough for the halving search and across chunk boundaries.
CELLS = {
    "integer": ["1", "22", "-3", "", "x", "1.5", "007", "99"],
    "number": ["1.5", "2", "", "-0.5", "abc", "1e3", "NaN", "7"],
    "date": ["2020-01-05", "", "2021-02-30", "2020-1-5", "2024-12-31"],
    "string": ["通知", "公告", "", "决定", "abc"],
    "boolean": ["true", "false", "", "yes"],
}
CONSTR = {
    "integer": {"minimum": 0, "unique": True},
    "number": {"maximum": 100},
    "date": {"minimum": "2020-01-01", "required": True},
    "string": {"enum": ["通知", "公告", "决定"]},
    "boolean": {},
}


@settings(max_examples=25, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10**6), rows=st.integers(1, 700), chunk=st.sampled_from([1, 7, 256]))
def test_fast_path_matches_exact_path(seed: int, rows: int, chunk: int) -> None:
    rnd = random.Random(seed)
    s = {
        "fields": [{"name": t, "type": t, "constraints": CONSTR[t]} for t in CELLS],
        "primaryKey": ["integer"],
    }
    clean = {t: [c for c in CELLS[t] if c not in ("x", "abc", "yes", "2021-02-30")] for t in CELLS}
    data = []
    for _ in range(rows):
        pools = CELLS if rnd.random() < 0.05 else clean
        data.append([rnd.choice(pools[t]) for t in CELLS])
    results = []
    for exact, size in ((True, 4096), (False, chunk), (False, 4096)):
        checker = ResourceChecker("r", s, chunk_size=size, force_exact=exact)
        checker.check_header(list(CELLS))
        checker.check_rows(data)
        checker.finish()
        results.append(sorted((e.row or 0, e.field or "", e.type, e.note) for e in checker.errors))
    assert results[0] == results[1] == results[2]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["1", "01", "2", "", "-1", "-2"]), st.sampled_from("ab")),
        max_size=14,
    ),
    st.sampled_from(["integer", "string"]),
)
def test_key_errors_do_not_depend_on_where_chunks_are_cut(
    cells: list[tuple[str, str]], key_type: str
) -> None:
    """Keys are remembered across chunks in compact runs; every cut gives the same errors, down
    to the earlier row each message names (-1 and -2 share Python's hash of the int)."""
    s = schema(("k", key_type, {}), ("u", "string", {"constraints": {"unique": True}}))
    s["primaryKey"] = ["k"]

    def errors(chunk_size: int) -> list[tuple[Any, ...]]:
        checker = ResourceChecker("r", s, chunk_size=chunk_size)
        checker.check_header(["k", "u"])
        checker.check_rows([list(c) for c in cells])
        checker.finish()
        return [(e.row, e.field, e.type, e.message, e.note) for e in checker.errors]

    whole = errors(2048)
    assert errors(1) == whole
    assert errors(3) == whole
