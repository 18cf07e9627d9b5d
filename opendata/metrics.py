"""``/metrics`` in Prometheus's text format: requests, downloads, refreshes, the scheduler.

Two kinds of figures:

- **per request**, counted by the worker that answered it: requests and their latency by
  endpoint class and status, bytes of downloads, requests refused by the rate limits
  (:func:`count_rate_limited`). Under gunicorn, prometheus_client's multiprocess mode adds up the
  workers (``PROMETHEUS_MULTIPROC_DIR``; ``deploy/gunicorn.conf.py`` sets it and marks dead
  workers), so any worker's answer covers the whole node.
- **from the catalog, at scrape time** (:mod:`opendata.metrics_catalog`): refresh runs by source
  and outcome, their duration, rows published, time since each source's last success, the
  scheduler's heartbeat age. Refreshes run in the scheduler's processes, often on another host,
  so only the catalog knows them; every node reports the same values (aggregate with ``max``).

The figures live in a registry of the app's own (``app.extensions["opendata_metrics"]``), so two
apps in one process (tests) never share counters.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import time
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from opendata.metrics_catalog import CatalogCollector, RunTotals

log = logging.getLogger(__name__)
EXTENSION = "opendata_metrics"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: Every request falls in exactly one of these (the ``endpoint`` label).
ENDPOINT_CLASSES = (
    "api_v1_rows",
    "api_v1_other",
    "download",
    "ckan",
    "dcat",
    "portal",
    "health",
    "metrics",
)
#: Seconds; a row page is answered in milliseconds, a cold XLSX export can take seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

_DOWNLOAD_ENDPOINTS = ("downloads.", "ckan_dump.")
_DOWNLOAD_SUFFIXES = (".docx", ".pdf")  # the annual report's documents


class Metrics:
    """The per-request figures of one app, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "opendata_http_requests",
            "HTTP requests answered, by endpoint class and status",
            ["endpoint", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "opendata_http_request_duration_seconds",
            "Time from the request's arrival to its response's headers, by endpoint class and "
            "status (a streamed body's transfer is not included)",
            ["endpoint", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.download_bytes = Counter(
            "opendata_download_bytes",
            "Bytes of download bodies sent (whole files, exports, CKAN dumps, report documents)",
            ["endpoint"],
            registry=self.registry,
        )
        #: The catalog's run totals, added up once per process and topped up at each scrape.
        self.run_totals = RunTotals()
        self.rate_limited = Counter(
            "opendata_rate_limited_requests",
            "Requests refused with 429 by the rate limits, by endpoint class",
            ["endpoint"],
            registry=self.registry,
        )

    def exposition(self, services: Any) -> bytes:
        """The text a scrape gets: this process's (or, under gunicorn, every worker's) figures
        and the catalog's."""
        if multiproc_dir():
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        else:
            registry = self.registry
        catalog = CollectorRegistry()
        catalog.register(CatalogCollector(services, self.run_totals))
        # Two registries, one text: the format is a sequence of independent families.
        return generate_latest(registry) + generate_latest(catalog)


def multiproc_dir() -> str | None:
    """The folder of prometheus_client's multiprocess mode, when the server set one."""
    return os.environ.get(MULTIPROC_ENV) or os.environ.get(MULTIPROC_ENV.lower()) or None


#: (class, endpoint prefixes, path prefixes, path suffixes): the first rule that matches wins;
#: a rule with suffixes needs a prefix and a suffix (the report's documents are downloads).
_RULES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    ("metrics", ("metrics",), (), ()),
    ("health", ("health.",), (), ()),
    ("api_v1_rows", ("rows.",), (), ()),
    ("download", _DOWNLOAD_ENDPOINTS, ("/datastore/dump/",), ()),
    ("download", ("reports.",), (), _DOWNLOAD_SUFFIXES),
    ("api_v1_other", (), ("/api/v1/",), ()),
    ("ckan", (), ("/api/3", "/api/action"), ()),
    ("dcat", ("dcat.",), ("/catalog.", "/dataset/"), ()),
)


_EXACT = {"/metrics": "metrics", "/healthz": "health", "/api/v1": "api_v1_other", "/api": "ckan"}


def endpoint_class(path: str, endpoint: str | None) -> str:
    """The ``endpoint`` label of a request: a fixed, small set, whatever the URL."""
    endpoint = endpoint or ""
    if path in _EXACT:
        return _EXACT[path]
    for name, endpoints, paths, suffixes in _RULES:
        prefixed = endpoint.startswith(endpoints) if endpoints else False
        prefixed = prefixed or (path.startswith(paths) if paths else False)
        if prefixed and (not suffixes or path.endswith(suffixes)):
            return name
    return "portal"


def count_rate_limited(endpoint: str | None = None) -> None:
    """Count one request refused by the rate limits (called by the limiter's breach handler).

    ``endpoint`` is a class of :data:`ENDPOINT_CLASSES`; without it, the current request's.
    Does nothing outside a request of an app that has metrics.
    """
    if not has_request_context():
        return
    metrics: Metrics | None = current_app.extensions.get(EXTENSION)
    if metrics is None:
        return
    if endpoint not in ENDPOINT_CLASSES:
        endpoint = endpoint_class(request.path, request.endpoint)
    metrics.rate_limited.labels(endpoint).inc()


def _started() -> None:
    g.od_started = time.perf_counter()


def _counting(body: Iterable[bytes | str], counter: Any) -> Iterator[bytes]:
    try:
        for chunk in body:
            # Encoded here as werkzeug would (UTF-8), so that bytes are counted, not characters.
            data = chunk.encode() if isinstance(chunk, str) else chunk
            counter.inc(len(data))
            yield data
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


def _count_download(response: Response, counter: Any) -> None:
    if request.method != "GET" or response.status_code not in (200, 206):
        return
    if response.content_length is not None:
        # A file sent with sendfile: its length is known and the file is not touched here.
        counter.inc(response.content_length)
    elif response.is_streamed:
        response.response = _counting(response.response, counter)


def _record(response: Response) -> Response:
    metrics: Metrics = current_app.extensions[EXTENSION]
    endpoint = endpoint_class(request.path, request.endpoint)
    g.od_endpoint_class = endpoint
    status = str(response.status_code)
    started = g.get("od_started")
    if started is not None:
        metrics.latency.labels(endpoint, status).observe(time.perf_counter() - started)
    metrics.requests.labels(endpoint, status).inc()
    if endpoint == "download":
        _count_download(response, metrics.download_bytes.labels(endpoint))
    return response


def _allowed(settings: dict[str, Any]) -> bool:
    token = settings.get("token")
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    if _forwarded_untrusted():
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(net, strict=False)
        for net in settings.get("allowed_networks") or ()
    )


