"""Hypothesis strategies for the differential test of opendata.validation against frictionless.

A package is one parent resource with 1–4 fields of any Table Schema type frictionless 5.21 reads
(with their formats, options and constraints), missing values in both forms at schema and field
level, ``fieldsMatch`` and a mutated header, an optional primary key and unique fields, and
optionally a child resource with a foreign key to it (or a self-reference). Each resource is
written with a drawn CSV dialect (delimiter, quote and escape characters, doubleQuote,
skipInitialSpace, line terminator, header rows or none, comment rows, headerCase) and encoding
(UTF-8 with or without BOM, GB18030 declared or left to detection, UTF-16), sometimes with bytes
its encoding cannot decode.

Cells mix fixed near-misses (so duplicates and both paths of the validator occur often) with
freshly generated values of the type, rendered the way its options describe, and free text.
"""

from __future__ import annotations

import base64
import codecs
import csv
import io
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

V2_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"

# ---------------------------------------------------------------- cells per type

NEAR_MISSES: dict[str, list[str]] = {
    "string": ["a", "abc", "中文", "政府信息公开", "x y", "a,b", '"q"', " a", "NA", "-", ""],
    "integer": ["0", "1", "-3", "42", "007", " 5", "1.5", "x", "1_000", "十", "+4", "1e3", ""],
    "number": ["0", "1.5", "-2.25", "1e3", "NaN", "INF", "-inf", "abc", "1,5", ".5", "-", ""],
    "boolean": ["true", "false", "1", "0", "yes", "True", "FALSE", "是", "否", " true", ""],
    "date": ["2020-01-05", "2021-02-30", "2020-1-5", "20200105", "05/01/2020", "x", ""],
    "time": ["10:00:00", "25:00:00", "10:00", "23:59:59", "10:00:00Z", "1000", "x", ""],
    "datetime": [
        "2020-01-05T10:00:00",
        "2020-01-05T10:00:00Z",
        "2020-01-05T10:00:00+08:00",
        "2020-01-05 10:00:00",
        "2020-01-05",
        "05/01/2020 10:00",
        "x",
        "",
    ],
    "year": ["2020", "0999", "20", "abcd", "1999", "-200", "+200", ""],
    "yearmonth": ["2020-01", "2020-13", "2020-1", "202001", "x", ""],
    "duration": ["P1Y", "PT1H", "P1Y2M3DT4H5M6S", "P1.5Y", "PT", "x", "1", ""],
    "geopoint": ["1,2", "1, 2", "200,1", "1,95", "[1,2]", '{"lon":1,"lat":2}', "x", ""],
    "array": ["[]", "[1,2]", '["a",1]', '[1,"",null]', '{"a":1}', "x", "[1,", ""],
    "object": ["{}", '{"a":1}', '{"lon":1,"lat":2}', "[1]", "x", "null", ""],
    "list": ["a,b", "1,2", "1;2", "1|x", "true,false", "2020-01-01", ",", "x", ""],
    "geojson": [
        '{"type":"Point","coordinates":[1,2]}',
        '{"type":"Point","coordinates":"x"}',
        '{"type":"Feature","geometry":null,"properties":null}',
        '{"type":"Topology","objects":{},"arcs":[]}',
        '{"type":"Foo"}',
        "[1]",
        "x",
        "",
    ],
    "any": ["1", "x", "中文", "", "NA"],
}

TYPES = list(NEAR_MISSES)
KEY_TYPES = ["string", "integer", "number", "boolean", "date", "time", "datetime", "year"]
KEY_TYPES += ["yearmonth", "any"]

DATE_PATTERNS = ["%d/%m/%Y", "%Y年%m月%d日", "%Y%m%d"]
TIME_PATTERNS = ["%H:%M", "%H%M"]
DATETIME_PATTERNS = ["%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S"]

free_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
ascii_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=6)


def _render_number(desc: dict[str, Any]) -> st.SearchStrategy[str]:
    group = str(desc.get("groupChar", ""))
    decimal = str(desc.get("decimalChar", "."))

    def render(value: Any) -> str:
        text = f"{value:,}" if group else str(value)
        text = text.replace(",", "\0").replace(".", decimal).replace("\0", group)
        return text

    numbers = st.one_of(
        st.integers(-(10**25), 10**25),
        st.decimals(
            allow_nan=False, allow_infinity=False, places=3, max_value=10**9, min_value=-(10**9)
        ),
        st.floats(allow_nan=False, allow_infinity=False, width=32),
    )
    rendered = numbers.map(render)
    if desc.get("bareNumber") is False:
        rendered = st.tuples(
            st.sampled_from(["", "$", "¥", "€ "]), rendered, st.sampled_from(["", "%", "元"])
        ).map("".join)
    return rendered


