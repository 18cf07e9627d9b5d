"""Refresh leases: at most one refresh of a dataset at a time, across processes and hosts.

A lease is a row keyed by dataset with its holder and an expiry time. Taking it is one INSERT
(or one conditional UPDATE of an expired lease), so the database decides who wins, on SQLite and
PostgreSQL alike. A holder that dies stops renewing; once its lease expires, the next caller takes
it over.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from opendata.store import db


class LeaseHeld(Exception):
    """The dataset is being refreshed by someone else."""

    def __init__(self, dataset: str, holder: str, expires: float) -> None:
        left = max(0, int(expires - time.time()))
        super().__init__(
            f"dataset {dataset!r} is already being refreshed by {holder} "
            f"(lease expires in {left} s); try again later"
        )
        self.dataset = dataset
        self.holder = holder


def holder_id() -> str:
    """Names the process on its host, so an operator can tell who holds a lease."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def try_acquire(engine: Engine, dataset: str, holder: str, seconds: float) -> bool:
    now = time.time()
    with engine.begin() as conn:
        try:
            conn.execute(
                insert(db.leases).values(dataset=dataset, holder=holder, expires=now + seconds)
            )
            return True
        except IntegrityError:
            pass
    with engine.begin() as conn:
        taken = conn.execute(
            update(db.leases)
            .where(db.leases.c.dataset == dataset, db.leases.c.expires < now)
            .values(holder=holder, expires=now + seconds)
        )
        if taken.rowcount == 1:
            return True
        # A holder on this very host whose process is gone cannot renew: take its lease now
        # instead of waiting for the expiry (which stays the rule for other hosts).
        row = conn.execute(select(db.leases.c.holder).where(db.leases.c.dataset == dataset)).first()
        if row is None or not _dead_here(row[0]):
            return False
        taken = conn.execute(
            update(db.leases)
            .where(db.leases.c.dataset == dataset, db.leases.c.holder == row[0])
            .values(holder=holder, expires=now + seconds)
        )
        return taken.rowcount == 1


def _dead_here(holder: str) -> bool:
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def renew(engine: Engine, dataset: str, holder: str, seconds: float) -> bool:
    with engine.begin() as conn:
        done = conn.execute(
            update(db.leases)
            .where(db.leases.c.dataset == dataset, db.leases.c.holder == holder)
            .values(expires=time.time() + seconds)
        )
        return done.rowcount == 1


def release(engine: Engine, dataset: str, holder: str) -> None:
    with engine.begin() as conn:
        conn.execute(
            delete(db.leases).where(db.leases.c.dataset == dataset, db.leases.c.holder == holder)
        )


def current_holder(engine: Engine, dataset: str) -> tuple[str, float] | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(db.leases.c.holder, db.leases.c.expires).where(db.leases.c.dataset == dataset)
        ).first()
    return (row[0], row[1]) if row and row[1] >= time.time() else None


@contextmanager
def lease(engine: Engine, dataset: str, seconds: float, holder: str | None = None) -> Iterator[str]:
    """Hold the dataset's lease for the block, renewing it in the background.

    Raises :class:`LeaseHeld` at once when another live holder has it.
    """
    me = holder or holder_id()
    if not try_acquire(engine, dataset, me, seconds):
        found = current_holder(engine, dataset)
        raise LeaseHeld(dataset, *(found or ("another process", time.time())))
    stop = threading.Event()

    def keep_alive() -> None:
        # Renew at a third of the lease so that one missed beat does not lose it.
        while not stop.wait(max(seconds / 3, 0.2)):
            try:
                renew(engine, dataset, me, seconds)
            except Exception:
                continue

    thread = threading.Thread(target=keep_alive, name=f"lease-{dataset}", daemon=True)
    thread.start()
    try:
        yield me
    finally:
        stop.set()
        thread.join(timeout=5)
        release(engine, dataset, me)
