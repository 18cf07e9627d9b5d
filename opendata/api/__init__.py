"""The native JSON API under /api/v1."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the /api/v1 blueprints (filled in by the API module)."""
