"""The scheduler's heartbeat in ``od_heartbeats``, so that /healthz can tell it is alive."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from opendata.store import db

#: Rows of schedulers not heard from for this long are removed by the next live one.
FORGET_AFTER = 7 * 24 * 3600


@dataclass(frozen=True)
class Beat:
    holder: str
    at: float  # epoch seconds
    info: Mapping[str, Any]

    def age(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.at


def beat(engine: Engine, holder: str, info: Mapping[str, Any]) -> None:
    """Record that ``holder`` is alive now (insert or update its row)."""
    t = db.heartbeats
    now = time.time()
    with engine.begin() as conn:
        done = conn.execute(update(t).where(t.c.holder == holder).values(beat=now, info=dict(info)))
        if done.rowcount == 0:
            conn.execute(insert(t).values(holder=holder, beat=now, info=dict(info)))
        conn.execute(delete(t).where(t.c.beat < now - FORGET_AFTER))


def latest(engine: Engine) -> Beat | None:
    """The freshest heartbeat of any scheduler, or None when none ever ran."""
    t = db.heartbeats
    with engine.connect() as conn:
        row = conn.execute(select(t).order_by(t.c.beat.desc()).limit(1)).mappings().first()
    return Beat(row["holder"], float(row["beat"]), row["info"] or {}) if row else None
