"""The datastore: one SQL table per resource version, loaded from the published CSV at publish time.

Tables are typed from the Table Schema (integers, numbers, booleans typed; dates and times kept
as ISO text, which sorts and compares correctly in both databases), carry ``_id`` (the row's
position in the CSV) for stable keyset paging, an index per ``filterable`` field and per primary
key field, and a full-text index of CJK bigrams (:mod:`opendata.store.fts`): an FTS5 table on
SQLite, a GIN index over ``to_tsvector('simple', _fts)`` on PostgreSQL.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    Table,
    Text,
    text,
)

from opendata.store.fts import index_text

FTS_COLUMN = "_fts"
#: Rows per insert-and-commit on SQLite.
CHUNK_ROWS = 50_000
_SQL_TYPES: dict[str, Any] = {"integer": BigInteger, "number": Float, "boolean": Boolean}
_TRUE = {"true", "True", "TRUE", "1", "yes"}


def table_name(dataset: str, version: str, resource: str) -> str:
    """A short, safe, unique SQL name (PostgreSQL allows 63 characters)."""
    digest = hashlib.sha1(f"{dataset}/{version}/{resource}".encode()).hexdigest()[:20]
    return f"ods_{digest}"


def fts_table(name: str) -> str:
    return f"{name}_fts"


def searchable_fields(schema: Mapping[str, Any]) -> list[str]:
    """Fields in the full-text index: those marked ``searchable``, else every string field."""
    fields = schema.get("fields", [])
    marked = [f["name"] for f in fields if f.get("searchable")]
    return marked or [f["name"] for f in fields if f.get("type", "string") == "string"]


def indexed_fields(schema: Mapping[str, Any]) -> list[str]:
    pk = schema.get("primaryKey") or []
    keys = [pk] if isinstance(pk, str) else list(pk)
    marked = [f["name"] for f in schema.get("fields", []) if f.get("filterable")]
    return list(dict.fromkeys(keys[:1] + marked))


def build_table(name: str, schema: Mapping[str, Any], dialect: str) -> Table:
    """The SQLAlchemy table for a resource version (also used by queries to quote names)."""
    # INTEGER on SQLite makes _id the rowid itself, so keyset paging by (field, _id) walks an index.
    _id_type = BigInteger().with_variant(Integer, "sqlite")
    columns: list[Any] = [Column("_id", _id_type, primary_key=True, autoincrement=False)]
    for field in schema.get("fields", []):
        columns.append(Column(field["name"], _SQL_TYPES.get(field.get("type", "string"), Text)))
    if dialect == "postgresql":
        columns.append(Column(FTS_COLUMN, Text))
    return Table(name, MetaData(), *columns)


def field_info(schema: Mapping[str, Any]) -> list[dict[str, Any]]:
    """What the catalog records about a table's columns (for queries and CKAN's ``fields``)."""
    return [
        {
            "name": f["name"],
            "type": f.get("type", "string"),
            "title": f.get("title", ""),
            "description": f.get("description", ""),
            "filterable": bool(f.get("filterable")),
        }
        for f in schema.get("fields", [])
    ]


def _converters(schema: Mapping[str, Any]) -> list[Any]:
    def boolean(v: str) -> bool | None:
        return None if v == "" else v in _TRUE

    def integer(v: str) -> int | None:
        return None if v == "" else int(v)

    def number(v: str) -> float | None:
        return None if v == "" else float(v)

    def plain(v: str) -> str | None:
        return None if v == "" else v

    table = {"boolean": boolean, "integer": integer, "number": number}
    return [table.get(f.get("type", "string"), plain) for f in schema.get("fields", [])]


def _typed_rows(
    rows: Iterable[list[str]], schema: Mapping[str, Any], search_pos: Sequence[int]
) -> Iterator[tuple[Any, ...]]:
    convert = _converters(schema)
    for cells in rows:
        values = [c(v) for c, v in zip(convert, cells, strict=True)]
        yield (*values, index_text(*(cells[i] for i in search_pos)))


def read_csv_rows(csv_path: Path) -> Iterator[list[str]]:
    """The data rows of a published CSV file (its header skipped)."""
    with csv_path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader, None)
        yield from reader


def load(engine: Engine, name: str, schema: Mapping[str, Any], rows: Iterable[list[str]]) -> int:
    """Create table ``name`` and fill it with ``rows`` (CSV cells); returns the row count."""
    dialect = engine.dialect.name
    table = build_table(name, schema, dialect)
    table.create(engine)
    if dialect == "sqlite":
        count = _load_sqlite(engine, table, schema, rows)
    else:
        count = _load_postgres(engine, table, schema, rows)
    for field in indexed_fields(schema):
        # (field, _id): keyset pages sorted by a field need the tie-breaker in the index too.
        Index(f"{name}_{_short(field)}", table.c[field], table.c["_id"]).create(engine)
    return count


def _short(field: str) -> str:
    return hashlib.sha1(field.encode()).hexdigest()[:8]


def _search_positions(schema: Mapping[str, Any]) -> list[int]:
    names = [f["name"] for f in schema.get("fields", [])]
    return [names.index(n) for n in searchable_fields(schema)]


def _load_sqlite(
    engine: Engine, table: Table, schema: Mapping[str, Any], rows: Iterable[list[str]]
) -> int:
    """Hand the CSV rows to SQLite as they are: column affinity types the numbers, NULLIF turns
    empty cells into NULL, and _id is the rowid SQLite assigns. Only booleans and the full-text
    tokens cost Python work per row. Commits every chunk, so that other writers (the catalog,
    a heartbeat) are never locked out for the whole load."""
    fields = schema.get("fields", [])
    names = [f["name"] for f in fields]
    booleans = [i for i, f in enumerate(fields) if f.get("type") == "boolean"]
    search_pos = _search_positions(schema)
    fts = fts_table(table.name)
    quoted = ", ".join('"' + n.replace('"', '""') + '"' for n in names)
    values = ", ".join("NULLIF(?, '')" for _ in names)
    insert_row = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({values})'
    insert_fts = f'INSERT INTO "{fts}" (rowid, {FTS_COLUMN}) VALUES (?, ?)'
    tokens: list[tuple[int, str]] = []

    def feed() -> Iterator[list[str]]:
        for number, cells in enumerate(rows, start=1):
            if search_pos:
                tokens.append((number, index_text(*(cells[i] for i in search_pos))))
            for i in booleans:
                cells[i] = "" if cells[i] == "" else ("1" if cells[i] in _TRUE else "0")
            yield cells

    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute(
            f"CREATE VIRTUAL TABLE \"{fts}\" USING fts5({FTS_COLUMN}, content='', "
            "tokenize='unicode61 remove_diacritics 0')"
        )
        raw.commit()
        count = 0
        fed = feed()
        while chunk := list(itertools.islice(fed, CHUNK_ROWS)):
            cur.executemany(insert_row, chunk)
            cur.executemany(insert_fts, tokens)
            raw.commit()
            count += len(chunk)
            tokens.clear()
        return count
    finally:
        raw.close()


def _load_postgres(
    engine: Engine, table: Table, schema: Mapping[str, Any], rows: Iterable[list[str]]
) -> int:
    columns = [c.name for c in table.columns if c.name != "_id"]
    quoted = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
    raw = engine.raw_connection()
    count = 0
    try:
        cur = raw.cursor()
        with cur.copy(f'COPY "{table.name}" ({quoted}, "_id") FROM STDIN') as copy:
            for count, row in enumerate(_typed_rows(rows, schema, _search_positions(schema)), 1):
                copy.write_row((*row, count))
        cur.execute(
            f'CREATE INDEX "{table.name}_fts" ON "{table.name}" '
            f"USING gin (to_tsvector('simple', {FTS_COLUMN}))"
        )
        raw.commit()
        return count
    finally:
        raw.close()


def drop(engine: Engine, names: Sequence[str]) -> None:
    """Drop row tables (and their FTS tables); missing ones are ignored."""
    with engine.begin() as conn:
        for name in names:
            conn.execute(text(f'DROP TABLE IF EXISTS "{name}"'))
            if engine.dialect.name == "sqlite":
                conn.execute(text(f'DROP TABLE IF EXISTS "{fts_table(name)}"'))
