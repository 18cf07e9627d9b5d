"""Every core setting, typed: one marshmallow schema, its defaults and what each key means.

The loader (:mod:`opendata.config`) checks each layer of the configuration against it, the
``opendata config keys`` table in docs/operations.md is generated from it, and a test keeps the
two equal. A new setting is one field here, with ``load_default`` and a description.

Field names are the keys as an operator writes them in the TOML file (``keep_versions``); the
Flask config holds top-level keys upper-cased (``KEEP_VERSIONS``), nested ones as written
(``SCHEDULER["timezone"]``). Per-source options under ``sources.NAME`` are free-form here (each
source's own ``Config`` schema checks them at discovery) except the core's own per-source keys,
which are the fields of :class:`opendata.plugin.Source.Config` and typed by it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import Schema, ValidationError, fields, validate

from opendata.plugin import Source
from opendata.ratelimit_settings import ProxySchema, RateLimitsSchema

#: Source names are slugs: the URL and folder name of their dataset.
SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_IMPORT_PATH = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


def _described(field: fields.Field[Any], description: str, **extra: Any) -> fields.Field[Any]:
    field.metadata = {**field.metadata, "description": description, **extra}
    return field


def _positive_float(default: float, description: str) -> fields.Field[Any]:
    return _described(
        fields.Float(load_default=default, validate=validate.Range(min=0, min_inclusive=False)),
        description,
    )


def _sqlalchemy_url(value: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(value)
    except ArgumentError as exc:
        raise ValidationError("not a database URL") from exc


def _http_url(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError("not an http(s) URL")


def _http_url_or_empty(value: str) -> None:
    if value:
        _http_url(value)


def _time_zone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not a known time zone") from exc


def _schedule(value: str) -> None:
    # The scheduler's own parser, so that what passes here is what it runs; imported only when
    # a schedule is configured (APScheduler takes a few hundred ms to import).
    from zoneinfo import ZoneInfo

    from opendata.schedules.triggers import ScheduleError, make_trigger

    try:
        make_trigger(value, ZoneInfo("UTC"))
    except ScheduleError as exc:
        raise ValidationError(str(exc)) from exc


class HttpSchema(Schema):
    timeout = _positive_float(30.0, "seconds the HTTP client sources get waits for an origin")
    allowed_hosts = _described(
        fields.List(fields.String(), load_default=list),
        "hosts that client may reach besides those named in a source's own config",
    )


class SchedulerSchema(Schema):
    timezone = _described(
        fields.String(load_default="Asia/Shanghai", validate=_time_zone),
        "the time zone schedules are read in",
        expects="an IANA time zone name such as Asia/Shanghai or UTC",
    )
    misfire_grace_time = _described(
        fields.Integer(strict=True, load_default=3600, validate=validate.Range(min=600)),
        "seconds after its time a missed run is still made (catch-up after downtime)",
    )
    jitter = _described(
        fields.Integer(strict=True, load_default=60, validate=validate.Range(min=0)),
        "seconds of random delay, so that sources do not all start at once",
    )
    poll_seconds = _positive_float(2.0, "how often refreshes queued through the API are picked up")
    retries = _described(
        fields.Integer(strict=True, load_default=3, validate=validate.Range(min=0)),
        "extra attempts after a transient failure",
    )
    retry_backoff = _described(
        fields.Float(load_default=30.0, validate=validate.Range(min=0)),
        "seconds before the first retry; doubles each time",
    )
    lease_seconds = _positive_float(
        900.0, "a refresh lease not renewed for this long is taken over"
    )
    heartbeat_seconds = _positive_float(
        10.0, "/healthz calls the scheduler stale after 3 missed beats"
    )
    schedules = _described(
        fields.Dict(
            keys=fields.String(validate=validate.Regexp(SOURCE_NAME)),
            values=_described(
                fields.String(validate=_schedule),
                "a source's schedule",
                expects="a schedule: a 5-field crontab, 6 fields with seconds first, '@every 10m'",
            ),
            load_default=dict,
        ),
        "per-source overrides of the schedule the plugin declares",
        expects="a table of source name = schedule (5-field crontab, 6 fields, '@every 10m')",
    )
    webhook_url = _described(
        fields.String(load_default=None, allow_none=True, validate=_http_url),
        "URL a failed run is POSTed to (masked by `opendata config show`)",
        expects="an http(s) URL, or nothing",
        secret_url=True,
    )
    webhook_timeout = _positive_float(10.0, "seconds the webhook POST may take")
    workers = _described(
        fields.Integer(strict=True, load_default=4, validate=validate.Range(min=1)),
        "refreshes of different datasets that may run side by side",
    )


class ApiSchema(Schema):
    max_page_size = _described(
        fields.Integer(strict=True, load_default=1000, validate=validate.Range(min=1)),
        "the largest `_size` a row page of /api/v1 may ask for",
    )
    default_page_size = _described(
        fields.Integer(strict=True, load_default=100, validate=validate.Range(min=1)),
        "rows a page of /api/v1 holds when `_size` is not given (at most max_page_size)",
    )


def _limit(default: int, description: str) -> fields.Field[Any]:
    return _described(
        fields.Integer(strict=True, load_default=default, validate=validate.Range(min=1)),
        description,
    )


class LimitsSchema(Schema):
    """Bounds on what a request may ask and a published cell may hold: every search answers in
    bounded time because its input is bounded (a long repeated-word ``q`` took seconds per KB)."""

    max_query_chars = _limit(8192, "the longest query string (after `?`) any page or API accepts")
    max_q_chars = _limit(128, "the longest full-text `q` (and `__contains` / CKAN `q` value)")
    max_q_terms = _limit(6, "the most whitespace-separated terms of a `q`")
    max_term_chars = _limit(16, "the longest single term of a `q`")
    max_cell_bytes = _limit(
        1_048_576, "the largest published cell in bytes (UTF-8); a larger one fails validation"
    )
    max_search_seconds = _positive_float(
        1.5,
        "seconds a page of rows may take to read (a substring search reads every row); a "
        "longer one is stopped and answered with an error that says how to narrow it",
    )


class CkanSchema(Schema):
    organization_names = _described(
        fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict),
        "CKAN organization slug per publisher",
        expects="a table of publisher = slug",
    )


class ReportsSchema(Schema):
    paragraphs_path = _described(
        fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1)),
        "folder of the office's own paragraphs of the annual report, `<year>/<section>.md`",
        path=True,
        expects="a folder path, or nothing (every section is then marked to be filled in)",
    )


def _network(value: str) -> None:
    import ipaddress

    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError as exc:
        raise ValidationError(f"{value!r} is not an address or network") from exc


class MetricsSchema(Schema):
    """``/metrics`` (Prometheus): who may read it (see docs/operations.md, Metrics)."""

    enabled = _described(fields.Boolean(load_default=True), "serve /metrics at all")
    allowed_networks = _described(
        fields.List(fields.String(validate=_network), load_default=lambda: ["127.0.0.0/8", "::1"]),
        "client addresses (networks) that may read /metrics without a token",
        expects="a list of addresses or networks such as 10.0.0.0/8",
    )
    token = _described(
        fields.String(load_default=None, allow_none=True, validate=validate.Length(min=16)),
        "a bearer token that opens /metrics from any address (masked by `opendata config show`)",
        expects="text of at least 16 characters, or nothing",
    )


class LogsSchema(Schema):
    format = _described(
        fields.String(load_default="text", validate=validate.OneOf(["text", "json"])),
        "`json`: the web app's log records as one JSON object a line, with the request id",
        expects='"text" or "json"',
    )
    requests = _described(
        fields.Boolean(load_default=False),
        "log one line per request (method, path, status, time, request id)",
    )


#: Descriptions of the core's per-source options, which live in :class:`Source.Config`.
SOURCE_OPTION_DESCRIPTIONS = {
    "timeout": "seconds the source may take to yield its rows",
    "kill_after": "seconds the refresh process may run past `timeout` before it is killed",
    "memory_limit": "the refresh process's address-space limit in MiB (0: none)",
    "allow_shrink": "true: this source may always shrink or empty a resource",
    "shrink_fraction": "this source's own shrink guard share (default: the global one)",
}


class SettingsSchema(Schema):
    """The whole configuration; ``opendata config keys`` prints it as a table."""

    instance_path = _described(
        fields.String(validate=validate.Length(min=1)),
        "the SQLite catalog and download caches",
        path=True,
        default_text="./instance",
    )
    datasets_path = _described(
        fields.String(validate=validate.Length(min=1)),
        "published versions, `<datasets_path>/<name>/<version>/`",
        path=True,
        default_text="./datasets",
    )
    database_url = _described(
        fields.String(load_default=None, allow_none=True, validate=_sqlalchemy_url),
        "catalog and datastore; `postgresql+psycopg://…` for several hosts",
        expects="a SQLAlchemy URL such as postgresql+psycopg://user@host/db or sqlite:///path",
        default_text="SQLite in instance_path",
    )
    site_url = _described(
        fields.String(load_default="", validate=_http_url_or_empty),
        "base of absolute URLs in CKAN, DCAT and schema.org output (empty: the request's host)",
        expects="an http(s) URL, or empty",
    )
    site_title = _described(
        fields.String(load_default="政府信息公开数据开放平台", validate=validate.Length(min=1)),
        "shown by the portal and status_show",
    )
    site_description = _described(
        fields.String(
            load_default="政府信息公开目录、办事指南、财政预决算等公开数据的开放发布平台"
        ),
        "shown by the portal and status_show",
    )
    publisher = _described(
        fields.String(load_default=None, allow_none=True),
        "the publishing body when a source does not name one (CKAN organization, DCAT)",
    )
    sources_enabled = _described(
        fields.List(fields.String(validate=validate.Length(min=1)), load_default=lambda: ["*"]),
        "fnmatch globs of the installed sources to enable",
    )
    sources_extra = _described(
        fields.List(
            fields.String(validate=validate.Regexp(_IMPORT_PATH, error="not module:Class")),
            load_default=list,
        ),
        'sources by import path ("module:Class") besides the installed entry points',
        expects='a list of import paths such as ["mypackage.sources:MySource"]',
    )
    sources = _described(
        fields.Dict(keys=fields.String(validate=validate.Regexp(SOURCE_NAME)), load_default=dict),
        "per-source options, `[sources.NAME]`: the core's own (below) and the source's Config",
        expects="a table per source name",
    )
    keep_versions = _described(
        fields.Integer(strict=True, load_default=5, validate=validate.Range(min=2)),
        "published versions kept per dataset (the current one is never pruned)",
    )
    shrink_fraction = _described(
        fields.Float(load_default=0.5, validate=validate.Range(min=0, max=1)),
        "a refresh fails with `shrink` when a resource would lose more than this share of its "
        "rows, or all of them",
    )
    max_content_length = _described(
        fields.Integer(
            strict=True, load_default=1_048_576, allow_none=True, validate=validate.Range(min=1)
        ),
        "the largest request body in bytes the web app accepts (Flask's own setting; a larger "
        "one is refused with 413; none: no limit)",
    )
    dcat_page_size = _described(
        fields.Integer(strict=True, load_default=100, validate=validate.Range(min=1)),
        "datasets per page of /catalog.*",
    )
    http = fields.Nested(HttpSchema, load_default=dict)
    scheduler = fields.Nested(SchedulerSchema, load_default=dict)
    api = fields.Nested(ApiSchema, load_default=dict)
    ckan = fields.Nested(CkanSchema, load_default=dict)
    limits = fields.Nested(LimitsSchema, load_default=dict)
    reports = fields.Nested(ReportsSchema, load_default=dict)
    rate_limits = fields.Nested(RateLimitsSchema, load_default=dict)
    proxy = fields.Nested(ProxySchema, load_default=dict)
    metrics = fields.Nested(MetricsSchema, load_default=dict)
    logs = fields.Nested(LogsSchema, load_default=dict)


@cache
def settings_schema() -> SettingsSchema:
    """The schema, built once: building one deep-copies every field (a millisecond each time)."""
    return SettingsSchema()


@cache
def source_option_fields() -> Mapping[str, fields.Field[Any]]:
    """The core's per-source options: whatever :class:`Source.Config` declares."""
    return Source.Config().fields


