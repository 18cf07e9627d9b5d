"""Refresh the bench source in its own process, as the scheduler does; logs its peak memory.

python bench/refresh_isolated.py CSV WORKDIR [MEMORY_LIMIT_MIB]

The refresh process logs its peak virtual memory (VmPeak, what ``memory_limit`` caps); this checks
that the default limit leaves room for a 1,000,000-row refresh.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from opendata.config import load_config
from opendata.pipeline.isolated import refresh_in_process
from opendata.services import Services
from opendata.testing import prepare_database


def main() -> None:
    csv_path, workdir = sys.argv[1], Path(sys.argv[2])
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 2048
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    url = f"sqlite:///{workdir / 'instance' / 'opendata.sqlite3'}"
    (workdir / "instance").mkdir(parents=True, exist_ok=True)
    config = load_config(
        {
            "INSTANCE_PATH": str(workdir / "instance"),
            "DATASETS_PATH": str(workdir / "datasets"),
            "DATABASE_URL": url,
            "SOURCES_ENABLED": ["bench_catalog"],
            "SOURCES_EXTRA": ["bench_source:BenchCatalog"],
            "SOURCES": {
                "bench_catalog": {"csv_path": csv_path, "timeout": 3600, "memory_limit": limit}
            },
        },
        environ={},
    )
    prepare_database(url)
    services = Services.from_config(config)
    started = time.perf_counter()
    result = refresh_in_process(services, "bench_catalog")
    print(
        result.status.value, result.error_kind, result.rows, round(time.perf_counter() - started, 1)
    )


if __name__ == "__main__":  # the fork server's children import __main__ again
    main()
