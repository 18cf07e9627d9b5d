"""The DCAT endpoints' serialisations and paging links: what the routes need before any graph.

Kept apart from :mod:`.graph` so that a web worker imports rdflib only when a DCAT document is
first asked for (rdflib costs a worker several megabytes it may never need).
"""

from __future__ import annotations

from dataclasses import dataclass

SERIALIZATIONS = {
    "jsonld": ("json-ld", "application/ld+json"),
    "ttl": ("turtle", "text/turtle"),
    "rdf": ("pretty-xml", "application/rdf+xml"),
}


@dataclass(frozen=True)
class PageLinks:
    """The URLs of a catalog page and its neighbours (None where there is none)."""

    this: str
    first: str
    last: str
    next: str | None
    previous: str | None
    total: int
    per_page: int
