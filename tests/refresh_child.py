"""Run one refresh of the example catalogue in a child process (crash and concurrency tests).

Usage: python refresh_child.py INSTANCE DATASETS DATABASE_URL REVISION
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from example_sources import ExampleCatalog

from conftest import make_registry
from opendata.config import load_config
from opendata.pipeline.refresh import refresh
from opendata.services import Services


def main() -> None:
    instance, datasets, url, revision = sys.argv[1:5]
    config = load_config(
        {"INSTANCE_PATH": instance, "DATASETS_PATH": datasets, "DATABASE_URL": url}, environ={}
    )
    services = Services.from_config(config)
    services.registry = make_registry(
        ExampleCatalog, options={"example_catalog": {"revision": int(revision), "rows": 50}}
    )
    result = refresh(services, "example_catalog")
    print(result.status.value, result.version or "", result.error or "")


if __name__ == "__main__":  # the preloader spawns processes that import __main__
    main()
