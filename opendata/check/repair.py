"""``opendata check --repair``: fix what can be fixed without losing a published version.

Each dataset is repaired while holding its refresh lease, as a refresh's own clean-up does, so a
refresh cannot start half-way through (and a dataset being refreshed is skipped and said so).
Repairs read the catalog again rather than trusting the finding: re-pointing ``current`` comes
first, and the marker then names whatever is current. What cannot be repaired here — a version
whose folder or files are gone or altered — is left for a restore from a backup; nothing that
serves a published version is ever removed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update

from opendata.check.findings import Finding, file_problem
from opendata.check.state import dataset_disk
from opendata.pipeline.build import write_json
from opendata.pipeline.publish import write_marker
from opendata.pipeline.stages import ErrorKind
from opendata.services import Services
from opendata.store import datastore, db
from opendata.store.catalog import utcnow
from opendata.store.leases import LeaseHeld, lease

#: The order repairs run in within a dataset: the pointer before the marker that follows it.
ORDER = (
    "current_missing_version",
    "table_record_without_version",
    "pending_without_run",
    "missing_table_record",
    "missing_table",
    "table_rows_differ",
    "missing_descriptor",
    "descriptor_differs",
    "orphan_folder",
    "staging_folder",
    "marker_missing",
    "marker_wrong",
    "marker_without_current",
    "stale_running_run",
    "orphan_dataset_folder",
    "orphan_table",
)
LEASE_SECONDS = 300.0
_UNKNOWN = ErrorKind.UNKNOWN.value


@dataclass(frozen=True)
class Done:
    """What one repair did (or why it did nothing)."""

    finding: Finding
    action: str
    ok: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {**self.finding.to_dict(), "action": self.action, "ok": self.ok}


Repair = Callable[[Services, Finding], str]


def repair_all(services: Services, findings: list[Finding]) -> list[Done]:
    """Repair every repairable finding; returns what was done, dataset by dataset."""
    done: list[Done] = []
    fixable = sorted(
        (f for f in findings if f.kind in REPAIRS),
        key=lambda f: (f.dataset or "", ORDER.index(f.kind)),
    )
    orphans = [f for f in fixable if f.dataset is None]
    done += [_attempt(services, f) for f in orphans]
    for dataset in sorted({f.dataset for f in fixable if f.dataset is not None}):
        mine = [f for f in fixable if f.dataset == dataset]
        try:
            with lease(services.engine, dataset, LEASE_SECONDS):
                done += [_attempt(services, f) for f in mine]
        except LeaseHeld as exc:
            done += [Done(f, f"skipped: {exc}", ok=False) for f in mine]
    return done


def _attempt(services: Services, finding: Finding) -> Done:
    try:
        return Done(finding, REPAIRS[finding.kind](services, finding))
    except RepairRefused as exc:
        return Done(finding, f"not repaired: {exc}", ok=False)
    except Exception as exc:  # one repair that fails must not stop the others
        return Done(finding, f"failed: {exc.__class__.__name__}: {exc}", ok=False)


class RepairRefused(Exception):
    """The repair would lose something or has nothing sound to work from."""


def _version_folder(services: Services, finding: Finding) -> Path:
    assert finding.dataset and finding.version
    return services.version_dir(finding.dataset, finding.version)


def _intact_descriptor(services: Services, dataset: str, version: str) -> dict[str, Any]:
    """The version's descriptor when every file on disk matches it; refuses otherwise."""
    row = services.catalog.version(dataset, version)
    if row is None:
        raise RepairRefused(f"version {version} is not in the catalog")
    folder = services.version_dir(dataset, version)
    for resource in row["descriptor"].get("resources", []):
        problem = file_problem(folder / resource["path"], resource, quick=False)
        if problem is not None:
            raise RepairRefused(f"{resource['path']}: {problem[1]}")
    descriptor: dict[str, Any] = row["descriptor"]
    return descriptor


def repoint_current(services: Services, finding: Finding) -> str:
    dataset = finding.dataset
    assert dataset is not None
    published = {
        (t["version"], t["resource"])
        for t in services.catalog.datastore_tables_of(dataset)
        if t["state"] == "published"
    }
    for row in services.catalog.versions(dataset):  # newest first
        try:
            descriptor = _intact_descriptor(services, dataset, row["id"])
        except RepairRefused:
            continue
        if all((row["id"], r["name"]) in published for r in descriptor["resources"]):
            _set_current(services, dataset, row["id"])
            return f"current now points at {row['id']}, the newest intact version"
    raise RepairRefused("no version with its files and tables intact to point at")


def _set_current(services: Services, dataset: str, version: str) -> None:
    with services.engine.begin() as conn:
        conn.execute(
            update(db.datasets)
            .where(db.datasets.c.name == dataset)
            .values(current_version=version, modified=utcnow())
        )


