"""The datastore's row tables: typed columns, NULLs, _id order and the CJK full-text index."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import inspect, text

from opendata.pipeline import preload
from opendata.store import datastore, fts, rowload
from opendata.store import query as rq
from opendata.store.db import make_engine

SCHEMA = {
    "fields": [
        {"name": "id", "title": "编号", "type": "integer"},
        {"name": "title", "title": "信息名称", "type": "string", "searchable": True},
        {"name": "amount", "title": "金额", "type": "number"},
        {"name": "open", "title": "开放", "type": "boolean"},
        {"name": "day", "title": "日期", "type": "date", "filterable": True},
    ],
    "primaryKey": ["id"],
}


def make_rows(n: int) -> list[list[str]]:
    words = ["档案室查阅", "财政预算公开", "行政许可办理", "服务指南"]
    return [
        [
            str(i),
            f"{words[i % 4]}第{i}号",
            "" if i % 5 == 0 else f"{i * 1.5}",
            "true" if i % 2 else "false",
            f"2018-01-{1 + i % 28:02d}",
        ]
        for i in range(1, n + 1)
    ]


def fts_ids(engine: Any, table: str, query: str) -> list[int]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            match = fts.sqlite_match(query)
            sql = f'SELECT rowid FROM "{table}_fts" WHERE "{table}_fts" MATCH :m ORDER BY rowid'
        else:
            match = fts.postgres_tsquery(query)
            sql = f"SELECT _id FROM \"{table}\" WHERE to_tsvector('simple', _fts) @@ to_tsquery('simple', :m) ORDER BY _id"
        return [r[0] for r in conn.execute(text(sql), {"m": match})]


def test_load_types_nulls_ids_and_chinese_full_text(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rowload, "CHUNK_ROWS", 1000)  # several chunks: ids must run on across them
    engine = make_engine(database_url)
    rows = make_rows(2500)
    assert datastore.load(engine, "ods_test", SCHEMA, iter([list(r) for r in rows])) == 2500
    with engine.connect() as conn:
        got = conn.execute(
            text('SELECT _id, id, amount, "open", day FROM ods_test ORDER BY _id')
        ).all()
    assert [r[0] for r in got] == list(range(1, 2501))
    assert [r[1] for r in got] == list(range(1, 2501))
    assert got[4][2] is None and got[5][2] == pytest.approx(9.0)  # "" → NULL, text → number
    assert got[0][3] in (True, 1) and got[1][3] in (False, 0)
    # two-character words inside longer ones, in every chunk
    expected = [int(r[0]) for r in rows if "档案" in r[1]]
    assert fts_ids(engine, "ods_test", "档案") == expected
    assert fts_ids(engine, "ods_test", "预算 公开") == [
        int(r[0]) for r in rows if "预算公开" in r[1]
    ]
    assert fts_ids(engine, "ods_test", "第2499号") == [2499]
    assert fts_ids(engine, "ods_test", "2499号") == [2499]
    assert fts_ids(engine, "ods_test", "查阅第12号") == [12]  # numbers match as whole words
    datastore.drop(engine, ["ods_test"])
    engine.dispose()


def test_tokens_make_overlapping_bigrams() -> None:
    assert fts.tokens("档案室 ABC 1号") == ["档", "档案", "案室", "室", "abc", "1", "号"]
    assert fts.index_text("档案室", "预算") == "档 档案 案室 室 预 预算 算"
    assert fts.sqlite_match("档案室") == '"档案 案室"'
    assert fts.sqlite_match("2499号码") == '"2499 号 号码"'
    assert fts.postgres_tsquery("档案 预算") == "(档案) & (预算)"
    assert fts.sqlite_match("，。") is None


OPTIONS_SCHEMA: dict[str, Any] = {
    "missingValues": ["", "NA"],
    "fields": [
        {"name": "id", "type": "integer", "filterable": True},
        {"name": "flag", "type": "boolean", "trueValues": ["是"], "falseValues": ["否"]},
        {"name": "amount", "type": "number", "decimalChar": ",", "groupChar": "."},
        {"name": "share", "type": "number", "bareNumber": False},
        {"name": "day", "type": "date", "format": "%d/%m/%Y"},
        {"name": "note", "type": "string", "missingValues": ["-"]},
    ],
}
BIG = 123456789012345678901234567890


@pytest.mark.parametrize("preloaded", [False, True])
def test_load_honours_every_option_and_keeps_big_integers(
    database_url: str, preloaded: bool
) -> None:
    """Booleans by the field's own texts, numbers with decimal/group characters, missing values
    in both places as NULL, a non-ISO date as ISO text, integers beyond 64 bits exactly."""
    engine = make_engine(database_url)
    rows = [
        ["1", "是", "1.234,50", "12.5%", "31/12/2024", ""],
        [str(BIG), "否", "NA", "NA", "01/02/2023", "-"],
        [str(-BIG), "NA", "0,00", "", "NA", "备注"],
        ["9223372036854775807", "是", "", "3%", "", "NA"],
    ]
    if preloaded:  # the loader child's path: the spec crosses a process boundary as JSON
        spec = datastore.prepare(engine, "ods_opts", OPTIONS_SCHEMA)
        spec = rowload.LoadSpec(**json.loads(json.dumps(spec.to_dict())))
        raw = engine.raw_connection()
        load = rowload.load_sqlite if engine.dialect.name == "sqlite" else rowload.load_postgres
        try:
            assert load(raw, spec, iter([list(r) for r in rows])) == 4
        finally:
            raw.close()
    else:
        assert (
            datastore.load(engine, "ods_opts", OPTIONS_SCHEMA, iter([list(r) for r in rows])) == 4
        )
    ref = rq.TableRef("ods_opts", datastore.field_info(OPTIONS_SCHEMA), 4)
    got = rq.page(engine, ref, rq.RowQuery(limit=10)).rows
    assert [r["id"] for r in got] == [1, BIG, -BIG, 2**63 - 1]
    assert all(type(r["id"]) is int for r in got)
    assert [r["flag"] for r in got] == [True, False, None, True]
    assert [r["amount"] for r in got] == [1234.5, None, 0.0, None]
    assert [r["share"] for r in got] == [12.5, None, None, 3.0]
    assert [r["day"] for r in got] == ["2024-12-31", "2023-02-01", None, None]
    # "-" is this field's only missing value: "" and "NA" are texts of it
    assert [r["note"] for r in got] == ["", None, "备注", "NA"]
    # Filters find big integers exactly and take the field's own boolean texts.
    by_id = rq.page(engine, ref, rq.RowQuery(filters=(("id", "eq", str(BIG)),))).rows
    assert [r["_id"] for r in by_id] == [2]
    flagged = rq.page(engine, ref, rq.RowQuery(filters=(("flag", "eq", "是"),))).rows
    assert [r["_id"] for r in flagged] == [1, 4]
    comma = rq.page(engine, ref, rq.RowQuery(filters=(("amount", "eq", "1.234,50"),))).rows
    assert [r["_id"] for r in comma] == [1]
    # Keyset pages sorted by the integer field carry a big integer in their token exactly.
    whole = [r["_id"] for r in rq.page(engine, ref, rq.RowQuery(sort="id", limit=10)).rows]
    paged: list[int] = []
    token = None
    while True:
        page = rq.page(engine, ref, rq.RowQuery(sort="id", limit=1, after=token))
        paged += [r["_id"] for r in page.rows]
        if page.next is None:
            break
        token = page.next
    assert paged == whole and sorted(paged) == [1, 2, 3, 4]
    datastore.drop(engine, ["ods_opts"])
    engine.dispose()


PLAIN_SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "id", "type": "integer", "filterable": True},
        {"name": "title", "type": "string", "searchable": True},
        {"name": "amount", "type": "number", "filterable": True},
        {"name": "day", "type": "date", "filterable": True},
    ],
    "primaryKey": ["id"],
}


def _load_plain(engine: Any, rows: list[list[str]], connections: bool) -> int:
    """Load ``rows`` into a prepared ``ods_plain`` the way the loader child does."""
    spec = datastore.prepare(engine, "ods_plain", PLAIN_SCHEMA)
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            return rowload.load_sqlite(raw, spec, iter([list(r) for r in rows]))

        def connect() -> Any:
            import psycopg

            return psycopg.connect(preload.child_database(engine))

        timings: dict[str, float] = {}
        count = rowload.load_postgres(
            raw,
            spec,
            iter([list(r) for r in rows]),
            None,
            timings,
            connect if connections else None,
        )
        assert timings["load_indexes"] >= 0
        return count
    finally:
        raw.close()


@pytest.mark.parametrize("connections", [False, True])
def test_plain_fields_load_as_copy_text_and_odd_cells_still_load_exactly(
    database_url: str, monkeypatch: pytest.MonkeyPatch, connections: bool
) -> None:
    """Every field plain: PostgreSQL takes most chunks as COPY text built by joining the cells;
    a chunk holding a tab, a backslash, a line break or a carriage return in a cell goes the
    converters' way. Both must store the same values (empty cells NULL, numbers typed), ids
    must run on across chunks of both kinds, and the indexes (on PostgreSQL built on parallel
    connections when the loader can open them) must exist and be used by the full-text search."""
    monkeypatch.setattr(rowload, "CHUNK_ROWS", 4)
    engine = make_engine(database_url)
    odd = ["制表\t符", "反斜杠\\N", "换\n行", "回车\r", "\\."]
    rows = [
        [str(i), f"档案第{i}号" if i % 7 else odd[(i // 7) % len(odd)] + "档案", "", ""]
        if i % 3 == 0
        else [str(i), f"预算第{i}号", f"{i}.25", f"2020-01-{1 + i % 28:02d}"]
        for i in range(1, 41)
    ]
    assert _load_plain(engine, rows, connections) == 40
    ref = rq.TableRef("ods_plain", datastore.field_info(PLAIN_SCHEMA), 40)
    got = rq.page(engine, ref, rq.RowQuery(limit=100)).rows
    assert [r["_id"] for r in got] == list(range(1, 41))
    assert [r["id"] for r in got] == list(range(1, 41))
    assert [r["title"] for r in got] == [r[1] for r in rows]
    assert [r["amount"] for r in got] == [float(r[2]) if r[2] else None for r in rows]
    assert [r["day"] for r in got] == [r[3] or None for r in rows]
    assert fts_ids(engine, "ods_plain", "档案") == [int(r[0]) for r in rows if "档案" in r[1]]
    assert fts_ids(engine, "ods_plain", "第20号") == [20]
    index_names = {i["name"] for i in inspect(engine).get_indexes("ods_plain")}
    assert len(index_names) >= len(datastore.indexed_fields(PLAIN_SCHEMA))
    datastore.drop(engine, ["ods_plain"])
    engine.dispose()
