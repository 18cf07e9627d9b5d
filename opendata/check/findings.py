"""The mismatches ``opendata check`` finds, one small detector per place compared.

Each :class:`Finding` names its kind, where it is (dataset, version, resource, table, path) and
what ``--repair`` would do about it, or that it cannot be repaired without losing something (a
published version whose folder is gone comes back only from a backup).

A dataset whose lease is held is being refreshed: its staging folder, pending tables, a version
folder not yet recorded and its running run are the refresh's work in progress, not mismatches.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, func, select, table

from opendata.check.state import State

#: Every kind, with what ``--repair`` does about it (None: it cannot be repaired here).
KINDS: dict[str, str | None] = {
    "current_missing_version": "point current at the newest intact version",
    "missing_folder": None,
    "missing_descriptor": "rewrite datapackage.json from the catalog",
    "descriptor_differs": "rewrite datapackage.json from the catalog",
    "missing_file": None,
    "file_size": None,
    "file_hash": None,
    "orphan_folder": "remove the folder",
    "staging_folder": "remove the folder",
    "orphan_dataset_folder": "remove the folder",
    "marker_missing": "rewrite the current marker",
    "marker_wrong": "rewrite the current marker",
    "marker_without_current": "remove the current marker",
    "missing_table_record": "load the table from the version's CSV",
    "missing_table": "load the table from the version's CSV",
    "table_rows_differ": "load the table again from the version's CSV",
    "orphan_table": "drop the table",
    "pending_without_run": "drop the table and its record",
    "table_record_without_version": "drop the table and its record",
    "stale_running_run": "mark the run failed",
    "version_run_missing": None,
}
_BUSY_KINDS = {"orphan_folder", "staging_folder", "pending_without_run", "stale_running_run"}
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Finding:
    kind: str
    message: str
    dataset: str | None = None
    version: str | None = None
    resource: str | None = None
    table: str | None = None
    path: str | None = None  # relative to datasets_path

    @property
    def repair(self) -> str | None:
        return KINDS[self.kind]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "repair": self.repair}


def find_all(state: State, engine: Engine, root: Path, *, quick: bool = False) -> list[Finding]:
    """Every mismatch between catalog, folders and tables; ``quick`` skips hashes and counts."""
    found = [
        *current_pointers(state),
        *markers(state),
        *folders(state),
        *version_contents(state, root, quick),
        *table_records(state),
        *orphan_tables(state),
        *runs(state),
    ]
    if not quick:
        found += row_counts(state, engine)
    busy = state.leased
    return [f for f in found if not (f.kind in _BUSY_KINDS and f.dataset in busy)]


def current_pointers(state: State) -> list[Finding]:
    return [
        Finding(
            "current_missing_version",
            f"current version {current} is not in the catalog's versions",
            dataset=name,
            version=current,
        )
        for name, current in sorted(state.datasets.items())
        if current is not None and (name, current) not in state.versions
    ]


def markers(state: State) -> list[Finding]:
    """``<name>/current`` names the catalog's current version (publish step 4)."""
    out = []
    for name, current in sorted(state.datasets.items()):
        disk = state.disk.get(name)
        marker = disk.marker if disk else None
        where = f"{name}/current"
        if current is not None and marker is None:
            out.append(
                Finding(
                    "marker_missing", f"no marker; current is {current}", name, current, path=where
                )
            )
        elif current is not None and marker != current:
            text = f"the marker names {marker}, the catalog's current version is {current}"
            out.append(Finding("marker_wrong", text, name, current, path=where))
        elif current is None and marker is not None:
            text = f"the marker names {marker}, but the dataset has no current version"
            out.append(Finding("marker_without_current", text, name, marker, path=where))
    return out


def folders(state: State) -> list[Finding]:
    """Dataset and version folders the catalog does not know, and staging leftovers."""
    out = []
    for name, disk in sorted(state.disk.items()):
        if name not in state.datasets:
            text = "a folder of no dataset in the catalog"
            out.append(Finding("orphan_dataset_folder", text, name, path=name))
            continue
        for version in sorted(disk.versions):
            if (name, version) not in state.versions:
                text = "a version folder the catalog does not record"
                out.append(Finding("orphan_folder", text, name, version, path=f"{name}/{version}"))
        for staging in disk.staging:
            text = "a staging folder left by an interrupted refresh"
            out.append(Finding("staging_folder", text, name, path=f"{name}/{staging}"))
    return out


def version_contents(state: State, root: Path, quick: bool) -> list[Finding]:
    """Each recorded version's folder holds its descriptor and files as the catalog has them."""
    out = []
    for (name, version), row in sorted(state.versions.items()):
        disk = state.disk.get(name)
        if disk is None or version not in disk.versions:
            text = "the version's folder is missing (restore it from a backup)"
            out.append(Finding("missing_folder", text, name, version, path=f"{name}/{version}"))
            continue
        out += package_files(root / name / version, row["descriptor"], name, version, quick)
    return out


