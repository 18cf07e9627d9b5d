"""Preload: fill a big resource's datastore table in a second process while build still writes it.

Build (extract, policy, serialise, validate, write) keeps one core busy; loading the datastore
(parsing the CSV again, the full-text tokens, inserts, indexes) is about as much work again. Done
after build, it doubles the refresh time; done beside it, on the second core, it mostly vanishes.

The loader process follows the staging CSV as build flushes it: after each batch, build sends the
file's size, always at a record boundary, and the loader reads up to there. Tables are registered
as *pending* in the catalog before they are created, so a run that fails, turns out unchanged or
dies leaves nothing that the clean-up cannot find and drop. Small resources are not worth a
process: they are loaded at publish time as before.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import multiprocessing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from opendata.store import datastore
from opendata.store.catalog import Catalog

log = logging.getLogger(__name__)

#: Rows a resource must reach before it gets a loader process of its own.
THRESHOLD_ROWS = 20_000
_SPAWN = multiprocessing.get_context("spawn")  # no fork: the parent runs threads


@dataclass
class _Loader:
    table: str
    process: Any
    conn: Connection
    path: Path


class Preloader:
    """Starts, feeds and collects the loader processes of one refresh."""

    def __init__(
        self,
        catalog: Catalog,
        database_url: str,
        dataset: str,
        version: str,
        schemas: Mapping[str, Mapping[str, Any]],
        threshold: int = THRESHOLD_ROWS,
    ) -> None:
        self.catalog = catalog
        self.database_url = database_url
        self.dataset = dataset
        self.version = version
        self.schemas = schemas
        self.threshold = threshold
        self.loaders: dict[str, _Loader] = {}

    def written(self, resource: str, rows: int, path: Path, size: int) -> None:
        """Build flushed ``size`` bytes (``rows`` data rows) of ``resource`` to ``path``."""
        loader = self.loaders.get(resource)
        if loader is None:
            if rows < self.threshold:
                return
            loader = self._start(resource, path)
        loader.conn.send(("size", size))

    def _start(self, resource: str, path: Path) -> _Loader:
        schema = self.schemas[resource]
        table = datastore.table_name(self.dataset, self.version, resource)
        self.catalog.register_table(
            dataset=self.dataset,
            version=self.version,
            resource=resource,
            table_name=table,
            fields=datastore.field_info(schema),
        )
        parent, child = _SPAWN.Pipe()
        process = _SPAWN.Process(
            target=_load_in_child,
            args=(child, self.database_url, table, dict(schema), str(path)),
            name=f"preload-{self.dataset}-{resource}",
            daemon=True,
        )
        process.start()
        child.close()
        loader = _Loader(table, process, parent, path)
        self.loaders[resource] = loader
        return loader

    def finish(self, sizes: Mapping[str, int]) -> dict[str, int]:
        """Tell every loader the file is complete; wait for them. Returns rows loaded per
        resource. A loader that failed is logged and left out: publish loads that one itself."""
        counts: dict[str, int] = {}
        for resource, loader in self.loaders.items():
            try:
                loader.conn.send(("end", sizes[resource]))
                kind, value = loader.conn.recv()
            except (EOFError, OSError) as exc:
                kind, value = "error", f"loader process ended: {exc!r}"
            loader.process.join(timeout=30)
            if kind == "done":
                counts[resource] = int(value)
            else:
                log.warning("preloading %s/%s failed: %s", self.dataset, resource, value)
        return counts

    def abort(self) -> None:
        """Stop every loader (the run failed or is unchanged); their tables stay pending."""
        for loader in self.loaders.values():
            loader.conn.close()
            loader.process.join(timeout=5)
            if loader.process.is_alive():
                loader.process.terminate()
                loader.process.join(timeout=5)

    def table(self, resource: str) -> str | None:
        loader = self.loaders.get(resource)
        return loader.table if loader else None


def _follow(conn: Connection, path: str) -> Iterator[list[str]]:
    """Rows of the growing CSV at ``path``, as far as the sizes the parent sends."""
    offset = 0
    header = True
    with open(path, "rb") as fh:
        while True:
            kind, size = conn.recv()
            data = fh.read(size - offset)
            offset = size
            reader = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
            if header:
                next(reader, None)
                header = False
            yield from reader
            if kind == "end":
                return


def _load_in_child(
    conn: Connection, database_url: str, table: str, schema: dict[str, Any], path: str
) -> None:
    from opendata.store.db import make_engine

    engine = make_engine(database_url)
    try:
        count = datastore.load(engine, table, schema, _follow(conn, path))
        conn.send(("done", count))
    except EOFError:
        pass  # the parent went away (crash or abort): the pending table is cleaned up later
    except Exception as exc:
        with contextlib.suppress(OSError):
            conn.send(("error", repr(exc)))
    finally:
        engine.dispose()
