"""The preloader's child process: ``python -m opendata.store.loader_child``.

It fills one prepared row table while the parent's build is still writing the CSV. Protocol,
one line each on stdin: a JSON job (database, path, :class:`~opendata.store.rowload.LoadSpec`),
then ``size N`` each time the parent has flushed the file to N bytes (always at a record
boundary), then ``end N``. It answers one line on stdout: ``done COUNT`` or ``error TEXT``.
A closed stdin before ``end`` means the parent gave up or died: the child stops, and the
pending table is dropped by the next clean-up.

It imports only the standard library, the bigram tokens, the store half of the value codec
(:mod:`opendata.codec`, standard library only: ~5 ms of its ~55 ms import, measured with bytecode
cached) and the database driver, so it starts in milliseconds and a few megabytes. The job's
spec carries each field's resolved codec options, so that booleans, numbers, dates and missing
values are stored as the field's schema says without the validator being imported here.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import IO, Any

from opendata import csvtext
from opendata.store import rowload


class ParentGone(Exception):
    """stdin closed before ``end``."""


def follow(
    path: str, commands: IO[str], timings: dict[str, float] | None = None
) -> Iterator[list[str]]:
    """Rows of the growing CSV at ``path``, as far as the sizes the parent announces;
    ``timings["end_at"]`` is when the parent said the file is complete."""
    offset = 0
    header = True
    with open(path, "rb") as fh:
        while True:
            line = commands.readline()
            if not line:
                raise ParentGone
            kind, _, size_text = line.strip().partition(" ")
            size = int(size_text)
            data = fh.read(size - offset)
            offset = size
            rows = csvtext.loads(data.decode("utf-8"))
            if header:
                rows = rows[1:]
                header = False
            yield from rows
            if kind == "end":
                if timings is not None:
                    timings["end_at"] = time.perf_counter()
                return


def connect(job: dict[str, Any]) -> Any:
    if job["dialect"] == "sqlite":
        import sqlite3

        conn = sqlite3.connect(job["database"], timeout=30)
        conn.execute("PRAGMA busy_timeout=30000")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn
    import psycopg

    return psycopg.connect(job["database"])


def token_worker() -> ProcessPoolExecutor:
    """One worker process that makes the full-text tokens while this one inserts.

    Forked, so it starts in milliseconds with what this process has imported: nothing but the
    standard library and the tokens. The worker is started here, before the database connection
    is opened (a connection must not cross a fork); with ``fork`` the executor starts it before
    its own management thread, so no thread exists at the fork either.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    executor = ProcessPoolExecutor(max_workers=1, mp_context=context)
    executor.submit(int).result()  # workers start on the first task
    return executor


def main() -> int:
    # Rows are short-lived lists freed by reference counting and nothing here makes cycles: the
    # cyclic collector would only walk the young rows again and again (~15 % of the parse).
    gc.disable()
    job = json.loads(sys.stdin.readline())
    spec = rowload.LoadSpec(**job["spec"])
    with contextlib.ExitStack() as stack:
        worker = stack.enter_context(token_worker()) if spec.search else None
        conn = connect(job)  # after the fork: the worker never holds the connection
        stack.callback(conn.close)
        try:
            timings: dict[str, float] = {}
            rows = follow(job["path"], sys.stdin, timings)
            if job["dialect"] == "sqlite":
                count = rowload.load_sqlite(conn, spec, rows, worker, timings)
            else:
                count = rowload.load_postgres(
                    conn, spec, rows, worker, timings, connect=lambda: connect(job)
                )
            timings["load_after_end"] = time.perf_counter() - timings.pop("end_at", 0.0)
            print(f"done {count} {json.dumps(timings)}", flush=True)
            return 0
        except ParentGone:
            return 1
        except Exception as exc:
            print(f"error {exc!r}".replace("\n", " "), flush=True)
            return 1


if __name__ == "__main__":
    sys.exit(main())
