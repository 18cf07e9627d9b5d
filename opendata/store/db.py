"""The catalog's tables (SQLAlchemy Core) and engine creation for SQLite and PostgreSQL.

One database holds the catalog (datasets, versions, runs, tokens, leases, queued refresh
requests, the scheduler's heartbeat) and the datastore's row tables, so that every web node and
the scheduler share one truth and a publish can swap the current version in one transaction.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Unicode,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url

metadata = MetaData()

datasets = Table(
    "od_datasets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("source", String(64), nullable=False),
    Column("publisher", Text, nullable=False, default=""),
    Column("license", String(64), nullable=False, default=""),
    Column("keywords", JSON, nullable=False, default=list),
    Column("schedule", String(64), nullable=False, default=""),
    Column("current_version", String(40), nullable=True),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("modified", DateTime(timezone=True), nullable=False),
)

versions = Table(
    "od_versions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("dataset", String(64), ForeignKey("od_datasets.name"), nullable=False, index=True),
    Column("created", DateTime(timezone=True), nullable=False),
    Column("hash", String(80), nullable=False),
    Column("descriptor", JSON, nullable=False),
    Column("rows", JSON, nullable=False),
    Column("bytes", BigInteger, nullable=False),
    Column("run_id", Integer, nullable=True),
)

# One row-table per resource version; the table name is derived, not user input.
datastore_tables = Table(
    "od_datastore_tables",
    metadata,
    Column("version", String(40), primary_key=True),
    Column("resource", String(64), primary_key=True),
    Column("dataset", String(64), nullable=False, index=True),
    Column("table_name", String(64), nullable=False, unique=True),
    Column("row_count", BigInteger, nullable=False),
    Column("fields", JSON, nullable=False),
    # "pending" from before the table is created until the publish transaction; a crash in
    # between leaves a pending row that the next run's clean-up uses to drop the orphan table.
    Column("state", String(16), nullable=False, default="pending"),
)

runs = Table(
    "od_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset", String(64), nullable=False, index=True),
    Column("trigger", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("started", DateTime(timezone=True), nullable=False),
    Column("finished", DateTime(timezone=True), nullable=True),
    Column("version", String(40), nullable=True),
    Column("attempt", Integer, nullable=False, default=1),
    Column("rows", JSON, nullable=False, default=dict),
    Column("withheld", JSON, nullable=False, default=dict),
    Column("dropped_fields", JSON, nullable=False, default=dict),
    Column("warnings", JSON, nullable=False, default=list),
    Column("timings", JSON, nullable=False, default=dict),
    Column("error", Text, nullable=True),
    Column("error_kind", String(32), nullable=True),
    Column("report", JSON, nullable=True),
    Index("ix_od_runs_dataset_started", "dataset", "started"),
)

tokens = Table(
    "od_tokens",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("hash", String(128), nullable=False),
    Column("created", DateTime(timezone=True), nullable=False),
)

leases = Table(
    "od_leases",
    metadata,
    Column("dataset", String(64), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("expires", Float, nullable=False),  # epoch seconds: compared across hosts
)

refresh_requests = Table(
    "od_refresh_requests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dataset", String(64), nullable=True),  # NULL → every enabled source
    Column("requested", DateTime(timezone=True), nullable=False),
    Column("requested_by", String(64), nullable=False),
    Column("picked", DateTime(timezone=True), nullable=True),
    # The operator let this run shrink (POST …/refresh {"allow_shrink": true}). Nullable: the
    # requests queued before migration 0002 added it read as not allowed.
    Column("allow_shrink", Boolean, nullable=True),
)

heartbeats = Table(
    "od_heartbeats",
    metadata,
    Column("holder", String(128), primary_key=True),
    Column("beat", Float, nullable=False),
    Column("info", JSON, nullable=False, default=dict),
)

source_state = Table(
    "od_source_state",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("consecutive_failures", Integer, nullable=False, default=0),
    Column("failing_since", DateTime(timezone=True), nullable=True),
    Column("next_run", DateTime(timezone=True), nullable=True),
)


# What serving shows about sources, written by `opendata sources sync` (migration 0004): the web
# app reads this instead of loading plugins. ``state`` is enabled, disabled or refused.
sources = Table(
    "od_sources",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("title", Unicode(500), nullable=True),
    Column("distribution", String(200), nullable=True),
    Column("schedule", String(200), nullable=True),
    Column("depends_on", JSON, nullable=False, default=list),
    Column("reason", Text, nullable=True),
    Column("synced_at", DateTime(timezone=True), nullable=False),
)


# APScheduler's SQLAlchemyJobStore table, made by migration 0003 and never by the scheduler;
# declared here so that the schema test can hold the migrations to every table.
scheduler_jobs = Table(
    "od_scheduler_jobs",
    metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # WAL lets readers go on while a refresh writes; busy_timeout makes concurrent writers (the
    # scheduler and a CLI refresh) wait for each other instead of failing at once.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets its folder created and concurrency pragmas."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Fail fast when PostgreSQL is down or unreachable: a connection attempt gives up after
    # connect_timeout and a request waits at most pool_timeout for a pooled connection, so a
    # web request answers 503 (opendata.outage) in seconds instead of hanging.
    # No pre-ping: it is one more round trip per check-out (two per API request, 2 of its 5
    # statements; ~0.6 ms of a 2.7 ms row-by-key request, bench/README.md). A connection that
    # a restart killed fails its next statement instead; SQLAlchemy then invalidates every
    # older connection of the pool, so each process answers at most one 503 (which nginx
    # retries on another node) and serves again. pool_recycle renews connections before
    # idle-connection timeouts of firewalls or poolers drop them unseen.
    connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": 5}
    return create_engine(
        url,
        pool_pre_ping=False,
        pool_recycle=600,
        pool_size=5,
        max_overflow=10,
        pool_timeout=10,
        connect_args=connect_args,
    )


def init_db(engine: Engine) -> None:
    """Create or migrate the catalog schema to the newest revision (``opendata db upgrade``).

    Only that command and test set-up call this: web workers and the scheduler check the schema
    (``schema.require_current``) and never create tables.
    """
    from opendata.store import schema  # Alembic is needed by the upgrade only

    schema.upgrade(engine)
