"""Fill a created row table from CSV cells over a plain DB-API connection.

Standard library only (plus the bigram tokens), so that the preloader's child process
(:mod:`opendata.store.loader_child`) starts in a few milliseconds and a few megabytes; the
in-process path of :mod:`opendata.store.datastore` uses the same functions.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from opendata.store.tokenized import with_tokens

FTS_COLUMN = "_fts"
#: Rows per insert-and-commit on SQLite: other writers (the catalog, a heartbeat) get the
#: database between chunks instead of waiting for the whole load. A chunk is read in full
#: *before* its insert begins: rows may come from a file the parent is still writing, and the
#: write lock must never be held while waiting for the parent (who may need to write itself).
CHUNK_ROWS = 5_000
TRUE_TEXT = frozenset({"true", "True", "TRUE", "1", "yes"})


@dataclass(frozen=True)
class LoadSpec:
    """What loading one table needs to know, as plain data (it crosses a process boundary)."""

    table: str
    fields: Sequence[str]  # column names, in CSV order
    types: Sequence[str]  # Table Schema type per field
    search: Sequence[int]  # positions of the full-text fields
    index_sql: Sequence[str] = field(default_factory=tuple)  # CREATE INDEX … to run at the end

    @property
    def fts_table(self) -> str:
        return fts_table(self.table)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "fields": list(self.fields),
            "types": list(self.types),
            "search": list(self.search),
            "index_sql": list(self.index_sql),
        }


def fts_table(name: str) -> str:
    """The SQLite full-text table that goes with row table ``name``."""
    return f"{name}_fts"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def load_sqlite(
    conn: Any, spec: LoadSpec, rows: Iterable[list[str]], executor: Executor | None = None
) -> int:
    """Insert ``rows`` into an existing SQLite table and its FTS5 table; returns the count.

    The cells go in as text: column affinity types the numbers, ``NULLIF`` empties the empty
    cells, and ``_id`` is the rowid SQLite assigns in insert order. Only booleans and the
    full-text tokens cost Python work per row; ``executor`` makes the tokens in a worker process.
    """
    booleans = [i for i, t in enumerate(spec.types) if t == "boolean"]
    columns = ", ".join(_quote(n) for n in spec.fields)
    values = ", ".join("NULLIF(?, '')" for _ in spec.fields)
    insert_row = f"INSERT INTO {_quote(spec.table)} ({columns}) VALUES ({values})"
    insert_fts = f"INSERT INTO {_quote(spec.fts_table)} (rowid, {FTS_COLUMN}) VALUES (?, ?)"
    count = 0
    cur = conn.cursor()
    for chunk, tokens in with_tokens(rows, spec.search, CHUNK_ROWS, executor):
        for cells in chunk:
            for i in booleans:
                cells[i] = "" if cells[i] == "" else ("1" if cells[i] in TRUE_TEXT else "0")
        cur.executemany(insert_row, chunk)
        if tokens:
            cur.executemany(insert_fts, zip(itertools.count(count + 1), tokens))
        count += len(chunk)
        conn.commit()
    # The indexes are built after the last row, when build has finished and its core is idle:
    # SQLite's sorter may use it (measured at 1,000,000 rows: 2.8 s → 2.0 s).
    cur.execute(f"PRAGMA threads = {os.cpu_count() or 1}")
    _create_indexes(conn, spec)
    return count


def converters(types: Sequence[str]) -> list[Callable[[str], Any]]:
    """Text → typed value per column, for databases that do not convert text themselves."""

    def boolean(v: str) -> bool | None:
        return None if v == "" else v in TRUE_TEXT

    def integer(v: str) -> int | None:
        return None if v == "" else int(v)

    def number(v: str) -> float | None:
        return None if v == "" else float(v)

    def plain(v: str) -> str | None:
        return None if v == "" else v

    table: dict[str, Callable[[str], Any]] = {
        "boolean": boolean,
        "integer": integer,
        "number": number,
    }
    return [table.get(t, plain) for t in types]


def load_postgres(
    conn: Any, spec: LoadSpec, rows: Iterable[list[str]], executor: Executor | None = None
) -> int:
    """COPY ``rows`` (typed) into an existing PostgreSQL table with its ``_fts`` text."""
    convert = converters(spec.types)
    columns = ", ".join(_quote(n) for n in spec.fields)
    count = 0
    cur = conn.cursor()
    copy_sql = f'COPY {_quote(spec.table)} ({columns}, "{FTS_COLUMN}", "_id") FROM STDIN'
    with cur.copy(copy_sql) as copy:
        for chunk, tokens in with_tokens(rows, spec.search, CHUNK_ROWS, executor):
            for cells, token_text in zip(chunk, tokens or itertools.repeat(""), strict=False):
                count += 1
                values = [c(v) for c, v in zip(convert, cells, strict=True)]
                copy.write_row((*values, token_text, count))
    conn.commit()
    _create_indexes(conn, spec)
    return count


def _create_indexes(conn: Any, spec: LoadSpec) -> None:
    cur = conn.cursor()
    for statement in spec.index_sql:
        cur.execute(statement)
    conn.commit()
