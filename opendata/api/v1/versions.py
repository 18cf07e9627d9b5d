"""Versions of a dataset and the changes between two of them (for incremental sync)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Response, request

from opendata.api.v1 import schemas
from opendata.api.v1.base import ApiBlueprint, absolute, reject_extra
from opendata.api.v1.datasets import with_version
from opendata.api.v1.errors import ApiError
from opendata.api.v1.http import CACHE_CURRENT, VERSION_HEADER, json_response
from opendata.read.snapshot import (
    Snapshot,
    VersionGone,
    check_version,
    dataset_row,
    resolve,
    version_info,
)
from opendata.site import services
from opendata.store import changes as ch
from opendata.store import query as rq

blp = ApiBlueprint(
    "versions", __name__, url_prefix="/api/v1", description="Versions and changes between them"
)


@blp.route("/datasets/<name>/versions")
@blp.response(200, schemas.VersionList)
@blp.errors(400, 404)
def list_versions(name: str) -> Response:
    """The kept versions, newest first (ids sort by time)."""
    reject_extra(set())
    svc = services()
    row = dataset_row(svc, name)
    body = {
        "dataset": name,
        "current_version": row["current_version"],
        "versions": [version_info(name, v) for v in svc.catalog.versions(name)],
    }
    response = json_response(body)
    response.headers["Cache-Control"] = CACHE_CURRENT
    if row["current_version"]:
        response.headers[VERSION_HEADER] = row["current_version"]
    return response


@blp.route("/datasets/<name>/versions/<v>")
@blp.response(200, schemas.VersionDetail)
@blp.errors(400, 404)
def get_version(name: str, v: str) -> Response:
    """One version: row counts, size, hash, the run that made it, its descriptor."""
    reject_extra(set())
    snapshot = resolve(services(), name, check_version(v, "version"))
    body = {
        **version_info(name, snapshot.version),
        "descriptor": snapshot.descriptor,
    }
    return with_version(json_response(body), snapshot)


def _pick_resource(new: Snapshot, old: Snapshot, resource: str | None) -> str:
    names = [r["name"] for r in new.descriptor.get("resources", [])]
    if resource is None:
        if len(names) != 1:
            raise ApiError(
                400,
                "missing_parameter",
                f"dataset {new.name!r} has several resources; name one with "
                f"resource= ({', '.join(names)})",
                parameter="resource",
            )
        resource = names[0]
    new.resource(resource)
    old.resource(resource)
    return resource


@blp.route("/datasets/<name>/versions/<v>/changes")
@blp.arguments(schemas.ChangesArgs, location="query", as_kwargs=True)
@blp.response(200, schemas.ChangesPage)
@blp.errors(400, 404, 409)
def get_changes(name: str, v: str, **args: Any) -> Response:
    """Rows added, changed and removed between ``since`` and this version, by primary key."""
    svc = services()
    new = resolve(svc, name, check_version(v, "version"))
    old = resolve(svc, name, args["since"])
    res = _pick_resource(new, old, args.get("resource"))
    schema = new.resource(res).get("schema", {})
    pk = schema.get("primaryKey") or []
    keys = [pk] if isinstance(pk, str) else list(pk)
    try:
        old_table, new_table = old.table(res), new.table(res)
        page = ch.changes_page(
            svc.engine, old_table, new_table, keys, limit=args["size"], after=args.get("next")
        )
    except rq.QueryError as exc:
        status = 400 if exc.code == "invalid_token" else 409
        raise ApiError(status, exc.code, exc.message, **exc.details) from None
    except (rq.TableGone, VersionGone):
        raise ApiError(
            404,
            "unknown_version",
            f"version {args['since']!r} or {v!r} of {name!r} is no longer kept",
            dataset=name,
        ) from None
    next_url = None
    if page.next:
        params = [(k, val) for k, val in request.args.items(multi=True) if k != "_next"]
        params.append(("_next", page.next))
        next_url = absolute(request.path + "?" + urlencode(params))
    body = {
        "dataset": name,
        "resource": res,
        "version": new.id,
        "since": old.id,
        "fields_added": page.fields_added,
        "fields_removed": page.fields_removed,
        "changes": page.changes,
        "next": page.next,
        "next_url": next_url,
    }
    return with_version(json_response(body, next_url=next_url), new)
