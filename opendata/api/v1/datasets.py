"""Catalogue and metadata: search, a dataset, its datapackage.json, a resource's dictionary."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Response, current_app, request

from opendata.api.v1 import schemas
from opendata.api.v1.base import ApiBlueprint, absolute
from opendata.api.v1.http import CACHE_CURRENT, CACHE_IMMUTABLE, VERSION_HEADER, json_response
from opendata.api.v1.openapi_doc import dataset_document
from opendata.read.freshness import dataset_freshness
from opendata.read.search import make_entry, search
from opendata.read.snapshot import Snapshot, dataset_row, read, version_info, version_row
from opendata.run_summary import public_runs
from opendata.services import Services
from opendata.site import services
from opendata.store import datastore

blp = ApiBlueprint(
    "datasets", __name__, url_prefix="/api/v1", description="Catalogue search and dataset metadata"
)


def dataset_url(name: str) -> str:
    return f"/api/v1/datasets/{name}"


def summary(row: dict[str, Any], descriptor: dict[str, Any] | None) -> dict[str, Any]:
    resources = (descriptor or {}).get("resources", [])
    return {
        "name": row["name"],
        "title": row["title"],
        "description": row["description"],
        "source": row["source"],
        "publisher": row["publisher"],
        "license": row["license"],
        "keywords": list(row["keywords"] or []),
        "schedule": row["schedule"],
        "current_version": row["current_version"],
        "created": row["created"],
        "modified": row["modified"],
        "resources": [
            {"name": r["name"], "title": r.get("title", ""), "rows": r.get("rows")}
            for r in resources
        ],
        "url": dataset_url(row["name"]),
    }


def with_version(response: Response, snapshot: Snapshot) -> Response:
    """Headers every snapshot-based response carries: its version and caching policy."""
    response.headers[VERSION_HEADER] = snapshot.id
    response.last_modified = snapshot.created
    response.headers["Cache-Control"] = CACHE_IMMUTABLE if snapshot.pinned else CACHE_CURRENT
    return response


@blp.route("/datasets")
@blp.arguments(schemas.DatasetSearchArgs, location="query", as_kwargs=True)
@blp.response(200, schemas.DatasetList)
@blp.errors(400)
def list_datasets(**args: Any) -> Response:
    """Search the catalogue: q in Chinese or English, facets, suggestions when nothing matches.

    q matches Chinese words inside longer ones, English words by prefix and stem (budget finds
    budgets), and a dataset's name. A search that finds nothing lists queries to try instead
    in suggestions (the catalogue's closest words).
    """
    svc = services()
    entries = []
    for row in svc.catalog.datasets():
        current = (
            version_row(svc, row["name"], row["current_version"])
            if row["current_version"]
            else None
        )
        descriptor = current["descriptor"] if current else None
        entries.append(make_entry(summary(row, descriptor), descriptor))
    filters = {f: args.get(f) for f in ("publisher", "source", "keyword", "license")}
    result = search(
        entries,
        q=args.get("q"),
        filters=filters,
        sort=args.get("sort"),
        offset=args["offset"],
        limit=args["size"],
    )
    next_url = None
    if args["offset"] + args["size"] < result.total:
        query = {k: v for k, v in request.args.items() if k != "_offset"}
        query["_offset"] = str(args["offset"] + args["size"])
        next_url = absolute("/api/v1/datasets?" + urlencode(query))
    body = {
        "total": result.total,
        "offset": args["offset"],
        "size": args["size"],
        "items": result.items,
        "facets": result.facets,
        "suggestions": result.suggestions,
        "next_url": next_url,
    }
    response = json_response(body)
    response.headers["Cache-Control"] = CACHE_CURRENT
    return response


def data_dictionary(resource: dict[str, Any]) -> list[dict[str, Any]]:
    """Each field: name, Chinese title, type, constraints, description, how it can be queried."""
    schema = resource.get("schema", {})
    pk = schema.get("primaryKey") or []
    keys = [pk] if isinstance(pk, str) else list(pk)
    searchable = set(datastore.searchable_fields(schema))
    return [
        {
            "name": f["name"],
            "title": f.get("title", ""),
            "type": f.get("type", "string"),
            "description": f.get("description", ""),
            "constraints": f.get("constraints", {}),
            "filterable": bool(f.get("filterable")) or f["name"] in keys[:1],
            "searchable": f["name"] in searchable,
            "primary_key": f["name"] in keys,
        }
        for f in schema.get("fields", [])
    ]


def resource_info(snapshot: Snapshot, resource: dict[str, Any]) -> dict[str, Any]:
    schema = resource.get("schema", {})
    pk = schema.get("primaryKey") or []
    base = f"{dataset_url(snapshot.name)}/resources/{resource['name']}"
    pin = f"?version={snapshot.id}" if snapshot.pinned else ""
    amp = "&" if pin else "?"
    return {
        "name": resource["name"],
        "title": resource.get("title", ""),
        "description": resource.get("description", ""),
        "version": snapshot.id,
        "rows": resource.get("rows"),
        "bytes": resource.get("bytes"),
        "hash": resource.get("hash"),
        "primary_key": [pk] if isinstance(pk, str) else list(pk),
        "foreign_keys": schema.get("foreignKeys", []),
        "fields": data_dictionary(resource),
        "links": {
            "self": base + pin,
            "rows": f"{base}/rows{pin}",
            "csv": f"{base}.csv{pin}",
            "csv_excel": f"{base}.csv{pin}{amp}bom=1",
            "json": f"{base}.json{pin}",
            "xlsx": f"{base}.xlsx{pin}",
        },
    }


def _last_run(svc: Services, name: str) -> dict[str, Any] | None:
    """The latest finished run as the public sees it: status, error kind and summary."""
    last = svc.catalog.last_run(name)
    if not last:
        return None
    shown = public_runs([last], svc.catalog.failure_reports([last["id"]]))[0]
    return {**shown, "url": f"/api/v1/runs/{last['id']}"}


@blp.route("/datasets/<name>")
@blp.response(200, schemas.DatasetDetail)
@blp.errors(400, 404)
def get_dataset(name: str) -> Response:
    """A dataset: metadata, resources with data dictionaries, versions, last run, freshness."""
    svc = services()
    row = dataset_row(svc, name)
    current = version_row(svc, name, row["current_version"]) if row["current_version"] else None
    body = summary(row, current["descriptor"] if current else None)
    snapshot = Snapshot(svc, row, current, pinned=False) if current else None
    body["version"] = snapshot.id if snapshot else None
    body["datapackage"] = current["descriptor"] if current else None
    body["resources"] = (
        [resource_info(snapshot, r) for r in snapshot.descriptor["resources"]] if snapshot else []
    )
    body["versions"] = [version_info(name, v) for v in svc.catalog.versions(name)]
    body["last_run"] = _last_run(svc, name)
    body["freshness"] = dataset_freshness(svc, name, row["schedule"], datetime.now(UTC))
    base = dataset_url(name)
    body["links"] = {
        "self": base,
        "datapackage": f"{base}/datapackage.json",
        "openapi": f"{base}/openapi.json",
        "download_zip": f"{base}/download.zip",
        "versions": f"{base}/versions",
        "runs": f"/api/v1/runs?dataset={name}",
    }
    response = json_response(body)
    response.headers["Cache-Control"] = CACHE_CURRENT
    if snapshot:
        response.headers[VERSION_HEADER] = snapshot.id
    return response


@blp.route("/datasets/<name>/datapackage.json")
@blp.arguments(schemas.VersionArgs, location="query", as_kwargs=True)
@blp.response(200, description="the Data Package descriptor (Data Package v2)")
@blp.errors(400, 404)
def get_datapackage(name: str, version: str | None = None) -> Response:
    """The version's ``datapackage.json``, as published."""

    def work(snapshot: Snapshot) -> Response:
        return with_version(json_response(snapshot.descriptor), snapshot)

    return read(services(), name, version, work)


@blp.route("/datasets/<name>/resources/<res>")
@blp.arguments(schemas.VersionArgs, location="query", as_kwargs=True)
@blp.response(200, schemas.Resource)
@blp.errors(400, 404)
def get_resource(name: str, res: str, version: str | None = None) -> Response:
    """A resource: its data dictionary (name, Chinese title, type, constraints…) and links."""

    def work(snapshot: Snapshot) -> Response:
        return with_version(
            json_response(resource_info(snapshot, snapshot.resource(res))), snapshot
        )

    return read(services(), name, version, work)


@blp.route("/datasets/<name>/openapi.json")
@blp.arguments(schemas.VersionArgs, location="query", as_kwargs=True)
@blp.response(200, description="an OpenAPI 3 document for this dataset alone")
@blp.errors(400, 404)
def get_dataset_openapi(name: str, version: str | None = None) -> Response:
    """This dataset's OpenAPI document, with a query parameter per field and operator.

    The paths of /api/v1/datasets/{name} with the name filled in, the rows and export paths
    once per resource, each with its fields' filters (category with its allowed values,
    published__gte …): feed it to a client generator to get typed calls for this dataset.
    """

    def work(snapshot: Snapshot) -> Response:
        api = current_app.extensions["opendata_api"]
        document = dataset_document(
            api.document(),
            snapshot.name,
            str(snapshot.descriptor.get("title") or snapshot.name),
            snapshot.descriptor.get("resources", []),
        )
        return with_version(json_response(document), snapshot)

    return read(services(), name, version, work)
