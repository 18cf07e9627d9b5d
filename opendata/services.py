"""The long-lived parts every entry point shares: configuration, engine, catalog, sources.

The web app keeps one in ``app.extensions["opendata"]``; the CLI and the scheduler build their
own from the same configuration. Passed as an argument everywhere, never a module global.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from opendata.config import load_config
from opendata.plugin import Row, SourceError
from opendata.sources.discovery import Registry, configured_entry_points, discover
from opendata.store.catalog import Catalog
from opendata.store.db import make_engine
from opendata.store.schema import require_current


@dataclass
class Services:
    config: dict[str, Any]
    engine: Engine
    catalog: Catalog
    datasets_root: Path
    _registry: Registry | None = field(default=None, repr=False)

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any] | None = None, *, require_schema: bool = True
    ) -> Services:
        """Services over ``config``; raises ``SchemaError`` unless the catalog schema is current.

        Never creates tables (``opendata db upgrade`` does). ``require_schema=False`` is for
        the commands that read no catalog table (``opendata sources``).
        """
        cfg = dict(config) if config is not None else load_config()
        engine = make_engine(cfg["DATABASE_URL"])
        if require_schema:
            try:
                require_current(engine)
            except BaseException:
                engine.dispose()
                raise
        root = Path(cfg["DATASETS_PATH"])
        root.mkdir(parents=True, exist_ok=True)
        return cls(cfg, engine, Catalog(engine), root)

    @property
    def registry(self) -> Registry:
        """Sources are discovered on first use: serving never needs to import a plugin."""
        if self._registry is None:
            self._registry = discover(
                self.config.get("SOURCES_ENABLED", ["*"]),
                self.config.get("SOURCES", {}),
                configured_entry_points(self.config.get("SOURCES_EXTRA", [])),
            )
        return self._registry

    @cached_property
    def reader(self) -> PublishedReader:
        return PublishedReader(self)

    def version_dir(self, dataset: str, version: str) -> Path:
        return self.datasets_root / dataset / version

    def close(self) -> None:
        self.engine.dispose()


class PublishedReader:
    """Reads rows of the current published version of a dataset (for derived sources)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def version(self, dataset: str) -> str | None:
        """The current version id of ``dataset``: a derived source cites it beside each figure."""
        current = self.services.catalog.current_version(dataset)
        return None if current is None else str(current["id"])

    def rows(self, dataset: str, resource: str) -> Iterator[Row]:
        current = self.services.catalog.current_version(dataset)
        if current is None:
            raise SourceError(f"dataset {dataset!r} has no published version to read yet")
        path = self.services.version_dir(dataset, current["id"]) / f"{resource}.csv"
        if not path.exists():
            raise SourceError(f"dataset {dataset!r} has no resource {resource!r}")
        with path.open(encoding="utf-8", newline="") as fh:
            yield from csv.DictReader(fh)
