"""A time budget for one read: the database stops a statement that runs past it.

Full-text phrases are bounded by the size of ``q`` (:mod:`opendata.limits`), but a ``LIKE``
substring search (``__contains``, CKAN's ``q`` object) or a sort on an unindexed field reads
every row whatever its input: 2.8 s for a 256-character needle that matches nothing in a
million rows on SQLite. So a page read runs under ``limits.max_search_seconds``: SQLite's
progress handler interrupts the statement, PostgreSQL's ``statement_timeout`` (``SET LOCAL``:
it ends with the transaction) cancels it, and the caller answers with an error that says how to
narrow the search. Streamed exports are not budgeted (gunicorn's timeout bounds them).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import DBAPIError

#: SQLite virtual-machine steps between two looks at the clock (~1 ms of work).
_STEPS = 20_000


@contextmanager
def time_budget(conn: Any, seconds: float) -> Iterator[None]:
    """Statements run on ``conn`` inside this block are stopped after ``seconds`` in all."""
    dialect = conn.engine.dialect.name
    if dialect == "sqlite":
        raw = conn.connection.driver_connection
        deadline = time.monotonic() + seconds
        raw.set_progress_handler(lambda: int(time.monotonic() > deadline), _STEPS)
        try:
            yield
        finally:
            raw.set_progress_handler(None, 0)
    elif dialect == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {max(1, int(seconds * 1000))}")
        yield
    else:
        yield


def ran_out(exc: DBAPIError) -> bool:
    """Whether a database error is the budget stopping a statement."""
    code = getattr(exc.orig, "sqlstate", None)
    return code == "57014" or str(exc.orig) == "interrupted"
