"""One request reads one version: resolve it once, then read only its files and tables.

:func:`resolve` checks the names (``^[a-z][a-z0-9_]*$``) before anything touches the file
system, reads the catalog pointer once (or the version the client asked for) and returns a
:class:`Snapshot`. A refresh may publish, and prune, while a request runs: the previous version
is always kept, but a slow request may still find its version's file or table gone. Views run
through :func:`read`, which then resolves again and re-runs the whole read, so a response comes
entirely from one version — never a mix, never an error.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy.exc import DBAPIError

from opendata.read.errors import ReadError
from opendata.services import Services
from opendata.store.query import TableGone, TableRef

NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
VERSION = re.compile(r"^[0-9A-Za-z]{1,40}$")
T = TypeVar("T")


class VersionGone(RuntimeError):
    """The version's files or tables went away under the request (pruned)."""


def check_name(value: str, what: str) -> str:
    if not NAME.match(value):
        raise ReadError(
            400,
            f"invalid_{what}_name",
            f"{what} name {value!r} is not valid: names are lower-case letters, digits and "
            "underscores, starting with a letter",
            **{what: value},
        )
    return value


def check_version(value: str, parameter: str = "version") -> str:
    if not VERSION.match(value):
        raise ReadError(
            400,
            "invalid_version",
            f"{parameter} {value!r} is not a version id",
            parameter=parameter,
            version=value,
        )
    return value


def dataset_row(services: Services, name: str) -> dict[str, Any]:
    check_name(name, "dataset")
    row = services.catalog.dataset(name)
    if row is None:
        raise ReadError(404, "unknown_dataset", f"no dataset named {name!r}", dataset=name)
    return row


@dataclass(frozen=True)
class Snapshot:
    """A dataset as of one version; every read of a request goes through it."""

    services: Services
    dataset: dict[str, Any]
    version: dict[str, Any]
    pinned: bool  # the client named the version: its responses never change

    @property
    def name(self) -> str:
        return str(self.dataset["name"])

    @property
    def id(self) -> str:
        return str(self.version["id"])

    @property
    def descriptor(self) -> dict[str, Any]:
        descriptor: dict[str, Any] = self.version["descriptor"]
        return descriptor

    @property
    def created(self) -> datetime:
        created: datetime = self.version["created"]
        return created.replace(microsecond=0)

    @property
    def directory(self) -> Path:
        return self.services.version_dir(self.name, self.id)

    def resource(self, res: str) -> dict[str, Any]:
        check_name(res, "resource")
        for resource in self.descriptor.get("resources", []):
            if resource["name"] == res:
                return dict(resource)
        names = [r["name"] for r in self.descriptor.get("resources", [])]
        raise ReadError(
            404,
            "unknown_resource",
            f"dataset {self.name!r} has no resource {res!r}; resources: " + ", ".join(names),
            dataset=self.name,
            resource=res,
        )

    def table(self, res: str) -> TableRef:
        self.resource(res)
        key = (str(self.services.engine.url), self.id, res)
        ref = _TABLE_REFS.get(key)
        if ref is None:
            row = self.services.catalog.datastore_table(self.id, res)
            if row is None:
                raise VersionGone(self.id)
            ref = _remember(_TABLE_REFS, key, TableRef.from_catalog(row))
        return ref

    def file(self, name: str) -> Path:
        path = self.directory / name
        if not path.is_file():
            raise VersionGone(self.id)
        return path


# Published versions never change, so their catalog rows (descriptor included) and their
# tables' metadata are kept per process: a request then costs one catalog query (the dataset
# row with its current-version pointer) besides its own. A pruned version still in here fails
# on its first file or table access, and read() starts over on the new current version.
_VERSION_ROWS: dict[tuple[str, str, str], dict[str, Any]] = {}
_TABLE_REFS: dict[tuple[str, str, str], TableRef] = {}
_CACHE_MAX = 256
K = TypeVar("K")
V = TypeVar("V")


def _remember(cache: dict[K, V], key: K, value: V) -> V:
    if len(cache) >= _CACHE_MAX:
        cache.clear()
    cache[key] = value
    return value