def _typed(desc: dict[str, Any]) -> st.SearchStrategy[str]:
    """Values of the field's type, written as its format and options describe."""
    ftype = desc["type"]
    fmt = desc.get("format", "default")
    if ftype == "string":
        return {
            "email": st.emails(),
            "uri": st.sampled_from(
                ["http://x.org/a", "https://政府.cn/", "mailto:a@b.c", "x:y", "//x"]
            ),
            "uuid": st.uuids().map(str),
            "binary": st.binary(max_size=6).map(lambda b: base64.b64encode(b).decode()),
        }.get(fmt, free_text)
    if ftype == "integer":
        ints = st.integers(-(2**70), 2**70).map(str)
        if desc.get("bareNumber") is False:
            ints = st.tuples(
                st.sampled_from(["", "$", "第"]), ints, st.sampled_from(["", "%", "号"])
            ).map("".join)
        return ints
    if ftype == "number":
        return _render_number(desc)
    if ftype == "boolean":
        return st.sampled_from(
            [*desc.get("trueValues", ["true"]), *desc.get("falseValues", ["false"])]
        )
    if ftype in ("date", "datetime", "time"):
        return _temporal(ftype, fmt)
    if ftype == "year":
        return st.integers(-50, 10050).map(str)
    if ftype == "yearmonth":
        return st.tuples(st.integers(0, 9999), st.integers(0, 13)).map(
            lambda t: f"{t[0]:04d}-{t[1]:02d}"
        )
    if ftype == "duration":
        return st.timedeltas().map(lambda d: f"P{d.days}DT{d.seconds}S" if d.days >= 0 else "x")
    if ftype == "geopoint":
        return _geopoint(fmt)
    if ftype in ("array", "object"):
        return _json(ftype)
    if ftype == "list":
        item = _typed({"type": desc.get("itemType", "string")})
        return st.lists(item, max_size=3).map(str(desc.get("delimiter", ",")).join)
    if ftype == "geojson":
        return st.tuples(
            st.floats(-200, 200, allow_nan=False), st.floats(-100, 100, allow_nan=False)
        ).map(lambda p: json.dumps({"type": "Point", "coordinates": list(p)}))
    return free_text


def _temporal(ftype: str, fmt: str) -> st.SearchStrategy[str]:
    if ftype == "date":
        pattern = "%Y-%m-%d" if fmt in ("default", "any") else fmt
        return st.dates().map(lambda d: d.strftime(pattern))
    if ftype == "time":
        pattern = "%H:%M:%S" if fmt in ("default", "any") else fmt
        return st.times().map(lambda t: t.strftime(pattern))
    pattern = "%Y-%m-%dT%H:%M:%S" if fmt in ("default", "any") else fmt
    return st.datetimes().map(lambda d: d.strftime(pattern))


def _geopoint(fmt: str) -> st.SearchStrategy[str]:
    pair = st.tuples(st.integers(-200, 200), st.integers(-100, 100))
    if fmt == "array":
        return pair.map(lambda p: json.dumps(list(p)))
    if fmt == "object":
        return pair.map(lambda p: json.dumps({"lon": p[0], "lat": p[1]}))
    return pair.map(lambda p: f"{p[0]},{p[1]}")


def _json(ftype: str) -> st.SearchStrategy[str]:
    scalars = st.one_of(st.integers(-5, 5), st.text(max_size=3), st.none(), st.booleans())
    if ftype == "array":
        return st.lists(scalars, max_size=3).map(json.dumps)
    return st.dictionaries(st.text(max_size=2), scalars, max_size=2).map(json.dumps)


def cells(desc: dict[str, Any], missing: list[str]) -> st.SearchStrategy[str]:
    """A cell for the field: a near miss, a missing value, a typed value, or any text."""
    return st.one_of(
        st.sampled_from(NEAR_MISSES[desc["type"]]),
        st.sampled_from(missing or [""]),
        _typed(desc),
        free_text,
    )


# ---------------------------------------------------------------- schemas


