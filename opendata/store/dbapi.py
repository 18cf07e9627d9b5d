"""Hot read paths on the pooled DBAPI connection, with SQL compiled once per statement shape.

Every API request reads its dataset row and a page of rows. Through SQLAlchemy's ``Connection``
each statement is built, its cache key generated, an execution context made and every result
row wrapped: measured on a row-by-key request, that was most of the request's cost, several
times the query itself. Here a caller names a statement by a hashable *shape* (the table and
what decides the SQL text, never the values) and gives a function that builds it with named
bound parameters; it is compiled by the engine's dialect once per process and then run on the
pooled connection's DBAPI cursor with the values of the request.

What SQLAlchemy would do besides stays the same: the columns' bind and result processors
(exact integers, booleans, JSON and dates on SQLite) come from the same types, a DBAPI error
comes out as SQLAlchemy's ``DBAPIError`` subclass (so callers and the outage handler see what
they saw before), and a connection that was lost is invalidated in the pool.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import Select

__all__ = ["Compiled", "Reader", "compiled", "reader"]

#: SQLite virtual-machine steps between two looks at the clock (~1 ms of work), as in
#: :mod:`opendata.store.budget`.
_STEPS = 20_000
_MAX_SHAPES = 1024

Processor = Callable[[Any], Any] | None


@dataclass
class Compiled:
    """One statement compiled for one dialect: its SQL text, how to bind it, its columns."""

    sql: str
    #: Bound parameter names in the order of the SQL's placeholders (positional paramstyles),
    #: or None when the DBAPI takes a mapping (named and pyformat paramstyles).
    order: tuple[str, ...] | None
    binds: dict[str, Processor]
    #: Values the statement carries itself (SQLite's ``OFFSET 0`` after a ``LIMIT``).
    defaults: dict[str, Any]
    keys: list[str]
    types: list[Any]
    #: Result processors per column, made at the first run from the cursor's description.
    results: list[Processor] | None = None

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        bound = {}
        for name, process in self.binds.items():
            value = values[name] if name in values else self.defaults[name]
            bound[name] = value if process is None or value is None else process(value)
        if self.order is None:
            return bound
        return tuple(bound[name] for name in self.order)


_COMPILED: dict[tuple[str, Hashable], Compiled] = {}


def compiled(engine: Engine, shape: Hashable, build: Callable[[], Select[Any]]) -> Compiled:
    """The statement of ``shape`` for ``engine``'s dialect, built and compiled once."""
    key = (engine.dialect.name, shape)
    found = _COMPILED.get(key)
    if found is None:
        if len(_COMPILED) >= _MAX_SHAPES:
            _COMPILED.clear()  # shapes of pruned versions' tables age out
        found = _COMPILED[key] = _compile(engine, build())
    return found


def _compile(engine: Engine, stmt: Select[Any]) -> Compiled:
    dialect = engine.dialect
    comp = stmt.compile(dialect=dialect)
    binds: dict[str, Processor] = {}
    defaults: dict[str, Any] = {}
    for param, name in comp.bind_names.items():
        binds[name] = param.type.dialect_impl(dialect).bind_processor(dialect)
        if param.value is not None:
            defaults[name] = param.value
    order = tuple(comp.positiontup or ()) if comp.positional else None
    types = [c.type for c in stmt.selected_columns]
    keys = [str(c.key) for c in stmt.selected_columns]
    return Compiled(str(comp), order, binds, defaults, keys, types)


class Reader:
    """Statements on one pooled DBAPI connection (see :func:`reader`)."""

    def __init__(self, engine: Engine, raw: Any) -> None:
        self.engine = engine
        self.raw = raw

    def rows(self, stmt: Compiled, values: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every row of ``stmt`` with ``values`` bound, as dicts by column key."""
        cursor = self.raw.cursor()
        try:
            cursor.execute(stmt.sql, stmt.parameters(values))
            found = cursor.fetchall()
            if stmt.results is None:
                stmt.results = self._processors(stmt, cursor.description)
        finally:
            cursor.close()
        keys = stmt.keys
        rows = [dict(zip(keys, row, strict=True)) for row in found]
        # Only the columns that have a processor are touched (most are text, passed as is).
        active = [(k, p) for k, p in zip(keys, stmt.results, strict=True) if p is not None]
        for row in rows if active else ():
            for key, process in active:
                value = row[key]
                if value is not None:
                    row[key] = process(value)
        return rows

    def _processors(self, stmt: Compiled, description: Any) -> list[Processor]:
        dialect = self.engine.dialect
        return [
            kind.dialect_impl(dialect).result_processor(dialect, column[1])
            for kind, column in zip(stmt.types, description, strict=True)
        ]


@contextmanager
def reader(engine: Engine, budget_seconds: float | None = None) -> Iterator[Reader]:
    """A :class:`Reader` on a connection checked out of ``engine``'s pool (returned, rolled
    back, at the end). With ``budget_seconds`` the database stops the block's statements after
    that long in all, as :func:`opendata.store.budget.time_budget` does."""
    dialect = engine.dialect
    try:
        raw = engine.raw_connection()
    except dialect.loaded_dbapi.Error as exc:  # the database out of reach, as Connection says
        raise _wrapped(engine, exc, dialect.is_disconnect(exc, None, None)) from exc
    try:
        with _budget(raw, dialect.name, budget_seconds):
            yield Reader(engine, raw)
    except dialect.loaded_dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, raw.dbapi_connection, None)
        if lost:
            # As SQLAlchemy's Connection does: every connection pooled before now is stale too
            # (the server restarted), so the pool replaces them at their next checkout instead
            # of failing one request for each.
            engine.pool._invalidate(raw, exc)
        raise _wrapped(engine, exc, lost) from exc
    finally:
        raw.close()


def _wrapped(engine: Engine, exc: Exception, lost: bool) -> BaseException:
    """The ``DBAPIError`` subclass SQLAlchemy's ``Connection`` raises for ``exc``."""
    dialect = engine.dialect
    return DBAPIError.instance(
        None,
        None,
        exc,
        dialect.loaded_dbapi.Error,
        hide_parameters=engine.hide_parameters,
        connection_invalidated=lost,
        dialect=dialect,
    )


@contextmanager
def _budget(raw: Any, dialect: str, seconds: float | None) -> Iterator[None]:
    if seconds is None:
        yield
    elif dialect == "sqlite":
        driver = raw.driver_connection
        deadline = time.monotonic() + seconds
        driver.set_progress_handler(lambda: int(time.monotonic() > deadline), _STEPS)
        try:
            yield
        finally:
            driver.set_progress_handler(None, 0)
    elif dialect == "postgresql":
        cursor = raw.cursor()
        try:
            # SET LOCAL ends with the transaction, which the pool rolls back at check-in.
            cursor.execute(f"SET LOCAL statement_timeout = {max(1, int(seconds * 1000))}")
        finally:
            cursor.close()
        yield
    else:
        yield
