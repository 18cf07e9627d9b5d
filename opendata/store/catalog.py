"""The catalog: datasets, their versions and the runs that made (or failed to make) them.

Every write that readers can observe — moving a dataset's current version — happens in one
transaction, so the API sees either the old version or the new one, never a mix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, and_, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from opendata.store import db, dbapi


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every datetime the catalog returns is UTC-aware."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class DatasetMeta:
    """What the catalog records about a dataset, from its source's declared metadata."""

    name: str
    title: str
    description: str
    source: str
    publisher: str
    license: str
    keywords: Sequence[str]
    schedule: str


_DATASET_BY_NAME = select(db.datasets).where(db.datasets.c.name == bindparam("name"))


class Catalog:
    """Reads and writes the catalog tables. Holds an engine, no other state."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- datasets ------------------------------------------------------------------------

    def upsert_dataset(self, meta: DatasetMeta) -> None:
        now = utcnow()
        values = {
            "title": meta.title,
            "description": meta.description,
            "source": meta.source,
            "publisher": meta.publisher,
            "license": meta.license,
            "keywords": list(meta.keywords),
            "schedule": meta.schedule,
        }
        with self.engine.begin() as conn:
            existing = conn.execute(
                select(db.datasets.c.name).where(db.datasets.c.name == meta.name)
            ).first()
            if existing is None:
                try:
                    # A savepoint: on PostgreSQL a failed INSERT aborts the whole transaction,
                    # and the UPDATE below would fail with it.
                    with conn.begin_nested():
                        conn.execute(
                            insert(db.datasets).values(
                                name=meta.name, created=now, modified=now, **values
                            )
                        )
                    return
                except IntegrityError:
                    pass  # another process created it first; fall through to update
            conn.execute(
                update(db.datasets).where(db.datasets.c.name == meta.name).values(**values)
            )

    def dataset(self, name: str) -> dict[str, Any] | None:
        # Every API request reads its dataset row: the statement is compiled once and run on
        # the DBAPI cursor (opendata.store.dbapi), so a request pays for the query itself.
        stmt = dbapi.compiled(self.engine, "catalog.dataset", lambda: _DATASET_BY_NAME)
        with dbapi.reader(self.engine) as reader:
            found = reader.rows(stmt, {"name": name})
        return _fix_times(found[0]) if found else None

    def datasets(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(db.datasets).order_by(db.datasets.c.name)).mappings().all()
        return [_fix_times(dict(r)) for r in rows]

    # -- versions ------------------------------------------------------------------------

    def current_version(self, dataset: str) -> dict[str, Any] | None:
        """The published version readers see, with its descriptor, in one query."""
        v, d = db.versions, db.datasets
        query = select(v).join(d, and_(d.c.name == v.c.dataset, d.c.current_version == v.c.id))
        with self.engine.connect() as conn:
            row = conn.execute(query.where(d.c.name == dataset)).mappings().first()
        return _fix_times(dict(row)) if row else None

    def version(self, dataset: str, version_id: str) -> dict[str, Any] | None:
        v = db.versions
        query = select(v).where(v.c.dataset == dataset, v.c.id == version_id)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _fix_times(dict(row)) if row else None

    def versions(self, dataset: str) -> list[dict[str, Any]]:
        """Versions of a dataset, newest first (ids sort by time)."""
        v = db.versions
        query = (
            select(v.c.id, v.c.created, v.c.hash, v.c.rows, v.c.bytes, v.c.run_id)
            .where(v.c.dataset == dataset)
            .order_by(v.c.id.desc())
        )
        with self.engine.connect() as conn:
            return [_fix_times(dict(r)) for r in conn.execute(query).mappings()]

    def publish(
        self,
        *,
        dataset: str,
        version_id: str,
        content_hash: str,
        descriptor: Mapping[str, Any],
        rows: Mapping[str, int],
        size: int,
        run_id: int | None,
    ) -> None:
        """Record a new version and make it current, atomically."""
        now = utcnow()
        with self.engine.begin() as conn:
            conn.execute(
                insert(db.versions).values(
                    id=version_id,
                    dataset=dataset,
                    created=now,
                    hash=content_hash,
                    descriptor=dict(descriptor),
                    rows=dict(rows),
                    bytes=size,
                    run_id=run_id,
                )
            )
            conn.execute(
                update(db.datastore_tables)
                .where(db.datastore_tables.c.version == version_id)
                .values(state="published")
            )
            conn.execute(
                update(db.datasets)
                .where(db.datasets.c.name == dataset)
                .values(current_version=version_id, modified=now)
            )

    def register_table(
        self, *, dataset: str, version: str, resource: str, table_name: str, fields: Any
    ) -> None:
        """Note a row table before it is created, so a crash cannot leave it unknown."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(db.datastore_tables).values(
                    dataset=dataset,
                    version=version,
                    resource=resource,
                    table_name=table_name,
                    row_count=0,
                    fields=fields,
                    state="pending",
                )
            )

    def table_loaded(self, table_name: str, row_count: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(db.datastore_tables)
                .where(db.datastore_tables.c.table_name == table_name)
                .values(row_count=row_count)
            )

    def pending_tables(self, dataset: str) -> list[str]:
        t = db.datastore_tables
        query = select(t.c.table_name).where(t.c.dataset == dataset, t.c.state == "pending")
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def forget_tables(self, names: Sequence[str]) -> None:
        if not names:
            return
        t = db.datastore_tables
        with self.engine.begin() as conn:
            conn.execute(delete(t).where(t.c.table_name.in_(list(names))))

    def datastore_table(self, version_id: str, resource: str) -> dict[str, Any] | None:
        t = db.datastore_tables
        query = select(t).where(
            t.c.version == version_id, t.c.resource == resource, t.c.state == "published"
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return dict(row) if row else None

    def datastore_tables_of(self, dataset: str) -> list[dict[str, Any]]:
        t = db.datastore_tables
        with self.engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.dataset == dataset)).mappings().all()
        return [dict(r) for r in rows]

    def remove_version(self, dataset: str, version_id: str) -> None:
        """Forget a pruned version; refuses the current one."""
        with self.engine.begin() as conn:
            current = conn.execute(
                select(db.datasets.c.current_version).where(db.datasets.c.name == dataset)
            ).scalar()
            if current == version_id:
                raise ValueError(
                    f"refusing to remove the current version {version_id} of {dataset}"
                )
            conn.execute(
                delete(db.datastore_tables).where(db.datastore_tables.c.version == version_id)
            )
            conn.execute(
                delete(db.versions).where(
                    db.versions.c.dataset == dataset, db.versions.c.id == version_id
                )
            )

    # -- runs ----------------------------------------------------------------------------

    def start_run(self, dataset: str, trigger: str, attempt: int = 1) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(db.runs).values(
                    dataset=dataset,
                    trigger=trigger,
                    status="running",
                    started=utcnow(),
                    attempt=attempt,
                    rows={},
                    withheld={},
                    dropped_fields={},
                    warnings=[],
                    timings={},
                )
            )
            key = result.inserted_primary_key
            assert key is not None
            return int(key[0])

    def finish_run(self, run_id: int, **values: Any) -> None:
        values.setdefault("finished", utcnow())
        with self.engine.begin() as conn:
            conn.execute(update(db.runs).where(db.runs.c.id == run_id).values(**values))

    def run(self, run_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.runs).where(db.runs.c.id == run_id)).mappings().first()
        return _fix_times(dict(row)) if row else None

    def runs(
        self,
        *,
        dataset: str | None = None,
        status: str | None = None,
        limit: int = 50,
        before_id: int | None = None,
    ) -> list[dict[str, Any]]:
        """Recent runs, newest first, without their (possibly large) reports."""
        r = db.runs
        cols = [c for c in r.c if c.name != "report"]
        query = select(*cols).order_by(r.c.id.desc()).limit(limit)
        if dataset:
            query = query.where(r.c.dataset == dataset)
        if status:
            query = query.where(r.c.status == status)
        if before_id is not None:
            query = query.where(r.c.id < before_id)
        with self.engine.connect() as conn:
            return [_fix_times(dict(row)) for row in conn.execute(query).mappings()]

    def failure_reports(
        self, run_ids: Sequence[int], kinds: Sequence[str] = ("validation", "policy", "shrink")
    ) -> dict[int, Any]:
        """The reports of those of ``run_ids`` that failed with one of ``kinds``, by run id.

        A run list leaves reports out (they can be large); the public summary of a failed run
        still needs its report to name resources and counts, and only these runs have one.
        """
        if not run_ids:
            return {}
        r = db.runs
        query = select(r.c.id, r.c.report).where(
            r.c.id.in_(list(run_ids)), r.c.status == "failed", r.c.error_kind.in_(list(kinds))
        )
        with self.engine.connect() as conn:
            return {int(row.id): row.report for row in conn.execute(query)}

    def last_run(self, dataset: str, *, status: Sequence[str] | None = None) -> dict[str, Any]:
        r = db.runs
        cols = [c for c in r.c if c.name != "report"]
        query = select(*cols).where(r.c.dataset == dataset, r.c.status != "running")
        if status:
            query = query.where(r.c.status.in_(list(status)))
        with self.engine.connect() as conn:
            row = conn.execute(query.order_by(r.c.id.desc()).limit(1)).mappings().first()
        return _fix_times(dict(row)) if row else {}


def _fix_times(row: dict[str, Any]) -> dict[str, Any]:
    for key, value in row.items():
        if isinstance(value, datetime):
            row[key] = as_utc(value)
    return row
