"""Where things of a published dataset live: download URLs, the portal page, publisher slugs.

Shared by the three protocols and the portal so that every link to a file is spelled once.
``base`` is the site's absolute root (see :func:`opendata.site.base_url`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_SLUG = re.compile(r"^[a-z0-9_-]{2,100}$")


@dataclass(frozen=True)
class Download:
    """One kind of download of a resource: URL suffix, title suffix, media type, file type."""

    key: str
    ext: str
    query: str
    label: str
    media_type: str
    file_type: str


DOWNLOADS = (
    Download("csv", "csv", "", "CSV", "text/csv", "CSV"),
    Download("csv-excel", "csv", "?bom=1", "CSV，Excel 适用", "text/csv", "CSV"),
    Download("json", "json", "", "JSON", "application/json", "JSON"),
    Download(
        "xlsx",
        "xlsx",
        "",
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "XLSX",
    ),
)
ZIP_MEDIA_TYPE = "application/zip"


def organization_name(publisher: str, config: Mapping[str, Any] | None = None) -> str:
    """A CKAN slug for a publisher: configured, the publisher itself if already a slug, else a
    stable ``org-<hash>`` (CKAN names allow only ``[a-z0-9_-]``, and publishers are Chinese)."""
    names = (config or {}).get("CKAN", {}).get("organization_names", {})
    if publisher in names:
        return str(names[publisher])
    lowered = publisher.strip().lower()
    if _SLUG.match(lowered):
        return lowered
    return "org-" + hashlib.sha1(publisher.encode("utf-8")).hexdigest()[:10]


def download_url(base: str, dataset: str, resource: str, ext: str = "csv") -> str:
    return f"{base}/api/v1/datasets/{dataset}/resources/{resource}.{ext}"


def package_zip_url(base: str, dataset: str) -> str:
    return f"{base}/api/v1/datasets/{dataset}/download.zip"


def datapackage_url(base: str, dataset: str) -> str:
    return f"{base}/api/v1/datasets/{dataset}/datapackage.json"


def landing_page(base: str, name: str) -> str:
    """The portal's page of the dataset (opendata.web serves /datasets/<name>)."""
    return f"{base}/datasets/{name}"
