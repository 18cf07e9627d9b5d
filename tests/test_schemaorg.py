"""The schema.org ``Dataset``: the function the portal embeds and the endpoint that serves it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from example_sources import ExampleCatalog

from opendata.app import create_app
from opendata.pipeline.refresh import RunStatus, refresh
from opendata.read.schemaorg import DatasetNotFound, schema_org_dataset
from opendata.services import Services

BASE = "https://data.example.gov.cn"


@pytest.fixture
def services(make_services: Callable[..., Any]) -> Services:
    services: Services = make_services(ExampleCatalog)
    assert refresh(services, "example_catalog").status is RunStatus.PUBLISHED
    return services


def test_schema_org_dataset(services: Services) -> None:
    doc = schema_org_dataset(services, "example_catalog", BASE + "/")
    assert doc["@context"] == "https://schema.org/" and doc["@type"] == "Dataset"
    assert doc["name"] == "示例公开目录"
    assert doc["url"] == f"{BASE}/datasets/example_catalog"  # the portal's page
    assert doc["description"] == "核心测试使用的示例数据源"
    assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert doc["creator"] == {"@type": "Organization", "name": "测试机关"}
    current = services.catalog.current_version("example_catalog")
    assert current is not None
    assert doc["dateModified"] == current["created"].isoformat(timespec="seconds")
    assert doc["version"] == current["id"]
    urls = {d["contentUrl"]: d["encodingFormat"] for d in doc["distribution"]}
    api = f"{BASE}/api/v1/datasets/example_catalog"
    assert urls[f"{api}/resources/entries.csv"] == "text/csv"
    assert urls[f"{api}/resources/channels.json"] == "application/json"
    assert urls[f"{api}/download.zip"] == "application/zip"
    assert all(d["@type"] == "DataDownload" for d in doc["distribution"])
    csv_item = next(
        d for d in doc["distribution"] if d["contentUrl"] == f"{api}/resources/entries.csv"
    )
    path = services.version_dir("example_catalog", current["id"]) / "entries.csv"
    assert csv_item["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("name", ["no_such", "../etc", "", "Example"])
def test_unknown_or_invalid_name(services: Services, name: str) -> None:
    with pytest.raises(DatasetNotFound):
        schema_org_dataset(services, name, BASE)


def test_endpoint_serves_the_same_dict(services: Services, config: dict[str, Any]) -> None:
    client = create_app({**config, "SITE_URL": BASE}).test_client()
    response = client.get("/dataset/example_catalog.schema.jsonld")
    assert response.status_code == 200
    assert response.content_type.startswith("application/ld+json")
    assert response.get_json() == schema_org_dataset(services, "example_catalog", BASE)
