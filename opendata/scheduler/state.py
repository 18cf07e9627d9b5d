"""``od_source_state``: per source, its next scheduled run and how long it has been failing.

``consecutive_failures`` counts failed runs (retries included) since the last success.
``failing_since`` is set only when a failure is final — not going to be retried — so that a
transient blip a retry fixes never pages anyone; the webhook fires on its transitions.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from opendata.store import db
from opendata.store.catalog import as_utc, utcnow


class Transition(StrEnum):
    FAILING = "failing"  # the source has just started failing
    RECOVERED = "recovered"  # it succeeded after having been failing


def _ensure_row(engine: Engine, source: str) -> None:
    t = db.source_state
    with engine.begin() as conn:
        if conn.execute(select(t.c.source).where(t.c.source == source)).first():
            return
        with suppress(IntegrityError):  # another process inserted it first
            conn.execute(insert(t).values(source=source, consecutive_failures=0))


def get(engine: Engine, source: str) -> dict[str, Any]:
    t = db.source_state
    with engine.connect() as conn:
        row = conn.execute(select(t).where(t.c.source == source)).mappings().first()
    if row is None:
        return {
            "source": source,
            "consecutive_failures": 0,
            "failing_since": None,
            "next_run": None,
        }
    return _fix(dict(row))


def all_states(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(select(db.source_state)).mappings().all()
    return {r["source"]: _fix(dict(r)) for r in rows}


def _fix(row: dict[str, Any]) -> dict[str, Any]:
    row["failing_since"] = as_utc(row["failing_since"])
    row["next_run"] = as_utc(row["next_run"])
    return row


def set_next_run(engine: Engine, source: str, when: datetime | None) -> None:
    _ensure_row(engine, source)
    with engine.begin() as conn:
        conn.execute(
            update(db.source_state).where(db.source_state.c.source == source).values(next_run=when)
        )


def record(engine: Engine, source: str, *, ok: bool, final: bool) -> Transition | None:
    """Note a finished run; returns the transition an operator should hear about, if any.

    ``final`` says a failure will not be retried. The read-modify-write happens in one
    transaction guarded by the previous values, so two schedulers cannot both announce it.
    """
    _ensure_row(engine, source)
    t = db.source_state
    for _ in range(5):
        with engine.begin() as conn:
            row = conn.execute(
                select(t.c.consecutive_failures, t.c.failing_since).where(t.c.source == source)
            ).one()
            failures, since = int(row[0]), row[1]
            guard = [t.c.source == source, t.c.consecutive_failures == failures]
            # Whether it was failing, not the exact time: SQLite returns naive datetimes.
            was = t.c.failing_since
            guard.append(was.is_(None) if since is None else was.is_not(None))
            if ok:
                values: dict[str, Any] = {"consecutive_failures": 0, "failing_since": None}
                transition = Transition.RECOVERED if since is not None else None
            else:
                values = {"consecutive_failures": failures + 1}
                transition = None
                if final and since is None:
                    values["failing_since"] = utcnow()
                    transition = Transition.FAILING
            if conn.execute(update(t).where(*guard).values(**values)).rowcount == 1:
                return transition
    return None  # lost the race five times: someone else recorded (and announced) it
