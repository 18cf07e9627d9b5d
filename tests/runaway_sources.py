"""Sources that keep the contract but run away at refresh: they hang, or eat memory.

What the refresh process must bound (``opendata.pipeline.isolated``). Each hanging one leaves
behind what a careless plugin leaves: a child process and a thread sleeping in C. Their ids are
written to ``pid_file`` (one JSON object a line) so a test can check that none of it survives.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from example_sources import ExampleCatalog

from opendata.plugin import Row, SourceContext, fields

FOREVER = 10**6  # seconds


def leave_behind(pid_file: str) -> None:
    """Start a child process and a thread that sleep in C, and say where they are."""
    sleeper = subprocess.Popen(["sleep", str(FOREVER)])
    thread = threading.Thread(target=time.sleep, args=(FOREVER,), name="plugin-sleeper")
    thread.start()  # not a daemon: an interpreter that exits normally would wait for it
    if pid_file:
        record = {"process": os.getpid(), "pgid": os.getpgrp(), "child": sleeper.pid}
        with Path(pid_file).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")


class HangsForever(ExampleCatalog):
    """Yields two rows, then blocks in its extract for ever (in the extract thread)."""

    name = "hangs_forever"
    title = "永不结束的数据源"

    class Config(ExampleCatalog.Config):
        pid_file = fields.String(load_default="")

    def extract(self) -> Iterator[tuple[str, Row]]:
        for count, item in enumerate(super().extract()):
            if count == 2:
                leave_behind(self.config["pid_file"])
                time.sleep(FOREVER)
            yield item


class HangsInStart(HangsForever):
    """Hangs in its constructor, on the refresh's main thread: out of the extract limit's reach."""

    name = "hangs_in_start"
    title = "启动即挂起的数据源"

    def __init__(self, context: SourceContext) -> None:
        super().__init__(context)
        leave_behind(self.config["pid_file"])
        time.sleep(FOREVER)


class EatsMemory(ExampleCatalog):
    """Reserves memory without bound while it yields rows (as a plugin that keeps every row)."""

    name = "eats_memory"
    title = "耗尽内存的数据源"

    def extract(self) -> Iterator[tuple[str, Row]]:
        import numpy as np

        hoard = []
        yield from super().extract()
        for _ in range(1024):  # 64 GiB of address space: no limit would let it get this far
            # Address space, not touched pages: the limit stops it long before the host notices.
            hoard.append(np.empty(64 * 1024 * 1024, dtype=np.uint8))
        raise RuntimeError("64 GiB reserved and no memory limit stopped it")


class DiesOfSignal(ExampleCatalog):
    """Killed part-way by SIGKILL, as the host's out-of-memory killer would kill it."""

    name = "dies_of_signal"
    title = "被信号终止的数据源"

    def extract(self) -> Iterator[tuple[str, Row]]:
        for count, item in enumerate(super().extract()):
            if count == 5:
                os.kill(os.getpid(), signal.SIGKILL)
            yield item
