"""Extract: run a source's generator in a worker thread and hand its rows over in batches.

The thread lets the core enforce a source's time limit even while the source is blocked in I/O
(a hung HTTP origin), and batching keeps the hand-over cost per row negligible. Memory stays
bounded: the queue holds at most a few batches.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from opendata.plugin import Row, Source, SourceError

BATCH_SIZE = 2000
QUEUE_BATCHES = 4


class SourceTimeout(SourceError):
    """The source did not finish within its configured time limit."""


@dataclass
class _Failure:
    error: BaseException


_DONE = object()


def stream(source: Source, timeout: float) -> Iterator[list[tuple[str, Row]]]:
    """Yield batches of ``(resource, row)`` from ``source.extract()`` within ``timeout`` seconds.

    Exceptions raised by the source are re-raised here, in the caller's thread.
    """
    handoff: queue.Queue[object] = queue.Queue(maxsize=QUEUE_BATCHES)
    stop = threading.Event()

    def put(item: object) -> bool:
        # Never block forever on a consumer that has gone away (time-out, validation abort).
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        batch: list[tuple[str, Row]] = []
        try:
            for item in source.extract():
                batch.append(item)
                if len(batch) >= BATCH_SIZE:
                    if not put(batch):
                        return
                    batch = []
            if batch and not put(batch):
                return
            put(_DONE)
        except BaseException as exc:
            put(_Failure(exc))

    worker = threading.Thread(target=produce, name=f"extract-{source.name}", daemon=True)
    deadline = time.monotonic() + timeout
    worker.start()
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SourceTimeout(
                    f"source {source.name!r} did not finish within its time limit of "
                    f"{timeout:g} s; raise 'timeout' in its config if the origin is just slow"
                )
            try:
                item = handoff.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
