"""The web portal (zh-CN first)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the portal pages."""
