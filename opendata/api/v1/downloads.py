"""Whole-resource downloads (CSV, CSV for Excel, JSON, XLSX), the zipped package, and
filtered exports streamed from the datastore.

Whole files are sent from disk (sendfile): the published CSV itself, or a file derived from it
once per version (:mod:`opendata.read.exports`). Their strong ETag and Last-Modified come from the
version, so a revalidation is answered (304) without touching the file. Any filter, ``q``,
``_sort`` or ``fields`` makes an export of the matching rows, streamed from one server-side
cursor with constant memory.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from flask import Response, current_app, request, send_file

from opendata.api.v1 import schemas
from opendata.api.v1.base import ApiBlueprint
from opendata.api.v1.datasets import with_version
from opendata.api.v1.errors import ApiError
from opendata.api.v1.http import (
    accepts_gzip,
    content_disposition,
    gzip_chunks,
    ignore_unusable_range,
    not_modified,
    strong_etag,
    unchanged,
)
from opendata.api.v1.rows import check_filters, parse_filters, row_query
from opendata.read import exports, links, xlsx
from opendata.read.snapshot import Snapshot, read
from opendata.site import services
from opendata.store import query as rq

blp = ApiBlueprint(
    "downloads",
    __name__,
    url_prefix="/api/v1",
    description="Downloads of whole resources, filtered exports, the package",
)

EXPORT_RESERVED = {"q", "_sort", "_sort_desc", "fields", "version", "bom"}
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def _cache_root() -> Path:
    return Path(current_app.instance_path) / "cache" / "downloads"


def _filenames(snapshot: Snapshot, stem: str, title: str, ext: str) -> tuple[str, str]:
    ascii_name = f"{snapshot.name}-{stem}-{snapshot.id}.{ext}"
    title = _UNSAFE.sub("_", title).strip() or stem
    return ascii_name, f"{title}-{snapshot.id}.{ext}"


def _headers(response: Response, snapshot: Snapshot, names: tuple[str, str]) -> Response:
    with_version(response, snapshot)
    response.headers["Content-Disposition"] = content_disposition(*names)
    return response


#: Bumped when a derived format's content changes (XLSX sheets, the zip's README), so that an
#: ETag revalidated against an older build is not answered 304, and the cache file is new.
#: Part of the ETags and cache names of the files built here: bumped when their bytes change
#: (2: one time on every zip member and in the workbook's properties, no name in gzip headers).
FORMAT_REVISION = "2"


def _revision(fmt: str) -> str:
    return FORMAT_REVISION


def _sheet(resource: dict[str, Any]) -> str:
    return str(resource.get("title") or resource["name"])


def _licence_text(descriptor: dict[str, Any]) -> str:
    licence: dict[str, Any] = next(iter(descriptor.get("licenses") or []), {})
    return " ".join(
        x for x in (licence.get("title") or licence.get("name"), licence.get("path")) if x
    )


def _publisher(snapshot: Snapshot) -> str:
    found = [
        c.get("title", "")
        for c in snapshot.descriptor.get("contributors") or []
        if "publisher" in (c.get("roles") or [c.get("role")])
    ]
    return "、".join(p for p in found if p) or str(snapshot.dataset.get("publisher", ""))


def _about(
    snapshot: Snapshot, resource: dict[str, Any], filters: str = ""
) -> list[tuple[str, str]]:
    """The XLSX 说明 sheet: what the rows are, where they come from, and under which licence."""
    descriptor = snapshot.descriptor
    # SITE_URL when set; else links relative to the site: the cached workbook is shared by every
    # node and request, so it must not carry the host of whichever request built it first.
    base = str(current_app.config.get("SITE_URL") or "").rstrip("/")
    about = [
        ("数据集", f"{descriptor.get('title') or snapshot.name}（{snapshot.name}）"),
        ("数据资源", f"{resource.get('title') or resource['name']}（{resource['name']}）"),
        ("版本", snapshot.id),
        ("发布时间", snapshot.created.isoformat()),
        ("发布机构", _publisher(snapshot)),
        ("许可协议", _licence_text(descriptor)),
        ("数据来源", "；".join(s.get("title", "") for s in descriptor.get("sources") or [])),
        ("网址", links.landing_page(base, snapshot.name)),
        ("数据文件", links.download_url(base, snapshot.name, resource["name"], "csv")),
    ]
    if filters:
        about.append(("筛选条件", filters))
    return about


def _filtered(args: dict[str, Any]) -> bool:
    return bool(
        parse_filters(EXPORT_RESERVED)
        or args.get("q")
        or args.get("sort")
        or args.get("sort_desc")
        or args.get("fields_")
    )


def _derived(snapshot: Snapshot, filename: str, build: Any) -> Path:
    def keep() -> list[str]:
        return [v["id"] for v in snapshot.services.catalog.versions(snapshot.name)]

    return exports.derived(_cache_root(), snapshot.name, snapshot.id, filename, build, keep)


def _whole(snapshot: Snapshot, res: str, fmt: str, bom: bool) -> Response:
    resource = snapshot.resource(res)
    gz = fmt in ("csv", "json") and accepts_gzip()
    variant = f"{fmt}{'-bom' if bom else ''}{'-gz' if gz else ''}"
    etag = strong_etag(snapshot.version["hash"], res, variant, _revision(fmt))
    if unchanged(etag, snapshot.created):
        return with_version(not_modified(etag, snapshot.created, ""), snapshot)
    source = snapshot.file(resource["path"])
    schema = resource.get("schema", {})
    if fmt == "csv":
        path = source
        if bom:
            path = _derived(snapshot, f"{res}.bom.csv", exports.copy_with_bom(source))
        if gz:
            path = _derived(snapshot, f"{path.name}.r{FORMAT_REVISION}.gz", exports.gzip_of(path))
    elif fmt == "json":
        path = _derived(snapshot, f"{res}.json", exports.json_file(source, schema))
        if gz:
            path = _derived(snapshot, f"{res}.json.r{FORMAT_REVISION}.gz", exports.gzip_of(path))
    else:
        try:
            about = _about(snapshot, resource)
            build = xlsx.xlsx_file(source, schema, _sheet(resource), about, snapshot.created)
            path = _derived(snapshot, f"{res}.book.r{FORMAT_REVISION}.xlsx", build)
        except xlsx.TooManyRows as exc:
            raise ApiError(
                422, "too_many_rows", f"{exc}; download the CSV instead", resource=res
            ) from None
    ignore_unusable_range()
    response = send_file(
        path,
        mimetype=exports.MIMETYPES[fmt],
        conditional=True,
        etag=etag,
        last_modified=snapshot.created,
    )
    if gz:
        response.headers["Content-Encoding"] = "gzip"
    if fmt in ("csv", "json"):
        response.vary.add("Accept-Encoding")
    names = _filenames(
        snapshot, res, f"{snapshot.descriptor.get('title', '')}-{resource.get('title') or res}", fmt
    )
    return _headers(response, snapshot, names)


def _export(snapshot: Snapshot, res: str, fmt: str, args: dict[str, Any]) -> Response:
    """Matching rows streamed from the datastore (one cursor, constant memory)."""
    table = snapshot.table(res)
    resource = snapshot.resource(res)
    query = row_query(args, limit=1, reserved=EXPORT_RESERVED, include_id=False)
    check_filters(query, resource)  # an out-of-enum value or unknown operator is a 400 here too
    engine = snapshot.services.engine
    try:
        names = rq.check(engine, table, query)
    except rq.QueryError as exc:
        raise ApiError.from_query(exc) from None
    gz = fmt in ("csv", "json") and accepts_gzip()
    etag = strong_etag(
        snapshot.version["hash"],
        res,
        fmt,
        request.query_string.decode(),
        "gz" if gz else "",
        _revision(fmt),
    )
    if unchanged(etag, snapshot.created):
        return with_version(not_modified(etag, snapshot.created, ""), snapshot)
    rows = rq.stream(engine, table, query)
    # Start the statement now: a table pruned before this point is retried on the new
    # version; once it runs, its snapshot (SQLite) or lock (PostgreSQL) keeps the rows.
    first = next(rows, None)
    every: Iterator[dict[str, Any]] = chain([first] if first is not None else [], rows)
    title = f"{snapshot.descriptor.get('title', '')}-{resource.get('title') or res}-筛选"
    filenames = _filenames(snapshot, f"{res}-filtered", title, fmt)
    if fmt == "xlsx":
        spooled = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it
        by_name = {f["name"]: f for f in table.fields}
        try:
            about = _about(snapshot, resource, unquote_plus(request.query_string.decode()))
            fields = [by_name[n] for n in names]
            xlsx.write_xlsx(spooled, _sheet(resource), fields, every, about, snapshot.created)
        except xlsx.TooManyRows as exc:
            spooled.close()
            raise ApiError(
                422, "too_many_rows", f"{exc}; narrow the filters or use CSV", resource=res
            ) from None
        spooled.seek(0)
        response = send_file(
            spooled, mimetype=exports.MIMETYPES["xlsx"], etag=etag, last_modified=snapshot.created
        )
        return _headers(response, snapshot, filenames)
    if fmt == "csv":
        writers = exports.store_writers(table.fields, names)
        chunks = exports.csv_chunks(every, names, writers, bool(args.get("bom")))
    else:
        chunks = exports.json_chunks(every)
    response = Response(gzip_chunks(chunks) if gz else chunks, mimetype=exports.MIMETYPES[fmt])
    if gz:
        response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    response.set_etag(etag)
    return _headers(response, snapshot, filenames)


def _download(name: str, res: str, fmt: str, args: dict[str, Any]) -> Response:
    def work(snapshot: Snapshot) -> Response:
        snapshot.resource(res)  # a missing dataset or resource is a 404 before any 400
        if args.get("bom") and fmt != "csv":
            raise ApiError(
                400, "invalid_parameter", "bom applies to CSV downloads only", parameter="bom"
            )
        if _filtered(args):
            return _export(snapshot, res, fmt, args)
        return _whole(snapshot, res, fmt, bool(args.get("bom")))

    return read(services(), name, args.get("version"), work)


@blp.route("/datasets/<name>/resources/<res>.csv")
@blp.arguments(schemas.ExportArgs, location="query", as_kwargs=True)
@blp.response(200, description="CSV (UTF-8; with ?bom=1 a BOM for Excel)", content_type="text/csv")
@blp.errors(400, 404)
def get_csv(name: str, res: str, **args: Any) -> Response:
    """The resource as CSV; ``?bom=1`` for Excel; filters stream the matching rows."""
    return _download(name, res, "csv", args)


@blp.route("/datasets/<name>/resources/<res>.json")
@blp.arguments(schemas.ExportArgs, location="query", as_kwargs=True)
@blp.response(200, description="a JSON array of row objects")
@blp.errors(400, 404)
def get_json(name: str, res: str, **args: Any) -> Response:
    """The resource as a JSON array of row objects; filters stream the matching rows."""
    return _download(name, res, "json", args)


@blp.route("/datasets/<name>/resources/<res>.xlsx")
@blp.arguments(schemas.ExportArgs, location="query", as_kwargs=True)
@blp.response(
    200,
    description="an Excel workbook: the rows (Chinese titles as a frozen, filterable header), "
    "a 数据字典 sheet and a 说明 sheet",
    content_type=exports.MIMETYPES["xlsx"],
)
@blp.errors(400, 404, 422)
def get_xlsx(name: str, res: str, **args: Any) -> Response:
    """The resource as XLSX (built once per version); filters export the matching rows."""
    return _download(name, res, "xlsx", args)


@blp.route("/datasets/<name>/download.zip")
@blp.arguments(schemas.VersionArgs, location="query", as_kwargs=True)
@blp.response(200, description="the zipped Data Package", content_type="application/zip")
@blp.errors(400, 404)
def get_zip(name: str, version: str | None = None) -> Response:
    """The whole package: datapackage.json, every resource's CSV, the validation report, the
    CSVs with a BOM for Excel under excel/, and a README.txt saying which is which."""

    def work(snapshot: Snapshot) -> Response:
        etag = strong_etag(snapshot.version["hash"], "package.zip", FORMAT_REVISION)
        if unchanged(etag, snapshot.created):
            return with_version(not_modified(etag, snapshot.created, ""), snapshot)
        files = [
            "datapackage.json",
            *[r["path"] for r in snapshot.descriptor.get("resources", [])],
            "validation-report.json",
        ]
        build = exports.zip_file(snapshot.directory, files, snapshot.descriptor)
        path = _derived(snapshot, f"package.r{FORMAT_REVISION}.zip", build)
        ignore_unusable_range()
        response = send_file(
            path,
            mimetype="application/zip",
            conditional=True,
            etag=etag,
            last_modified=snapshot.created,
        )
        title = _UNSAFE.sub("_", snapshot.descriptor.get("title") or snapshot.name)
        names = (f"{snapshot.name}-{snapshot.id}.zip", f"{title}-{snapshot.id}.zip")
        return _headers(response, snapshot, names)

    reject_query = set(request.args) - {"version"}
    if reject_query:
        raise ApiError(
            400,
            "unknown_parameter",
            f"unknown query parameter {sorted(reject_query)[0]!r}; download.zip takes: version",
            parameter=sorted(reject_query)[0],
        )
    return read(services(), name, version, work)
