"""Excel-ready XLSX: sheet names, header, widths, number formats, the dictionary and notes.

The writer is exercised directly (100,000 rows, read back cell by cell) and through the API
(the whole resource and a filtered export, compared with the rows API).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from example_sources import ExampleCatalog
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from opendata.app import create_app, services_of
from opendata.pipeline.refresh import refresh
from opendata.read import fieldinfo, xlsx

FIELDS: list[dict[str, Any]] = [
    {"name": "id", "title": "编号", "type": "integer"},
    {"name": "title", "title": "信息名称", "type": "string", "description": "标题全文"},
    {"name": "published", "title": "发布日期", "type": "date"},
    {"name": "amount", "title": "金额（万元）", "type": "number"},
    {
        "name": "share",
        "title": "按期办结率",
        "type": "number",
        "constraints": {"minimum": 0, "maximum": 1},
    },
    {"name": "open", "title": "是否公开", "type": "boolean"},
    {"name": "year", "title": "年度", "type": "integer"},
]


def make_rows(n: int) -> Iterator[dict[str, Any]]:
    for i in range(n):
        yield {
            "id": i + 1,
            "title": f"关于预算执行情况的通知 第{i + 1}号" if i % 7 else "短",
            "published": (date(2018, 1, 1) + timedelta(days=i % 365)).isoformat(),
            "amount": None if i % 11 == 0 else round(i * 1.25, 2),
            "share": (i % 100) / 100,
            "open": i % 2 == 0,
            "year": 2018 + i % 5,
        }


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("公开目录条目", "公开目录条目"),
        (
            "年度报告表三：收到和处理政府信息公开申请情况[2021]/*?",
            "年度报告表三：收到和处理政府信息公开申请情况 2021",
        ),
        ("数据字典", "数据"),
        ("", "数据"),
        ("a" * 40, "a" * 31),
    ],
)
def test_sheet_title(title: str, expected: str) -> None:
    name = xlsx.sheet_title(title)
    assert name == expected[:31]
    assert len(name) <= 31 and not set(name) & set("[]:*?/\\")


def test_units_and_kinds_from_titles() -> None:
    assert fieldinfo.split_title("金额（万元）") == ("金额", "万元")
    assert fieldinfo.split_title("收费金额(元)") == ("收费金额", "元")
    assert fieldinfo.split_title("信息名称") == ("信息名称", "")
    kinds = [fieldinfo.kind(f) for f in FIELDS]
    assert kinds == ["integer", "text", "date", "money", "percent", "boolean", "integer"]


def test_100000_rows_build_with_formats_widths_dictionary_and_notes() -> None:
    out = io.BytesIO()
    about = [("数据集", "示例（example）"), ("版本", "20260101T000000000000Z")]
    xlsx.write_xlsx(out, "公开目录条目:2018/2019", FIELDS, make_rows(100_000), about)
    out.seek(0)
    book = load_workbook(out)
    assert book.sheetnames == ["公开目录条目 2018 2019", "数据字典", "说明"]
    ws = book.worksheets[0]
    assert ws.max_row == 100_001 and ws.max_column == len(FIELDS)
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:G100001"
    header = [c for c in next(ws.iter_rows(max_row=1))]
    assert [c.value for c in header] == [f["title"] for f in FIELDS]
    assert all(c.font.b for c in header)
    widths = {k: d.width for k, d in ws.column_dimensions.items()}
    assert widths["B"] > widths["A"]  # the titles are longer than the ids
    assert widths["B"] >= len("关于预算执行情况的通知 第200号")  # CJK counts double
    expected = make_rows(100_000)
    for row in ws.iter_rows(min_row=2):
        want = next(expected)
        cells = {f["name"]: c for f, c in zip(FIELDS, row, strict=True)}
        assert cells["id"].value == want["id"]
        assert cells["title"].value == want["title"]
        assert cells["published"].value == datetime.fromisoformat(want["published"])
        assert cells["published"].number_format == "yyyy-mm-dd"
        assert cells["amount"].value == want["amount"]
        if want["amount"] is not None:
            assert cells["amount"].number_format == "#,##0.00"
        assert cells["share"].value == want["share"]
        assert cells["share"].number_format == "0.00%"
        assert cells["open"].value is want["open"]
        # a year stays a plain integer: no separator, no style borrowed from a neighbour
        assert cells["year"].value == want["year"] and cells["year"].number_format == "General"
    assert next(expected, None) is None
    dictionary = list(book["数据字典"].values)
    assert dictionary[0] == ("字段", "中文标题", "类型", "单位", "说明")
    assert dictionary[4] == ("amount", "金额（万元）", "number", "万元", None)
    assert dictionary[2][4] == "标题全文"
    assert list(book["说明"].values)[1:] == about


def test_long_integers_stay_exact_as_text_in_a_formatted_column() -> None:
    fields = [{"name": "v", "title": "金额（元）", "type": "number"}]
    out = io.BytesIO()
    rows: list[dict[str, Any]] = [{"v": 2**60}, {"v": 1.5}]
    xlsx.write_xlsx(out, "t", fields, rows)
    out.seek(0)
    ws = load_workbook(out).active
    assert ws is not None
    assert [c.value for c in ws["A"][1:]] == [str(2**60), 1.5]


@pytest.fixture
def app(config: dict[str, Any], make_services: Any) -> Iterator[Flask]:
    svc = make_services(ExampleCatalog)
    assert refresh(svc, "example_catalog").ok
    flask_app = create_app({**config, "TESTING": True})
    yield flask_app
    services_of(flask_app).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_api_xlsx_whole_and_filtered(client: FlaskClient) -> None:
    base = "/api/v1/datasets/example_catalog/resources/entries"
    book = load_workbook(io.BytesIO(client.get(base + ".xlsx").data))
    assert book.sheetnames == ["公开目录条目", "数据字典", "说明"]
    notes = dict(book["说明"].values)
    assert notes["版本"] == (client.get(base + "/rows").json or {})["version"]
    assert notes["许可协议"].startswith("Creative Commons")
    assert notes["网址"].endswith("/datasets/example_catalog")
    amount = next(c for c in next(book.active.iter_rows(max_row=1)) if c.value == "金额（万元）")
    column = [c for c in book.active[amount.column_letter][1:] if c.value is not None]
    assert column and all(c.number_format == "#,##0.00" for c in column)

    filtered = load_workbook(
        io.BytesIO(client.get(base + ".xlsx?category=档案&fields=id,amount").data)
    )
    rows = (client.get(base + "/rows?category=档案&fields=id,amount&_size=1000").json or {})["rows"]
    values = list(filtered.active.values)
    assert values[0] == ("编号", "金额（万元）")
    assert values[1:] == [(r["id"], r["amount"]) for r in rows]
    assert dict(filtered["说明"].values)["筛选条件"] == "category=档案&fields=id,amount"
