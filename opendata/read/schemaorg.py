"""A schema.org ``Dataset`` for a published dataset, ready to embed in the portal's pages.

Search engines (Google Dataset Search, Baidu) read it from a ``<script type="application/ld+json">``
block; the portal calls :func:`schema_org_dataset` and embeds the dict, and
``/dataset/<name>.schema.jsonld`` serves the same dict.
"""

from __future__ import annotations

from typing import Any

from opendata.licenses import LICENSES
from opendata.read.catalogue import published_dataset
from opendata.read.links import (
    DOWNLOADS,
    ZIP_MEDIA_TYPE,
    download_url,
    landing_page,
    package_zip_url,
)
from opendata.services import Services


class DatasetNotFound(LookupError):
    """No published dataset of that name."""


def schema_org_dataset(services: Services, name: str, base_url: str) -> dict[str, Any]:
    """The schema.org ``Dataset`` of the current version of ``name``.

    ``base_url`` is the site's absolute root (e.g. ``https://data.example.gov.cn``): every URL in
    the result starts with it. Raises :class:`DatasetNotFound` for an unknown or unpublished
    dataset (or an invalid name).
    """
    pub = published_dataset(services, name)
    if pub is None:
        raise DatasetNotFound(name)
    base = base_url.rstrip("/")
    lic = LICENSES.get(pub.license)
    creator = {"@type": "Organization", "name": pub.publisher}
    distribution: list[dict[str, Any]] = []
    for resource in pub.resources:
        res = str(resource["name"])
        title = str(resource.get("title") or res)
        for kind in DOWNLOADS:
            item: dict[str, Any] = {
                "@type": "DataDownload",
                "name": f"{title}（{kind.label}）",
                "contentUrl": download_url(base, pub.name, res, kind.ext) + kind.query,
                "encodingFormat": kind.media_type,
            }
            if kind.key == "csv":  # the published file: its size and hash are known
                algorithm, _, digest = str(resource.get("hash") or "").partition(":")
                if algorithm == "sha256" and digest:
                    item["sha256"] = digest
                if resource.get("bytes") is not None:
                    item["contentSize"] = f"{int(resource['bytes'])} B"
            distribution.append(item)
    distribution.append(
        {
            "@type": "DataDownload",
            "name": f"{pub.title}（数据包 ZIP）",
            "contentUrl": package_zip_url(base, pub.name),
            "encodingFormat": ZIP_MEDIA_TYPE,
        }
    )
    dataset: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": f"{base}/dataset/{pub.name}",
        "identifier": pub.name,
        "url": landing_page(base, pub.name),
        "name": pub.title,
        "description": pub.description or pub.title,
        "keywords": list(pub.keywords),
        "creator": creator,
        "publisher": creator,
        "dateCreated": pub.created.isoformat(timespec="seconds"),
        "dateModified": pub.modified.isoformat(timespec="seconds"),
        "version": pub.version,
        "inLanguage": "zh-CN",
        "isAccessibleForFree": True,
        "distribution": distribution,
    }
    if lic is not None:
        dataset["license"] = lic["path"]
    return dataset
