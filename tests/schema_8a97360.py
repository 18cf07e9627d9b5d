"""The catalog tables as commit 8a97360 made them with ``create_all``, before migrations.

A frozen copy of that commit's ``opendata/store/db.py`` table definitions (no allow_shrink
column, no alembic_version), so that tests can make the database an existing deployment holds
and upgrade it. Kept verbatim: do not edit it to follow the current schema.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

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
