"""HTTP details shared by the /api/v1 views: caching headers, conditionals, gzip, filenames.

Caching policy (documented for operators in docs/api.md):

- responses about *the current version* may change at the next refresh: a short ``max-age`` and
  ``must-revalidate``, so caches come back with ``If-None-Match`` and usually get a 304;
- responses addressed to *one version* (``?version=…``, ``/versions/<v>``) never change:
  ``immutable`` with a year's ``max-age``.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import quote

from flask import Response, request
from werkzeug.http import is_resource_modified, parse_range_header

from opendata.codec import json_bytes

CURRENT_MAX_AGE = 60
CACHE_CURRENT = f"public, max-age={CURRENT_MAX_AGE}, must-revalidate"
CACHE_IMMUTABLE = "public, max-age=31536000, immutable"
CACHE_NONE = "no-cache"
VERSION_HEADER = "X-Opendata-Version"
GZIP_MIN_BYTES = 1024
_CONDITIONAL = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_MATCH")
_GZIP_TYPES = ("application/json", "text/csv", "text/plain", "application/ld+json")


def json_response(data: Any, status: int = 200, *, next_url: str | None = None) -> Response:
    """A JSON response; ``next_url`` (the following page) also goes into a ``Link`` header."""
    response = Response(
        json_bytes(data),  # integers beyond 64 bits (the datastore keeps them) stay exact
        status=status,
        mimetype="application/json",
    )
    if next_url:
        response.headers["Link"] = f'<{next_url}>; rel="next"'
    return response


def strong_etag(*parts: str) -> str:
    """A strong validator from things that determine the bytes (version hash, variant)."""
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


def unchanged(etag: str, last_modified: datetime | None) -> bool:
    """True when the request's If-None-Match / If-Modified-Since say the client is current."""
    return not is_resource_modified(request.environ, etag=etag, last_modified=last_modified)


def not_modified(etag: str, last_modified: datetime | None, cache: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    if last_modified is not None:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = cache
    return response


def accepts_gzip() -> bool:
    # werkzeug's Accept is typed as pairs but answers membership and quality by name.
    return request.accept_encodings["gzip"] > 0


def gzip_chunks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Compress a stream as it goes (constant memory)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: gzip container
    for chunk in chunks:
        out = compressor.compress(chunk)
        if out:
            yield out
    yield compressor.flush()


def content_disposition(ascii_name: str, utf8_name: str, inline: bool = False) -> str:
    """``attachment`` with an ASCII fallback and an RFC 5987 UTF-8 ``filename*``."""
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(utf8_name, safe='')}"


def finish_json(response: Response) -> Response:
    """gzip (when accepted and worth it) and a strong body ETag, then 304 when the client has it.

    Called for every buffered JSON response of /api/v1 (see ``opendata.api.init_app``).
    """
    if (
        response.status_code != 200
        or response.direct_passthrough
        or response.is_streamed
        or response.mimetype not in _GZIP_TYPES
    ):
        return response
    body = response.get_data()
    if "ETag" not in response.headers:
        response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.vary.add("Accept-Encoding")
    encoded = "Content-Encoding" in response.headers
    if len(body) >= GZIP_MIN_BYTES and accepts_gzip() and not encoded:
        response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
        etag, weak = response.get_etag()
        if etag and not weak:
            response.set_etag(f"{etag}-gz")
    # Only a conditional request can get a 304: werkzeug's check parses dates and sets a Date
    # header (gunicorn sends its own), a tenth of a small response's cost when nothing asks.
    if any(header in request.environ for header in _CONDITIONAL):
        response.make_conditional(request)
    return response


def ignore_unusable_range() -> None:
    """Drop a ``Range`` header that is not one well-formed byte range, so the whole file is
    sent (200). RFC 9110 §14.2 lets a server ignore a Range it cannot or will not serve;
    werkzeug answered ``bytes=abc``, other units and multiple ranges with 416, which told a
    client its request could never succeed. A single range beyond the end stays 416."""
    header = request.headers.get("Range")
    if header is None:
        return
    parsed = parse_range_header(header)
    if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
        request.environ.pop("HTTP_RANGE", None)