_FORWARDING = ("X-Forwarded-For", "X-Real-IP", "Forwarded")


def _forwarded_untrusted() -> bool:
    """A request relayed by a proxy not in ``proxy.trusted``: its peer is the proxy (on this
    host, in the allowed loopback network), not the client, so the address proves nothing. A
    trusted proxy's request has been rewritten by ProxyFix to the client's own address."""
    relayed = any(name in request.headers for name in _FORWARDING)
    return relayed and "werkzeug.proxy_fix.orig" not in request.environ


def metrics_view() -> Response:
    """Serve the figures to allowed addresses or the token's holder; 403 to anyone else."""
    settings = current_app.config.get("METRICS") or {}
    if not _allowed(settings):
        return Response(
            "/metrics is restricted to metrics.allowed_networks or metrics.token\n",
            403,
            content_type="text/plain; charset=utf-8",
        )
    metrics: Metrics = current_app.extensions[EXTENSION]
    try:
        body = metrics.exposition(current_app.extensions["opendata"])
    except Exception:  # e.g. a worker's file in the multiprocess folder that cannot be read
        log.exception("/metrics could not be collected")
        return Response(
            "/metrics could not be collected; see the server log\n",
            503,
            content_type="text/plain; charset=utf-8",
        )
    response = Response(body, 200, content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Count every request (the clock starts before any other hook) and serve ``/metrics``."""
    folder = multiproc_dir()
    if folder:
        # prometheus_client writes a file per worker there and fails every count without it.
        os.makedirs(folder, exist_ok=True)
    app.extensions[EXTENSION] = Metrics()
    app.before_request_funcs.setdefault(None, []).insert(0, _started)
    app.after_request(_record)
    if (app.config.get("METRICS") or {}).get("enabled", True):
        app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
