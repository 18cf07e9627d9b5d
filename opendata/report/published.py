"""Read access to the current published versions, for building the annual report.

The report is computed from what readers can download, never from the sources or the pipeline:
:class:`CatalogData` resolves a dataset's current version once from the catalog and then reads
only that version's immutable CSV files, so every figure is repeatable on the published file.
:class:`ReaderData` adapts the :class:`opendata.plugin.DatasetReader` a derived source is given.
"""

from __future__ import annotations

import csv
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

from opendata.store.catalog import Catalog

Record = Mapping[str, str]


class MissingData(Exception):
    """A dataset or resource the report reads is not published (yet); its cells stay empty."""


class Published(Protocol):
    def version(self, dataset: str) -> str:
        """The current version id; raises :class:`MissingData` when there is none."""
        ...

    def rows(self, dataset: str, resource: str) -> list[Record]:
        """Every row of a resource of the current version, as published text."""
        ...


class RowCache:
    """Rows of published files by (dataset, version, resource), the oldest dropped past a bound.

    A published version's files never change, so its rows can be kept across requests; a new
    version is a new key. Shared by the web app's requests (``app.extensions``), not global.
    """

    def __init__(self, max_entries: int = 32) -> None:
        self.max_entries = max_entries
        self._rows: dict[tuple[str, str, str], list[Record]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> list[Record] | None:
        with self._lock:
            return self._rows.get(key)

    def put(self, key: tuple[str, str, str], rows: list[Record]) -> None:
        with self._lock:
            self._rows[key] = rows
            while len(self._rows) > self.max_entries:
                del self._rows[next(iter(self._rows))]


class CatalogData:
    """The current versions as the catalog records them, read from the published CSV files."""

    def __init__(
        self, catalog: Catalog, datasets_root: Path, cache: RowCache | None = None
    ) -> None:
        self.catalog = catalog
        self.root = Path(datasets_root)
        self._versions: dict[str, str] = {}
        self._rows: dict[tuple[str, str], list[Record]] = {}
        self._cache = cache

    def version(self, dataset: str) -> str:
        if dataset not in self._versions:
            # Only the pointer is read (the dataset row): the version row is immutable and the
            # files of the version are all a report needs.
            meta = self.catalog.dataset(dataset)
            current = meta.get("current_version") if meta else None
            if not current:
                raise MissingData(f"dataset {dataset!r} has no published version")
            # Pinned for the whole build: a report is made from one version of each dataset.
            self._versions[dataset] = str(current)
        return self._versions[dataset]

    def rows(self, dataset: str, resource: str) -> list[Record]:
        key = (dataset, resource)
        if key not in self._rows:
            version = self.version(dataset)
            cached = self._cache.get((dataset, version, resource)) if self._cache else None
            self._rows[key] = (
                cached if cached is not None else self._read(dataset, version, resource)
            )
        return self._rows[key]

    def _read(self, dataset: str, version: str, resource: str) -> list[Record]:
        path = self.root / dataset / version / f"{resource}.csv"
        if not path.is_file():
            raise MissingData(f"dataset {dataset!r} has no resource {resource!r}")
        with path.open(encoding="utf-8", newline="") as fh:
            rows: list[Record] = list(csv.DictReader(fh))
        if self._cache is not None:
            self._cache.put((dataset, version, resource), rows)
        return rows


class ReaderData:
    """A derived source's ``context.datasets`` as :class:`Published`.

    The reader yields rows of the current version; its ``version(dataset)`` (the core's reader
    has one) names that version, else the reference says ``current``.
    """

    def __init__(self, reader: Any) -> None:
        self.reader = reader
        self._rows: dict[tuple[str, str], list[Record]] = {}

    def version(self, dataset: str) -> str:
        lookup = getattr(self.reader, "version", None)
        found = lookup(dataset) if lookup is not None else None
        return str(found) if found else "current"

    def rows(self, dataset: str, resource: str) -> list[Record]:
        key = (dataset, resource)
        if key not in self._rows:
            try:
                self._rows[key] = [
                    {k: _text(v) for k, v in row.items()} for row in self.reader.rows(*key)
                ]
            except Exception as exc:  # the reader's own error (SourceError) says what is missing
                raise MissingData(str(exc)) from exc
        return self._rows[key]


def _text(value: Any) -> str:
    # Rows handed to a derived source in tests may be Python values; the report reads text.
    if value is None:
        return ""
    return str(value)


def iter_year(rows: list[Record], year: int, field: str = "year") -> Iterator[Record]:
    text = str(year)
    return (r for r in rows if r.get(field) == text)
