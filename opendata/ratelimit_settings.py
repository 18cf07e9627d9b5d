"""The settings of rate limits (``[rate_limits]``) and of the trusted reverse proxies (``[proxy]``).

Kept apart from :mod:`opendata.ratelimit`, which needs Flask and Flask-Limiter, so that the
configuration schema (read by the CLI and the scheduler too) imports neither. The limit texts
are Flask-Limiter's (``"300/minute"``, ``"10/second;300/minute"``); an empty text leaves that
class of requests unlimited.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

#: The classes of requests that have a limit each, in the order the docs list them.
CLASSES = ("rows", "downloads", "ckan", "search")


def _meta(description: str, **extra: Any) -> dict[str, Any]:
    return {"description": description, **extra}


def _limit_text(value: str) -> None:
    if not value:
        return
    from limits import parse_many  # Flask-Limiter's own parser: what passes here is what runs

    try:
        parse_many(value)
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not a rate limit such as 300/minute") from exc


def _storage_uri(value: str) -> None:
    scheme = value.partition("://")[0]
    if scheme not in ("memory", "redis", "rediss", "redis+unix", "redis+sentinel"):
        raise ValidationError("not memory:// or a redis:// URL")


def _network(value: str) -> None:
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not an IP address or network") from exc


def _limit(default: str, description: str) -> fields.Field[Any]:
    return fields.String(
        load_default=default,
        validate=_limit_text,
        metadata=_meta(description, expects="a limit such as 300/minute or 10/second;300/minute"),
    )


class RateLimitsSchema(Schema):
    enabled = fields.Boolean(
        load_default=False,
        metadata=_meta("true: limit requests per client address (off on the embedded default)"),
    )
    storage_uri = fields.String(
        load_default="memory://",
        validate=_storage_uri,
        metadata=_meta(
            "where the counts live: memory:// (one node) or redis://host:6379/0 (shared by "
            "every node, so that a limit holds across them)",
            expects="memory:// or a redis:// URL",
        ),
    )
    rows = _limit("600/minute", "row queries (/api/v1 …/rows) per client address")
    downloads = _limit(
        "60/minute", "downloads (CSV, JSON, XLSX, zip, CKAN dump, report files) per client"
    )
    ckan = _limit("600/minute", "CKAN actions (/api/3/action/…) per client address")
    search = _limit("300/minute", "catalogue searches (/api/v1/datasets, the portal's q)")
    exempt_tokens = fields.Boolean(
        load_default=True,
        metadata=_meta("true: a request with a valid API token (Bearer) is never limited"),
    )


class ProxySchema(Schema):
    trusted = fields.List(
        fields.String(validate=_network),
        load_default=list,
        metadata=_meta(
            "addresses or networks of the reverse proxies whose X-Forwarded-For is believed "
            "(empty: the client is the peer address)",
            expects='a list of addresses or networks such as ["10.0.0.5", "10.0.1.0/24"]',
        ),
    )
    hops = fields.Integer(
        strict=True,
        load_default=1,
        validate=validate.Range(min=1),
        metadata=_meta("trusted proxies in a row in front of the web nodes (X-Forwarded-For)"),
    )
