"""A web worker imports no plugin, no source discovery, no pipeline and no scheduler module.

Serving reads the published files and the catalog only (``od_sources`` for what it shows about
sources), so a broken plugin cannot break it. The worker serves every endpoint of the app once
(every CKAN action too, and the token-guarded POSTs with a token), in a process of its own, and
reports what it imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from example_sources import ExampleCatalog

from opendata.auth import create_token
from opendata.pipeline.refresh import refresh
from opendata.sources.sync import sync

ROOT = Path(__file__).resolve().parents[1]


def test_a_web_worker_loads_no_plugin_source_pipeline_or_scheduler(
    config: dict[str, Any], make_services: Any
) -> None:
    svc = make_services(ExampleCatalog)
    result = refresh(svc, "example_catalog")
    assert result.ok and result.version
    svc.registry = None
    sync(svc)  # the installed plugins, as `opendata db upgrade` writes them
    assert any(s.name == "archive_room" for s in _synced(svc)), "the built-in plugins are installed"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENDATA_")}
    env.update(
        {
            "OPENDATA_INSTANCE_PATH": config["INSTANCE_PATH"],
            "OPENDATA_DATASETS_PATH": config["DATASETS_PATH"],
            "OPENDATA_DATABASE_URL": config["DATABASE_URL"],
            "TEST_TOKEN": create_token(svc.engine, "ops"),
            "TEST_DATASET": "example_catalog",
            "TEST_VERSION": result.version,
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
        }
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "serving_worker.py")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["served"] > 40, report
    assert not report["failures"], report["failures"]
    assert not report["loaded"], report["loaded"]


def _synced(svc: Any) -> list[Any]:
    from opendata.store.sources import all_sources

    return all_sources(svc.engine)
