"""CKAN-compatible action API: ``/api/3/action/<name>`` and ``/api/action/<name>``.

The transport reproduces ``ckan/views/api.py`` (see docs/interop.md): GET with flattened query
arguments or POST with a JSON body (or form fields, or the legacy single form key holding JSON);
the ``{help, success, result}`` envelope; errors as ``{help, success: false, error: {__type,
message}}`` whose ``__type`` decides the status; an unknown action or an unreadable body is HTTP
400 with a JSON *string* body, as in CKAN. ``Authorization`` / ``X-CKAN-API-Key`` headers are
accepted and need no checking: every action here reads public data.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, request

from opendata import outage
from opendata.api.ckan.actions import ACTIONS, ActionContext
from opendata.api.ckan.errors import BadRequest, CkanError
from opendata.read import exports
from opendata.read.errors import ReadError
from opendata.site import base_url

log = logging.getLogger(__name__)
bp = Blueprint("ckan", __name__)

JSON_TYPE = "application/json;charset=utf-8"
_CALLBACK = re.compile(r"^[A-Za-z_$][\w$.]{0,63}$")
#: Keys a browser or jQuery adds to a GET that are no parameter of any action.
_TRANSPORT_KEYS = ("callback", "_")
#: CKAN's ``__type`` for the statuses the read model may give.
_READ_TYPES = {400: "Validation Error", 404: "Not Found Error", 503: "Service Unavailable"}


def _dumps(body: Any) -> bytes:
    try:
        return orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
    except TypeError:  # a datastore integer beyond 64 bits (orjson refuses): exact all the same
        return exports.dumps(body)


def _respond(body: Any, status: int = 200) -> Response:
    payload = _dumps(body)
    callback = request.args.get("callback")
    if callback and request.method == "GET" and _CALLBACK.match(callback):
        # JSONP: CKAN answers 200 whatever the envelope says, so that the script runs.
        return Response(
            callback.encode() + b"(" + payload + b");",
            200,
            content_type="application/javascript;charset=utf-8",
        )
    return Response(payload, status, content_type=JSON_TYPE)


def _bad_request(message: str) -> Response:
    return _respond(f"Bad request: {message}", 400)


def _flatten(args: Any) -> dict[str, Any]:
    """A key given once is a string, a repeated key a list (CKAN's ``mixed``)."""
    out: dict[str, Any] = {}
    for key in args:
        values = args.getlist(key)
        out[key] = values[0] if len(values) == 1 else values
    return out


def _request_data() -> dict[str, Any]:
    """The action's data dict, read as ``ckan/views/api.py::_get_request_data`` reads it."""
    if request.method == "POST":
        if request.form and not request.mimetype.startswith("multipart/"):
            values = list(request.form.values())
            if len(request.form) == 1 and values[0] in ("", "1"):
                data = _json(next(iter(request.form.keys())))  # the legacy JSON-as-key trick
            else:
                data = _flatten(request.form)
        elif request.mimetype.startswith("multipart/"):
            data = _flatten(request.form)
        else:
            raw = request.get_data(cache=True)
            data = _json(raw) if raw.strip() else _flatten(request.args)
    else:
        data = _flatten(request.args)
    if not isinstance(data, dict):
        raise BadRequest(
            f"JSON Error: Request data JSON decoded to {data!r} but it needs to be a dictionary."
        )
    for key in _TRANSPORT_KEYS:
        data.pop(key, None)
    return data


def _json(raw: str | bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"JSON Error: Error decoding JSON data. Error: {exc}") from None


def action_view(logic_function: str) -> Response:
    base = base_url()
    help_url = f"{base}/api/3/action/help_show?name={logic_function}"
    func = ACTIONS.get(logic_function)
    if func is None:
        return _bad_request(f"Action name not known: {logic_function}")
    try:
        data = _request_data()
    except BadRequest as exc:
        return _bad_request(exc.message)
    ctx = ActionContext(
        services=current_app.extensions["opendata"],
        base=base,
        config=current_app.config,
        request_path=request.path,
        query_args={k: v for k, v in _flatten(request.args).items() if k not in _TRANSPORT_KEYS},
    )
    try:
        result = func(ctx, data)
    except CkanError as exc:
        return _respond({"help": help_url, "success": False, "error": exc.error_body()}, exc.status)
    except ReadError as exc:  # the read model's own refusal (a dataset changing under a read)
        body = {
            "__type": _READ_TYPES.get(exc.status, "Internal Server Error"),
            "message": exc.message,
        }
        return _respond({"help": help_url, "success": False, "error": body}, exc.status)
    except Exception as exc:  # a bug still answers in CKAN's envelope, and is logged
        if (down := outage.answer(exc)) is not None:
            return down  # the database out of reach: 503 with Retry-After, not a bug
        log.exception("CKAN action %s failed", logic_function)
        body = {"__type": "Internal Server Error", "message": "Internal Server Error"}
        return _respond({"help": help_url, "success": False, "error": body}, 500)
    return _respond({"help": help_url, "success": True, "result": result})


@bp.get("/api")
def api_root() -> Response:
    return _respond({"version": 1})


@bp.get("/api/3")
def api_v3() -> Response:
    return _respond({"version": 3})


@bp.after_request
def _cors(response: Response) -> Response:
    # Read-only public data: any page may call us from the browser, as with CKAN's CORS option.
    response.headers.setdefault("Access-Control-Allow-Origin", "*")
    return response


bp.add_url_rule("/api/action/<logic_function>", "action", action_view, methods=["GET", "POST"])
bp.add_url_rule("/api/3/action/<logic_function>", "action_v3", action_view, methods=["GET", "POST"])
