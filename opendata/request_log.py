"""A request id on every response (``X-Request-Id``), and the web app's logs as JSON lines.

The id is the one the client or the proxy sent (nginx: ``proxy_set_header X-Request-Id
$request_id``) when it is sane — 1 to 128 letters, digits, ``.``, ``_``, ``:`` or ``-`` —
and a new random one otherwise, so that a line of the proxy's log, the app's log and a user's
bug report can be matched. With ``logs.format = "json"`` each record of the ``opendata`` loggers
is one JSON object a line on stderr, carrying the id of the request it was written in;
``logs.requests`` adds one line per request.
"""

from __future__ import annotations

import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import orjson
from flask import Flask, Response, current_app, g, has_request_context, request

HEADER = "X-Request-Id"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_HANDLER_MARK = "_opendata_request_log"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
log = logging.getLogger("opendata.request")


def request_id() -> str | None:
    """The current request's id (None outside a request)."""
    return g.get("request_id") if has_request_context() else None


def _assign() -> None:
    given = request.headers.get(HEADER, "")
    g.request_id = given if _SANE.fullmatch(given) else uuid.uuid4().hex
    g.od_log_started = time.perf_counter()


def _echo(response: Response) -> Response:
    rid = g.get("request_id")
    if rid:
        response.headers[HEADER] = rid
    if (current_app.config.get("LOGS") or {}).get("requests"):
        _log_request(response)
    return response


def _log_request(response: Response) -> None:
    started = g.get("od_log_started")
    took = round((time.perf_counter() - started) * 1000, 1) if started else None
    fields = {
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": took,
        "endpoint_class": g.get("od_endpoint_class"),
        "remote_addr": request.remote_addr,
    }
    log.info(
        "%s %s %s %sms [%s]",
        request.method,
        request.path,
        response.status_code,
        took,
        g.get("request_id"),
        extra={"od_fields": fields},
    )


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, and any fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = request_id()
        if rid:
            data["request_id"] = rid
        data.update(getattr(record, "od_fields", None) or {})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(data, default=str).decode()


def configure_logs(name: str, formatter: logging.Formatter, stream: Any = None) -> logging.Handler:
    """Send logger ``name``'s records to ``stream`` (stderr) with ``formatter``, once."""
    logger = logging.getLogger(name)
    for handler in logger.handlers:
        if getattr(handler, _HANDLER_MARK, False):
            return handler
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    setattr(handler, _HANDLER_MARK, True)
    logger.addHandler(handler)
    if logger.level == logging.NOTSET or logger.level > logging.INFO:
        logger.setLevel(logging.INFO)
    # Not also through the root logger: a server that configures it would print each twice.
    logger.propagate = False
    return handler


def init_app(app: Flask) -> None:
    """Give every request an id before any other hook runs; echo it; set up JSON logs."""
    app.before_request_funcs.setdefault(None, []).insert(0, _assign)
    app.after_request(_echo)
    logs = app.config.get("LOGS") or {}
    if logs.get("format") == "json":
        configure_logs("opendata", JsonFormatter())
    elif logs.get("requests"):
        # gunicorn configures only its own loggers: without a handler the lines would be lost.
        configure_logs("opendata.request", logging.Formatter(TEXT_FORMAT))
