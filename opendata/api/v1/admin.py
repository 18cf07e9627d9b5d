"""Token-protected operations and source status under /api/v1 (refresh requests, sources).

The web app never refreshes anything itself: a refresh request is a row in the catalog that the
scheduler process picks up within ``SCHEDULER.poll_seconds``. The token is checked before the
dataset is looked up, so an unauthenticated caller cannot probe which datasets exist.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields

from opendata.api.v1.errors import ApiError, envelope
from opendata.auth import bearer, verify_token
from opendata.read.sources import source_status
from opendata.schedules.settings import SchedulerSettings
from opendata.services import Services
from opendata.site import services as app_services
from opendata.store import refresh_queue
from opendata.store import sources as stored_sources

blp = Blueprint("admin", __name__, url_prefix="/api/v1", description="Sources and refresh requests")

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="opendata"'}


class LastRunSchema(Schema):
    id = fields.Integer()
    status = fields.String()
    trigger = fields.String()
    attempt = fields.Integer()
    started = fields.DateTime()
    finished = fields.DateTime(allow_none=True)
    version = fields.String(allow_none=True)
    error_kind = fields.String(allow_none=True)


class SourceSchema(Schema):
    name = fields.String(metadata={"description": "source and dataset name"})
    state = fields.String(metadata={"description": "enabled, disabled or refused"})
    title = fields.String(allow_none=True)
    distribution = fields.String(allow_none=True)
    schedule = fields.String(allow_none=True, metadata={"description": "cron, after overrides"})
    timezone = fields.String(allow_none=True)
    depends_on = fields.List(fields.String())
    next_run = fields.DateTime(allow_none=True, metadata={"description": "as the scheduler set it"})
    last_run = fields.Nested(LastRunSchema, allow_none=True)
    last_success = fields.DateTime(allow_none=True)
    consecutive_failures = fields.Integer()
    failing_since = fields.DateTime(allow_none=True)
    overdue = fields.Boolean(
        metadata={"description": "no success since a scheduled time that is past its grace"}
    )
    reason = fields.String(allow_none=True, metadata={"description": "why disabled or refused"})


class SourceListSchema(Schema):
    count = fields.Integer()
    sources = fields.List(fields.Nested(SourceSchema))


class QueuedSchema(Schema):
    request_id = fields.Integer()
    dataset = fields.String(allow_none=True, metadata={"description": "null: every source"})
    status = fields.String()
    requested = fields.DateTime()
    requested_by = fields.String(metadata={"description": "the token's name"})
    allow_shrink = fields.Boolean(metadata={"description": "the run may shrink past the guard"})


class RefreshOptionsSchema(Schema):
    """The optional JSON body of a refresh request."""

    allow_shrink = fields.Boolean(
        load_default=False,
        metadata={
            "description": "publish even if a resource empties or loses more rows than the "
            "source's shrink_fraction allows (otherwise such a run fails with 'shrink')"
        },
    )


#: The request body as the OpenAPI document shows it (read in the view, after the token check).
_OPTIONS_DOC = {
    "requestBody": {
        "required": False,
        "content": {"application/json": {"schema": RefreshOptionsSchema}},
    }
}


def _unauthorized(message: str) -> None:
    # The API's envelope, plus the WWW-Authenticate challenge RFC 6750 asks of a 401 (the shared
    # HTTP-error handler keeps only Allow and Retry-After, so the response is built here).
    abort(envelope(401, "unauthorized", message, {"scheme": "Bearer"}, _CHALLENGE))


def require_token(services: Services) -> str:
    """The calling token's name; 401 for a missing or unknown token."""
    presented = bearer(request.headers.get("Authorization"))
    if presented is None:
        _unauthorized(
            "this endpoint needs an API token: send 'Authorization: Bearer <token>' "
            "(an operator creates one with `opendata token create NAME`)"
        )
    name = verify_token(services.engine, presented)
    if name is None:
        _unauthorized("the API token is not valid (revoked or mistyped)")
    assert name is not None
    return name


def _queued(req: refresh_queue.RefreshRequest) -> dict[str, Any]:
    return {
        "request_id": req.id,
        "dataset": req.dataset,
        "status": "queued",
        "requested": req.requested,
        "requested_by": req.requested_by,
        "allow_shrink": req.allow_shrink,
    }


def _options() -> dict[str, Any]:
    """The refresh options of the request body; no body means the defaults.

    Read here rather than by ``blp.arguments`` so that the token is checked first: a caller
    without one learns nothing, not even whether its body would have been accepted.
    """
    if not request.get_data():
        return {"allow_shrink": False}
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(
            400,
            "bad_request",
            'the request body must be a JSON object such as {"allow_shrink": true}, or empty',
        )
    try:
        options: dict[str, Any] = RefreshOptionsSchema().load(body)
    except ValidationError as exc:
        raise ApiError(
            422, "unprocessable", f"invalid refresh options: {exc.messages}", fields=exc.messages
        ) from exc
    return options


@blp.route("/sources")
@blp.response(200, SourceListSchema)
def list_sources() -> dict[str, Any]:
    """Installed sources with their schedule, next run, last run and success, and health."""
    services = app_services()
    rows = source_status(services, SchedulerSettings.from_config(services.config))
    return {"count": len(rows), "sources": rows}


@blp.route("/datasets/<string:name>/refresh", methods=["POST"])
@blp.doc(**_OPTIONS_DOC)
@blp.response(202, QueuedSchema)
@blp.alt_response(401, description="missing or invalid API token")
@blp.alt_response(404, description="no enabled source of that name")
def refresh_dataset(name: str) -> dict[str, Any]:
    """Queue a refresh of one dataset (and of its dependants if it publishes a new version).

    Body (optional): ``{"allow_shrink": true}`` lets this run publish although a resource
    empties or shrinks past the guard.
    """
    services = app_services()
    who = require_token(services)  # before any lookup: no probing without a token
    options = _options()
    if not stored_sources.enabled(services.engine, name):
        raise ApiError(
            404,
            "not_found",
            f"no enabled source named {name!r}; GET /api/v1/sources lists them",
            dataset=name,
        )
    return _queued(refresh_queue.enqueue(services.engine, name, who, **options))


@blp.route("/refresh", methods=["POST"])
@blp.doc(**_OPTIONS_DOC)
@blp.response(202, QueuedSchema)
@blp.alt_response(401, description="missing or invalid API token")
def refresh_all() -> dict[str, Any]:
    """Queue a refresh of every enabled source, in dependency order.

    Body (optional): ``{"allow_shrink": true}`` lets every one of these runs shrink.
    """
    services = app_services()
    who = require_token(services)
    options = _options()
    return _queued(refresh_queue.enqueue(services.engine, None, who, **options))
