"""A catalog database that cannot be reached is a 503 with ``Retry-After``, not a 500.

When PostgreSQL restarts or fails over, every request that needs it raises SQLAlchemy's
``OperationalError`` (connection refused, server closed the connection, the pool's connect
timeout). That is the service being unavailable for a moment, not a bug: the answer says so,
in the envelope of the protocol asked, tells the client when to come back, and names nothing
of the server (no URL, no host). ``connect_timeout`` and ``pool_timeout`` (opendata.store.db)
make such a request fail within seconds; after the database returns, a process's first request
may still meet a connection the restart killed (it too is answered 503, and SQLAlchemy drops
the pool's older connections with it), and the next ones succeed without a restart.
"""

from __future__ import annotations

import logging

import orjson
from flask import Flask, Response, request
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from opendata.store.budget import ran_out

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
MESSAGE = "the catalog database is unavailable for a moment; retry shortly"


def _body() -> tuple[bytes, str]:
    path = request.path
    if path == "/api/v1" or path.startswith("/api/v1/"):
        error = {"code": "unavailable", "message": MESSAGE, "details": {}}
        return orjson.dumps({"error": error}), "application/json"
    if path.startswith(("/api/action/", "/api/3/action/")):
        from opendata.site import base_url

        action = (request.view_args or {}).get("logic_function", "")
        error = {"__type": "Service Unavailable", "message": f"Service unavailable: {MESSAGE}"}
        body = {
            "help": f"{base_url()}/api/3/action/help_show?name={action}",
            "success": False,
            "error": error,
        }
        return orjson.dumps(body), "application/json"
    return f"服务暂时不可用 Service unavailable: {MESSAGE}\n".encode(), "text/plain"


#: SQLSTATEs of a server that is going away or not yet accepting connections.
_SHUTDOWN_STATES = {"57P01", "57P02", "57P03"}
_SQLITE_BUSY = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN")


def is_outage(exc: DBAPIError) -> bool:
    """Whether a database error means the database cannot be reached (now), not a bad query."""
    if exc.connection_invalidated:
        return True
    if ran_out(exc):
        return False
    sqlite_name = getattr(exc.orig, "sqlite_errorname", None)
    if sqlite_name is not None:  # "no such table" is a statement's error, "locked" is not
        return str(sqlite_name).startswith(_SQLITE_BUSY)
    state = getattr(exc.orig, "sqlstate", None)
    if state is None:  # psycopg: no server answered at all (refused, reset, timed out)
        return True
    return str(state).startswith("08") or state in _SHUTDOWN_STATES


def answer(exc: BaseException) -> Response | None:
    """The 503 when ``exc`` means the database is out of reach, else None.

    For views that catch every exception to answer in their own envelope (CKAN's actions).
    """
    if not isinstance(exc, OperationalError | PoolTimeout):
        return None
    if isinstance(exc, DBAPIError) and not is_outage(exc):
        return None
    return _respond()


def unavailable(exc: Exception) -> Response:
    """The 503 for a database error that means the database cannot be reached."""
    if isinstance(exc, DBAPIError) and not is_outage(exc):
        raise exc  # a statement's own error (a budget that ran out, a missing table): not ours
    log.warning("database unavailable serving %s: %s", request.path, exc.__class__.__name__)
    return _respond()


def _respond() -> Response:
    body, mimetype = _body()
    response = Response(body, 503, mimetype=mimetype)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    # Registered on the class: more specific than the native API's handler for Exception, so
    # it answers there too.
    app.register_error_handler(OperationalError, unavailable)
    app.register_error_handler(PoolTimeout, unavailable)
