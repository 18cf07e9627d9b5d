"""How a published dataset becomes a CKAN package (and its resources, organization, tags).

Ids are uuid5 of stable names, so that a harvester sees the same package, resource and
organization across versions and across re-installs: the package id from the dataset name, a
resource id from ``<dataset>/<resource>``, the organization id from the publisher.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from opendata.licenses import LICENSES
from opendata.read.catalogue import Published, naive_iso
from opendata.read.links import datapackage_url, download_url, organization_name, package_zip_url

#: The namespace of every uuid5 we hand out; changing it would change every id harvesters hold.
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://opendata.invalid/ckan-compat")


def package_id(name: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"dataset/{name}"))


def resource_id(dataset: str, resource: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"resource/{dataset}/{resource}"))


def organization_id(publisher: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"organization/{publisher}"))


def tag_id(tag: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"tag/{tag}"))


# -- dicts ------------------------------------------------------------------------------------


def license_fields(license_name: str) -> dict[str, Any]:
    lic = LICENSES.get(license_name)
    if lic is None:
        # An unknown licence is reported as such rather than guessed: CKAN's "notspecified".
        return {
            "license_id": "notspecified",
            "license_title": "License not specified",
            "license_url": None,
            "isopen": False,
        }
    return {
        "license_id": lic["ckan_id"],
        "license_title": lic["title"],
        "license_url": lic["path"],
        "isopen": lic["isopen"],
    }


def organization_dict(
    publisher: str, created: str, config: Mapping[str, Any], package_count: int | None = None
) -> dict[str, Any]:
    name = organization_name(publisher, config)
    org: dict[str, Any] = {
        "id": organization_id(publisher),
        "name": name,
        "title": publisher,
        "display_name": publisher,
        "type": "organization",
        "description": "",
        "image_url": "",
        "created": created,
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
    }
    if package_count is not None:
        org["package_count"] = package_count
    return org


def tag_dicts(keywords: Iterable[str]) -> list[dict[str, Any]]:
    return [
        {"id": tag_id(k), "name": k, "display_name": k, "state": "active", "vocabulary_id": None}
        for k in keywords
    ]


def resource_dict(
    pub: Published, resource: Mapping[str, Any], position: int, base: str
) -> dict[str, Any]:
    name = str(resource["name"])
    created = naive_iso(pub.created)
    modified = naive_iso(pub.modified)
    return {
        "id": resource_id(pub.name, name),
        "package_id": package_id(pub.name),
        "url": download_url(base, pub.name, name),
        "name": resource.get("title") or name,
        "description": resource.get("description") or "",
        "format": "CSV",
        "mimetype": resource.get("mediatype") or "text/csv",
        "mimetype_inner": None,
        "size": resource.get("bytes"),
        "hash": resource.get("hash") or "",
        "position": position,
        "state": "active",
        "url_type": None,
        "resource_type": None,
        "created": created,
        "last_modified": modified,
        "metadata_modified": modified,
        "cache_url": None,
        "cache_last_updated": None,
        "datastore_active": True,
        # Resource extras (CKAN shows them at top level): our slug, the row count, and the Table
        # Schema, which ckanapi's --datapackages copies into the datapackage it writes.
        "resource_name": name,
        "rows": pub.rows.get(name),
        "schema": resource.get("schema"),
    }


def package_dict(pub: Published, base: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """A package dict with CKAN's default keys (``model_dictize.package_dictize``)."""
    created = naive_iso(pub.created)
    resources = [resource_dict(pub, r, i, base) for i, r in enumerate(pub.resources)]
    tags = tag_dicts(pub.keywords)
    org = organization_dict(pub.publisher, created, config)
    return {
        "id": package_id(pub.name),
        "name": pub.name,
        "title": pub.title,
        "type": "dataset",
        "state": "active",
        "private": False,
        "owner_org": org["id"],
        "creator_user_id": None,
        "author": pub.publisher or None,
        "author_email": None,
        "maintainer": None,
        "maintainer_email": None,
        **license_fields(pub.license),
        "notes": pub.description,
        "url": None,
        "version": pub.version,
        "metadata_created": created,
        "metadata_modified": naive_iso(pub.modified),
        "num_resources": len(resources),
        "num_tags": len(tags),
        "organization": org,
        "groups": [],
        "extras": [
            {"key": "source", "value": pub.source},
            {"key": "schedule", "value": pub.schedule},
            {"key": "datapackage_url", "value": datapackage_url(base, pub.name)},
            {"key": "download_zip_url", "value": package_zip_url(base, pub.name)},
        ],
        "tags": tags,
        "relationships_as_subject": [],
        "relationships_as_object": [],
        "resources": resources,
    }
