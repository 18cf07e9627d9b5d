"""Rate limits per client address (Flask-Limiter) and the trusted reverse proxies (ProxyFix).

Four classes of requests each have a limit of their own (``[rate_limits]``): row queries,
downloads, CKAN actions and catalogue searches. Each is one Flask-Limiter application limit with
a shared scope, exempt unless the request is of its class, so that every endpoint of a class
draws from one bucket per client (paging 1,000 rows at a time through two routes is still one
client's row queries). Counts live in memory (one node) or in Redis (several nodes: the limit
then holds across them). Off on the embedded default; the production recipe turns it on.

The client is ``request.remote_addr``. Behind nginx that is the proxy, so ``[proxy] trusted``
names the proxies whose ``X-Forwarded-For`` is believed: werkzeug's ProxyFix, with
``proxy.hops``, runs only for a request whose peer is one of them. Anyone else's header is
ignored, or a client could pick a fresh address per request and never be limited.

A limited request is answered 429 with ``Retry-After`` in the envelope of the protocol asked:
the /api/v1 error envelope, CKAN's ``{help, success: false, error}``, plain text elsewhere.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import logging
import math
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import orjson
from flask import Flask, Response, current_app, request
from flask_limiter import ApplicationLimit, Limiter, RateLimitExceeded, RequestLimit
from werkzeug.middleware.proxy_fix import ProxyFix

from opendata.ratelimit_settings import CLASSES

log = logging.getLogger(__name__)

EXTENSION = "opendata_ratelimit"
API_PREFIX = "/api/v1"
CKAN_PREFIXES = ("/api/action/", "/api/3/action/")

#: Endpoints whose every request is of a class, by endpoint name (or blueprint prefix + ".").
_BY_ENDPOINT = {
    "rows.get_rows": "rows",
    "ckan_dump.dump": "downloads",
    "reports.annual_docx": "downloads",
    "reports.annual_pdf": "downloads",
    "ckan.action": "ckan",
    "ckan.action_v3": "ckan",
    "datasets.list_datasets": "search",
}
_BY_BLUEPRINT = {"downloads.": "downloads"}
#: The portal's home page is a search only when it is asked one.
_SEARCH_ARGS = ("q", "publisher", "keyword")


def endpoint_class(endpoint: str | None, args: Mapping[str, str]) -> str | None:
    """The class of limit a request to ``endpoint`` draws on, or None (not limited)."""
    if not endpoint:
        return None
    if endpoint in _BY_ENDPOINT:
        return _BY_ENDPOINT[endpoint]
    for prefix, cls in _BY_BLUEPRINT.items():
        if endpoint.startswith(prefix):
            return cls
    if endpoint == "web.index" and any(args.get(name) for name in _SEARCH_ARGS):
        return "search"
    return None


class TrustedProxyFix:
    """ProxyFix for requests whose peer is a trusted proxy; others pass through untouched."""

    def __init__(self, app: Any, trusted: Iterable[str], hops: int) -> None:
        self.app = app
        self.fixed = ProxyFix(app, x_for=hops, x_proto=hops)
        self.networks = [ipaddress.ip_network(item, strict=False) for item in trusted]

    def _trusted(self, peer: str | None) -> bool:
        if not peer:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self.networks)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if self._trusted(environ.get("REMOTE_ADDR")):
            return self.fixed(environ, start_response)
        return self.app(environ, start_response)


def _client_address() -> str:
    return request.remote_addr or "unknown"


def _token_holder() -> bool:
    from opendata.auth import bearer, verify_token

    presented = bearer(request.headers.get("Authorization"))
    if presented is None:
        return False
    return verify_token(current_app.extensions["opendata"].engine, presented) is not None


def _current_class() -> str | None:
    return endpoint_class(request.endpoint, request.args)


def _exempt_unless(cls: str, exempt_tokens: bool) -> Callable[[], bool]:
    def exempt() -> bool:
        if _current_class() != cls:
            return True
        return exempt_tokens and _token_holder()

    return exempt


def _retry_after(limit: RequestLimit) -> int:
    # reset_at is a whole second past the window's end; never more than one window.
    wait = math.ceil(limit.reset_at - time.time())
    return max(1, min(wait, limit.limit.get_expiry()))


def count_limited(cls: str) -> None:
    """Hook for the metrics: count a limited request of class ``cls``.

    opendata.metrics (Prometheus) counts it when that module is installed; without it the count
    is only logged, so that a deployment without metrics still sees who is limited.
    """
    if importlib.util.find_spec("opendata.metrics") is None:
        log.info("rate limited: %s request from %s", cls, _client_address())
        return
    from opendata import metrics

    counter = getattr(metrics, "count_rate_limited", None)
    if callable(counter):
        counter()  # labelled with the metrics' own endpoint class of the current request


def _api_body(cls: str, limit: RequestLimit, wait: int) -> bytes:
    message = (
        f"too many {cls} requests from this address: the limit is {limit.limit}; "
        f"retry after {wait} s"
    )
    details = {"class": cls, "limit": str(limit.limit), "retry_after": wait}
    return orjson.dumps(
        {"error": {"code": "too_many_requests", "message": message, "details": details}}
    )


def _ckan_body(limit: RequestLimit, wait: int) -> bytes:
    from opendata.site import base_url

    action = (request.view_args or {}).get("logic_function", "")
    return orjson.dumps(
        {
            "help": f"{base_url()}/api/3/action/help_show?name={action}",
            "success": False,
            "error": {
                "__type": "Rate Limit Error",
                "message": f"Rate limit exceeded: {limit.limit}; retry after {wait} s",
            },
        }
    )


def limited_response(limit: RequestLimit) -> Response:
    """The 429 of a request over ``limit``, in the envelope of the protocol it asked."""
    cls = _current_class() or "other"
    count_limited(cls)
    wait = _retry_after(limit)
    path = request.path
    if path == API_PREFIX or path.startswith(API_PREFIX + "/"):
        response = Response(_api_body(cls, limit, wait), 429, mimetype="application/json")
    elif path.startswith(CKAN_PREFIXES):
        response = Response(_ckan_body(limit, wait), 429, mimetype="application/json")
    else:
        text = f"请求过于频繁 Too many requests: {limit.limit}; retry after {wait} s\n"
        response = Response(text, 429, mimetype="text/plain")
    response.headers["Retry-After"] = str(wait)
    response.headers["Cache-Control"] = "no-store"
    return response


def _answer(exc: RateLimitExceeded) -> Response:
    # Registered for 429s of the limiter so that the native API's handler for every
    # HTTPException does not rewrite the response built above.
    if isinstance(exc.response, Response):
        return exc.response
    return Response(str(exc.description), 429, mimetype="text/plain")


def build_limiter(settings: Mapping[str, Any]) -> Limiter:
    """A limiter with one shared application limit per class that has a limit."""
    exempt_tokens = bool(settings["exempt_tokens"])
    limits = [
        ApplicationLimit(
            limit_provider=settings[cls],
            scope=f"opendata-{cls}",
            exempt_when=_exempt_unless(cls, exempt_tokens),
            on_breach=limited_response,
        )
        for cls in CLASSES
        if settings[cls]
    ]
    return Limiter(
        _client_address,
        application_limits=list(limits),
        storage_uri=settings["storage_uri"],
        strategy="fixed-window",
        headers_enabled=False,  # it would put Retry-After on every 200 of a limited class
        # Redis gone: requests are served (limited per node, in memory) rather than refused;
        # the outage is logged, and the shared counts resume when it returns.
        swallow_errors=True,
        in_memory_fallback_enabled=settings["storage_uri"] != "memory://",
        key_prefix="opendata",
    )


def init_app(app: Flask) -> None:
    """Install the trusted-proxy fix and, when ``rate_limits.enabled``, the limiter."""
    proxy = app.config["PROXY"]
    if proxy["trusted"]:
        app.wsgi_app = TrustedProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, proxy["trusted"], proxy["hops"]
        )
    settings = app.config["RATE_LIMITS"]
    if not settings["enabled"]:
        return
    limiter = build_limiter(settings)
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, _answer)
    app.extensions[EXTENSION] = limiter
