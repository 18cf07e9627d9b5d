"""The schema.org ``Dataset`` JSON-LD embedded in each dataset page (for search engines).

The document comes from the API's builder (:func:`opendata.read.schemaorg.
schema_org_dataset`), with the same base URL as ``/dataset/<name>.schema.jsonld``, so that the
embedded block and the served document are the same bytes of meaning and cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from opendata.read.schemaorg import DatasetNotFound, schema_org_dataset
from opendata.services import Services
from opendata.site import base_url


def dataset_jsonld(services: Services, name: str) -> dict[str, Any] | None:
    """The schema.org document for ``name``; None before its first published version.

    A dataset with nothing to download is not a schema.org ``Dataset`` that search engines should
    list, so its page carries no JSON-LD until the first publish.
    """
    try:
        return schema_org_dataset(services, name, base_url())
    except DatasetNotFound:
        return None
