"""The application factory: one config order, extensions bound with ``init_app``.

``create_app(test_config)`` reads defaults → the TOML file named by ``OPENDATA_CONFIG`` →
``OPENDATA_*`` environment variables → ``test_config``. It never starts a scheduler: that is its
own process (``opendata scheduler``), so that N gunicorn workers do not run every job N times.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from opendata import csvtext
from opendata.config import load_config
from opendata.services import Services

EXTENSION = "opendata"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    config = load_config(test_config)
    csvtext.allow_large_fields()  # downloads read published CSV with cells of up to 1 MiB+
    app = Flask(__name__, instance_path=config["INSTANCE_PATH"], instance_relative_config=True)
    app.config.update(config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions[EXTENSION] = Services.from_config(config)

    from opendata import api, bounds, health, metrics, outage, ratelimit, request_log, web

    # Bounds first: a query string, body or q beyond [limits] is refused before any view runs.
    bounds.init_app(app)
    # After bounds, so that these put their hooks before its: the request id and the clock
    # cover every answer, a refused one too.
    request_log.init_app(app)
    metrics.init_app(app)
    health.init_app(app)
    api.init_app(app)
    web.init_app(app)
    # After the routes: it classifies requests by endpoint; ProxyFix for trusted proxies only.
    ratelimit.init_app(app)
    outage.init_app(app)  # the database out of reach: 503, not 500
    return app


def services_of(app: Flask) -> Services:
    services: Services = app.extensions[EXTENSION]
    return services
