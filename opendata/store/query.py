"""Row queries over the datastore: filters, full text, sorting, keyset pages and streaming.

The interface, shared by the native ``/api/v1`` rows endpoint and the CKAN ``datastore_search``:

- :class:`TableRef` names one loaded row table (``od_datastore_tables``: table name, fields,
  row count). Build it with :meth:`TableRef.from_catalog` from ``Catalog.datastore_table``.
- :class:`RowQuery` says what to read: ``filters`` as ``(field, op, value)`` triples (ops in
  :data:`OPS`; values may be query-string text or typed JSON values, :func:`coerce` checks them),
  ``q`` (full text, Chinese-aware), ``sort`` + ``sort_desc``, ``fields`` (projection),
  ``limit``, and either ``after`` (the opaque keyset token of the previous page) or ``offset``.
- :func:`page` returns a :class:`Page`: rows (dicts, ``_id`` first unless ``include_id`` is
  off), the next token (``None`` on the last page), ``total`` and ``total_exact``. The
  unfiltered total is the row count recorded at publish time; a filtered total is counted up
  to ``count_bound`` rows only, so it stays fast on millions of rows, and is then inexact.
- :func:`stream` yields every matching row, in the same order, with constant memory (one
  server-side cursor), for filtered exports.

Errors in the request raise :class:`QueryError` (naming the parameter, field and value); a
table dropped under the query (its version was pruned) raises :class:`TableGone`, so the caller
can resolve the current version again.

Keyset paging never uses Datasette's ``(s > v or s is null)`` branch, which makes SQLite sort the
whole table: NULLs of the sort field form their own segment, read by a separate query that keeps
the ``(field, _id)`` index usable. Segments come in the database's natural NULL order (SQLite
puts NULLs first ascending, PostgreSQL last), so offset pages and keyset pages agree.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import orjson
from sqlalchemy import Engine, Table
from sqlalchemy.exc import DBAPIError

from opendata.limits import DEFAULT as DEFAULT_LIMITS
from opendata.limits import LimitError, Limits
from opendata.store import datastore, dbapi, rowload
from opendata.store.budget import ran_out
from opendata.store.fts import postgres_tsquery, sqlite_match
from opendata.store.query_sql import Cond, count_statement, like_escape, page_statement
from opendata.store.query_sql import bound as bound_values
from opendata.store.query_sql import shapes as cond_shapes
from opendata.store.query_values import TEXT_TYPES, QueryError, check_text, coerce

__all__ = [
    "OPS",
    "Page",
    "QueryError",
    "RowQuery",
    "TableGone",
    "TableRef",
    "after_id_token",
    "check",
    "coerce",
    "page",
    "stream",
]

OPS = ("eq", "gt", "gte", "lt", "lte", "in", "contains", "isnull")
MAX_IN_VALUES = 1000
DEFAULT_COUNT_BOUND = 10_000
_INT64 = 2**63


class TableGone(RuntimeError):
    """The row table disappeared while it was read: its version was pruned meanwhile."""


@dataclass(frozen=True)
class TableRef:
    """One loaded row table: its SQL name, its fields (name, type, title…) and row count."""

    table_name: str
    fields: Sequence[Mapping[str, Any]]
    row_count: int

    @classmethod
    def from_catalog(cls, row: Mapping[str, Any]) -> TableRef:
        return cls(row["table_name"], list(row["fields"]), int(row["row_count"]))

    @property
    def field_names(self) -> list[str]:
        return [f["name"] for f in self.fields]

    def field(self, name: str, parameter: str | None = None) -> Mapping[str, Any]:
        for f in self.fields:
            if f["name"] == name:
                return f
        raise QueryError(
            f"unknown field {name!r}"
            + (f" in parameter {parameter!r}" if parameter else "")
            + f"; fields are: {', '.join(self.field_names)}",
            code="unknown_field",
            parameter=parameter,
            field=name,
        )


@dataclass(frozen=True)
class RowQuery:
    """What to read from a table; see the module docstring for each part."""

    filters: Sequence[tuple[str, str, Any]] = ()
    q: str | None = None
    sort: str | None = None
    sort_desc: bool = False
    fields: Sequence[str] | None = None
    limit: int = 100
    after: str | None = None
    offset: int = 0
    include_id: bool = True
    #: Bounds on ``q`` and ``__contains`` needles (the caller's configured ones).
    limits: Limits = DEFAULT_LIMITS

    @property
    def filtered(self) -> bool:
        return bool(self.filters) or bool(self.q and self.q.strip())


@dataclass
class Page:
    rows: list[dict[str, Any]]
    next: str | None
    total: int
    total_exact: bool
    fields: list[str] = field(default_factory=list)


# -- conditions --------------------------------------------------------------------------


_TABLES: dict[tuple[str, str], Table] = {}
_TABLES_MAX = 512


def row_table(engine: Engine, ref: TableRef) -> Table:
    """The Table object of a row table, made once per process.

    A published table never changes, and reusing one Table lets SQLAlchemy's statement cache
    hit: building a new one per request recompiled every query (measured: ~4.5 ms of a 12 ms
    filtered page). The cache is bounded; pruned versions' tables just age out.
    """
    key = (ref.table_name, engine.dialect.name)
    table = _TABLES.get(key)
    if table is None:
        if len(_TABLES) >= _TABLES_MAX:
            _TABLES.clear()
        table = _TABLES[key] = datastore.build_table(
            ref.table_name, {"fields": ref.fields}, engine.dialect.name
        )
    return table


def _bounded(check: Any, value: str, parameter: str) -> str:
    """``value`` if ``check`` (a :class:`Limits` method) accepts it, else a QueryError."""
    try:
        return str(check(value, parameter))
    except LimitError as exc:
        raise QueryError(exc.message, code="too_long", parameter=parameter) from None


def _filter(
    spec: Mapping[str, Any],
    op: str,
    value: Any,
    parameter: str,
    limits: Limits = DEFAULT_LIMITS,
) -> Cond:
    name = spec["name"]
    if op not in OPS:
        raise QueryError(
            f"unknown operator {op!r} in parameter {parameter!r}; operators are: " + ", ".join(OPS),
            code="unknown_operator",
            parameter=parameter,
        )
    if op == "isnull":
        flag = coerce({"name": name, "type": "boolean"}, value, parameter)
        return Cond("null" if flag else "notnull", name)
    if op == "in":
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not items or len(items) > MAX_IN_VALUES:
            raise QueryError(
                f"parameter {parameter!r} needs 1 to {MAX_IN_VALUES} comma-separated values",
                parameter=parameter,
                field=name,
            )
        return Cond("in", name, tuple(coerce(spec, item, parameter) for item in items))
    if op == "contains":
        if spec.get("type", "string") not in TEXT_TYPES:
            raise QueryError(
                f"__contains applies to text fields; {name!r} is {spec.get('type')}",
                parameter=parameter,
                field=name,
            )
        needle = check_text(str(value), f"parameter {parameter!r}", parameter)
        # SQLite refuses LIKE patterns over 50,000 bytes (a 500); bound them well below.
        _bounded(limits.check_text, needle, parameter)
        return Cond("contains", name, (like_escape(needle),))
    typed = coerce(spec, value, parameter)
    return Cond("null", name) if typed is None else Cond(op, name, (typed,))


def _full_text(
    engine: Engine, ref: TableRef, q: str, limits: Limits = DEFAULT_LIMITS
) -> Cond | None:
    check_text(q, "parameter 'q'", "q")
    # Each phrase token reads a posting list: the bound on terms and their length bounds the time.
    _bounded(limits.check_q, q, "q")
    if engine.dialect.name == "sqlite":
        match = sqlite_match(q)
        return (
            None
            if match is None
            else Cond("fts_sqlite", rowload.fts_table(ref.table_name), (match,))
        )
    tsquery = postgres_tsquery(q)
    return None if tsquery is None else Cond("fts_pg", rowload.FTS_COLUMN, (tsquery,))


def _where(engine: Engine, ref: TableRef, query: RowQuery) -> list[Cond]:
    where: list[Cond] = []
    for name, op, value in query.filters:
        parameter = name if op == "eq" else f"{name}__{op}"
        spec = ref.field(name, parameter)
        where.append(_filter(spec, op, value, parameter, query.limits))
    if query.q and query.q.strip():
        clause = _full_text(engine, ref, query.q, query.limits)
        if clause is not None:
            where.append(clause)
    return where


# -- ordering and keyset tokens ----------------------------------------------------------


@dataclass(frozen=True)
class _Order:
    sort: str | None  # None: by _id alone
    desc: bool
    nulls_first: bool


def _order(engine: Engine, ref: TableRef, query: RowQuery) -> _Order:
    sort = query.sort
    if sort == "_id":
        sort = None
    elif sort is not None:
        ref.field(sort, "_sort_desc" if query.sort_desc else "_sort")
    # NULL sorts as the smallest value in SQLite and the largest in PostgreSQL.
    nulls_small = engine.dialect.name == "sqlite"
    return _Order(sort, query.sort_desc, nulls_small != query.sort_desc)


def _encode(order: _Order, value: Any, row_id: int) -> str:
    payload = {"s": order.sort, "d": order.desc, "v": value, "i": row_id}
    try:
        raw = orjson.dumps(payload)
    except TypeError:  # an integer beyond 64 bits as the sort value: keep it exact
        raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def after_id_token(row_id: int) -> str:
    """The keyset token for "the rows after ``row_id``, in ``_id`` order" (CKAN's
    ``next_page: {"_id": {"gt": n}}``), for callers that page by row id themselves."""
    return _encode(_Order(sort=None, desc=False, nulls_first=False), None, row_id)


def _decode(token: str, order: _Order, ref: TableRef) -> tuple[Any, int]:
    def bad(why: str) -> QueryError:
        return QueryError(
            f"_next token is not valid: {why}; start again from the first page",
            code="invalid_token",
            parameter="_next",
        )

    try:
        # The standard library reads integers of any size exactly (orjson makes big ones float).
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error):
        raise bad("it is not a token this API issued") from None
    if not isinstance(payload, dict) or not {"s", "d", "v", "i"} <= payload.keys():
        raise bad("it is not a token this API issued")
    if payload["s"] != order.sort or payload["d"] != order.desc:
        raise bad("it was issued for another sort order")
    row_id = payload["i"]
    if isinstance(row_id, bool) or not isinstance(row_id, int) or not 0 <= row_id < _INT64:
        raise bad("its row id is out of range")
    value = payload["v"]
    if order.sort is not None and value is not None:
        try:
            value = coerce(ref.field(order.sort), value, "_next")
        except QueryError:
            raise bad("its sort value does not fit the field") from None
    return value, row_id


#: A segment of a keyset read: its conditions and the field it is ordered by before ``_id``
#: (None: by ``_id`` alone).
Segment = tuple[list[Cond], str | None]


def _segments(order: _Order, token: tuple[Any, int] | None) -> list[Segment]:
    """(conditions, ORDER BY field) pairs to read in turn; each keeps an index usable."""
    after_id = "id_lt" if order.desc else "id_gt"
    if order.sort is None:
        return [([] if token is None else [Cond(after_id, "_id", (token[1],))], None)]
    sort = order.sort
    if token is None:  # offset mode: one query in the natural order
        return [([], sort)]
    value, row_id = token
    nulls: Segment = ([Cond("null", sort)], None)
    if value is None:
        first: Segment = ([Cond("null", sort), Cond(after_id, "_id", (row_id,))], None)
        return [first, ([Cond("notnull", sort)], sort)] if order.nulls_first else [first]
    step = "after_desc" if order.desc else "after_asc"
    values: Segment = ([Cond(step, sort, (value, row_id))], sort)
    return [values] if order.nulls_first else [values, nulls]


# -- reading -----------------------------------------------------------------------------


def _projection(ref: TableRef, query: RowQuery) -> list[str]:
    if query.fields is None:
        return ref.field_names
    for name in query.fields:
        ref.field(name, "fields")
    return list(dict.fromkeys(query.fields))


def table_gone(exc: DBAPIError) -> bool:
    """Whether a database error says the row table has been dropped (its version pruned)."""
    code = getattr(exc.orig, "sqlstate", None)
    text = str(exc.orig)
    # An FTS5 table dropped under the query fails in its constructor, not as "no such table".
    return code == "42P01" or "no such table" in text or "vtable constructor failed" in text


def page(
    engine: Engine, ref: TableRef, query: RowQuery, *, count_bound: int = DEFAULT_COUNT_BOUND
) -> Page:
    """One page of rows and the token of the next (see the module docstring)."""
    table = row_table(engine, ref)
    names = _projection(ref, query)
    order = _order(engine, ref, query)
    where = _where(engine, ref, query)
    token = _decode(query.after, order, ref) if query.after else None
    wanted = list(dict.fromkeys(["_id", *names, *([order.sort] if order.sort else [])]))
    try:
        with dbapi.reader(engine, query.limits.max_search_seconds) as db:
            rows = _read_segments(db, table, wanted, where, order, token, query)
            more = len(rows) > query.limit
            rows = rows[: query.limit]
            total, exact = _page_total(db, ref, table, where, query, count_bound, rows, more)
    except DBAPIError as exc:
        if table_gone(exc):
            raise TableGone(ref.table_name) from exc
        if ran_out(exc):
            raise _too_slow(query) from None
        raise
    following = None
    if more and rows:
        last = rows[-1]
        following = _encode(order, last[order.sort] if order.sort else None, last["_id"])
    keep = (["_id"] if query.include_id else []) + names
    if keep != wanted:  # the sort field or _id read but not asked for
        rows = [{k: r[k] for k in keep} for r in rows]
    return Page(rows, following, total, exact, keep)


def _read_segments(
    db: dbapi.Reader,
    table: Table,
    wanted: list[str],
    where: list[Cond],
    order: _Order,
    token: tuple[Any, int] | None,
    query: RowQuery,
) -> list[dict[str, Any]]:
    """Up to ``query.limit + 1`` matching rows, segment by segment (one more row tells
    whether a next page exists)."""
    rows: list[dict[str, Any]] = []
    offset = query.offset if token is None else 0
    for conditions, sort in _segments(order, token):
        need = query.limit + 1 - len(rows)
        if need <= 0:
            break
        conds = [*where, *conditions]
        shape = ("page", table, tuple(wanted), cond_shapes(conds), sort, order.desc, bool(offset))
        stmt = dbapi.compiled(
            db.engine,
            shape,
            partial(page_statement, table, wanted, conds, sort, order.desc, bool(offset)),
        )
        values = bound_values(conds) | {"limit": need, "offset": offset}
        rows.extend(db.rows(stmt, values))
    return rows


def _page_total(
    db: dbapi.Reader,
    ref: TableRef,
    table: Table,
    where: list[Cond],
    query: RowQuery,
    bound: int,
    rows: list[dict[str, Any]],
    more: bool,
) -> tuple[int, bool]:
    """The total a page reports: the table's own count when unfiltered, the page itself when it
    is the whole result, else a bounded count."""
    if not query.filtered:
        return ref.row_count, True
    if not more and not query.after and not query.offset:
        return len(rows), True
    return _total(db, table, where, query, bound, len(rows))


def _total(
    db: dbapi.Reader, table: Table, where: list[Cond], query: RowQuery, bound: int, seen: int
) -> tuple[int, bool]:
    """The filtered total, counted up to ``bound``; when the time budget runs out during the
    count, the rows already read are answered with an inexact total of what was seen."""
    key = (table.name, repr((query.filters, query.q)), bound)
    try:
        counted = _bounded_count(db, table, where, bound, key)
    except DBAPIError as exc:
        if not ran_out(exc):
            raise
        return query.offset + seen, False
    return min(counted, bound), counted <= bound


def _too_slow(query: RowQuery) -> QueryError:
    contains = [f"{name}__{op}" for name, op, _ in query.filters if op == "contains"]
    parameter = "q" if query.q and query.q.strip() else (contains[0] if contains else None)
    return QueryError(
        f"the search took longer than {query.limits.max_search_seconds:g} s and was stopped; "
        "narrow it with a filter on a filterable field, search whole words with q instead of "
        "a substring, or sort by a filterable field",
        code="too_slow",
        parameter=parameter,
    )


#: Filtered counts by (table, condition): row tables never change once published, so a count
#: stays true for the life of its table, and paging through a result set counts once.
_COUNTS: dict[tuple[str, str, int], int] = {}
_COUNTS_MAX = 4096


def _bounded_count(
    db: dbapi.Reader, table: Table, where: list[Cond], bound: int, key: tuple[str, str, int]
) -> int:
    """How many rows match, counted up to ``bound + 1``; ``key`` names the table and the
    request's filters and full-text query, which decide the condition."""
    counted = _COUNTS.get(key)
    if counted is None:
        shape = ("count", table, cond_shapes(where))
        stmt = dbapi.compiled(db.engine, shape, lambda: count_statement(table, where))
        counted = int(db.rows(stmt, bound_values(where) | {"bound": bound + 1})[0]["n"])
        if len(_COUNTS) >= _COUNTS_MAX:
            _COUNTS.clear()
        _COUNTS[key] = counted
    return counted


