"""Run each refresh in its own process, with a time limit that kills and a memory limit.

A thread cannot be stopped: a source whose extract hangs in C keeps its thread for ever, and a
source that allocates without bound takes the memory of whoever runs it (the scheduler, the CLI).
So the scheduler, the API queue and ``opendata refresh`` run every refresh in a process of its
own (:mod:`opendata.pipeline.isolated_child`):

- forked from a fork server, a fresh interpreter started once per parent that has imported the
  pipeline and nothing else, so a refresh process inherits no database connection and no thread
  of its parent, and is ready in tens of milliseconds (about 0.1 s of CPU for a small refresh,
  all told) where a freshly spawned interpreter spends 4 s importing the pipeline;
- the leader of its own session, so that killing its process group kills whatever it started;
- with an address-space limit (the source's ``memory_limit``) set before any plugin code runs:
  an allocation beyond it raises ``MemoryError`` and the run fails with ``resources``;
- killed (SIGTERM, then SIGKILL) when it runs past the source's ``timeout`` plus ``kill_after``;
  the parent then marks the run failed with ``timeout`` and clears what it left (staging folder,
  pending tables, its lease: its pid is gone, which the lease detects on the same host).

The fork server inherits the environment once, when it starts: a refresh process sees the
configuration it is sent, not environment variables set in the parent later.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from sqlalchemy import select, update

from opendata.pipeline import isolated_child
from opendata.pipeline.publish import clean_up
from opendata.pipeline.refresh import ErrorKind, Progress, RunResult, RunStatus, refresh
from opendata.services import Services
from opendata.sources.discovery import LoadedSource
from opendata.sources.sync import registry_of
from opendata.store import db
from opendata.store.catalog import utcnow
from opendata.store.leases import LeaseHeld, lease

log = logging.getLogger(__name__)

#: Seconds between SIGTERM to a refresh's process group and SIGKILL.
TERM_GRACE = 2.0
#: What the fork server imports before it forks anything. Every refresh process imports the
#: parent's ``__main__`` again (multiprocessing's fork server ignores ``"__main__"`` in a preload
#: list: it looks for a key its preparation data never has), and the ``opendata`` console script,
#: the ``__main__`` of the CLI and the scheduler, imports ``opendata.cli``: preloaded, that import
#: costs nothing (measured: 0.15 s a refresh for a ``__main__`` that imports pytest).
#: The database drivers are imported on first connect: preloaded, not once per refresh (an
#: absent driver is skipped).
PRELOAD = [
    isolated_child.__name__,
    __name__,
    "opendata.cli",
    "sqlalchemy.dialects.sqlite",
    "sqlite3",
    "sqlalchemy.dialects.postgresql.psycopg",
    "psycopg",
]
#: Seconds a refresh process may take to start (the first one waits for the fork server's
#: imports); the source's own time limit counts from the moment it has started.
START_LIMIT = 120.0


def _context() -> Any:
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    return ctx


def warm_up() -> None:
    """Start the fork server now rather than at the first refresh (it takes a few seconds)."""
    from multiprocessing import forkserver

    _context()
    forkserver.ensure_running()


@dataclass
class _Outcome:
    """What the parent heard from a refresh process, and how the process ended."""

    pid: int | None = None  # set once the process leads its own process group
    ready: float | None = None  # when the parent heard so (monotonic)
    run_id: int | None = None
    result: RunResult | None = None
    timed_out: bool = False
    exitcode: int | None = None
    seconds: float = 0.0


@dataclass
class _Limits:
    timeout: float
    kill_after: float
    memory_mib: int

    @classmethod
    def of(cls, loaded: LoadedSource) -> _Limits:
        cfg = loaded.config
        return cls(
            float(cfg.get("timeout", 600.0)),
            float(cfg.get("kill_after", 300.0)),
            int(cfg.get("memory_limit", 2048)),
        )

    @property
    def seconds(self) -> float:
        return self.timeout + self.kill_after


def refresh_in_process(
    services: Services,
    name: str,
    *,
    trigger: str = "cli",
    attempt: int = 1,
    progress: Progress | None = None,
    allow_shrink: bool = False,
) -> RunResult:
    """:func:`~opendata.pipeline.refresh.refresh` in a process of its own; never raises for a
    failing, hanging or memory-hungry source, and leaves nothing of it running."""
    try:
        loaded = registry_of(services).get(name)
    except KeyError:
        # Nothing of a plugin runs for an unknown or refused name: the in-process answer is it.
        return refresh(services, name, trigger=trigger, attempt=attempt)
    limits = _Limits.of(loaded)
    request = isolated_child.Request(
        config=dict(services.config),
        name=name,
        source_path=f"{loaded.cls.__module__}:{loaded.cls.__qualname__}",
        source_config=dict(loaded.config),
        distribution=loaded.distribution,
        trigger=trigger,
        attempt=attempt,
        allow_shrink=allow_shrink,
        memory_limit_mib=limits.memory_mib,
        log_level=logging.getLogger().getEffectiveLevel(),
        progress=progress is not None,
    )
    outcome = _Outcome()
    try:
        _run_child(request, limits.seconds, progress, outcome)
    except BaseException:
        # Interrupted (Ctrl-C on `opendata refresh`): the process is killed by now; its run
        # must not stay 'running' for ever.
        if outcome.result is None and outcome.run_id is not None:
            stopped = "the refresh was interrupted and its process killed"
            _record_failure(
                services, request, outcome.run_id, ErrorKind.RESOURCES, stopped, outcome.seconds
            )
            _clean_after(services, request.name)
        raise
    return _settle(services, request, limits, outcome)


def _run_child(
    request: isolated_child.Request,
    seconds: float,
    progress: Progress | None,
    outcome: _Outcome,
) -> None:
    ctx = _context()
    reader, writer = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=isolated_child.main, args=(writer, request), name=f"refresh-{request.name}"
    )
    started = time.monotonic()
    process.start()
    writer.close()  # the child holds the only writing end: EOF once it is gone
    try:
        _listen(reader, process, seconds, outcome, progress)
    finally:
        _stop(process, outcome)
        reader.close()
        outcome.seconds = time.monotonic() - started


def _listen(
    reader: Connection,
    process: BaseProcess,
    seconds: float,
    outcome: _Outcome,
    progress: Progress | None,
) -> None:
    """Handle messages until the result comes, the process dies, or its time is up."""
    deadline = time.monotonic() + START_LIMIT
    while outcome.result is None:
        if outcome.ready is None and outcome.pid is not None:
            outcome.ready = time.monotonic()
            deadline = outcome.ready + seconds
        left = deadline - time.monotonic()
        if left <= 0:
            outcome.timed_out = True
            return
        ready = wait([reader, process.sentinel], timeout=min(left, 1.0))
        if reader in ready:
            try:
                message = reader.recv()
            except EOFError:
                return  # the process is gone; its exit code says how
            _handle(message, outcome, progress)
        elif process.sentinel in ready and not reader.poll():
            return


def _handle(message: tuple[Any, ...], outcome: _Outcome, progress: Progress | None) -> None:
    kind = message[0]
    if kind == "ready":
        outcome.pid = int(message[1])
    elif kind == "run":
        outcome.run_id = int(message[1])
    elif kind == "progress" and progress is not None:
        progress(message[1], message[2])
    elif kind == "log":
        record = logging.makeLogRecord(message[1])
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)
    elif kind == "result":
        outcome.result = message[1]


def _stop(process: BaseProcess, outcome: _Outcome) -> None:
    """Make sure nothing of the refresh process is left: its group is killed, it is reaped."""
    # The process's group has its pid as id once it called setsid; before that no group has
    # this id (the process is alive, so no other process can lead one), and killpg finds none.
    pgid = process.pid
    assert pgid is not None
    if process.is_alive():
        _kill_group(pgid, signal.SIGTERM)
        process.terminate()  # not yet in its own group: nothing of a plugin has run
        process.join(TERM_GRACE)
    # Members that ignored SIGTERM, or that a plugin left when the process died on its own.
    _kill_group(pgid, signal.SIGKILL)
    if process.is_alive():
        process.kill()
    process.join()
    outcome.exitcode = process.exitcode
    process.close()


def _kill_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is empty already
        os.killpg(pgid, sig)


def _settle(
    services: Services, request: isolated_child.Request, limits: _Limits, outcome: _Outcome
) -> RunResult:
    """The run's result, recorded in the catalog whichever way the process ended."""
    result = outcome.result
    if result is not None and (result.run_id is not None or result.status is not RunStatus.FAILED):
        return result
    if result is not None:
        # The process failed outside the pipeline's own recording (out of memory while setting
        # up, an exit the pipeline does not catch): record it, on its run if it had started one.
        kind, error = result.error_kind or ErrorKind.SOURCE, result.error or "failed"
    else:
        kind, error = _lost(request, limits, outcome)
    run_id = _record_failure(services, request, outcome.run_id, kind, error, outcome.seconds)
    log.warning("refresh of %s (run %d) failed (%s): %s", request.name, run_id, kind, error)
    if result is None:
        _clean_after(services, request.name)
    return _result_of_run(services, request.name, run_id)


