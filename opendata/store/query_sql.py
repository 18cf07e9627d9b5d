"""The conditions of a row query as data: a shape that decides the SQL, and values bound by name.

:mod:`opendata.store.query` checks a request and turns it into :class:`Cond` items; the SQL of a
page depends only on their shapes (kind, column, number of values), so it is built with
SQLAlchemy and compiled once per shape (:mod:`opendata.store.dbapi`), and each request binds
its own values to the names ``p0``, ``p1``… in the order the conditions list them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, func, or_, select, text
from sqlalchemy.sql import Select

from opendata.store.rowload import FTS_COLUMN

#: ``col <op> :p`` conditions.
COMPARE = ("eq", "gt", "gte", "lt", "lte")
#: The escape character of ``__contains`` patterns, as SQLAlchemy's ``autoescape`` uses it.
ESCAPE = "/"


@dataclass(frozen=True)
class Cond:
    """One condition of a row query. ``kind`` and ``column`` decide its SQL; ``values`` are
    bound in order. Kinds: the :data:`COMPARE` operators, ``null`` and ``notnull``, ``in``,
    ``contains`` (its value already escaped, see :func:`like_escape`), ``fts_sqlite`` (column:
    the FTS5 table) and ``fts_pg``, ``id_gt`` and ``id_lt`` (``_id`` beyond a row id), and
    ``after_asc`` / ``after_desc`` (values: sort value, row id; the keyset step)."""

    kind: str
    column: str
    values: tuple[Any, ...] = ()

    @property
    def shape(self) -> tuple[str, str, int]:
        return (self.kind, self.column, len(self.values))


def like_escape(needle: str) -> str:
    """``needle`` with the LIKE wildcards and the escape character escaped (``autoescape``)."""
    return needle.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def shapes(conds: Sequence[Cond]) -> tuple[tuple[str, str, int], ...]:
    return tuple(c.shape for c in conds)


def bound(conds: Sequence[Cond]) -> dict[str, Any]:
    """The values of ``conds`` by bind name, in the order :func:`render` names them."""
    values = (v for c in conds for v in c.values)
    return {f"p{i}": v for i, v in enumerate(values)}


def render(table: Table, conds: Sequence[Cond]) -> list[ColumnElement[bool]]:
    """SQLAlchemy conditions for ``conds``, their values as named bound parameters."""
    names = (f"p{i}" for i in itertools.count())
    return [_render(table, c, names) for c in conds]


def _render(table: Table, cond: Cond, names: Iterator[str]) -> ColumnElement[bool]:
    kind = cond.kind
    if kind.startswith("fts_"):
        return _full_text(table, cond, next(names))
    col, rid = table.c[cond.column], table.c["_id"]
    keys = [next(names) for _ in cond.values]
    if kind in ("id_gt", "id_lt"):
        row_id = bindparam(keys[0], type_=rid.type)
        return rid > row_id if kind == "id_gt" else rid < row_id
    if kind in ("after_asc", "after_desc"):
        value, row_id = bindparam(keys[0], type_=col.type), bindparam(keys[1], type_=rid.type)
        if kind == "after_desc":
            return and_(col <= value, or_(col < value, rid < row_id))
        return and_(col >= value, or_(col > value, rid > row_id))
    params = [bindparam(k, type_=col.type) for k in keys]
    if kind in COMPARE:
        compare = {"eq": col.__eq__, "gt": col.__gt__, "gte": col.__ge__}
        compare |= {"lt": col.__lt__, "lte": col.__le__}
        return compare[kind](params[0])
    if kind in ("null", "notnull"):
        return col.is_(None) if kind == "null" else col.is_not(None)
    if kind == "in":
        return col.in_(params)
    if kind == "contains":
        return col.icontains(params[0], escape=ESCAPE)
    raise ValueError(f"unknown condition kind {kind!r}")


def _full_text(table: Table, cond: Cond, name: str) -> ColumnElement[bool]:
    if cond.kind == "fts_sqlite":
        fts = cond.column
        rowids = text(f'SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH :{name}')
        return table.c["_id"].in_(rowids.columns(table.c["_id"]))
    clause: Any = text(
        f"to_tsvector('simple', \"{table.name}\".{FTS_COLUMN}) @@ to_tsquery('simple', :{name})"
    )
    # A text clause stands in the WHERE like any boolean column expression.
    return cast("ColumnElement[bool]", clause)


def page_statement(
    table: Table,
    columns: Sequence[str],
    conds: Sequence[Cond],
    sort: str | None,
    desc: bool,
    offset: bool,
    limited: bool = True,
) -> Select[Any]:
    """``SELECT columns WHERE conds ORDER BY [sort,] _id [LIMIT :limit] [OFFSET :offset]``."""
    rid = table.c["_id"]
    order_by = [rid.desc() if desc else rid.asc()]
    if sort is not None:
        col = table.c[sort]
        order_by.insert(0, col.desc() if desc else col.asc())
    stmt = select(*[table.c[n] for n in columns]).where(*render(table, conds)).order_by(*order_by)
    if limited:
        stmt = stmt.limit(bindparam("limit"))
    return stmt.offset(bindparam("offset")) if offset else stmt


def count_statement(table: Table, conds: Sequence[Cond]) -> Select[Any]:
    """How many rows match ``conds``, counted up to ``:bound`` rows."""
    inner = select(table.c["_id"]).where(*render(table, conds)).limit(bindparam("bound"))
    return select(func.count().label("n")).select_from(inner.subquery())
