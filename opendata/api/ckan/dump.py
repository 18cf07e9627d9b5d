"""``/datastore/dump/<resource_id>``: a whole (or filtered) resource as CSV, TSV or JSON, streamed.

As in ``ckanext/datastore/blueprint.py``: a header row of field ids (``_id`` first), ``bom=true``
prefixes U+FEFF, JSON is ``{"fields": [...], "records": [[...], ...]}``; bad arguments are a 400
and an unknown resource a 404, both as plain text.

A CSV dump of the whole resource (no filters, fields, sort, limit or offset) is the published
file itself with the row number put before each record, so it equals the file byte for byte
after its ``_id`` column. Any other dump is written from the datastore, each cell by its field's
codec, from one server-side cursor (:func:`opendata.store.query.stream`): memory stays constant
however large the resource.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

import orjson
from flask import Blueprint, Response, current_app, request

from opendata.api.ckan import params as p
from opendata.api.ckan.errors import CkanError, NotFound
from opendata.api.ckan.rows import Request, Target, build_query, ckan_fields, resolve
from opendata.read.errors import ReadError
from opendata.read.exports import BOM, csv_chunks, dumps, store_writers
from opendata.read.snapshot import primed, retry_pruned
from opendata.services import Services
from opendata.store import query as rq

bp = Blueprint("ckan_dump", __name__)

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "json": "application/json; charset=utf-8",
}
BATCH = 500  # rows per chunk written to the socket


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status, content_type="text/plain; charset=utf-8")


@bp.get("/datastore/dump/<resource_id>")
def dump(resource_id: str) -> Response:
    args: dict[str, Any] = {k: request.args.get(k) for k in request.args}
    fmt = (args.pop("format", None) or "csv").lower()
    if fmt not in FORMATS:
        return _text(f"format: must be one of {', '.join(FORMATS)}, not {fmt!r}", 400)
    services: Services = current_app.extensions["opendata"]
    try:
        bom = p.boolean(args, "bom", False)
        limit = p.natural(args, "limit", -1) if args.get("limit") not in (None, "") else None
        offset = p.natural(args, "offset", 0)
        parsed = build_query(args, limit=1, offset=0)
        whole = fmt == "csv" and not set(args) - {"bom"}
        target, chunks = retry_pruned(
            lambda: resolve(services, resource_id),
            lambda t: (t, _chunks(services, t, parsed, fmt, whole, bom, offset, limit)),
            f"resource {resource_id!r}",
        )
    except NotFound:
        return _text("DataStore resource not found", 404)
    except CkanError as exc:
        return _text(str(exc.error_body().get("message") or exc), 400)
    except rq.QueryError as exc:
        return _text(exc.message, 400)
    except ReadError as exc:
        return _text(exc.message, exc.status)
    # The generators hold the services and the table, not the request: no request context needed
    # while streaming (stream_with_context would keep one alive for the whole download).
    response = Response(chunks, 200, content_type=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{target.id}.{fmt}"'
    return response


def _chunks(
    services: Services,
    target: Target,
    parsed: Request,
    fmt: str,
    whole: bool,
    bom: bool,
    offset: int,
    limit: int | None,
) -> Iterator[bytes]:
    """The dump's body, opened now: the published file, or the rows with the first one read, so
    that a version pruned under the request is found inside the retry rule."""
    names = rq.check(services.engine, target.table, parsed.query)
    published = _published_file(services, target) if whole else None
    if published is not None:
        return _numbered(published, bom)
    rows = primed(_rows(services, target, parsed, offset, limit))
    if fmt == "json":
        return _with_bom(_json(target, names, rows)) if bom else _json(target, names, rows)
    writers = store_writers(target.table.fields, names)
    return csv_chunks(rows, names, writers, bom, delimiter="," if fmt == "csv" else "\t")


def _published_file(services: Services, target: Target) -> IO[bytes] | None:
    """The resource's published CSV, opened now (a version pruned later stays readable); None
    for a resource without a file. A file gone since the resource was resolved raises
    FileNotFoundError: its version was pruned, and the retry rule reads the new one."""
    resource = target.dataset.resource(target.resource)
    if resource is None or not resource.get("path"):
        return None
    path = services.version_dir(target.dataset.name, target.dataset.version) / resource["path"]
    return Path(path).open("rb")


def _numbered(fh: IO[bytes], bom: bool) -> Iterator[bytes]:
    """The file with ``_id,`` before its header and ``N,`` before its N-th record.

    A record ends at a line end outside quotes: where the count of ``"`` so far is even
    (a quote inside a quoted cell is doubled, so it never changes the parity)."""
    with fh:
        parts: list[bytes] = [BOM] if bom else []
        number = -1  # the header is record 0, prefixed "_id"
        quotes = 0
        for line in fh:
            if quotes % 2 == 0:
                number += 1
                parts.append(b"_id," if number == 0 else b"%d," % number)
            quotes += line.count(b'"')
            parts.append(line)
            if len(parts) >= 2 * BATCH:
                yield b"".join(parts)
                parts = []
        yield b"".join(parts)


def _rows(
    services: Services, target: Target, parsed: Request, offset: int, limit: int | None
) -> Iterator[dict[str, Any]]:
    rows: Iterator[dict[str, Any]] = rq.stream(services.engine, target.table, parsed.query)
    if parsed.id_after is not None:
        after = parsed.id_after
        rows = (row for row in rows if row["_id"] > after)
    stop = None if limit is None else offset + limit
    return islice(rows, offset, stop)


def _json(target: Target, names: list[str], rows: Iterator[dict[str, Any]]) -> Iterator[bytes]:
    yield b'{"fields":' + orjson.dumps(ckan_fields(target.table, names)) + b',"records":['
    parts: list[bytes] = []
    first = True
    for row in rows:
        parts.append((b"" if first else b",") + dumps([row[n] for n in names]))
        first = False
        if len(parts) >= BATCH:
            yield b"".join(parts)
            parts = []
    yield b"".join(parts) + b"]}"


def _with_bom(chunks: Iterator[bytes]) -> Iterator[bytes]:
    yield "\ufeff".encode()
    yield from chunks