def package_files(
    folder: Path, descriptor: dict[str, Any], name: str, version: str, quick: bool
) -> list[Finding]:
    """datapackage.json equal to the catalog's descriptor; each file its declared size and hash."""
    out = []
    where = f"{name}/{version}"
    package = folder / "datapackage.json"
    if not package.is_file():
        out.append(Finding("missing_descriptor", "no datapackage.json", name, version, path=where))
    elif _json_or_none(package) != descriptor:
        text = "datapackage.json differs from the catalog's descriptor"
        out.append(Finding("descriptor_differs", text, name, version, path=where))
    for resource in descriptor.get("resources", []):
        problem = file_problem(folder / resource["path"], resource, quick)
        if problem is not None:
            kind, text = problem
            path = f"{where}/{resource['path']}"
            out.append(Finding(kind, text, name, version, resource["name"], path=path))
    return out


def _json_or_none(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError:
        return None  # not JSON: differs from any descriptor


def file_problem(path: Path, resource: dict[str, Any], quick: bool) -> tuple[str, str] | None:
    """Why a resource's file does not match its descriptor, or None when it does."""
    if not path.is_file():
        return "missing_file", "the resource's file is missing (restore it from a backup)"
    size = path.stat().st_size
    if resource.get("bytes") is not None and size != resource["bytes"]:
        return "file_size", f"{size} bytes on disk, {resource['bytes']} in the descriptor"
    declared = str(resource.get("hash") or "")
    if quick or not declared:
        return None
    algorithm, _, expected = declared.rpartition(":")
    digest = hashlib.new(algorithm or "md5")
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    if digest.hexdigest() != expected:
        return "file_hash", f"the file's {digest.name} is not the descriptor's {declared}"
    return None


def table_records(state: State) -> list[Finding]:
    """Published versions have a table per resource; records point at versions and tables."""
    out = []
    recorded = {(t["dataset"], t["version"], t["resource"]): t for t in state.tables}
    for (name, version), row in sorted(state.versions.items()):
        for resource in row["descriptor"].get("resources", []):
            record = recorded.get((name, version, resource["name"]))
            if record is None or record["state"] != "published":
                text = "no published datastore table is recorded for this resource"
                out.append(Finding("missing_table_record", text, name, version, resource["name"]))
            elif record["table_name"] not in state.db_tables:
                text = "the recorded datastore table does not exist in the database"
                out.append(
                    Finding(
                        "missing_table", text, name, version, resource["name"], record["table_name"]
                    )
                )
    for t in state.tables:
        out += _record_problem(state, t)
    return out


def _record_problem(state: State, record: dict[str, Any]) -> list[Finding]:
    name, version, resource = record["dataset"], record["version"], record["resource"]
    if record["state"] == "pending":
        text = "a pending table with no refresh at work (a crashed publish left it)"
        return [Finding("pending_without_run", text, name, version, resource, record["table_name"])]
    if (name, version) not in state.versions:
        text = "a published table record of a version the catalog does not have"
        kind = "table_record_without_version"
        return [Finding(kind, text, name, version, resource, record["table_name"])]
    return []


def orphan_tables(state: State) -> list[Finding]:
    recorded = {t["table_name"] for t in state.tables}
    return [
        Finding("orphan_table", "a datastore table no record names", table=name)
        for name in sorted(state.db_tables - recorded)
    ]


def row_counts(state: State, engine: Engine) -> list[Finding]:
    """Each published table holds the rows its record counts."""
    out = []
    with engine.connect() as conn:
        for record in state.tables:
            name = record["table_name"]
            if record["state"] != "published" or name not in state.db_tables:
                continue
            if (record["dataset"], record["version"]) not in state.versions:
                continue
            count = conn.execute(select(func.count()).select_from(table(name))).scalar_one()
            if count != record["row_count"]:
                text = f"{count} rows in the table, {record['row_count']} recorded"
                out.append(
                    Finding(
                        "table_rows_differ",
                        text,
                        record["dataset"],
                        record["version"],
                        record["resource"],
                        name,
                    )
                )
    return out


def runs(state: State) -> list[Finding]:
    """Runs left 'running' by a dead refresh; versions whose run record is gone."""
    out = []
    for name, ids in sorted(state.running.items()):
        for run_id in ids:
            text = f"run {run_id} is recorded as running, but no refresh holds the lease"
            out.append(Finding("stale_running_run", text, name))
    for (name, version), row in sorted(state.versions.items()):
        if row.get("run_id") is not None and int(row["run_id"]) not in state.run_ids:
            text = f"the run {row['run_id']} that made this version is not in the catalog"
            out.append(Finding("version_run_missing", text, name, version))
    return out
