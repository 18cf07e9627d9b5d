"""Differential test: opendata.validation must give frictionless 5.21's verdict and error set.

Hypothesis builds small packages — a parent resource with a handful of typed, constrained fields
and an optional primary key, optionally a child resource with a foreign key to it — and fills them
with dirty data: wrong types, constraint violations, duplicate and missing keys, broken foreign
keys, blank rows, missing and extra cells, renamed/missing/extra header labels, bad UTF-8 bytes.
Both validators read the same files; (resource, row, field, error type) sets must be equal.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from opendata.validation import validate_package_dir

frictionless = pytest.importorskip("frictionless")

# Cell pools per type: valid values, near misses, and empties, so that duplicates (for keys) and
# both fast and exact paths of the validator occur often.
POOLS: dict[str, list[str]] = {
    "string": ["a", "abc", "中文", "政府信息公开", "x y", "a,b", '"q"', " a", "abcdef", ""],
    "integer": ["0", "1", "-3", "42", "007", " 5", "1.5", "x", "1_000", "十", ""],
    "number": ["0", "1.5", "-2.25", "1e3", "NaN", "abc", "1,5", ".5", "-", "3", ""],
    "boolean": ["true", "false", "1", "0", "yes", "True", "FALSE", ""],
    "date": [
        "2020-01-05",
        "2021-02-30",
        "2020-1-5",
        "20200105",
        "2020-12-31",
        "x",
        "2019-07-01",
        "",
    ],
    "year": ["2020", "0999", "20", "abcd", "1999", ""],
    "datetime": [
        "2020-01-05T10:00:00",
        "2020-01-05T10:00:00Z",
        "2020-01-05 10:00:00",
        "2020-01-05",
        "x",
        "",
    ],
    "time": ["10:00:00", "25:00:00", "10:00", "23:59:59", ""],
}

CONSTRAINTS: dict[str, list[dict[str, Any]]] = {
    "string": [
        {"enum": ["a", "abc", "中文"]},
        {"minLength": 2},
        {"maxLength": 4},
        {"pattern": "[a-z]+"},
    ],
    "integer": [{"minimum": 0}, {"maximum": 10}, {"enum": [0, 1, 42]}],
    "number": [{"minimum": 0}, {"maximum": 2}, {"enum": [0, 1.5, 3]}],
    "boolean": [{"enum": [True]}],
    "date": [{"minimum": "2020-01-01"}, {"maximum": "2020-06-30"}],
    "year": [{"minimum": 2000}],
    "datetime": [],
    "time": [],
}

KEY_TYPES = ["string", "integer", "date", "year"]
DIALECT = {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "skipInitialSpace": False}


@st.composite
def field_descriptor(draw: st.DrawFn, name: str, types: list[str]) -> dict[str, Any]:
    ftype = draw(st.sampled_from(types))
    constraints: dict[str, Any] = {}
    if draw(st.booleans()):
        constraints["required"] = True
    if draw(st.integers(0, 5)) == 0:
        constraints["unique"] = True
    options = CONSTRAINTS[ftype]
    if options and draw(st.booleans()):
        constraints.update(draw(st.sampled_from(options)))
    desc: dict[str, Any] = {"name": name, "type": ftype}
    if constraints:
        desc["constraints"] = constraints
    return desc


@st.composite
def table_rows(draw: st.DrawFn, fields: list[dict[str, Any]], max_rows: int = 8) -> list[list[str]]:
    rows = []
    for _ in range(draw(st.integers(0, max_rows))):
        kind = draw(st.integers(0, 14))
        if kind == 0:
            rows.append([""] * len(fields))  # blank row
            continue
        row = [draw(st.sampled_from(POOLS[f["type"]])) for f in fields]
        if kind == 1 and row:
            row = row[: draw(st.integers(0, len(row) - 1))]  # missing cells
        elif kind == 2:
            row.append(draw(st.sampled_from(["x", "", "9"])))  # extra cell
        rows.append(row)
    return rows


@st.composite
def header_for(draw: st.DrawFn, names: list[str]) -> list[str]:
    header = list(names)
    mutation = draw(st.integers(0, 9))
    if mutation == 0 and header:
        header[draw(st.integers(0, len(header) - 1))] = "renamed"
    elif mutation == 1 and header:
        header.pop()
    elif mutation == 2:
        header.append("extra")
    elif mutation == 3 and len(header) > 1:
        header[1] = header[0]  # duplicate label
    elif mutation == 4 and header:
        header[-1] = ""  # blank label
    return header


@st.composite
def packages(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 4))
    names = [f"f{i}" for i in range(n)]
    parent_fields = [draw(field_descriptor(nm, list(POOLS))) for nm in names]
    parent_schema: dict[str, Any] = {"fields": parent_fields}
    pk: list[str] = []
    if draw(st.booleans()):
        key_candidates = [f["name"] for f in parent_fields if f["type"] in KEY_TYPES]
        if key_candidates:
            pk = draw(
                st.lists(st.sampled_from(key_candidates), min_size=1, max_size=2, unique=True)
            )
            parent_schema["primaryKey"] = pk
    resources = {
        "parent": {
            "schema": parent_schema,
            "header": draw(header_for(names)),
            "rows": draw(table_rows(parent_fields)),
        }
    }
    if pk and draw(st.booleans()):
        # A child whose foreign key mirrors the parent's key (same types), plus one more field.
        child_fields = [
            {"name": f"ref_{k}", "type": next(f["type"] for f in parent_fields if f["name"] == k)}
            for k in pk
        ]
        child_fields.append(draw(field_descriptor("note", ["string", "integer"])))
        fk_rows = draw(table_rows(child_fields))
        # Make some child rows reference real parent rows.
        parent_rows = resources["parent"]["rows"]
        key_pos = [names.index(k) for k in pk]
        for row in fk_rows:
            if parent_rows and len(row) >= len(pk) and draw(st.booleans()):
                src = draw(st.sampled_from(parent_rows))
                for j, p in enumerate(key_pos):
                    row[j] = src[p] if p < len(src) else ""
        resources["child"] = {
            "schema": {
                "fields": child_fields,
                "foreignKeys": [
                    {
                        "fields": [f"ref_{k}" for k in pk],
                        "reference": {"resource": "parent", "fields": pk},
                    }
                ],
            },
            "header": [f["name"] for f in child_fields],
            "rows": fk_rows,
        }
    elif pk and len(pk) == 1 and draw(st.integers(0, 3)) == 0:
        # Self-reference: a second field of the same type points at the key.
        ktype = next(f["type"] for f in parent_fields if f["name"] == pk[0])
        parent_fields.append({"name": "parent_ref", "type": ktype})
        parent_schema["foreignKeys"] = [
            {"fields": ["parent_ref"], "reference": {"resource": "", "fields": pk}}
        ]
        res = resources["parent"]
        res["header"] = [*res["header"], "parent_ref"] if res["header"] == names else res["header"]
        for row in res["rows"]:
            if len(row) == n:
                row.append(draw(st.sampled_from(POOLS[ktype])))
    # Bad UTF-8 only in a resource nobody references (frictionless fails the lookup otherwise).
    referenced = {"parent"} if ("child" in resources or "foreignKeys" in parent_schema) else set()
    target = "child" if "child" in resources else "parent"
    resources[target]["bad_bytes"] = target not in referenced and draw(st.integers(0, 6)) == 0
    return resources


def write_package(folder: Path, resources: dict[str, Any]) -> None:
    descriptor: dict[str, Any] = {"name": "pkg", "resources": []}
    for name, res in resources.items():
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(res["header"])
        writer.writerows(res["rows"])
        data = buf.getvalue().encode("utf-8")
        if res.get("bad_bytes"):
            data += b"x,\xff\xfe\n"
        (folder / f"{name}.csv").write_bytes(data)
        descriptor["resources"].append(
            {
                "name": name,
                "path": f"{name}.csv",
                "format": "csv",
                "encoding": "utf-8",
                "dialect": DIALECT,
                "schema": res["schema"],
            }
        )
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), "utf-8")


def frictionless_errors(folder: Path) -> tuple[bool, set[tuple[Any, ...]]]:
    report = frictionless.Package(str(folder / "datapackage.json")).validate()
    found = {
        (task.name, getattr(e, "row_number", None), getattr(e, "field_name", None) or None, e.type)
        for task in report.tasks
        for e in task.errors
    }
    found |= {("", None, None, e.type) for e in report.errors}
    return bool(report.valid), found


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(resources=packages())
def test_same_verdict_and_errors_as_frictionless(
    tmp_path_factory: pytest.TempPathFactory, resources: dict[str, Any]
) -> None:
    folder = tmp_path_factory.mktemp("pkg")
    write_package(folder, resources)
    fr_valid, fr_errors = frictionless_errors(folder)
    ours = validate_package_dir(folder)
    our_errors = {(e.resource, e.row, e.field, e.type) for e in ours.errors}
    assert (ours.valid, our_errors) == (fr_valid, fr_errors), (
        f"only frictionless: {sorted(fr_errors - our_errors, key=str)}\n"
        f"only opendata: {sorted(our_errors - fr_errors, key=str)}\n"
        f"package: {json.dumps(resources, ensure_ascii=False)}"
    )
