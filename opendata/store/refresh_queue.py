"""Refresh requests queued in the catalog (by the API) and claimed by a scheduler.

Web workers never refresh anything themselves: they insert a row and answer 202. A scheduler
claims rows with a conditional UPDATE, so two schedulers never both take the same request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, insert, select, update

from opendata.store import db
from opendata.store.catalog import as_utc, utcnow


@dataclass(frozen=True)
class RefreshRequest:
    id: int
    dataset: str | None  # None: every enabled source
    requested: datetime
    requested_by: str
    #: The operator lets this run publish a resource that empties or shrinks past the guard.
    allow_shrink: bool = False


def enqueue(
    engine: Engine, dataset: str | None, requested_by: str, *, allow_shrink: bool = False
) -> RefreshRequest:
    """Queue a refresh of ``dataset`` (or of everything when None) and return the request."""
    now = utcnow()
    with engine.begin() as conn:
        result = conn.execute(
            insert(db.refresh_requests).values(
                dataset=dataset,
                requested=now,
                requested_by=requested_by[:64],
                allow_shrink=allow_shrink,
            )
        )
        key = result.inserted_primary_key
        assert key is not None
    return RefreshRequest(int(key[0]), dataset, now, requested_by, allow_shrink)


def claim(engine: Engine, limit: int = 100) -> list[RefreshRequest]:
    """Take queued requests, oldest first; each one is claimed by exactly one caller."""
    t = db.refresh_requests
    with engine.connect() as conn:
        rows = (
            conn.execute(select(t).where(t.c.picked.is_(None)).order_by(t.c.id).limit(limit))
            .mappings()
            .all()
        )
    claimed: list[RefreshRequest] = []
    for row in rows:
        with engine.begin() as conn:
            taken = conn.execute(
                update(t).where(t.c.id == row["id"], t.c.picked.is_(None)).values(picked=utcnow())
            )
        if taken.rowcount == 1:
            requested = as_utc(row["requested"])
            assert requested is not None
            claimed.append(
                RefreshRequest(
                    row["id"],
                    row["dataset"],
                    requested,
                    row["requested_by"],
                    bool(row["allow_shrink"]),  # NULL: queued before the column existed
                )
            )
    return claimed


def requeue(engine: Engine, request_id: int) -> None:
    """Give a claimed request back (its dataset was busy), to be picked up on a later poll."""
    t = db.refresh_requests
    with engine.begin() as conn:
        conn.execute(update(t).where(t.c.id == request_id).values(picked=None))


def pending_count(engine: Engine) -> int:
    t = db.refresh_requests
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(t.c.picked.is_(None))).scalar_one())
