"""Fill a created row table from CSV cells over a plain DB-API connection.

Standard library only (plus the bigram tokens and the store half of :mod:`opendata.codec`), so
that the preloader's child process (:mod:`opendata.store.loader_child`) starts in a few
milliseconds and a few megabytes; the in-process path of :mod:`opendata.store.datastore` uses
the same functions.

Cells become values through the field's codec (:func:`opendata.codec.store_converter`):
booleans by the field's own ``trueValues``/``falseValues``, numbers with ``groupChar``,
``decimalChar`` and ``bareNumber``, dates in a declared ``format`` as ISO text, every text in
``missingValues`` as NULL. On SQLite a field with default options keeps the fast path — the cell
goes in as text and column affinity types it — and only booleans and fields with options cost
Python work per cell.

Integers beyond 64 bits are stored exactly: as ``NUMERIC`` on PostgreSQL (every integer
column), and on SQLite as their decimal text in a BLOB (affinity would make them an inexact
REAL); :func:`opendata.codec.json_value` reads both back as ``int``. On SQLite such values sort
after every 64-bit integer.
"""

from __future__ import annotations

import itertools
import operator
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

from opendata.codec import (
    INT64_MAX,
    INT64_MIN,
    SAFE_INT_DIGITS,
    plain_storage,
    store_converter,
)
from opendata.store.tokenized import with_tokens

FTS_COLUMN = "_fts"
#: Rows per insert-and-commit on SQLite: other writers (the catalog, a heartbeat) get the
#: database between chunks instead of waiting for the whole load. A chunk is read in full
#: *before* its insert begins: rows may come from a file the parent is still writing, and the
#: write lock must never be held while waiting for the parent (who may need to write itself).
CHUNK_ROWS = 5_000


@dataclass(frozen=True)
class LoadSpec:
    """What loading one table needs to know, as plain data (it crosses a process boundary)."""

    table: str
    fields: Sequence[str]  # column names, in CSV order
    types: Sequence[str]  # Table Schema type per field
    search: Sequence[int]  # positions of the full-text fields
    index_sql: Sequence[str] = field(default_factory=tuple)  # CREATE INDEX … to run at the end
    #: Per field, the codec's resolved options (:func:`opendata.codec.field_options`); empty:
    #: the defaults of each type.
    options: Sequence[Mapping[str, Any]] = field(default_factory=tuple)

    def field_options(self) -> list[Mapping[str, Any]]:
        if self.options:
            return list(self.options)
        return [{"type": t, "missingValues": [""]} for t in self.types]

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
            "options": [dict(o) for o in self.options],
        }


def fts_table(name: str) -> str:
    """The SQLite full-text table that goes with row table ``name``."""
    return f"{name}_fts"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sqlite_integer(value: Any) -> Any:
    """An integer as SQLite stores it exactly: itself within 64 bits, else its text as a BLOB."""
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        return str(value).encode()
    return value


