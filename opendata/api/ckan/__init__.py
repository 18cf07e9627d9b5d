"""The CKAN-compatible action API (``/api/3/action/<name>``, ``/api/action/<name>``) and the
datastore dump, in CKAN's own shapes (see docs/interop.md and ../shared/reference/ckan-compat.md).

``routes`` is the transport and envelope, ``actions`` the catalogue actions, ``datastore`` the
``datastore_search``/``_sql`` actions, ``dump`` the ``/datastore/dump`` files; errors are CKAN's
own types (``errors``). Everything is read through :mod:`opendata.read`.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the CKAN action API and the datastore dump."""
    # datastore registers its actions in ACTIONS when imported.
    from opendata.api.ckan import datastore, dump, routes  # noqa: F401

    app.register_blueprint(routes.bp)
    app.register_blueprint(dump.bp)
