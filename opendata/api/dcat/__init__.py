"""DCAT-AP: the catalog and each dataset as RDF (JSON-LD, Turtle, RDF/XML), and the schema.org
view of a dataset, for harvesters and search engines. ``graph`` builds the RDF from
:mod:`opendata.read`; ``routes`` serves it; ``errors`` is its envelope.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the DCAT and schema.org endpoints."""
    from opendata.api.dcat import routes

    app.register_blueprint(routes.bp)