def _constraint_options(ftype: str, fmt: str) -> list[dict[str, Any]]:
    default = fmt == "default"
    bounds: dict[str, list[Any]] = {
        "integer": [0, 10],
        "number": [0, 2.5],
        "year": [2000, 2020],
        "date": ["2020-01-01", "2020-06-30"] if default else [],
        "datetime": ["2020-01-01T00:00:00", "2021-01-01T00:00:00"] if default else [],
        "time": ["08:00:00", "18:00:00"] if default else [],
        "yearmonth": ["2000-01", "2020-12"],
    }
    options: list[dict[str, Any]] = []
    for low, high in [bounds[ftype]] if bounds.get(ftype) else []:
        options += [
            {"minimum": low},
            {"maximum": high},
            {"exclusiveMinimum": low},
            {"exclusiveMaximum": high},
        ]
    if ftype == "string":
        options += [
            {"enum": ["a", "abc", "中文"]},
            {"minLength": 2},
            {"maxLength": 4},
            {"pattern": "[a-z]+"},
        ]
    if ftype in ("array", "object", "list"):
        options += [{"minLength": 1}, {"maxLength": 2}]
    if ftype == "integer":
        options.append({"enum": [0, 1, 42]})
    if ftype == "number":
        options.append({"enum": [0, 1.5, 3]})
    if ftype == "boolean":
        options.append({"enum": [True]})
    if ftype == "year":
        options.append({"enum": [2020, 1999]})
    return options


@st.composite
def type_options(draw: st.DrawFn, ftype: str) -> dict[str, Any]:
    """Format and type options of a field of ``ftype``."""
    desc: dict[str, Any] = {"type": ftype}
    formats = {
        "string": ["default", "email", "uri", "uuid", "binary"],
        "date": ["default", "any", *DATE_PATTERNS],
        "time": ["default", "any", *TIME_PATTERNS],
        "datetime": ["default", "any", *DATETIME_PATTERNS],
        "geopoint": ["default", "array", "object"],
        "geojson": ["default", "topojson"],
    }.get(ftype, ["default"])
    fmt = draw(st.sampled_from(formats))
    if fmt != "default" or draw(st.integers(0, 5)) == 0:
        desc["format"] = fmt
    if ftype in ("integer", "number") and draw(st.booleans()):
        desc["bareNumber"] = draw(st.booleans())
    if ftype == "number" and draw(st.booleans()):
        desc.update(
            draw(
                st.sampled_from(
                    [
                        {"decimalChar": ","},
                        {"groupChar": ","},
                        {"groupChar": " "},
                        {"decimalChar": ",", "groupChar": "."},
                        {"floatNumber": True},
                    ]
                )
            )
        )
    if ftype == "boolean" and draw(st.booleans()):
        desc["trueValues"] = draw(st.sampled_from([["是"], ["yes", "Y"], ["true"]]))
        desc["falseValues"] = draw(st.sampled_from([["否"], ["no", "N"], []]))
    if ftype == "list":
        desc["itemType"] = draw(
            st.sampled_from(["string", "integer", "boolean", "number", "datetime", "date", "time"])
        )
        if draw(st.booleans()):
            desc["delimiter"] = draw(st.sampled_from([";", "|", ", "]))
    if ftype == "array" and draw(st.booleans()):
        item: dict[str, Any] = {
            "type": draw(st.sampled_from(["integer", "string", "boolean", "number"]))
        }
        if draw(st.booleans()):
            item["constraints"] = draw(
                st.sampled_from([{"required": True}, *_constraint_options(item["type"], "default")])
            )
        desc["arrayItem"] = item
    return desc


MISSING_VALUES: list[list[Any]] = [
    [""],
    ["", "NA"],
    ["-"],
    [],
    [{"value": ""}, {"value": "NA", "label": "不适用"}],
    [{"value": "-", "label": "无"}],
]


@st.composite
def field_descriptor(draw: st.DrawFn, name: str, types: list[str]) -> dict[str, Any]:
    desc = {"name": name, **draw(type_options(draw(st.sampled_from(types))))}
    ftype, fmt = desc["type"], desc.get("format", "default")
    constraints: dict[str, Any] = {}
    if draw(st.integers(0, 2)) == 0:
        constraints["required"] = True
    # "unique" on JSON values is refused by the contract (frictionless fails with a TypeError)
    if ftype not in ("array", "object", "list", "geojson") and draw(st.integers(0, 5)) == 0:
        constraints["unique"] = True
    options = _constraint_options(ftype, fmt)
    if options and draw(st.booleans()):
        constraints.update(draw(st.sampled_from(options)))
    if constraints:
        desc["constraints"] = constraints
    if draw(st.integers(0, 5)) == 0:
        desc["missingValues"] = draw(st.sampled_from(MISSING_VALUES))
    return desc


