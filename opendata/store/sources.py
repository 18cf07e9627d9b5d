"""``od_sources``: the installed sources as the last ``opendata sources sync`` found them.

The loader of plugins (CLI, scheduler) writes; serving reads. A sync replaces the whole set in
one transaction, so a reader sees either the previous set or the new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, text

from opendata.store import db
from opendata.store.catalog import as_utc, utcnow

ENABLED, DISABLED, REFUSED = "enabled", "disabled", "refused"
#: Arbitrary constant: the advisory lock that serialises syncs on PostgreSQL.
_PG_LOCK_KEY = 0x0D05


@dataclass(frozen=True)
class SourceRow:
    name: str
    state: str  # enabled, disabled (by SOURCES_ENABLED) or refused (and why)
    title: str | None = None
    distribution: str | None = None
    schedule: str | None = None  # the effective schedule: the config's override or the declared
    depends_on: Sequence[str] = field(default_factory=tuple)
    reason: str | None = None  # already redacted: anyone may read it
    synced_at: datetime | None = None


def replace_all(engine: Engine, rows: Sequence[SourceRow]) -> None:
    """Make ``od_sources`` hold exactly ``rows``."""
    now = utcnow()
    values = [
        {
            "name": r.name,
            "state": r.state,
            "title": r.title,
            "distribution": r.distribution,
            "schedule": r.schedule,
            "depends_on": list(r.depends_on),
            "reason": r.reason,
            "synced_at": now,
        }
        for r in rows
    ]
    with engine.begin() as conn:
        # Two processes may sync at once (two schedulers starting together): on PostgreSQL the
        # second waits for the first's commit, then replaces its rows (on SQLite the DELETE's
        # write lock does the same).
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        conn.execute(delete(db.sources))
        if values:
            conn.execute(insert(db.sources), values)


def all_sources(engine: Engine) -> list[SourceRow]:
    """Every synced source, by name."""
    with engine.connect() as conn:
        found = conn.execute(select(db.sources).order_by(db.sources.c.name)).mappings().all()
    return [_row(dict(r)) for r in found]


def enabled(engine: Engine, name: str) -> bool:
    """Whether ``name`` is an enabled source (as of the last sync)."""
    t = db.sources
    with engine.connect() as conn:
        state = conn.execute(select(t.c.state).where(t.c.name == name)).scalar()
    return state == ENABLED


def _row(r: dict[str, Any]) -> SourceRow:
    return SourceRow(
        name=r["name"],
        state=r["state"],
        title=r["title"],
        distribution=r["distribution"],
        schedule=r["schedule"],
        depends_on=tuple(r["depends_on"] or ()),
        reason=r["reason"],
        synced_at=as_utc(r["synced_at"]),
    )
