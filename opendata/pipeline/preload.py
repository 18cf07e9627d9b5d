"""Preload: fill a big resource's datastore table in a second process while build still writes it.

Build (extract, policy, serialise, validate, write) keeps one core busy; loading the datastore
(parsing the CSV again, the full-text tokens, inserts, indexes) is about as much work again. Done
after build, it doubles the refresh time; done beside it, on the second core, it mostly vanishes.

The loader process (:mod:`opendata.store.loader_child`, started with ``python -m`` so that it
imports almost nothing) follows the staging CSV as build flushes it: after each batch, build
sends the file's size, always at a record boundary, and the loader reads up to there. The table
itself (and its FTS5 table) is created here, in the parent, before the loader starts.

Tables are registered as *pending* in the catalog before they are created, so a run that fails,
turns out unchanged or dies leaves nothing that the clean-up cannot find and drop. Small
resources are not worth a process: they are loaded at publish time as before.
"""

from __future__ import annotations

import contextlib
import json
import logging
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from opendata.store import datastore
from opendata.store.catalog import Catalog

log = logging.getLogger(__name__)

#: Rows a resource must reach before it gets a loader process of its own.
THRESHOLD_ROWS = 20_000


@dataclass
class _Loader:
    table: str
    process: subprocess.Popen[str]

    def send(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()


def child_database(engine: Engine) -> str:
    """How the child reaches the database: a SQLite file path, or a libpq URL."""
    url = engine.url
    if engine.dialect.name == "sqlite":
        return str(url.database)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class Preloader:
    """Starts, feeds and collects the loader processes of one refresh."""

    def __init__(
        self,
        catalog: Catalog,
        dataset: str,
        version: str,
        schemas: Mapping[str, Mapping[str, Any]],
    ) -> None:
        self.catalog = catalog
        self.dataset = dataset
        self.version = version
        self.schemas = schemas
        self.loaders: dict[str, _Loader] = {}
        #: Seconds per loader stage, summed over resources (the run records them).
        self.timings: dict[str, float] = {}

    def written(self, resource: str, rows: int, path: Path, size: int) -> None:
        """Build flushed ``size`` bytes (``rows`` data rows) of ``resource`` to ``path``."""
        loader = self.loaders.get(resource)
        if loader is None:
            if rows < THRESHOLD_ROWS:
                return
            loader = self._start(resource, path)
        # A loader that died is reported by finish(); publish then loads the table itself.
        with contextlib.suppress(OSError):
            loader.send(f"size {size}")

    def _start(self, resource: str, path: Path) -> _Loader:
        engine = self.catalog.engine
        schema = self.schemas[resource]
        table = datastore.table_name(self.dataset, self.version, resource)
        self.catalog.register_table(
            dataset=self.dataset,
            version=self.version,
            resource=resource,
            table_name=table,
            fields=datastore.field_info(schema),
        )
        spec = datastore.prepare(engine, table, schema)
        process = subprocess.Popen(
            [sys.executable, "-m", "opendata.store.loader_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        loader = _Loader(table, process)
        job = {
            "dialect": engine.dialect.name,
            "database": child_database(engine),
            "path": str(path),
            "spec": spec.to_dict(),
        }
        loader.send(json.dumps(job, ensure_ascii=False))
        self.loaders[resource] = loader
        return loader

    def finish(self, sizes: Mapping[str, int]) -> dict[str, int]:
        """Tell every loader the file is complete; wait for them. Returns rows loaded per
        resource. A loader that failed is logged and left out: publish loads that one itself."""
        counts: dict[str, int] = {}
        for resource, loader in self.loaders.items():
            try:
                loader.send(f"end {sizes[resource]}")
                assert loader.process.stdout is not None
                answer = loader.process.stdout.readline().strip()
            except OSError as exc:
                answer = f"error the loader process ended: {exc!r}"
            loader.process.wait(timeout=60)
            kind, _, value = answer.partition(" ")
            if kind == "done":
                count, _, stages = value.partition(" ")
                counts[resource] = int(count)
                self._add_timings(stages)
            else:
                log.warning("preloading %s/%s failed: %s", self.dataset, resource, value)
        return counts

    def _add_timings(self, stages: str) -> None:
        try:
            for stage, seconds in json.loads(stages or "{}").items():
                self.timings[stage] = self.timings.get(stage, 0.0) + float(seconds)
        except (ValueError, AttributeError, TypeError):
            log.debug("the loader's timings were not readable: %r", stages)

    def abort(self) -> None:
        """Stop every loader (the run failed or is unchanged); their tables stay pending."""
        for loader in self.loaders.values():
            if loader.process.stdin is not None:
                with contextlib.suppress(OSError):
                    loader.process.stdin.close()
            try:
                loader.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                loader.process.kill()
                loader.process.wait(timeout=10)