def stream(
    engine: Engine, ref: TableRef, query: RowQuery, *, batch: int = 2000
) -> Iterator[dict[str, Any]]:
    """Every row matching ``query`` (its limit, token and offset ignored), in its order.

    One statement on a server-side cursor: memory stays constant, and the statement's snapshot
    keeps the table readable even if its version is pruned meanwhile.
    """
    table = row_table(engine, ref)
    names = _projection(ref, query)
    order = _order(engine, ref, query)
    where = _where(engine, ref, query)
    keep = (["_id"] if query.include_id else []) + names
    conditions, sort = _segments(order, None)[0]
    conds = [*where, *conditions]
    stmt = page_statement(table, keep, conds, sort, order.desc, offset=False, limited=False)
    values = bound_values(conds)
    try:
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=batch).execute(
                stmt, values
            )
            for row in result:
                # Plain str keys (SQLAlchemy's are quoted_name, which orjson refuses).
                yield dict(zip(keep, row, strict=True))
    except DBAPIError as exc:
        if table_gone(exc):
            raise TableGone(ref.table_name) from exc
        raise


def check(engine: Engine, ref: TableRef, query: RowQuery) -> list[str]:
    """Validate ``query`` against the table without reading it; returns the output fields.

    Lets a streaming response fail with a 400 before its first byte is sent.
    """
    names = _projection(ref, query)
    _order(engine, ref, query)
    _where(engine, ref, query)
    return (["_id"] if query.include_id else []) + names