def _exact_integer(store: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        return sqlite_integer(store(text))

    return convert


def _sqlite_plan(spec: LoadSpec) -> tuple[str, list[tuple[int, Callable[[str], Any]]], list[int]]:
    """The INSERT, the (column, converter) pairs that need Python work, and the plain integer
    columns whose chunks must be checked for values beyond 64 bits."""
    placeholders: list[str] = []
    convert: list[tuple[int, Callable[[str], Any]]] = []
    wide_check: list[int] = []
    for i, options in enumerate(spec.field_options()):
        if plain_storage(options):
            empty_is_null = "" in options.get("missingValues", [""])
            placeholders.append("NULLIF(?, '')" if empty_is_null else "?")
            if options.get("type") == "integer":
                wide_check.append(i)
            continue
        placeholders.append("?")
        store = store_converter(options)
        if options.get("type") == "integer":
            convert.append((i, _exact_integer(store)))
        else:
            convert.append((i, store))
    columns = ", ".join(_quote(n) for n in spec.fields)
    insert = f"INSERT INTO {_quote(spec.table)} ({columns}) VALUES ({', '.join(placeholders)})"
    return insert, convert, wide_check


def _widen(chunk: list[list[str]], column: int) -> None:
    """Integers too long for 64 bits in a plain column go in exactly (rare: checked in C)."""
    if max(map(len, map(operator.itemgetter(column), chunk)), default=0) <= SAFE_INT_DIGITS:
        return
    for cells in chunk:
        text = cells[column].strip()
        if len(text) > SAFE_INT_DIGITS and text:
            cells[column] = sqlite_integer(int(text))


def load_sqlite(
    conn: Any,
    spec: LoadSpec,
    rows: Iterable[list[str]],
    executor: Executor | None = None,
    timings: dict[str, float] | None = None,
) -> int:
    """Insert ``rows`` into an existing SQLite table and its FTS5 table; returns the count.

    Plain cells go in as text: column affinity types the numbers, ``NULLIF`` empties the empty
    cells, and ``_id`` is the rowid SQLite assigns in insert order. Only converted fields
    (booleans, fields with options) and the full-text tokens cost Python work per row;
    ``executor`` makes the tokens in a worker process.
    """
    insert_row, convert, wide_check = _sqlite_plan(spec)
    insert_fts = f"INSERT INTO {_quote(spec.fts_table)} (rowid, {FTS_COLUMN}) VALUES (?, ?)"
    count = 0
    cur = conn.cursor()
    clock = _Clock(timings)
    for chunk, tokens in with_tokens(rows, spec.search, CHUNK_ROWS, executor):
        clock.lap("load_read")
        for i in wide_check:
            _widen(chunk, i)
        if convert:
            for cells in chunk:
                for i, store in convert:
                    cells[i] = store(cells[i])
        cur.executemany(insert_row, chunk)
        clock.lap("load_insert")
        if tokens:
            cur.executemany(insert_fts, zip(itertools.count(count + 1), tokens))
            clock.lap("load_fts")
        count += len(chunk)
        conn.commit()
        clock.lap("load_insert")
    _release(executor)
    # The indexes are built after the last row, when build has finished and its core is idle:
    # SQLite's sorter may use it (measured at 1,000,000 rows: 2.8 s → 2.0 s).
    cur.execute(f"PRAGMA threads = {os.cpu_count() or 1}")
    _create_indexes(conn, spec)
    clock.lap("load_indexes")
    return count


def _release(executor: Executor | None) -> None:
    """The token worker is done once the last row is in: shut it down before the indexes are
    built, so that its memory is not held at the refresh's peak (build has written everything
    and holds all its keys then). Shutting an executor down again later does nothing."""
    if executor is not None:
        executor.shutdown(wait=True)


class _Clock:
    """Adds the seconds since the previous lap to ``timings[stage]`` (nothing without one)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def lap(self, stage: str) -> None:
        if self.timings is None:
            return
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - self.last
        self.last = now


def converters(spec: LoadSpec) -> list[Callable[[str], Any]]:
    """Text → typed value per column, for databases that do not convert text themselves."""
    return [store_converter(options) for options in spec.field_options()]


def load_postgres(
    conn: Any,
    spec: LoadSpec,
    rows: Iterable[list[str]],
    executor: Executor | None = None,
    timings: dict[str, float] | None = None,
    connect: Callable[[], Any] | None = None,
) -> int:
    """COPY ``rows`` into an existing PostgreSQL table with its ``_fts`` text, then index it.

    Chunks whose every field is plain (:func:`opendata.codec.plain_storage`) and whose cells
    hold no tab, backslash or line break go in as COPY text built with ``str.join`` — empty
    cells as NULL (``NULL ''``), PostgreSQL parsing the numbers — instead of a Python converter
    per cell and psycopg's per-value dumping (measured at 1,000,000 rows: see bench/README.md).
    Other chunks go through the field's converters and ``write_row``. ``connect`` opens more
    connections, so the indexes are built side by side (:func:`create_indexes_parallel`).
    """
    columns = ", ".join(_quote(n) for n in spec.fields)
    table = f'{_quote(spec.table)} ({columns}, "{FTS_COLUMN}", "_id")'
    plain = all(plain_storage(options) for options in spec.field_options())
    convert = converters(spec)
    count = 0
    cur = conn.cursor()
    clock = _Clock(timings)
    for chunk, tokens in with_tokens(rows, spec.search, CHUNK_ROWS, executor):
        clock.lap("load_read")
        text = _copy_text(chunk, tokens, count) if plain else None
        if text is not None:
            with cur.copy(f"COPY {table} FROM STDIN (FORMAT text, NULL '')") as copy:
                copy.write(text)
        else:
            with cur.copy(f"COPY {table} FROM STDIN") as copy:
                for i, (cells, token_text) in enumerate(
                    zip(chunk, tokens or itertools.repeat(""), strict=False), count + 1
                ):
                    values = [c(v) for c, v in zip(convert, cells, strict=True)]
                    copy.write_row((*values, token_text, i))
        count += len(chunk)
        clock.lap("load_insert")
    conn.commit()
    clock.lap("load_insert")
    _release(executor)
    if connect is None:
        _create_indexes(conn, spec)
    else:
        create_indexes_parallel(connect, spec.index_sql)
    clock.lap("load_indexes")
    return count


def _copy_text(chunk: list[list[str]], tokens: list[str], start: int) -> str | None:
    """The chunk as COPY text (cells, token text, ``_id``), or None when a cell needs escaping.

    The check counts separators in the joined text, in C: a cell holding a tab or a line break
    would add one; a backslash or carriage return is looked for directly.
    """
    width = len(chunk[0]) if chunk else 0
    if not chunk or any(len(cells) != width for cells in chunk):
        return None
    lines = list(map("\t".join, chunk))
    body = "\n".join(lines)
    if (
        body.count("\t") != len(chunk) * (width - 1)
        or body.count("\n") != len(chunk) - 1
        or "\\" in body
        or "\r" in body
    ):
        return None
    ids = range(start + 1, start + len(chunk) + 1)
    toks = tokens or itertools.repeat("")
    return "".join(f"{line}\t{tok}\t{i}\n" for line, tok, i in zip(lines, toks, ids, strict=False))


#: ``maintenance_work_mem`` of an index build's connection: a GIN index built in 64 MB (the
#: server's default) flushes its posting lists to disk again and again.
INDEX_WORK_MEM = "256MB"


def create_indexes_parallel(connect: Callable[[], Any], statements: Sequence[str]) -> None:
    """Run the CREATE INDEX statements of a loaded PostgreSQL table on parallel connections.

    Plain CREATE INDEX takes a SHARE lock, which does not conflict with itself, so the indexes
    of one table build side by side. The longest (the GIN full-text index) starts first; as
    many connections as cores, each one index at a time. The first failure is raised.
    """
    from concurrent.futures import ThreadPoolExecutor

    ordered = sorted(statements, key=lambda sql: " USING gin " not in sql)
    workers = max(1, min(len(ordered), os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for future in [pool.submit(_run_index, connect, sql) for sql in ordered]:
            future.result()


def _run_index(connect: Callable[[], Any], statement: str) -> None:
    conn = connect()
    try:
        cur = conn.cursor()
        cur.execute(f"SET maintenance_work_mem = '{INDEX_WORK_MEM}'")
        cur.execute(statement)
        conn.commit()
    finally:
        conn.close()


def _create_indexes(conn: Any, spec: LoadSpec) -> None:
    cur = conn.cursor()
    for statement in spec.index_sql:
        cur.execute(statement)
    conn.commit()
