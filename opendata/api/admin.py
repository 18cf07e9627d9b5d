"""Token-protected operations and source status under /api/v1 (refresh requests, sources)."""

from __future__ import annotations

from flask_smorest import Blueprint

blp = Blueprint("admin", __name__, url_prefix="/api/v1", description="Sources and refresh requests")
