"""DCAT-AP catalog and per-dataset RDF, and the schema.org view of a dataset.

``/catalog.jsonld|.ttl|.rdf`` pages the catalog (``?page=``, ``DCAT_PAGE_SIZE`` datasets a page,
100 by default; ``?modified_since=`` an ISO date or datetime) with Hydra paging links;
``/dataset/<name>.jsonld|.ttl|.rdf`` is one dataset; ``/dataset/<name>.schema.jsonld`` its
schema.org ``Dataset``. Bad input is answered with CKAN's error envelope, never a 500.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from flask import Blueprint, Response, current_app, request

from opendata.api.dcat.errors import DcatError, invalid, not_found
from opendata.api.dcat.formats import SERIALIZATIONS, PageLinks
from opendata.read.catalogue import Published, published_dataset, published_datasets
from opendata.read.schemaorg import DatasetNotFound, schema_org_dataset
from opendata.site import base_url, services

bp = Blueprint("dcat", __name__)

DEFAULT_PAGE_SIZE = 100


def _error(exc: DcatError) -> Response:
    body = {"help": request.base_url, "success": False, "error": exc.error_body()}
    return Response(orjson.dumps(body), exc.status, content_type="application/json;charset=utf-8")


def _guarded(view: Callable[..., Response]) -> Callable[..., Response]:
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        try:
            return view(*args, **kwargs)
        except DcatError as exc:
            return _error(exc)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def parse_since(text: str) -> datetime:
    """``2024-05-01`` or ``2024-05-01T08:00:00(+08:00|Z)``; naive times are UTC."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise invalid(
            "modified_since",
            f"{text!r} is not an ISO 8601 date or datetime "
            "(e.g. 2024-05-01 or 2024-05-01T08:00:00+08:00)",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _page_number() -> int:
    raw = request.args.get("page", "1")
    # isdigit alone lets through digits int() cannot read (² was a 500).
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise invalid("page", f"page must be a whole number from 1, not {raw!r}")
    return int(raw)


def _page_size() -> int:
    size = current_app.config.get("DCAT_PAGE_SIZE", DEFAULT_PAGE_SIZE)
    return max(1, int(size))


def _links(base: str, ext: str, page: int, last: int, total: int, size: int) -> PageLinks:
    extra = {}
    if request.args.get("modified_since"):
        extra["modified_since"] = request.args["modified_since"]

    def url(number: int) -> str:
        return f"{base}/catalog.{ext}?{urlencode({**extra, 'page': number})}"

    return PageLinks(
        this=url(page),
        first=url(1),
        last=url(last),
        next=url(page + 1) if page < last else None,
        previous=url(page - 1) if page > 1 else None,
        total=total,
        per_page=size,
    )


def catalog_view(ext: str) -> Response:
    """A page of the DCAT catalog, oldest name first, with Hydra paging."""
    since_text = request.args.get("modified_since")
    since = parse_since(since_text) if since_text else None
    page = _page_number()
    size = _page_size()
    datasets: list[Published] = [
        pub for pub in published_datasets(services()) if since is None or pub.modified >= since
    ]
    last = max(1, math.ceil(len(datasets) / size))
    if page > last:
        raise not_found(f"page {page} is beyond the last page, {last}")
    base = base_url()
    links = _links(base, ext, page, last, len(datasets), size)
    chosen = datasets[(page - 1) * size : page * size]
    from opendata.api.dcat.graph import catalog_graph, serialize  # rdflib on first use

    data, content_type = serialize(catalog_graph(chosen, base, current_app.config, links), ext)
    return Response(data, 200, content_type=content_type)


def dataset_view(name: str, ext: str) -> Response:
    """One dataset as DCAT (ext jsonld/ttl/rdf) or as schema.org (ext schema.jsonld)."""
    base = base_url()
    if ext == "schema.jsonld":
        try:
            body = schema_org_dataset(services(), name, base)
        except DatasetNotFound:
            raise not_found("Dataset not found") from None
        return Response(orjson.dumps(body), 200, content_type="application/ld+json; charset=utf-8")
    pub = published_dataset(services(), name)
    if pub is None:
        raise not_found("Dataset not found")
    from opendata.api.dcat.graph import dataset_graph, serialize  # rdflib on first use

    data, content_type = serialize(dataset_graph(pub, base, current_app.config), ext)
    return Response(data, 200, content_type=content_type)


@bp.after_request
def _cors(response: Response) -> Response:
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    return response


def _register() -> None:
    # One explicit rule per extension rather than a catch-all /dataset/<file>, which would shadow
    # the portal's own /dataset/... pages; names never contain a dot, so rules cannot overlap.
    for ext in SERIALIZATIONS:
        bp.add_url_rule(
            f"/catalog.{ext}", f"catalog_{ext}", _guarded(catalog_view), defaults={"ext": ext}
        )
        bp.add_url_rule(
            f"/dataset/<name>.{ext}",
            f"dataset_{ext}",
            _guarded(dataset_view),
            defaults={"ext": ext},
        )
    bp.add_url_rule(
        "/dataset/<name>.schema.jsonld",
        "dataset_schema_org",
        _guarded(dataset_view),
        defaults={"ext": "schema.jsonld"},
    )


_register()
