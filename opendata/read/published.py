"""Rows of the current published version of a dataset, for derived sources.

A derived source (the annual report) reads other published datasets through the
``context.datasets`` the core hands it; this is that reader. It reads the published CSV files,
never staging.
"""

from __future__ import annotations

from collections.abc import Iterator

from opendata.plugin import Row, SourceError
from opendata.services import Services
from opendata.typed_rows import published_rows

__all__ = ["PublishedReader"]


class PublishedReader:
    """Reads rows of the current published version of a dataset (for derived sources)."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def version(self, dataset: str) -> str | None:
        """The current version id of ``dataset``: a derived source cites it beside each figure."""
        current = self.services.catalog.current_version(dataset)
        return None if current is None else str(current["id"])

    def rows(self, dataset: str, resource: str) -> Iterator[Row]:
        """The resource's rows as values (int, Decimal, date, bool, None for empty), read by the
        one codec from the published file."""
        current = self.services.catalog.current_version(dataset)
        if current is None:
            raise SourceError(f"dataset {dataset!r} has no published version to read yet")
        folder = self.services.version_dir(dataset, current["id"])
        if not (folder / f"{resource}.csv").exists():
            raise SourceError(f"dataset {dataset!r} has no resource {resource!r}")
        yield from published_rows(folder, resource)
