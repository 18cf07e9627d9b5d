"""The long-lived parts every entry point shares: configuration, engine, catalog, sources.

The web app keeps one in ``app.extensions["opendata"]``; the CLI and the scheduler build their
own from the same configuration. Passed as an argument everywhere, never a module global.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from opendata.config import load_config
from opendata.store.catalog import Catalog
from opendata.store.db import make_engine
from opendata.store.schema import require_current


@dataclass
class Services:
    config: dict[str, Any]
    engine: Engine
    catalog: Catalog
    datasets_root: Path
    #: The installed sources, set by :func:`opendata.sources.sync.registry_of` in the processes
    #: that run plugins (CLI, scheduler, refresh); always None in the web app, which reads what
    #: ``opendata sources sync`` wrote to the catalog instead.
    registry: Any = field(default=None, repr=False)

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

    def version_dir(self, dataset: str, version: str) -> Path:
        return self.datasets_root / dataset / version

    def close(self) -> None:
        self.engine.dispose()