def default_of(field: fields.Field[Any]) -> Any:
    """A field's default as a fresh value (callables are factories, as marshmallow has them)."""
    default = field.load_default
    return default() if callable(default) else default


def _range_text(rule: validate.Range) -> str:
    low = None if rule.min is None else ("of at least" if rule.min_inclusive else "above")
    if rule.min is not None and rule.max is not None:
        return f"from {rule.min} to {rule.max}"
    if rule.min is not None:
        return f"{low} {rule.min}"
    return f"of at most {rule.max}" if rule.max is not None else ""


_KIND = (
    (fields.Boolean, "true or false"),
    (fields.Integer, "an integer"),
    (fields.Float, "a number"),
    (fields.String, "text"),
    (fields.List, "a list"),
    (fields.Dict, "a table"),
    (fields.Nested, "a table"),
)


def expected(field: fields.Field[Any]) -> str:
    """What a field accepts, in words an operator reads: 'an integer of at least 2'."""
    if "expects" in field.metadata:
        return str(field.metadata["expects"])
    kind = next((text for cls, text in _KIND if isinstance(field, cls)), "a value")
    if isinstance(field, fields.List) and isinstance(field.inner, fields.String):
        kind = "a list of texts"
    rules = field.validators
    ranges = [_range_text(rule) for rule in rules if isinstance(rule, validate.Range)]
    text = " ".join([kind, *[r for r in ranges if r]])
    return f"{text}, or nothing" if field.allow_none else text
