"""What ``opendata check`` compares, read once: the catalog, the datasets folder, the database.

Three places hold a published version: its rows in the catalog (``od_datasets`` with its
current pointer, ``od_versions``, ``od_datastore_tables``, ``od_runs``), its folder
``<datasets_path>/<name>/<version>/`` with the ``current`` marker beside it, and its row tables
(``ods_…``) in the database. A restore, a lost disk or a crash in the wrong place can leave them
disagreeing; this module only reads them.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, select

from opendata.pipeline.publish import MARKER, STAGING_PREFIX
from opendata.store import db

#: Version ids are UTC times (``20261130T234734447576Z``); older ones had no microseconds.
VERSION_ID = re.compile(r"\d{8}T\d{6}(\d{6})?Z")
#: A row table and, on SQLite, its FTS5 table and that table's own shadow tables.
ROW_TABLE = re.compile(r"(ods_[0-9a-f]{20})(_fts(_[a-z]+)?)?")


@dataclass
class DatasetDisk:
    """One dataset's folder as found."""

    marker: str | None = None  # the version named by ``current``, None when there is none
    versions: set[str] = field(default_factory=set)  # folders named like a version
    staging: list[str] = field(default_factory=list)  # ``.staging-*`` leftovers
    other: list[str] = field(default_factory=list)  # anything else (not ours)


@dataclass
class State:
    datasets: dict[str, str | None]  # name → current version
    versions: dict[tuple[str, str], dict[str, Any]]  # (dataset, id) → row with descriptor
    tables: list[dict[str, Any]]  # rows of od_datastore_tables
    running: dict[str, list[int]]  # dataset → ids of runs recorded as running
    run_ids: set[int]
    leased: dict[str, str]  # dataset → holder of a live lease (a refresh is at work)
    disk: dict[str, DatasetDisk]  # folder name under datasets_path → what it holds
    db_tables: set[str]  # row tables (base names) that exist in the database


def read_state(engine: Engine, root: Path) -> State:
    """Everything the check compares, read now."""
    with engine.connect() as conn:
        datasets = {r.name: r.current_version for r in conn.execute(select(db.datasets))}
        versions = {
            (r["dataset"], r["id"]): dict(r) for r in conn.execute(select(db.versions)).mappings()
        }
        tables = [dict(r) for r in conn.execute(select(db.datastore_tables)).mappings()]
        runs = conn.execute(select(db.runs.c.id, db.runs.c.dataset, db.runs.c.status)).all()
        leases = conn.execute(select(db.leases)).all()
    running: dict[str, list[int]] = {}
    for run_id, dataset, status in runs:
        if status == "running":
            running.setdefault(dataset, []).append(int(run_id))
    now = time.time()
    return State(
        datasets=datasets,
        versions=versions,
        tables=tables,
        running=running,
        run_ids={int(r[0]) for r in runs},
        leased={r.dataset: r.holder for r in leases if r.expires >= now},
        disk=read_disk(root),
        db_tables=row_tables(engine),
    )


def row_tables(engine: Engine) -> set[str]:
    """Base names of the datastore's tables in the database (FTS tables fold into theirs)."""
    found = set()
    for name in inspect(engine).get_table_names():
        match = ROW_TABLE.fullmatch(name)
        if match:
            found.add(match.group(1))
    return found


def read_disk(root: Path) -> dict[str, DatasetDisk]:
    """The dataset folders under ``root`` and what each holds."""
    out: dict[str, DatasetDisk] = {}
    if not root.is_dir():
        return out
    for folder in sorted(root.iterdir()):
        if folder.is_dir() and not folder.name.startswith("."):
            out[folder.name] = dataset_disk(folder)
    return out


def dataset_disk(folder: Path) -> DatasetDisk:
    found = DatasetDisk()
    for child in sorted(folder.iterdir()):
        name = child.name
        if name == MARKER and child.is_file():
            found.marker = child.read_bytes().decode("utf-8", "replace").strip() or None
        elif name.startswith(STAGING_PREFIX):
            found.staging.append(name)
        elif child.is_dir() and VERSION_ID.fullmatch(name):
            found.versions.add(name)
        elif not name.startswith("."):
            found.other.append(name)
    return found
