"""Alembic's environment for the catalog schema, driven only from :mod:`opendata.store.schema`.

There is no alembic.ini and no offline (SQL script) mode: ``schema.upgrade`` opens the
connection, takes the upgrade lock, and hands the connection in through ``config.attributes``,
so that the lock and the migration share one connection.
"""

from __future__ import annotations

from alembic import context

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("run migrations with `opendata db upgrade`, not with the alembic command")

context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    context.run_migrations()
