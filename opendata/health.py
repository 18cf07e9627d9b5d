"""``/healthz``: is the catalog reachable, and is the scheduler alive.

A dead database is an error (503: take this node out of the pool). A missing or stale scheduler
heartbeat is "degraded" with 200: the node still serves published data, but refreshes are not
running and someone should look.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from opendata.schedules.settings import SchedulerSettings
from opendata.store import heartbeat

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


def scheduler_check(services: Any, settings: SchedulerSettings) -> dict[str, Any]:
    """The freshest scheduler heartbeat and whether it is recent enough to trust."""
    beat = heartbeat.latest(services.engine)
    if beat is None:
        return {"status": "missing", "message": "no scheduler has ever run (opendata scheduler)"}
    age = beat.age(time.time())
    info = {
        "holder": beat.holder,
        "last_beat": beat.at,
        "age_seconds": round(age, 1),
        "stale_after_seconds": settings.stale_after,
    }
    if beat.info.get("stopped"):
        return {**info, "status": "stopped", "message": "the scheduler was stopped"}
    if age > settings.stale_after:
        return {
            **info,
            "status": "stale",
            "message": f"no scheduler heartbeat for {int(age)} s; is `opendata scheduler` running?",
        }
    return {**info, "status": "ok", "queued_requests": beat.info.get("queued", 0)}


def _select_one(engine: Engine) -> None:
    """``SELECT 1``, once more on a fresh connection if the pooled one died with a database
    restart (SQLAlchemy then drops the pool's stale connections): that is not a dead database."""
    for attempt in (1, 2):
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return
        except DBAPIError as exc:
            if attempt == 2 or not exc.connection_invalidated:
                raise


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    services = current_app.extensions["opendata"]
    checks: dict[str, object] = {}
    ok = True
    try:
        _select_one(services.engine)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
        ok = False
    degraded = False
    if ok:
        try:
            scheduler = scheduler_check(services, SchedulerSettings.from_config(services.config))
        except Exception:  # a heartbeat that cannot be read is reported here
            # Anyone may read /healthz: the exception's text (a database URL, a path) goes to
            # the server log only.
            log.exception("the scheduler check of /healthz failed")
            scheduler = {
                "status": "error",
                "message": "the scheduler's heartbeat could not be read (see the server log)",
            }
        checks["scheduler"] = scheduler
        degraded = scheduler["status"] != "ok"
    status = "error" if not ok else "degraded" if degraded else "ok"
    return jsonify({"status": status, "checks": checks}), 200 if ok else 503


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
