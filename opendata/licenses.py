"""Licences a dataset may carry, with the titles and URLs that descriptors, CKAN and DCAT show."""

from __future__ import annotations

from typing import TypedDict


class License(TypedDict):
    name: str
    title: str
    path: str
    ckan_id: str
    isopen: bool


LICENSES: dict[str, License] = {
    "CC-BY-4.0": {
        "name": "CC-BY-4.0",
        "title": "Creative Commons Attribution 4.0",
        "path": "https://creativecommons.org/licenses/by/4.0/",
        "ckan_id": "cc-by",
        "isopen": True,
    },
    "CC0-1.0": {
        "name": "CC0-1.0",
        "title": "Creative Commons CCZero",
        "path": "https://creativecommons.org/publicdomain/zero/1.0/",
        "ckan_id": "cc-zero",
        "isopen": True,
    },
    "ODC-BY-1.0": {
        "name": "ODC-BY-1.0",
        "title": "Open Data Commons Attribution License",
        "path": "https://opendatacommons.org/licenses/by/1-0/",
        "ckan_id": "odc-by",
        "isopen": True,
    },
    "ODbL-1.0": {
        "name": "ODbL-1.0",
        "title": "Open Data Commons Open Database License (ODbL)",
        "path": "https://opendatacommons.org/licenses/odbl/1-0/",
        "ckan_id": "odc-odbl",
        "isopen": True,
    },
}
