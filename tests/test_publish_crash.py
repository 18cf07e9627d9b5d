"""A process killed between any two publish steps leaves the previous version current and
readable, and the next run cleans up and succeeds."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect

from opendata.pipeline.publish import FAULT_ENV, STEPS
from opendata.services import Services

CHILD = Path(__file__).with_name("refresh_child.py")


def run_child(
    tmp_path: Path, url: str, revision: int, fault: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENDATA_")}
    if fault:
        env[FAULT_ENV] = fault
    return subprocess.run(
        [
            sys.executable,
            str(CHILD),
            str(tmp_path / "instance"),
            str(tmp_path / "datasets"),
            url,
            str(revision),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def read_current(services: Services) -> tuple[str, list[dict[str, str]]]:
    current = services.catalog.current_version("example_catalog")
    assert current is not None
    with (services.version_dir("example_catalog", current["id"]) / "entries.csv").open(
        encoding="utf-8"
    ) as fh:
        rows = list(csv.DictReader(fh))
    table = services.catalog.datastore_table(current["id"], "entries")
    assert table is not None
    assert inspect(services.engine).has_table(table["table_name"])
    return current["id"], rows


@pytest.mark.parametrize("step", STEPS[:-1])
def test_crash_after_each_publish_step(
    tmp_path: Path, database_url: str, config: dict, step: str
) -> None:
    first = run_child(tmp_path, database_url, 0)
    assert first.returncode == 0 and first.stdout.startswith("published"), first.stderr
    config = {**config, "DATABASE_URL": database_url}
    services = Services.from_config(config)
    old_version, old_rows = read_current(services)

    crashed = run_child(tmp_path, database_url, 1, fault=step)
    assert crashed.returncode == 70, crashed.stderr  # died at the injected point

    version, rows = read_current(services)
    if STEPS.index(step) < STEPS.index("pointer"):
        # before the pointer moved: readers still see the old version, whole
        assert (version, rows) == (old_version, old_rows)
    else:
        # after it: the new version is complete and current
        assert version != old_version and rows != old_rows

    again = run_child(tmp_path, database_url, 2)
    assert again.returncode == 0 and again.stdout.startswith("published"), (
        again.stdout + again.stderr
    )
    version, rows = read_current(services)
    assert all("（修订）（修订）" in r["title"] for r in rows)
    folder = services.datasets_root / "example_catalog"
    known = {v["id"] for v in services.catalog.versions("example_catalog")}
    on_disk = {p.name for p in folder.iterdir() if p.is_dir()}
    assert on_disk == known, "interrupted publish left folders behind"
    tables = {t["table_name"] for t in services.catalog.datastore_tables_of("example_catalog")}
    existing = {n for n in inspect(services.engine).get_table_names() if n.startswith("ods_")}
    assert {n for n in existing if not n.endswith("_fts") and "_fts_" not in n} == tables
    services.close()
