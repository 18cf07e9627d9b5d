"""The catalog schema's version: Alembic migrations, applied once by ``opendata db upgrade``.

Web workers and the scheduler only *check* the schema (:func:`require_current`) and refuse to
start when it is missing or behind, naming the command; they never create tables, so that N
processes starting together on a fresh database cannot race each other's ``CREATE TABLE``.
:func:`upgrade` is the one place that changes the schema. It holds a lock while it looks and
migrates (PostgreSQL: a transaction-level advisory lock; SQLite: a lock file beside the
database), so a second ``db upgrade`` started at the same moment waits and then finds nothing
to do. A database made before migrations existed (``create_all``, no ``alembic_version``) is
recognised by its tables and stamped at the revision it matches before it is upgraded.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
UPGRADE_COMMAND = "opendata db upgrade"

#: The revisions in ``migrations/versions``, oldest first (a test holds this to Alembic's own
#: reading). Listed here so that the check every worker and scheduler makes at start reads one
#: row and imports no Alembic, which costs each process most of a second.
REVISIONS = ("0001", "0002", "0003", "0004")
VERSION_TABLE = "alembic_version"

#: The tables of the first release's ``create_all`` (revision 0001): all present and no
#: ``alembic_version`` means a database from before migrations.
LEGACY_TABLES = frozenset(
    {
        "od_datasets",
        "od_versions",
        "od_datastore_tables",
        "od_runs",
        "od_tokens",
        "od_leases",
        "od_refresh_requests",
        "od_heartbeats",
        "od_source_state",
    }
)

#: Arbitrary constant: the first key of the advisory lock that serialises upgrades.
_PG_LOCK_KEY = 0x0D0B


class SchemaError(RuntimeError):
    """The catalog schema is not the one this code needs; the message says what to do."""


@dataclass(frozen=True)
class Upgrade:
    before: str | None  # the revision found (after recognising a legacy database), None: empty
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _config(connection: Connection | None = None) -> Config:
    # Programmatic: the migrations ship inside the package, no alembic.ini anywhere.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def shipped_revisions() -> list[str]:
    """The revisions Alembic finds in ``migrations/versions``, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def head() -> str:
    """The revision this code needs."""
    return REVISIONS[-1]


def known_revisions() -> list[str]:
    """Every revision shipped, oldest first."""
    return list(REVISIONS)


def current(connection: Connection) -> str | None:
    """The revision the database is at (None: no ``alembic_version`` table or no row)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    rows = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    return rows[0] if len(rows) == 1 else None


def _legacy_revision(connection: Connection) -> str | None:
    """The revision a database from before migrations matches; None when it holds no catalog."""
    inspector = inspect(connection)
    if not LEGACY_TABLES & set(inspector.get_table_names()):
        return None
    if not inspector.has_table("od_refresh_requests"):
        return "0002"  # _complete_legacy creates it as it is now, with allow_shrink
    columns = {c["name"] for c in inspector.get_columns("od_refresh_requests")}
    return "0002" if "allow_shrink" in columns else "0001"


def _complete_legacy(connection: Connection) -> None:
    """Add the catalog tables an older release had not made yet, as its ``create_all`` would.

    Releases before migrations made missing tables at every start, so a database they left may
    lack the tables added since. These tables are the same at revisions 0001 and 0002 except
    ``od_refresh_requests``, which ``_legacy_revision`` reads before and after.
    """
    from opendata.store import db

    missing = LEGACY_TABLES - set(inspect(connection).get_table_names())
    if missing:
        log.info("adding the catalog tables older releases made at start: %s", sorted(missing))
        db.metadata.create_all(connection, tables=[db.metadata.tables[t] for t in missing])


def describe(connection: Connection) -> str | None:
    """Why this schema cannot be served, or None when it is at :func:`head`."""
    revision = current(connection)
    if revision == head():
        return None
    if revision is None:
        legacy = _legacy_revision(connection)
        if legacy is None:
            return f"the catalog database has no schema yet: run `{UPGRADE_COMMAND}` first"
        return (
            "the catalog database was made by an opendata release before schema migrations: "
            f"run `{UPGRADE_COMMAND}` to migrate it (its data is kept)"
        )
    if revision in known_revisions():
        return (
            f"the catalog schema is at revision {revision}, this opendata needs {head()}: "
            f"run `{UPGRADE_COMMAND}`"
        )
    return (
        f"the catalog schema is at revision {revision}, which this opendata does not know (was "
        "it upgraded by a newer release?); install that release, or point DATABASE_URL elsewhere"
    )


def require_current(engine: Engine) -> None:
    """Raise :class:`SchemaError` unless the schema is at :func:`head` (reads, never writes)."""
    with engine.connect() as connection:
        problem = describe(connection)
    if problem is not None:
        raise SchemaError(problem)


@contextmanager
def _sqlite_lock(engine: Engine) -> Iterator[None]:
    database = engine.url.database
    if not database or database == ":memory:":
        yield  # a private in-memory database: nobody to race
        return
    # A file of its own: locking the database file would let closing our descriptor drop the
    # POSIX locks SQLite's connections in this process hold on it.
    path = Path(database)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(path.name + ".upgrade-lock").open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _lock_postgresql(connection: Connection) -> None:
    # Released with the transaction; keyed by schema so that separate schemas do not wait.
    connection.execute(
        text("SELECT pg_advisory_xact_lock(:key, hashtext(current_schema()))"),
        {"key": _PG_LOCK_KEY},
    )


def _migrate(connection: Connection) -> Upgrade:
    from alembic import command

    before = current(connection)
    if before is not None and before not in known_revisions():
        raise SchemaError(describe(connection) or before)
    config = _config(connection)
    if before is None:
        before = _legacy_revision(connection)
        if before is not None:
            _complete_legacy(connection)
            log.info("database from before migrations recognised as revision %s", before)
            command.stamp(config, before)
    if before != head():
        command.upgrade(config, "head")
    after = current(connection)
    assert after is not None
    return Upgrade(before, after)


def upgrade(engine: Engine) -> Upgrade:
    """Create the schema or migrate it to :func:`head`; safe to run from several processes."""
    if engine.dialect.name == "sqlite":
        with _sqlite_lock(engine), engine.begin() as connection:
            return _migrate(connection)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            _lock_postgresql(connection)
        return _migrate(connection)