def missing_texts(desc: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    raw = desc.get("missingValues", schema.get("missingValues", [""]))
    return [m["value"] if isinstance(m, dict) else m for m in raw]


# ---------------------------------------------------------------- rows, headers, dialects


@st.composite
def table_rows(draw: st.DrawFn, schema: dict[str, Any], max_rows: int = 8) -> list[list[str]]:
    fields = schema["fields"]
    strategies = [cells(f, missing_texts(f, schema)) for f in fields]
    rows = []
    for _ in range(draw(st.integers(0, max_rows))):
        kind = draw(st.integers(0, 14))
        if kind == 0:
            rows.append([""] * len(fields))  # blank row
            continue
        row = [draw(s) for s in strategies]
        if kind == 1 and row:
            row = row[: draw(st.integers(0, len(row) - 1))]  # missing cells
        elif kind == 2:
            row.append(draw(st.sampled_from(["x", "", "9"])))  # extra cell
        rows.append(row)
    return rows


@st.composite
def header_for(draw: st.DrawFn, names: list[str]) -> list[str]:
    header = list(names)
    mutation = draw(st.integers(0, 12))
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
    elif mutation == 5:
        header = draw(st.permutations(header))
    elif mutation == 6 and header:
        header[0] = header[0].upper()  # only headerCase: false accepts it
    elif mutation == 7 and header:
        header.pop(0)
    return header


DELIMITERS = [",", ";", "\t", "|"]


@st.composite
def dialects(draw: st.DrawFn) -> dict[str, Any]:
    """A Table Dialect: CSV options (v2 nests them under "csv", v1 kept them at the top)."""
    csv_opts: dict[str, Any] = {}
    if draw(st.booleans()):
        csv_opts["delimiter"] = draw(st.sampled_from(DELIMITERS))
    if draw(st.integers(0, 3)) == 0:
        csv_opts["quoteChar"] = draw(st.sampled_from(["'", '"']))
    if draw(st.integers(0, 3)) == 0:
        csv_opts["doubleQuote"] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        csv_opts["escapeChar"] = "\\"
    if draw(st.integers(0, 3)) == 0:
        csv_opts["skipInitialSpace"] = draw(st.booleans())
    if draw(st.integers(0, 3)) == 0:
        csv_opts["lineTerminator"] = draw(st.sampled_from(["\n", "\r\n"]))
    dialect: dict[str, Any] = {}
    if draw(st.booleans()):
        dialect["csv"] = csv_opts
    else:
        dialect.update(csv_opts)
    choice = draw(st.integers(0, 7))
    if choice == 0:
        dialect["header"] = False
    elif choice == 1:
        dialect["headerRows"] = [1, 2]
    elif choice < 6:
        dialect["header"] = True  # what opendata's own packages declare
    if draw(st.integers(0, 4)) == 0:
        dialect["commentChar"] = "#"
    if draw(st.integers(0, 5)) == 0:
        dialect["headerCase"] = False
    return dialect


ENCODINGS = ["utf-8", "utf-8-bom", "gb18030", "gb18030-undeclared", "utf-16", "none"]


@st.composite
def packages(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 4))
    names = [f"f{i}" for i in range(n)]
    parent_fields = [draw(field_descriptor(nm, TYPES)) for nm in names]
    parent_schema: dict[str, Any] = {"fields": parent_fields}
    if draw(st.integers(0, 4)) == 0:
        parent_schema["missingValues"] = draw(st.sampled_from(MISSING_VALUES))
    if draw(st.integers(0, 2)) == 0:
        parent_schema["fieldsMatch"] = draw(
            st.sampled_from(["exact", "equal", "subset", "superset", "partial"])
        )
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
            "rows": draw(table_rows(parent_schema)),
            "dialect": draw(dialects()),
            "encoding": draw(st.sampled_from(ENCODINGS)),
            "comments": draw(st.lists(st.integers(0, 8), max_size=2)),
        }
    }
    if pk and draw(st.booleans()):
        _add_child(draw, resources, parent_fields, pk, names)
    elif pk and len(pk) == 1 and draw(st.integers(0, 3)) == 0:
        _add_self_reference(draw, resources["parent"], parent_fields, pk, names)
    # Bytes the declared encoding cannot decode, in either resource.
    for res in resources.values():
        res["bad_bytes"] = draw(st.integers(0, 8)) == 0
    return {"v2": draw(st.integers(0, 5)) > 0, "resources": resources}


