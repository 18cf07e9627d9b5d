"""Request bounds checked before any view runs, answered in each surface's own error shape.

A query string longer than ``limits.max_query_chars``, a body longer than
``MAX_CONTENT_LENGTH`` (refused from its ``Content-Length`` before it is read) and, on the
portal, a search ``q`` longer than ``limits.max_q_chars``. The native API answers with its envelope
(400, or 413 for a body), the CKAN action API with a ``Validation Error`` (409; 413 for a
body), DCAT in CKAN's envelope, the portal with a short page. The views check ``q`` themselves
on the API surfaces (the native schemas, every CKAN action), GET and POST alike.
"""

from __future__ import annotations

from html import escape

import orjson
from flask import Flask, Response, current_app, request

from opendata.limits import LimitError, Limits

_CKAN = ("/api/3/action/", "/api/action/")
_DCAT = ("/catalog.", "/dataset/")
_NATIVE = "/api/v1"
_JSON = "application/json;charset=utf-8"


def _native(status: int, code: str, message: str, parameter: str) -> Response:
    from opendata.api.v1.errors import envelope

    return envelope(status, code, message, {"parameter": parameter})


def _ckan(status: int, message: str, parameter: str) -> Response:
    error: dict[str, object] = {
        "__type": "Validation Error",
        "message": f"{parameter}: {message}",
        parameter: [message],
    }
    body = {"help": request.base_url, "success": False, "error": error}
    return Response(orjson.dumps(body), status, content_type=_JSON)


def _portal(status: int, message: str) -> Response:
    page = (
        '<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>请求过长</title>'
        f"<h1>请求无法处理 · Request refused</h1><p>{escape(message)}</p>"
        '<p><a href="/">返回目录 · Back to the catalogue</a></p></html>'
    )
    return Response(page, status, content_type="text/html;charset=utf-8")


def refuse(status: int, message: str, parameter: str) -> Response:
    """``message`` about ``parameter`` in the error shape of the surface ``request`` is on."""
    path = request.path
    if path == _NATIVE or path.startswith(_NATIVE + "/"):
        code = "too_large" if status == 413 else "too_long"
        return _native(status, code, message, parameter)
    if path.startswith(_CKAN) or path.startswith(_DCAT):
        return _ckan(409 if status == 400 else status, message, parameter)
    return _portal(status, message)


def _check() -> Response | None:
    limits = Limits.from_config(current_app.config)
    length = len(request.query_string)
    if length > limits.max_query_chars:
        message = (
            f"the query string is {length} bytes long; at most {limits.max_query_chars} "
            "are accepted"
        )
        return refuse(400, message, "query")
    largest = current_app.config.get("MAX_CONTENT_LENGTH")
    if largest is not None and (request.content_length or 0) > largest:
        message = (
            f"the request body is {request.content_length} bytes; at most {largest} are accepted"
        )
        return refuse(413, message, "body")
    if not request.path.startswith(("/api/", *_DCAT)):
        q = request.args.get("q")
        if q:
            try:
                # The catalogue page matches tens of datasets in memory: characters suffice.
                limits.check_text(q, "q")
            except LimitError as exc:
                return refuse(400, exc.message, "q")
    return None


def init_app(app: Flask) -> None:
    """Check every request's bounds first (before the blueprints' own hooks)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _check)
