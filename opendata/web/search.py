"""The catalogue page's search: the API's matcher over the catalog, plus what the page shows.

Matching and facet counting are :mod:`opendata.read.search`'s (CJK bigrams as in the datastore's
full-text index), so ``/?q=档案`` on the portal and ``/api/v1/datasets?q=档案`` always list the
same datasets. This module only gathers each dataset's current version for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from opendata.read.search import make_entry, search
from opendata.read.snapshot import version_row
from opendata.services import Services

FACETS = ("publisher", "keyword")


@dataclass(frozen=True)
class Found:
    """The datasets to list (catalog rows with ``version`` and ``resources`` added) and facets."""

    items: list[dict[str, Any]]
    facets: dict[str, list[tuple[str, int]]]


def find(services: Services, q: str = "", publisher: str = "", keyword: str = "") -> Found:
    """Datasets matching ``q`` and the facet filters: by relevance with a query, else by name."""
    entries = []
    for row in services.catalog.datasets():
        version = row.get("current_version")
        current = version_row(services, row["name"], version) if version else None
        descriptor = current["descriptor"] if current else None
        item = {
            **row,
            "version": current,
            "resources": [
                (res["name"], res.get("title") or res["name"])
                for res in (descriptor or {}).get("resources", [])
            ],
        }
        entries.append(make_entry(item, descriptor))
    result = search(
        entries,
        q=q or None,
        filters={"publisher": publisher or None, "keyword": keyword or None},
        limit=max(len(entries), 1),  # a body's catalogue is tens of datasets: one page
    )
    facets = {
        facet: [(f["value"], f["count"]) for f in result.facets.get(facet, [])] for facet in FACETS
    }
    return Found(result.items, facets)