def version_row(services: Services, name: str, version: str) -> dict[str, Any] | None:
    """A version's catalog row (descriptor included), read once per process: versions never
    change."""
    key = (str(services.engine.url), name, version)
    row = _VERSION_ROWS.get(key)
    if row is None:
        found = services.catalog.version(name, version)
        if found is None:
            return None
        row = _remember(_VERSION_ROWS, key, found)
    return row


def resolve(services: Services, name: str, version: str | None = None) -> Snapshot:
    """The version a request reads: the one asked for, else the current one (read once)."""
    dataset = dataset_row(services, name)
    if version is not None:
        check_version(version)
        row = version_row(services, name, version)
        if row is None:
            kept = [v["id"] for v in services.catalog.versions(name)]
            raise ReadError(
                404,
                "unknown_version",
                f"dataset {name!r} has no version {version!r} (kept: "
                + (", ".join(kept) or "none")
                + ")",
                dataset=name,
                version=version,
            )
        return Snapshot(services, dataset, row, pinned=True)
    current = dataset.get("current_version")
    row = version_row(services, name, current) if current else None
    if row is None:
        raise ReadError(
            404,
            "not_published",
            f"dataset {name!r} has no published version yet; see its runs at "
            f"/api/v1/runs?dataset={name}",
            dataset=name,
        )
    return Snapshot(services, dataset, row, pinned=False)


#: What a read finds when its version was pruned under it: a file, a table or the version row.
PRUNED = (VersionGone, TableGone, FileNotFoundError)
S = TypeVar("S")


def retry_pruned(
    resolve: Callable[[], S], work: Callable[[S], T], what: str, attempts: int = 3
) -> T:
    """The one retry rule for pruned versions, for every protocol.

    ``resolve`` finds what the request reads now (a snapshot, a CKAN resource); ``work`` reads
    it. If the version went away meanwhile (:data:`PRUNED`), resolve again and re-run the whole
    read, so that a response comes entirely from one version: never a mix, never an error. A
    response that streams must read its first rows inside ``work`` (see :func:`primed`).
    """
    reconnected = False
    for _ in range(attempts):
        try:
            target = resolve()
            return work(target)
        except PRUNED:
            continue
        except DBAPIError as exc:
            # A pooled connection that died with a database restart: the pool has dropped the
            # stale ones, so one more try reads on a fresh connection. A database that is
            # still down fails again at once and is answered 503 by the outage handler.
            if not exc.connection_invalidated or reconnected:
                raise
            reconnected = True
    raise ReadError(
        503, "unavailable", f"{what} changed {attempts} times during this request; retry"
    )


def read(
    services: Services,
    name: str,
    version: str | None,
    work: Callable[[Snapshot], T],
    attempts: int = 3,
) -> T:
    """Run ``work`` on a snapshot of ``name`` under :func:`retry_pruned`.

    A version the client pinned that vanished is a 404 naming it, not a silent switch.
    """

    def pinned(snapshot: Snapshot) -> T:
        try:
            return work(snapshot)
        except PRUNED:
            if version is None:
                raise
            raise ReadError(
                404,
                "unknown_version",
                f"version {version!r} of dataset {name!r} is no longer kept",
                dataset=name,
                version=version,
            ) from None

    return retry_pruned(
        lambda: resolve(services, name, version), pinned, f"dataset {name!r}", attempts
    )


def primed(rows: Iterator[T]) -> Iterator[T]:
    """``rows`` with its first item read now: a streamed read opens its table (and finds it
    pruned) inside :func:`retry_pruned`, not after the response has started."""
    try:
        first = next(rows)
    except StopIteration:
        return iter(())
    return itertools.chain((first,), rows)


def version_info(name: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A version as the API lists it."""
    base = f"/api/v1/datasets/{name}/versions/{row['id']}"
    return {
        "id": row["id"],
        "created": row["created"],
        "hash": row["hash"],
        "rows": row["rows"],
        "bytes": row["bytes"],
        "run_id": row.get("run_id"),
        "url": base,
    }
