"""Versions in the portal: one version's downloads, and what changed between two versions.

The change view pages through the change feed (``/api/v1/datasets/<name>/versions/<v>/changes``
reads the same :func:`opendata.read.table.changes`): rows added, changed (old → new, by field)
and removed, matched by the resource's primary key.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import abort, g, render_template, request

from opendata.read import table as rt
from opendata.read.errors import ReadError
from opendata.read.snapshot import Snapshot, VersionGone, check_version, resolve
from opendata.site import services
from opendata.store import query as rq
from opendata.web.cells import column, show
from opendata.web.views import bp

CHANGES_PER_PAGE = 50


def _snapshot(name: str, version: str) -> Snapshot:
    try:
        return resolve(services(), name, check_version(version))
    except ReadError:
        abort(404)


def _previous(name: str, version: str) -> str | None:
    """The kept version published just before ``version`` (ids sort by time)."""
    older = [v["id"] for v in services().catalog.versions(name) if v["id"] < version]
    return max(older) if older else None


@bp.get("/datasets/<name>/versions/<v>")
def version(name: str, v: str) -> str:
    snapshot = _snapshot(name, v)
    current = snapshot.dataset.get("current_version")
    return render_template(
        "version.html",
        ds=snapshot.dataset,
        snapshot=snapshot,
        is_current=current == snapshot.id,
        previous=_previous(name, snapshot.id),
        api=f"/api/v1/datasets/{name}",
    )


def _changes(old: Snapshot, new: Snapshot, res: str, after: str | None) -> Any:
    schema = new.resource(res).get("schema", {})
    old.resource(res)
    pk = schema.get("primaryKey") or []
    keys = [pk] if isinstance(pk, str) else list(pk)
    return rt.changes(
        new.services.engine,
        old.table(res),
        new.table(res),
        keys,
        limit=CHANGES_PER_PAGE,
        after=after,
    )


def _changes_or_error(old: Snapshot, new: Snapshot, res: str) -> tuple[Any, str | None]:
    try:
        return _changes(old, new, res, request.args.get("_next") or None), None
    except rq.QueryError as exc:
        return None, exc.code
    except (ReadError, rq.TableGone, VersionGone):
        abort(404)


def _next_url(old: Snapshot, res: str, token: str | None) -> str | None:
    if not token:
        return None
    args = {k: v for k, v in request.args.items() if k != "_next"}
    args.update({"since": old.id, "resource": res, "_next": token})
    return request.path + "?" + urlencode(args)


@bp.get("/datasets/<name>/versions/<v>/changes")
def changes(name: str, v: str) -> tuple[str, int]:
    new = _snapshot(name, v)
    since = request.args.get("since") or _previous(name, new.id)
    resources = [r["name"] for r in new.descriptor.get("resources", [])]
    res = request.args.get("resource") or (resources[0] if resources else "")
    if since is None or res not in resources:
        abort(404)
    old = _snapshot(name, since)
    page, error = _changes_or_error(old, new, res)
    resource = new.resource(res)
    lang = g.get("lang", "zh")
    return (
        render_template(
            "changes.html",
            ds=new.dataset,
            new=new,
            old=old,
            res=res,
            resource=resource,
            resources=new.descriptor.get("resources", []),
            columns=[column(f) for f in resource.get("schema", {}).get("fields", [])],
            page=page,
            error=error,
            next_url=_next_url(old, res, page.next if page is not None else None),
            versions=services().catalog.versions(name),
            show=lambda value, col: show(value, col, lang),
        ),
        400 if error and error != "no_primary_key" else 200,
    )
