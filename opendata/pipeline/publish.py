"""Publish: make a validated staging folder the dataset's current version, atomically.

Steps, each leaving the previous version current and readable if the process dies after it:

1. ``datastore``: load every resource into new row tables (registered as *pending* first);
2. ``files``: rename the staging folder to ``datasets/<name>/<version>/`` (one ``rename``);
3. ``pointer``: in one catalog transaction, record the version, mark its tables published and
   make it current — the moment readers switch;
4. ``marker``: rewrite ``datasets/<name>/current`` (tmp file + ``os.replace``) for file readers;
5. ``prune``: remove versions beyond the configured count, never the current one.

:func:`clean_up` (run under the dataset's lease before every refresh) removes what a crash
between steps left behind: staging folders, pending tables, version folders the catalog never
recorded.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from opendata.pipeline.build import StagedPackage, write_json
from opendata.store import datastore
from opendata.store.catalog import Catalog

STEPS = ("datastore", "files", "pointer", "marker", "prune")
STAGING_PREFIX = ".staging-"
MARKER = "current"
REPORT_FILE = "validation-report.json"
#: Test hook: the name of a step after which the process dies at once (os._exit), as a crash
#: would. Read on every publish so a test can set it for one child process only.
FAULT_ENV = "OPENDATA_FAULT_AFTER"


def _checkpoint(step: str) -> None:
    if os.environ.get(FAULT_ENV) == step:
        os._exit(70)


def dataset_dir(root: Path, dataset: str) -> Path:
    return root / dataset


def publish(
    *,
    catalog: Catalog,
    root: Path,
    dataset: str,
    staged: StagedPackage,
    report: dict[str, Any],
    version: str,
    run_id: int | None,
    keep: int,
    preloaded: Mapping[str, int] | None = None,
) -> Path:
    """Run the publish steps; returns the version's folder.

    ``preloaded`` gives the row counts of resources whose tables a preloader already filled;
    the others (and any whose preload failed part-way) are loaded here.
    """
    engine = catalog.engine
    preloaded = preloaded or {}
    pending = set(catalog.pending_tables(dataset))
    for resource in staged.descriptor["resources"]:
        name = datastore.table_name(dataset, version, resource["name"])
        count = preloaded.get(resource["name"])
        if count is None or count != staged.rows[resource["name"]]:
            if name in pending:  # a preload that failed part-way: start that table afresh
                datastore.drop(engine, [name])
            else:
                catalog.register_table(
                    dataset=dataset,
                    version=version,
                    resource=resource["name"],
                    table_name=name,
                    fields=datastore.field_info(resource["schema"]),
                )
            rows = datastore.read_csv_rows(staged.directory / resource["path"])
            count = datastore.load(engine, name, resource["schema"], rows)
        catalog.table_loaded(name, count)
    _checkpoint("datastore")

    write_json(staged.directory / REPORT_FILE, report)
    final = dataset_dir(root, dataset) / version
    os.rename(staged.directory, final)
    _checkpoint("files")

    catalog.publish(
        dataset=dataset,
        version_id=version,
        content_hash=staged.content_hash,
        descriptor=staged.descriptor,
        rows=staged.rows,
        size=staged.size,
        run_id=run_id,
    )
    _checkpoint("pointer")

    write_marker(root, dataset, version)
    _checkpoint("marker")

    prune(catalog, root, dataset, keep)
    _checkpoint("prune")
    return final


def write_marker(root: Path, dataset: str, version: str | None) -> None:
    """``datasets/<name>/current`` names the current version, replaced atomically."""
    folder = dataset_dir(root, dataset)
    marker = folder / MARKER
    if version is None:
        marker.unlink(missing_ok=True)
        return
    tmp = folder / f".{MARKER}.tmp"
    tmp.write_text(version + "\n", encoding="utf-8")
    os.replace(tmp, marker)


def prune(catalog: Catalog, root: Path, dataset: str, keep: int) -> list[str]:
    """Remove versions beyond the newest ``keep`` (at least 2: readers may still be on the
    previous one), never the current one. Returns the removed version ids."""
    keep = max(keep, 2)
    current = (catalog.dataset(dataset) or {}).get("current_version")
    removed = []
    all_tables = catalog.datastore_tables_of(dataset)
    for row in catalog.versions(dataset)[keep:]:
        if row["id"] == current:
            continue
        tables = [t["table_name"] for t in all_tables if t["version"] == row["id"]]
        catalog.remove_version(dataset, row["id"])
        datastore.drop(catalog.engine, tables)
        shutil.rmtree(dataset_dir(root, dataset) / row["id"], ignore_errors=True)
        removed.append(row["id"])
    return removed


def discard_pending(catalog: Catalog, dataset: str) -> int:
    """Drop the dataset's row tables that no publish recorded (failed, unchanged, interrupted)."""
    pending = catalog.pending_tables(dataset)
    if pending:
        datastore.drop(catalog.engine, pending)
        catalog.forget_tables(pending)
    return len(pending)


def clean_up(catalog: Catalog, root: Path, dataset: str) -> list[str]:
    """Remove what an interrupted run left; call only while holding the dataset's lease."""
    notes = []
    folder = dataset_dir(root, dataset)
    if dropped := discard_pending(catalog, dataset):
        notes.append(f"dropped {dropped} row table(s) of an interrupted publish")
    if folder.is_dir():
        known = {v["id"] for v in catalog.versions(dataset)}
        for child in folder.iterdir():
            if child.name.startswith(STAGING_PREFIX) or (
                child.is_dir() and not child.name.startswith(".") and child.name not in known
            ):
                shutil.rmtree(child, ignore_errors=True)
                notes.append(f"removed {child.name} left by an interrupted run")
        current = (catalog.dataset(dataset) or {}).get("current_version")
        marker = folder / MARKER
        on_disk = marker.read_text(encoding="utf-8").strip() if marker.exists() else None
        if on_disk != current:
            write_marker(root, dataset, current)
    return notes
