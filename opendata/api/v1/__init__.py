"""The native JSON API under /api/v1: flask-smorest ``Api``, error envelope, CORS, orjson.

``init_app`` creates the :class:`flask_smorest.Api` (OpenAPI 3 at ``/api/v1/openapi.json``,
Swagger UI at ``/api/v1/docs``), registers the blueprints (ours and ``admin``), makes orjson the
app's JSON provider, and installs the handlers that give every error under /api/v1 one envelope
``{"error": {"code", "message", "details"}}`` — including unknown paths (404), wrong methods
(405) and unexpected failures (500). Paths outside /api/v1 (the portal, CKAN, DCAT) keep their
own error formats.
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
import swagger_ui_bundle
from flask import Flask, Response, request, send_from_directory
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from opendata.api.v1.base import PREFIX
from opendata.api.v1.errors import (
    ErrorEnvelopeSchema,
    envelope,
    from_api_error,
    from_http_exception,
)
from opendata.api.v1.http import finish_json
from opendata.api.v1.openapi_doc import finish_components, finish_paths, operation_ids
from opendata.api.v1.openapi_params import state_path_patterns
from opendata.read.errors import ReadError

log = logging.getLogger(__name__)

_EXPOSED = "ETag, Last-Modified, Link, X-Opendata-Version, Content-Disposition"


class OrjsonProvider(DefaultJSONProvider):
    """orjson for every JSON response: faster, and UTF-8 (Chinese) rather than \\u escapes."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, default=self.default, option=orjson.OPT_NON_STR_KEYS).decode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        data = orjson.dumps(obj, default=self.default, option=orjson.OPT_NON_STR_KEYS)
        return Response(data, mimetype=self.mimetype)


class OpendataApi(Api):
    """flask-smorest's Api with our envelope, both in responses and in the OpenAPI document,
    and the document finished for client generators (:mod:`opendata.api.v1.openapi_doc`)."""

    ERROR_SCHEMA = ErrorEnvelopeSchema
    _document: dict[str, Any] | None = None

    def document(self) -> dict[str, Any]:
        """The finished OpenAPI document (made once: the routes do not change after start)."""
        if self._document is None:
            spec = self.spec.to_dict()
            components = spec.setdefault("components", {})
            finish_components(components)
            ids = operation_ids(self._app, PREFIX)
            finish_paths(spec["paths"], ids, components.get("schemas", {}))
            self._document = spec
        return self._document

    def _openapi_json(self) -> Response:
        return Response(orjson.dumps(self.document()), mimetype="application/json")

    def _register_error_handlers(self) -> None:
        self._app.register_error_handler(HTTPException, self.handle_http_exception)
        self._app.register_error_handler(ReadError, _handle_api_error)
        self._app.register_error_handler(Exception, _handle_unexpected)

    def handle_http_exception(self, error: HTTPException) -> Any:
        if not _ours():
            return error  # the portal, CKAN and DCAT answer in their own formats
        return from_http_exception(error, request.path)


def _ours() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def _handle_api_error(exc: ReadError) -> Response:
    return from_api_error(exc)


def _handle_unexpected(exc: Exception) -> Response:
    if not _ours():
        raise exc
    log.exception("unexpected error serving %s", request.path)
    return envelope(
        500,
        "internal_error",
        "the server failed to answer this request; it has been logged",
        {"path": request.path},
    )


def _after(response: Response) -> Response:
    if not _ours():
        return response
    if request.method in ("GET", "HEAD", "OPTIONS"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = _EXPOSED
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = (
                "If-None-Match, If-Modified-Since, Accept-Encoding, Range"
            )
            response.headers["Access-Control-Max-Age"] = "86400"
    if request.method in ("GET", "HEAD") and response.mimetype == "application/json":
        return finish_json(response)
    return response


def _swagger_ui_asset(filename: str) -> ResponseReturnValue:
    return send_from_directory(swagger_ui_bundle.swagger_ui_path, filename, max_age=86400)


def init_app(app: Flask) -> None:
    """Create the Api, register the /api/v1 blueprints and the envelope handlers."""
    from opendata.api.v1 import admin, datasets, downloads, reports, rows, runs, versions

    app.json = OrjsonProvider(app)
    app.config.setdefault("API_TITLE", "opendata /api/v1")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "docs")
    # Swagger UI's assets come from the swagger-ui-bundle package and are served here: the docs
    # page must work on an offline network, where a CDN is out of reach.
    app.config.setdefault("OPENAPI_SWAGGER_UI_URL", f"{PREFIX}/docs/assets/")
    app.add_url_rule(
        f"{PREFIX}/docs/assets/<path:filename>", "swagger_ui_assets", _swagger_ui_asset
    )
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "Validated, versioned open data of a government body's "
                "information disclosure (政府信息公开). See docs/api.md."
            },
        },
    )
    api = OpendataApi(app)
    for module in (datasets, rows, downloads, versions, runs, reports, admin):
        api.register_blueprint(module.blp)
    app.after_request(_after)
    app.extensions["opendata_api"] = api
    # The OpenAPI document states each path parameter's pattern (see openapi_params).
    state_path_patterns(api.spec._paths)
