"""The DCAT-AP catalog: parsed back with rdflib and checked for what harvesters rely on."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from example_sources import ExampleCatalog
from flask.testing import FlaskClient
from rdflib import Graph, URIRef
from rdflib import namespace as ns

from opendata.app import create_app
from opendata.pipeline.refresh import RunStatus, refresh
from opendata.services import Services
from opendata.sources.sync import registry_of

# rdflib's namespaces are used as ns.X, not imported by name: pytest probes module globals, and
# a closed namespace warns on every attribute it does not define.
HYDRA = "http://www.w3.org/ns/hydra/core#"
SPDX = "http://spdx.org/rdf/terms#"
SITE = "https://data.example.gov.cn"
FORMATS = {"jsonld": "json-ld", "ttl": "turtle", "rdf": "xml"}


class ArchiveCatalog(ExampleCatalog):
    name = "archive_catalog"
    title = "档案目录"
    description = "档案馆开放档案目录"
    publisher = "档案馆"
    license = "CC0-1.0"
    keywords = ("档案",)


class PermitCatalog(ExampleCatalog):
    name = "permit_catalog"
    title = "行政许可目录"
    description = "行政许可事项"
    publisher = "行政审批局"
    license = "ODbL-1.0"
    keywords = ("许可",)


NAMES = ["archive_catalog", "example_catalog", "permit_catalog"]


@pytest.fixture
def services(make_services: Callable[..., Any]) -> Services:
    services: Services = make_services(ExampleCatalog, ArchiveCatalog, PermitCatalog)
    for name in NAMES:
        assert refresh(services, name).status is RunStatus.PUBLISHED
    return services


def client_for(services: Services, config: dict[str, Any], **overrides: Any) -> FlaskClient:
    return create_app({**config, "SITE_URL": SITE, **overrides}).test_client()


@pytest.fixture
def client(services: Services, config: dict[str, Any]) -> FlaskClient:
    return client_for(services, config)


def parse(client: FlaskClient, path: str) -> Graph:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    ext = path.split("?")[0].rsplit(".", 1)[1]
    return Graph().parse(data=response.get_data(), format=FORMATS[ext])


def check_harvestable(graph: Graph) -> list[URIRef]:
    """The constraints DCAT-AP harvesters rely on; returns the datasets found."""
    datasets = [s for s in graph.subjects(ns.RDF.type, ns.DCAT.Dataset) if isinstance(s, URIRef)]
    for ds in datasets:
        assert graph.value(ds, ns.DCTERMS.title), ds
        assert graph.value(ds, ns.DCTERMS.description), ds
        publisher = graph.value(ds, ns.DCTERMS.publisher)
        assert publisher is not None and (publisher, ns.RDF.type, ns.FOAF.Agent) in graph
        assert graph.value(publisher, ns.FOAF.name)
        distributions = list(graph.objects(ds, ns.DCAT.distribution))
        assert distributions, ds
        for dist in distributions:
            assert (dist, ns.RDF.type, ns.DCAT.Distribution) in graph
            assert graph.value(dist, ns.DCAT.accessURL), dist
            assert graph.value(dist, ns.DCTERMS["format"]), dist
            assert graph.value(dist, ns.DCAT.mediaType), dist
            assert graph.value(dist, ns.DCTERMS.license), dist
            assert graph.value(dist, ns.DCTERMS.modified), dist
    return datasets


@pytest.mark.parametrize("ext", ["jsonld", "ttl", "rdf"])
def test_catalog_in_each_serialization(client: FlaskClient, ext: str) -> None:
    graph = parse(client, f"/catalog.{ext}")
    catalog = URIRef(f"{SITE}/catalog")
    assert (catalog, ns.RDF.type, ns.DCAT.Catalog) in graph
    assert graph.value(catalog, ns.DCTERMS.title)
    datasets = check_harvestable(graph)
    assert sorted(str(d) for d in datasets) == [f"{SITE}/dataset/{n}" for n in NAMES]
    assert set(graph.objects(catalog, ns.DCAT.dataset)) == set(datasets)


def test_distributions_per_download_with_size_and_checksum(
    client: FlaskClient, services: Services
) -> None:
    graph = parse(client, "/dataset/example_catalog.ttl")
    ds = URIRef(f"{SITE}/dataset/example_catalog")
    urls = {
        str(graph.value(d, ns.DCAT.downloadURL)) for d in graph.objects(ds, ns.DCAT.distribution)
    }
    api = f"{SITE}/api/v1/datasets/example_catalog"
    expected = {f"{api}/download.zip"} | {
        f"{api}/resources/{res}.{ext}"
        for res in ("entries", "channels")
        for ext in ("csv", "csv?bom=1", "json", "xlsx")
    }
    assert urls == expected
    current = services.catalog.current_version("example_catalog")
    assert current is not None
    csv_path = services.version_dir("example_catalog", current["id"]) / "entries.csv"
    dist = URIRef(f"{ds}/distribution/entries/csv")
    assert int(graph.value(dist, ns.DCAT.byteSize)) == csv_path.stat().st_size
    checksum = graph.value(dist, URIRef(SPDX + "checksum"))
    assert checksum is not None
    assert (
        str(graph.value(checksum, URIRef(SPDX + "algorithm"))) == SPDX + "checksumAlgorithm_sha256"
    )
    assert (
        str(graph.value(checksum, URIRef(SPDX + "checksumValue")))
        == hashlib.sha256(csv_path.read_bytes()).hexdigest()
    )
    assert (
        str(graph.value(dist, ns.DCTERMS.license)) == "https://creativecommons.org/licenses/by/4.0/"
    )
    assert str(graph.value(dist, ns.DCAT.mediaType)).endswith("/text/csv")
    # A generated download claims no size or checksum it cannot know.
    xlsx = URIRef(f"{ds}/distribution/entries/xlsx")
    assert graph.value(xlsx, ns.DCAT.byteSize) is None
    assert graph.value(xlsx, URIRef(SPDX + "checksum")) is None
    assert {str(k) for k in graph.objects(ds, ns.DCAT.keyword)} == {"测试", "公开目录"}
    assert str(graph.value(ds, ns.DCAT.landingPage)) == f"{SITE}/datasets/example_catalog"


@pytest.mark.parametrize("ext", ["jsonld", "ttl", "rdf"])
def test_paging_with_page_size_one_reaches_every_dataset(
    services: Services, config: dict[str, Any], ext: str
) -> None:
    client = client_for(services, config, DCAT_PAGE_SIZE=1)
    seen: list[str] = []
    url: str | None = f"/catalog.{ext}"
    pages = 0
    while url is not None:
        graph = parse(client, url.replace(SITE, ""))
        pages += 1
        datasets = check_harvestable(graph)
        assert len(datasets) == 1
        seen += [str(d) for d in datasets]
        views = list(graph.subjects(ns.RDF.type, URIRef(HYDRA + "PartialCollectionView")))
        assert len(views) == 1
        view = views[0]
        assert int(graph.value(view, URIRef(HYDRA + "totalItems"))) == 3
        assert int(graph.value(view, URIRef(HYDRA + "itemsPerPage"))) == 1
        assert str(graph.value(view, URIRef(HYDRA + "first"))) == f"{SITE}/catalog.{ext}?page=1"
        assert str(graph.value(view, URIRef(HYDRA + "last"))) == f"{SITE}/catalog.{ext}?page=3"
        following = graph.value(view, URIRef(HYDRA + "next"))
        url = str(following) if following is not None else None
        assert pages <= 3
    assert seen == [f"{SITE}/dataset/{n}" for n in NAMES]


def test_modified_since(services: Services, client: FlaskClient) -> None:
    everything = parse(client, "/catalog.ttl?modified_since=2000-01-01")
    assert len(check_harvestable(everything)) == 3
    nothing = parse(client, "/catalog.ttl?modified_since=2999-01-01T00:00:00Z")
    assert check_harvestable(nothing) == []
    # Republish one dataset: only it is newer than the others' publication.
    before = services.catalog.current_version("permit_catalog")
    assert before is not None
    since = before["created"].isoformat()
    registry_of(services).sources["example_catalog"].config["revision"] = 1
    assert refresh(services, "example_catalog").status is RunStatus.PUBLISHED
    graph = parse(client, f"/catalog.jsonld?modified_since={since.replace('+', '%2B')}")
    names = sorted(str(d).rsplit("/", 1)[1] for d in check_harvestable(graph))
    assert "example_catalog" in names and "archive_catalog" not in names


@pytest.mark.parametrize(
    ("path", "status", "kind"),
    [
        ("/catalog.ttl?page=0", 409, "Validation Error"),
        ("/catalog.ttl?page=abc", 409, "Validation Error"),
        ("/catalog.ttl?page=99", 404, "Not Found Error"),
        ("/catalog.jsonld?modified_since=yesterday", 409, "Validation Error"),
        ("/dataset/no_such.ttl", 404, "Not Found Error"),
        ("/dataset/NOT-a-name.jsonld", 404, "Not Found Error"),
        ("/dataset/no_such.schema.jsonld", 404, "Not Found Error"),
    ],
)
def test_bad_input_is_a_ckan_shaped_error(
    client: FlaskClient, path: str, status: int, kind: str
) -> None:
    response = client.get(path)
    assert response.status_code == status
    body = response.get_json()
    assert body["success"] is False and body["error"]["__type"] == kind


def test_dataset_document_is_the_dataset_alone(client: FlaskClient) -> None:
    graph = parse(client, "/dataset/archive_catalog.jsonld")
    datasets = check_harvestable(graph)
    assert [str(d) for d in datasets] == [f"{SITE}/dataset/archive_catalog"]
    publisher = graph.value(datasets[0], ns.DCTERMS.publisher)
    assert str(graph.value(publisher, ns.FOAF.name)) == "档案馆"
    assert (
        str(graph.value(datasets[0], ns.DCTERMS.license))
        == "https://creativecommons.org/publicdomain/zero/1.0/"
    )
