"""One timed refresh of the bench source in this process; prints JSON with time and peak RSS.

python bench/refresh_child.py CSV WORKDIR [DATABASE_URL]

The resource's Table Schema is the ``schema.json`` beside the CSV (the generator writes it), so
the same source refreshes the heavy and the light catalogue.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_source import BenchCatalog

from opendata.config import load_config
from opendata.pipeline.refresh import refresh
from opendata.plugin import ResourceSpec
from opendata.services import Services
from opendata.sources.discovery import LoadedSource, Registry
from opendata.sources.discovery import load_config as source_config
from opendata.testing import prepare_database


def source_for(csv_path: str) -> type[BenchCatalog]:
    """The bench source with the schema written beside ``csv_path``."""
    schema = json.loads((Path(csv_path).parent / "schema.json").read_text(encoding="utf-8"))
    spec = ResourceSpec("entries", "公开目录条目", schema)
    return type("BenchCatalog", (BenchCatalog,), {"resources": (spec,)})


def main() -> None:
    csv_path, workdir = sys.argv[1], Path(sys.argv[2])
    url = (
        sys.argv[3]
        if len(sys.argv) > 3
        else f"sqlite:///{workdir / 'instance' / 'opendata.sqlite3'}"
    )
    config = load_config(
        {
            "INSTANCE_PATH": str(workdir / "instance"),
            "DATASETS_PATH": str(workdir / "datasets"),
            "DATABASE_URL": url,
        },
        environ={},
    )
    prepare_database(url)  # as `opendata db upgrade` would: services never create tables
    services = Services.from_config(config)
    registry = Registry()
    registry.sources["bench_catalog"] = LoadedSource(
        source_for(csv_path),
        source_config(BenchCatalog, {"csv_path": csv_path, "timeout": 3600}),
        "bench",
    )
    services.registry = registry
    started = time.perf_counter()
    result = refresh(services, "bench_catalog")
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "status": result.status.value,
                "error": result.error,
                "rows": result.rows,
                "seconds": round(elapsed, 2),
                "timings": {k: round(v, 2) for k, v in result.timings.items()},
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "errors": len((result.report or {}).get("errors", [])),
            }
        )
    )


if __name__ == "__main__":  # the preloader spawns processes that import __main__
    main()