def _add_child(
    draw: st.DrawFn,
    resources: dict[str, Any],
    parent_fields: list[dict[str, Any]],
    pk: list[str],
    names: list[str],
) -> None:
    """A child whose foreign key mirrors the parent's key (same field types), plus a field."""
    by_name = {f["name"]: f for f in parent_fields}
    child_fields = [{**by_name[k], "name": f"ref_{k}", "constraints": {}} for k in pk]
    child_fields.append(draw(field_descriptor("note", ["string", "integer"])))
    child_schema: dict[str, Any] = {
        "fields": child_fields,
        "foreignKeys": [
            {"fields": [f"ref_{k}" for k in pk], "reference": {"resource": "parent", "fields": pk}}
        ],
    }
    rows = draw(table_rows(child_schema))
    parent_rows = resources["parent"]["rows"]
    key_pos = [names.index(k) for k in pk]
    for row in rows:  # some child rows reference real parent rows
        if parent_rows and len(row) >= len(pk) and draw(st.booleans()):
            src = draw(st.sampled_from(parent_rows))
            for j, p in enumerate(key_pos):
                row[j] = src[p] if p < len(src) else ""
    resources["child"] = {
        "schema": child_schema,
        "header": [f["name"] for f in child_fields],
        "rows": rows,
        "dialect": draw(dialects()),
        "encoding": draw(st.sampled_from(ENCODINGS)),
        "comments": [],
    }


def _add_self_reference(
    draw: st.DrawFn,
    res: dict[str, Any],
    parent_fields: list[dict[str, Any]],
    pk: list[str],
    names: list[str],
) -> None:
    key = next(f for f in parent_fields if f["name"] == pk[0])
    parent_fields.append({**key, "name": "parent_ref", "constraints": {}})
    res["schema"]["foreignKeys"] = [
        {"fields": ["parent_ref"], "reference": {"resource": "", "fields": pk}}
    ]
    res["header"] = [*res["header"], "parent_ref"] if res["header"] == names else res["header"]
    for row in res["rows"]:
        if len(row) == len(names):
            row.append(draw(cells(key, missing_texts(key, res["schema"]))))


# ---------------------------------------------------------------- writing


def _writer_options(dialect: dict[str, Any]) -> dict[str, Any]:
    src = dialect.get("csv", dialect)
    opts: dict[str, Any] = {
        "delimiter": src.get("delimiter", ","),
        "quotechar": src.get("quoteChar", '"'),
        "doublequote": src.get("doubleQuote", True),
        "lineterminator": src.get("lineTerminator", "\r\n"),
    }
    if src.get("escapeChar"):
        opts["escapechar"] = src["escapeChar"]
    return opts


def csv_text(res: dict[str, Any]) -> str | None:
    """The resource as CSV text in its dialect; None when the dialect cannot write its cells."""
    dialect = res["dialect"]
    buf = io.StringIO()
    try:
        writer = csv.writer(buf, **_writer_options(dialect))
        header = dialect.get("header", True) is not False
        rows = list(res["rows"])
        for at in res.get("comments", []):
            if dialect.get("commentChar"):
                rows.insert(min(at, len(rows)), ["# a comment", "x"])
        if header:
            writer.writerow(res["header"])
            if dialect.get("headerRows") == [1, 2]:
                writer.writerow(
                    res["header"] if len(rows) % 2 else [h.upper() for h in res["header"]]
                )
        writer.writerows(rows)
    except csv.Error:
        return None  # e.g. no escape character while a cell holds the quote character
    return buf.getvalue()


def encode(text: str, encoding: str) -> tuple[bytes, str | None] | None:
    """The file's bytes and the encoding to declare (None: leave it to detection)."""
    try:
        if encoding == "utf-8-bom":
            return codecs.BOM_UTF8 + text.encode("utf-8"), "utf-8"
        if encoding == "gb18030-undeclared":
            return text.encode("gb18030"), None
        if encoding == "none":
            return text.encode("utf-8"), None
        return text.encode(encoding), encoding
    except UnicodeEncodeError:
        return None


def write_package(folder: Path, package: dict[str, Any]) -> bool:
    """Write the package's files; False when a resource cannot be written in its dialect."""
    descriptor: dict[str, Any] = {"name": "pkg", "resources": []}
    if package["v2"]:
        descriptor["$schema"] = V2_PROFILE
    for name, res in package["resources"].items():
        text = csv_text(res)
        encoded = encode(text, res["encoding"]) if text is not None else None
        if encoded is None:
            return False
        data, declared = encoded
        if res.get("bad_bytes"):
            data += b"x,\xff\xfe\n"
        (folder / f"{name}.csv").write_bytes(data)
        entry: dict[str, Any] = {
            "name": name,
            "path": f"{name}.csv",
            "format": "csv",
            "dialect": res["dialect"],
            "schema": res["schema"],
        }
        if declared:
            entry["encoding"] = declared
        descriptor["resources"].append(entry)
    (folder / "datapackage.json").write_text(json.dumps(descriptor, ensure_ascii=False), "utf-8")
    return True
