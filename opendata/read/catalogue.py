"""What the interoperability endpoints (CKAN, DCAT, schema.org) read: the published datasets.

Only datasets with a current version exist for a harvester — a dataset whose first refresh
failed has nothing to harvest. One join reads every dataset with its current version, so that a
``package_search`` or a catalog page costs one query however many datasets there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, select

from opendata.plugin import NAME_PATTERN
from opendata.services import Services
from opendata.store import db
from opendata.store.catalog import as_utc


@dataclass(frozen=True)
class Published:
    """A dataset and its current version, as readers see it."""

    name: str
    title: str
    description: str
    publisher: str
    license: str
    keywords: Sequence[str]
    source: str
    schedule: str
    created: datetime
    version: str
    modified: datetime  # when the current version was published
    descriptor: dict[str, Any]
    rows: dict[str, int]
    size: int

    @property
    def resources(self) -> list[dict[str, Any]]:
        resources: list[dict[str, Any]] = self.descriptor.get("resources", [])
        return resources

    def resource(self, name: str) -> dict[str, Any] | None:
        return next((r for r in self.resources if r.get("name") == name), None)


def _utc(value: datetime) -> datetime:
    fixed = as_utc(value)
    assert fixed is not None
    return fixed


def _query() -> Any:
    d, v = db.datasets, db.versions
    return (
        select(
            d.c.name,
            d.c.title,
            d.c.description,
            d.c.publisher,
            d.c.license,
            d.c.keywords,
            d.c.source,
            d.c.schedule,
            d.c.created,
            v.c.id.label("version"),
            v.c.created.label("modified"),
            v.c.descriptor,
            v.c.rows,
            v.c.bytes,
        )
        .join(v, and_(v.c.dataset == d.c.name, v.c.id == d.c.current_version))
        .order_by(d.c.name)
    )


def _published(row: Any) -> Published:
    return Published(
        name=row.name,
        title=row.title,
        description=row.description or "",
        publisher=row.publisher or "",
        license=row.license or "",
        keywords=list(row.keywords or []),
        source=row.source,
        schedule=row.schedule or "",
        created=_utc(row.created),
        version=row.version,
        modified=_utc(row.modified),
        descriptor=dict(row.descriptor),
        rows=dict(row.rows or {}),
        size=int(row.bytes or 0),
    )


def published_datasets(services: Services) -> list[Published]:
    """Every dataset with a current version, ordered by name."""
    with services.engine.connect() as conn:
        return [_published(row) for row in conn.execute(_query())]


def published_dataset(services: Services, name: str) -> Published | None:
    """One dataset by name; an invalid name is simply not found (never reaches SQL)."""
    if not valid_name(name):
        return None
    with services.engine.connect() as conn:
        row = conn.execute(_query().where(db.datasets.c.name == name)).first()
    return _published(row) if row else None


def valid_name(name: object) -> bool:
    return isinstance(name, str) and len(name) <= 64 and NAME_PATTERN.match(name) is not None


def naive_iso(value: datetime) -> str:
    """CKAN's timestamps: naive UTC ISO-8601 with microseconds, no ``Z``."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds")
