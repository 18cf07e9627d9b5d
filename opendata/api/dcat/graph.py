"""DCAT-AP graphs of the published catalog, built with rdflib.

A dataset has one distribution per download the native API offers — each resource as CSV, as
CSV for Excel (with a BOM), as JSON and as XLSX, and the whole package as a ZIP — each with its
media type, licence and modification time; the plain CSV, which is the published file itself,
also has its byte size and its sha256 (``spdx:checksum``) from the descriptor. The other
downloads are generated, so their size and checksum are not known in advance and are not
claimed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, XSD

from opendata.api.dcat.formats import SERIALIZATIONS, PageLinks
from opendata.licenses import LICENSES
from opendata.read.catalogue import Published
from opendata.read.links import (
    DOWNLOADS,
    ZIP_MEDIA_TYPE,
    download_url,
    landing_page,
    organization_name,
    package_zip_url,
)

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")
LANGUAGE_ZH = URIRef("http://publications.europa.eu/resource/authority/language/ZHO")
IANA = "http://www.iana.org/assignments/media-types/"
LANG = "zh"

#: JSON-LD output uses these prefixes, so that a reader sees ``dcat:Dataset`` not a full IRI.
CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "hydra": str(HYDRA),
    "spdx": str(SPDX),
    "vcard": str(VCARD),
    "owl": str(OWL),
    "xsd": str(XSD),
}


def new_graph() -> Graph:
    graph = Graph()
    for prefix, namespace in CONTEXT.items():
        graph.bind(prefix, namespace)
    return graph


def _dt(value: datetime) -> Literal:
    return Literal(value.isoformat(timespec="seconds"), datatype=XSD.dateTime)


def dataset_uri(base: str, name: str) -> URIRef:
    return URIRef(f"{base}/dataset/{name}")


def agent_uri(base: str, publisher: str, config: Mapping[str, Any]) -> URIRef:
    return URIRef(f"{base}/organization/{organization_name(publisher, config)}")


def add_agent(graph: Graph, uri: URIRef, name: str) -> URIRef:
    graph.add((uri, RDF.type, FOAF.Agent))
    graph.add((uri, RDF.type, FOAF.Organization))
    graph.add((uri, FOAF.name, Literal(name, lang=LANG)))
    return uri


def _license(graph: Graph, pub: Published) -> URIRef | None:
    lic = LICENSES.get(pub.license)
    if lic is None:
        return None
    uri = URIRef(lic["path"])
    graph.add((uri, RDF.type, DCTERMS.LicenseDocument))
    graph.add((uri, DCTERMS.title, Literal(lic["title"])))
    graph.add((uri, DCTERMS.identifier, Literal(lic["name"])))
    return uri


def _distribution(
    graph: Graph,
    uri: URIRef,
    url: str,
    title: str,
    media_type: str,
    file_type: str,
    license_uri: URIRef | None,
    modified: datetime,
) -> URIRef:
    graph.add((uri, RDF.type, DCAT.Distribution))
    graph.add((uri, DCTERMS.title, Literal(title, lang=LANG)))
    graph.add((uri, DCAT.accessURL, URIRef(url)))
    graph.add((uri, DCAT.downloadURL, URIRef(url)))
    graph.add((uri, DCAT.mediaType, URIRef(IANA + media_type)))
    graph.add((uri, DCTERMS["format"], FILE_TYPE[file_type]))
    graph.add((uri, DCTERMS.modified, _dt(modified)))
    if license_uri is not None:
        graph.add((uri, DCTERMS.license, license_uri))
    return uri


def _checksum(graph: Graph, dist: URIRef, resource: Mapping[str, Any]) -> None:
    algorithm, _, value = str(resource.get("hash") or "").partition(":")
    if algorithm != "sha256" or not value:
        return
    node = BNode()
    graph.add((dist, SPDX.checksum, node))
    graph.add((node, RDF.type, SPDX.Checksum))
    graph.add((node, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((node, SPDX.checksumValue, Literal(value, datatype=XSD.hexBinary)))


def add_dataset(graph: Graph, pub: Published, base: str, config: Mapping[str, Any]) -> URIRef:
    """Add ``pub`` as a ``dcat:Dataset`` with its publisher and distributions; returns its URI."""
    uri = dataset_uri(base, pub.name)
    graph.add((uri, RDF.type, DCAT.Dataset))
    graph.add((uri, DCTERMS.identifier, Literal(pub.name)))
    graph.add((uri, DCTERMS.title, Literal(pub.title, lang=LANG)))
    graph.add((uri, DCTERMS.description, Literal(pub.description or pub.title, lang=LANG)))
    graph.add((uri, DCTERMS.issued, _dt(pub.created)))
    graph.add((uri, DCTERMS.modified, _dt(pub.modified)))
    graph.add((uri, OWL.versionInfo, Literal(pub.version)))
    graph.add((uri, DCTERMS.language, LANGUAGE_ZH))
    graph.add((uri, DCAT.landingPage, URIRef(landing_page(base, pub.name))))
    for keyword in pub.keywords:
        graph.add((uri, DCAT.keyword, Literal(keyword, lang=LANG)))
    publisher = add_agent(graph, agent_uri(base, pub.publisher, config), pub.publisher)
    graph.add((uri, DCTERMS.publisher, publisher))
    contact = BNode()
    graph.add((uri, DCAT.contactPoint, contact))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal(pub.publisher, lang=LANG)))
    license_uri = _license(graph, pub)
    if license_uri is not None:
        graph.add((uri, DCTERMS.license, license_uri))

    for resource in pub.resources:
        name = str(resource["name"])
        title = str(resource.get("title") or name)
        for kind in DOWNLOADS:
            url = download_url(base, pub.name, name, kind.ext) + kind.query
            dist = _distribution(
                graph,
                URIRef(f"{uri}/distribution/{name}/{kind.key}"),
                url,
                f"{title}（{kind.label}）",
                kind.media_type,
                kind.file_type,
                license_uri,
                pub.modified,
            )
            graph.add((uri, DCAT.distribution, dist))
            if kind.key == "csv":  # the published file itself: its size and hash are known
                if resource.get("bytes") is not None:
                    graph.add(
                        (
                            dist,
                            DCAT.byteSize,
                            Literal(int(resource["bytes"]), datatype=XSD.nonNegativeInteger),
                        )
                    )
                _checksum(graph, dist, resource)
    zipped = _distribution(
        graph,
        URIRef(f"{uri}/distribution/package/zip"),
        package_zip_url(base, pub.name),
        f"{pub.title}（数据包 ZIP）",
        ZIP_MEDIA_TYPE,
        "ZIP",
        license_uri,
        pub.modified,
    )
    graph.add((uri, DCAT.distribution, zipped))
    return uri


def catalog_graph(
    datasets: Iterable[Published], base: str, config: Mapping[str, Any], links: PageLinks
) -> Graph:
    """A ``dcat:Catalog`` page with a Hydra ``PartialCollectionView`` for paging."""
    graph = new_graph()
    catalog = URIRef(f"{base}/catalog")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal(str(config.get("SITE_TITLE", "")), lang=LANG)))
    graph.add(
        (catalog, DCTERMS.description, Literal(str(config.get("SITE_DESCRIPTION", "")), lang=LANG))
    )
    graph.add((catalog, FOAF.homepage, URIRef(base + "/")))
    graph.add((catalog, DCTERMS.language, LANGUAGE_ZH))
    site_publisher = str(config.get("PUBLISHER") or config.get("SITE_TITLE", ""))
    graph.add(
        (catalog, DCTERMS.publisher, add_agent(graph, URIRef(f"{base}/#publisher"), site_publisher))
    )
    latest: datetime | None = None
    for pub in datasets:
        graph.add((catalog, DCAT.dataset, add_dataset(graph, pub, base, config)))
        latest = pub.modified if latest is None else max(latest, pub.modified)
    if latest is not None:
        graph.add((catalog, DCTERMS.modified, _dt(latest)))
    _paging(graph, links)
    return graph


def _paging(graph: Graph, links: PageLinks) -> None:
    # Typed both as Hydra's current PartialCollectionView (first/next/last) and the older
    # PagedCollection (firstPage/nextPage/lastPage) that ckanext-dcat harvesters still follow.
    view = URIRef(links.this)
    graph.add((view, RDF.type, HYDRA.PartialCollectionView))
    graph.add((view, RDF.type, HYDRA.PagedCollection))
    graph.add((view, HYDRA.totalItems, Literal(links.total, datatype=XSD.integer)))
    graph.add((view, HYDRA.itemsPerPage, Literal(links.per_page, datatype=XSD.integer)))
    for current, legacy, url in (
        (HYDRA.first, HYDRA.firstPage, links.first),
        (HYDRA.last, HYDRA.lastPage, links.last),
        (HYDRA.next, HYDRA.nextPage, links.next),
        (HYDRA.previous, HYDRA.previousPage, links.previous),
    ):
        if url is not None:
            graph.add((view, current, URIRef(url)))
            graph.add((view, legacy, Literal(url)))


def dataset_graph(pub: Published, base: str, config: Mapping[str, Any]) -> Graph:
    graph = new_graph()
    add_dataset(graph, pub, base, config)
    return graph


def serialize(graph: Graph, ext: str) -> tuple[bytes, str]:
    """The graph as ``ext`` (jsonld, ttl, rdf) and its content type."""
    fmt, content_type = SERIALIZATIONS[ext]
    if fmt == "json-ld":
        data = graph.serialize(format=fmt, context=CONTEXT, auto_compact=True)
    else:
        data = graph.serialize(format=fmt)
    return data.encode("utf-8"), f"{content_type}; charset=utf-8"
