"""One error envelope for the whole native API: ``{"error": {"code", "message", "details"}}``.

Views raise :class:`ApiError`; routing errors (404, 405), webargs validation errors and anything
unexpected (500) are turned into the same envelope by the handlers :mod:`opendata.api` installs.
The message always names what was wrong (the parameter, the path segment, the field), in English
unless ``Accept-Language`` prefers Chinese (:mod:`opendata.messages`); the code is the same in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
import orjson
from flask import Response, has_request_context, request
from werkzeug.exceptions import HTTPException

from opendata.messages import Lang, negotiate
from opendata.messages import message as localised
from opendata.read.errors import ReadError
from opendata.store.query import QueryError

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "unprocessable",
    429: "too_many_requests",
    431: "headers_too_large",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(ReadError):
    """An error of the native API's own views; the read model's :class:`ReadError` is answered
    with the same envelope."""

    @classmethod
    def from_query(cls, exc: QueryError) -> ApiError:
        return cls(400, exc.code, exc.message, **exc.details)


def request_language() -> Lang:
    """The language of this request's messages: English unless ``Accept-Language`` prefers
    Chinese (the API's readers are developers; the portal defaults to zh-CN itself)."""
    if not has_request_context():
        return "en"
    return negotiate(request.headers.get("Accept-Language"), default="en")


def envelope(
    status: int,
    code: str,
    message: str,
    details: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The error response. ``message`` is the English text of the raise site, which names the
    cause most precisely; a reader who asks for Chinese gets the catalogue's message for the
    same code, filled from ``details``."""
    details = dict(details or {})
    lang = request_language()
    if lang != "en":
        message = localised(code, lang, **details)
    body = {"error": {"code": code, "message": message, "details": details}}
    response = Response(orjson.dumps(body, default=str), status=status, mimetype="application/json")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Language"] = lang
    response.vary.add("Accept-Language")
    return response


def from_api_error(exc: ReadError) -> Response:
    return envelope(exc.status, exc.code, exc.message, exc.details)


def _flatten(messages: Any, prefix: str = "") -> list[tuple[str, str]]:
    """webargs' nested ``{"query": {"_size": ["…"]}}`` as ``[("_size", "…")]``."""
    out: list[tuple[str, str]] = []
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            out.extend(_flatten(value, str(key) if not prefix else f"{prefix}.{key}"))
    elif isinstance(messages, list | tuple):
        for value in messages:
            out.extend(_flatten(value, prefix))
    else:
        out.append((prefix, str(messages)))
    return out


def _invalid_parameters(messages: Any) -> tuple[str, dict[str, Any]]:
    """webargs validation: name each offending parameter, in the message and the details."""
    problems = []
    for location_key, text in _flatten(messages):
        _location, _, name = location_key.partition(".")
        problems.append((name or _location, text))
    message = "; ".join(f"invalid parameter {name!r}: {text}" for name, text in problems)
    return message, {"parameters": {name: text for name, text in problems}}


def _routing(status: int, exc: HTTPException, path: str) -> tuple[str, dict[str, Any]] | None:
    """What a 404 or 405 of the router says: the path, or the methods it allows."""
    if status == 404:
        return f"no such API path: {path}; see /api/v1/docs for the routes", {"path": path}
    if status == 405:
        allowed = sorted(getattr(exc, "valid_methods", None) or [])
        message = f"method not allowed on {path}; allowed: {', '.join(allowed)}"
        return message, {"allowed": allowed}
    return None


def from_http_exception(exc: HTTPException, path: str) -> Response:
    """The envelope for a werkzeug/webargs HTTP error raised under /api/v1."""
    status = exc.code or 500
    code = CODES.get(status, "error")
    data = getattr(exc, "data", None) or {}
    details: dict[str, Any] = {}
    message = exc.description or exc.name
    routing = _routing(status, exc, path)
    if "messages" in data:
        message, details = _invalid_parameters(data["messages"])
        code = "invalid_parameter"
    elif "message" in data:  # flask_smorest.abort(status, message=...): the caller's words
        message = str(data["message"])
    elif routing is not None:
        message, details = routing
    headers = {k: v for k, v in exc.get_headers() if k.lower() in {"allow", "retry-after"}}
    headers.update(data.get("headers") or {})  # e.g. WWW-Authenticate from abort(401, ...)
    return envelope(status, code, message, details, headers)


class ErrorBodySchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "stable error code"})
    message = ma.fields.String(required=True, metadata={"description": "what was wrong"})
    details = ma.fields.Dict(required=True, metadata={"description": "parameter, field, value…"})


class ErrorEnvelopeSchema(ma.Schema):
    """Every error of /api/v1."""

    error = ma.fields.Nested(ErrorBodySchema, required=True)
