"""The refresh process's side of :mod:`opendata.pipeline.isolated`.

Runs in a process forked from the fork server (a fresh interpreter that has only imported the
pipeline: no database connection, no thread of the scheduler or CLI that asked). In order, it
makes itself the leader of a new session (so the parent can kill it and anything it starts as one
process group), caps its address space, builds its own services from the configuration it was
sent, runs :func:`opendata.pipeline.refresh.refresh` and sends everything back over one pipe:
``("ready", pid)``, ``("run", run_id)``, ``("progress", dataset, rows)``, ``("log", record)`` and
finally ``("result", RunResult)``. Then it kills its own process group, itself included: a thread
a plugin left sleeping or a child it started dies with it.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import resource
import signal
import sys
import threading
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

# Imported here so that the fork server loads them once and every refresh process starts warm.
from opendata.pipeline.refresh import ErrorKind, RunResult, RunStatus, refresh
from opendata.services import Services
from opendata.sources.discovery import LoadedSource, Registry
from opendata.store.catalog import Catalog

MIB = 1024 * 1024
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Request:
    """What the refresh process needs; pickled to it, so plain data and an import path only."""

    config: dict[str, Any]
    name: str
    #: ``module:qualname`` of the source class, imported only after the limits are in place.
    source_path: str
    source_config: Mapping[str, Any]
    distribution: str
    trigger: str
    attempt: int
    allow_shrink: bool
    memory_limit_mib: int
    log_level: int
    progress: bool


class _Sender:
    """Sends messages to the parent; the plugin may log from its own threads, hence the lock."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.lock = threading.Lock()

    def __call__(self, *message: Any) -> None:
        try:
            with self.lock:
                self.conn.send(message)
        except (BrokenPipeError, EOFError, OSError):
            # The parent is gone: finish the run anyway, so it is recorded in the catalog.
            pass


class _PipeHandler(logging.Handler):
    """Hands log records to the parent, whose handlers write the server log."""

    def __init__(self, send: _Sender) -> None:
        super().__init__()
        self.send = send

    def emit(self, record: logging.LogRecord) -> None:
        try:
            exc_text = self.format(record) if record.exc_info else None
            self.send(
                "log",
                {
                    "name": record.name,
                    "levelno": record.levelno,
                    "levelname": record.levelname,
                    "msg": record.getMessage() + (f"\n{exc_text}" if exc_text else ""),
                    "created": record.created,
                    "threadName": record.threadName,
                    "process": record.process,
                },
            )
        except Exception:
            self.handleError(record)


class _ReportingCatalog(Catalog):
    """The catalog, telling the parent the run's id as soon as the run is recorded.

    A parent that has to kill the process marks that run failed; without the id it could only
    guess which ``running`` row was this process's.
    """

    def __init__(self, engine: Any, send: _Sender) -> None:
        super().__init__(engine)
        self._send = send

    def start_run(self, dataset: str, trigger: str, attempt: int = 1) -> int:
        run_id = super().start_run(dataset, trigger, attempt)
        self._send("run", run_id)
        return run_id


def limit_memory(mib: int) -> None:
    """Cap the address space of this process and of everything it starts (0: no cap)."""
    if mib > 0:
        limit = mib * MIB
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def peak_address_space_mib() -> int:
    """This process's peak virtual memory (what RLIMIT_AS limits), from /proc."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return -1


def load_class(path: str) -> type[Any]:
    module_name, _, qualname = path.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part)
    if not isinstance(target, type):
        raise TypeError(f"{path} is not a class")
    return target


def main(conn: Connection, request: Request) -> None:
    """The target of the refresh process (module level: the fork server pickles it by name)."""
    os.setsid()
    limit_memory(request.memory_limit_mib)
    send = _Sender(conn)
    send("ready", os.getpid())
    root = logging.getLogger()
    root.handlers[:] = [_PipeHandler(send)]
    root.setLevel(request.log_level)
    try:
        result = _refresh(request, send)
    except MemoryError:
        result = RunResult(
            request.name,
            RunStatus.FAILED,
            error=f"the refresh process ran out of memory (limit {request.memory_limit_mib} MiB)",
            error_kind=ErrorKind.RESOURCES,
        )
    except BaseException as exc:  # whatever it was, the parent must hear of it
        detail = "".join(traceback.format_exception(exc, limit=-3))
        result = RunResult(
            request.name,
            RunStatus.FAILED,
            error=f"the refresh process of {request.name!r} could not run: {detail}",
            error_kind=ErrorKind.SOURCE,
        )
    # How close a source comes to its limit, for an operator sizing memory_limit.
    log.info(
        "refresh process of %s: peak address space %d MiB (memory_limit %d MiB, 0: none)",
        request.name,
        peak_address_space_mib(),
        request.memory_limit_mib,
    )
    send("result", result)
    end_group(conn)


def _refresh(request: Request, send: _Sender) -> RunResult:
    cls = load_class(request.source_path)
    services = Services.from_config(request.config)
    try:
        services.catalog = _ReportingCatalog(services.engine, send)
        registry = Registry()
        registry.sources[request.name] = LoadedSource(
            cls, request.source_config, request.distribution
        )
        services.registry = registry

        def progress(dataset: str, rows: int) -> None:
            send("progress", dataset, rows)

        return refresh(
            services,
            request.name,
            trigger=request.trigger,
            attempt=request.attempt,
            progress=progress if request.progress else None,
            allow_shrink=request.allow_shrink,
        )
    finally:
        services.close()


def end_group(conn: Connection) -> None:
    """Kill this process group, this process last: nothing a plugin started outlives the run."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    conn.close()
    os.killpg(os.getpgrp(), signal.SIGKILL)