def drop_record_and_table(services: Services, finding: Finding) -> str:
    assert finding.table is not None
    datastore.drop(services.engine, [finding.table])
    services.catalog.forget_tables([finding.table])
    return f"dropped table {finding.table} and its record"


def drop_table(services: Services, finding: Finding) -> str:
    assert finding.table is not None
    t = db.datastore_tables
    with services.engine.connect() as conn:
        named = conn.execute(select(t.c.version).where(t.c.table_name == finding.table)).first()
    if named is not None:
        raise RepairRefused("a record names it now")
    datastore.drop(services.engine, [finding.table])
    return f"dropped table {finding.table}"


def reload_table(services: Services, finding: Finding) -> str:
    """Load a published version's table from its CSV (the file the descriptor vouches for)."""
    dataset, version, resource = finding.dataset, finding.version, finding.resource
    assert dataset and version and resource
    descriptor = _intact_descriptor(services, dataset, version)
    spec = next(r for r in descriptor["resources"] if r["name"] == resource)
    name = datastore.table_name(dataset, version, resource)
    t = db.datastore_tables
    datastore.drop(services.engine, [name])
    with services.engine.begin() as conn:
        conn.execute(delete(t).where(t.c.version == version, t.c.resource == resource))
    services.catalog.register_table(
        dataset=dataset,
        version=version,
        resource=resource,
        table_name=name,
        fields=datastore.field_info(spec["schema"]),
    )
    path = _version_folder(services, finding) / spec["path"]
    count = datastore.load(services.engine, name, spec["schema"], datastore.read_csv_rows(path))
    with services.engine.begin() as conn:
        conn.execute(
            update(t).where(t.c.table_name == name).values(row_count=count, state="published")
        )
    return f"loaded {count} rows into {name} from {spec['path']}"


def rewrite_descriptor(services: Services, finding: Finding) -> str:
    assert finding.dataset and finding.version
    descriptor = _intact_descriptor(services, finding.dataset, finding.version)
    write_json(_version_folder(services, finding) / "datapackage.json", descriptor)
    return "wrote datapackage.json from the catalog's descriptor"


def remove_folder(services: Services, finding: Finding) -> str:
    assert finding.path is not None
    folder = services.datasets_root / finding.path
    if finding.kind == "orphan_folder" and _is_recorded(services, finding):
        raise RepairRefused("the catalog records this version now")
    if finding.kind == "orphan_dataset_folder":
        if finding.dataset in {d["name"] for d in services.catalog.datasets()}:
            raise RepairRefused("the catalog has this dataset now")
        _refuse_foreign(folder)
    shutil.rmtree(folder)
    return f"removed {finding.path}"


def _is_recorded(services: Services, finding: Finding) -> bool:
    assert finding.dataset and finding.version
    return services.catalog.version(finding.dataset, finding.version) is not None


def _refuse_foreign(folder: Path) -> None:
    """A dataset folder is removed only when everything in it is of opendata's making."""
    foreign = dataset_disk(folder).other
    if foreign:
        raise RepairRefused(f"it holds files opendata did not write: {', '.join(foreign)}")


def rewrite_marker(services: Services, finding: Finding) -> str:
    dataset = finding.dataset
    assert dataset is not None
    current = (services.catalog.dataset(dataset) or {}).get("current_version")
    if current and not services.version_dir(dataset, current).is_dir():
        raise RepairRefused(f"the current version's folder {dataset}/{current} is missing")
    write_marker(services.datasets_root, dataset, current)
    return f"the marker names {current}" if current else "removed the marker"


def fail_stale_runs(services: Services, finding: Finding) -> str:
    r = db.runs
    message = (
        "the run was left 'running' with no refresh holding the dataset's lease (its process "
        "died); marked failed by opendata check --repair"
    )
    with services.engine.begin() as conn:
        done = conn.execute(
            update(r)
            .where(r.c.dataset == finding.dataset, r.c.status == "running")
            .values(
                status="failed",
                finished=utcnow(),
                error=message,
                error_kind=ErrorKind.UNKNOWN.value,
            )
        )
    return f"marked {done.rowcount} run(s) failed"


REPAIRS: dict[str, Repair] = {
    "current_missing_version": repoint_current,
    "table_record_without_version": drop_record_and_table,
    "pending_without_run": drop_record_and_table,
    "missing_table_record": reload_table,
    "missing_table": reload_table,
    "table_rows_differ": reload_table,
    "missing_descriptor": rewrite_descriptor,
    "descriptor_differs": rewrite_descriptor,
    "orphan_table": drop_table,
    "orphan_folder": remove_folder,
    "staging_folder": remove_folder,
    "orphan_dataset_folder": remove_folder,
    "marker_missing": rewrite_marker,
    "marker_wrong": rewrite_marker,
    "marker_without_current": rewrite_marker,
    "stale_running_run": fail_stale_runs,
}
