"""The web portal researchers browse: catalogue, dataset pages, refresh log (zh-CN first).

Pages are rendered on the server from the catalog and the published files; the JSON API is
linked for downloads and row queries. See docs/portal.md.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the portal pages, their templates, stylesheet and filters."""
    from opendata.web import formatting, reports, table, versions, views

    del table, versions  # their routes are on views.bp; importing them registers them
    formatting.register(app)
    app.register_blueprint(views.bp)
    app.register_blueprint(reports.bp)
