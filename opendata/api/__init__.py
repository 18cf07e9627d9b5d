"""The three protocols over the published read model, each a package of its own.

``v1`` is the native JSON API (/api/v1, flask-smorest, OpenAPI), ``ckan`` the CKAN action API
(/api/3/action, /api/action) with its datastore dump, ``dcat`` the DCAT-AP catalog and the
schema.org view. Each has its own errors and routes and reads through :mod:`opendata.read`;
this module only registers them.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from opendata.api import ckan, dcat, v1

    v1.init_app(app)
    ckan.init_app(app)
    dcat.init_app(app)
