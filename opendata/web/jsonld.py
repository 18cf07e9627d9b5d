"""The schema.org ``Dataset`` JSON-LD embedded in each dataset page (for search engines).

The API owns the canonical builder (``schema_org_dataset(services, name, base_url) -> dict`` in
:mod:`opendata.api.dcat` or an ``opendata.api.schemaorg*`` module, also served at
``/dataset/<name>.schema.jsonld``). The page uses it whenever it is installed, so the embedded
document and the served one are the same; :func:`build` is the portal's own rendering from the
descriptor, used only where that builder is absent or fails, so the page never breaks for it.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable, Mapping
from typing import Any

from opendata.licenses import LICENSES
from opendata.services import Services

log = logging.getLogger(__name__)

Builder = Callable[[Services, str, str], dict[str, Any]]


def api_builder() -> Builder | None:
    """The API's ``schema_org_dataset`` if one of the known modules defines it."""
    candidates = ["opendata.api.dcat"]
    try:
        api = importlib.import_module("opendata.api")
        candidates += [
            f"opendata.api.{m.name}"
            for m in pkgutil.iter_modules(api.__path__)
            if m.name.startswith("schemaorg")
        ]
    except ImportError:
        pass
    for module_name in candidates:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        func = getattr(module, "schema_org_dataset", None)
        if callable(func):
            return func
    return None


def dataset_jsonld(
    services: Services,
    dataset: Mapping[str, Any],
    version: Mapping[str, Any] | None,
    base_url: str,
) -> dict[str, Any]:
    """The API's document when it can make one, else :func:`build`'s."""
    builder = api_builder()
    if builder is not None:
        try:
            return builder(services, dataset["name"], base_url)
        except Exception:  # the page must render even if the API's builder has a bug
            log.exception("schema_org_dataset failed for %s; using the portal's", dataset["name"])
    return build(dataset, version, base_url)


def build(
    dataset: Mapping[str, Any], version: Mapping[str, Any] | None, base_url: str
) -> dict[str, Any]:
    """A schema.org ``Dataset`` from the catalog row and the current version's descriptor."""
    base = base_url.rstrip("/")
    name = dataset["name"]
    page = f"{base}/datasets/{name}"
    descriptor: Mapping[str, Any] = (version or {}).get("descriptor") or {}
    doc: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": page,
        "url": page,
        "identifier": name,
        "name": dataset["title"],
        "description": dataset.get("description") or dataset["title"],
        "inLanguage": "zh-CN",
        "isAccessibleForFree": True,
        "keywords": list(dataset.get("keywords") or []),
        "dateCreated": _iso(dataset.get("created")),
    }
    if dataset.get("publisher"):
        org = {"@type": "Organization", "name": dataset["publisher"]}
        doc["publisher"] = org
        doc["creator"] = org
    licence = _licence_url(dataset, descriptor)
    if licence:
        doc["license"] = licence
    if version:
        doc["version"] = version["id"]
        doc["dateModified"] = _iso(version.get("created"))
        api = f"{base}/api/v1/datasets/{name}"
        distribution = [
            {
                "@type": "DataDownload",
                "name": res.get("title") or res["name"],
                "encodingFormat": "text/csv",
                "contentUrl": f"{api}/resources/{res['name']}.csv",
            }
            for res in descriptor.get("resources", [])
        ]
        distribution.append(
            {
                "@type": "DataDownload",
                "encodingFormat": "application/zip",
                "contentUrl": f"{api}/download.zip",
            }
        )
        doc["distribution"] = distribution
        doc["variableMeasured"] = [
            {
                "@type": "PropertyValue",
                "name": fld.get("title") or fld["name"],
                "propertyID": fld["name"],
            }
            for res in descriptor.get("resources", [])
            for fld in res.get("schema", {}).get("fields", [])
        ]
    return {k: v for k, v in doc.items() if v not in (None, [], "")}


def _licence_url(dataset: Mapping[str, Any], descriptor: Mapping[str, Any]) -> str | None:
    for lic in descriptor.get("licenses") or []:
        if lic.get("path"):
            return str(lic["path"])
    known = LICENSES.get(dataset.get("license") or "")
    return known["path"] if known else None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else None