def _lost(
    request: isolated_child.Request, limits: _Limits, outcome: _Outcome
) -> tuple[ErrorKind, str]:
    """Why a refresh process ended without a result, in words an operator can act on."""
    if outcome.timed_out and outcome.pid is None:
        return ErrorKind.RESOURCES, (
            f"the refresh process of {request.name!r} did not start within {START_LIMIT:g} s; "
            "the host may be short of memory or processes"
        )
    if outcome.timed_out:
        return ErrorKind.TIMEOUT, (
            f"the refresh of {request.name!r} did not finish within {limits.seconds:g} s "
            f"(timeout {limits.timeout:g} s + kill_after {limits.kill_after:g} s); its process "
            "and everything it started were killed. Raise 'timeout' or 'kill_after' in the "
            "source's config if the origin is just slow"
        )
    code = outcome.exitcode
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
        return ErrorKind.RESOURCES, (
            f"the refresh process of {request.name!r} was killed by {name}: most likely it ran "
            f"out of memory (memory_limit {limits.memory_mib} MiB, 0: none) or the host's "
            "out-of-memory killer stopped it"
        )
    return ErrorKind.RESOURCES, (
        f"the refresh process of {request.name!r} exited with code {code} before it finished"
    )


def _record_failure(
    services: Services,
    request: isolated_child.Request,
    run_id: int | None,
    kind: ErrorKind,
    error: str,
    seconds: float,
) -> int:
    """Mark the process's run failed; a run it finished itself is left as it recorded it."""
    catalog = services.catalog
    if run_id is None:  # it died before it recorded a run: record one, so the failure is seen
        run_id = catalog.start_run(request.name, request.trigger, request.attempt)
    runs = db.runs
    with services.engine.begin() as conn:
        conn.execute(
            update(runs)
            .where(runs.c.id == run_id, runs.c.status == "running")
            .values(
                status=RunStatus.FAILED.value,
                finished=utcnow(),
                error=error,
                error_kind=kind.value,
                timings={"total": round(seconds, 3)},
            )
        )
    return run_id


def _result_of_run(services: Services, name: str, run_id: int) -> RunResult:
    with services.engine.connect() as conn:
        row = conn.execute(select(db.runs).where(db.runs.c.id == run_id)).mappings().one()
    kind = row["error_kind"]
    return RunResult(
        name,
        RunStatus(row["status"]),
        run_id,
        row["version"],
        dict(row["rows"] or {}),
        dict(row["withheld"] or {}),
        tuple(row["warnings"] or ()),
        row["error"],
        ErrorKind(kind) if kind else None,
        row["report"],
        dict(row["timings"] or {}),
    )


def _clean_after(services: Services, name: str) -> None:
    """Remove what a killed refresh left, now rather than at the dataset's next run."""
    seconds = float(services.config.get("SCHEDULER", {}).get("lease_seconds", 900))
    try:
        with lease(services.engine, name, seconds):
            for note in clean_up(services.catalog, services.datasets_root, name):
                log.info("%s: %s", name, note)
    except LeaseHeld:
        pass  # someone else refreshes it now; their clean-up removes what is left
