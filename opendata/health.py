"""``/healthz``: is the catalog reachable, and is the scheduler alive."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    services = current_app.extensions["opendata"]
    checks: dict[str, object] = {}
    ok = True
    try:
        with services.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised: this is the health check
        checks["database"] = f"error: {exc.__class__.__name__}"
        ok = False
    body = {"status": "ok" if ok else "error", "checks": checks}
    return jsonify(body), 200 if ok else 503


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
