"""The catalog schema as the first releases made it with ``create_all`` (commit 8a97360).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "od_datasets",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("publisher", sa.Text, nullable=False),
        sa.Column("license", sa.String(64), nullable=False),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("schedule", sa.String(64), nullable=False),
        sa.Column("current_version", sa.String(40), nullable=True),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("modified", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "od_versions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("dataset", sa.String(64), sa.ForeignKey("od_datasets.name"), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hash", sa.String(80), nullable=False),
        sa.Column("descriptor", sa.JSON, nullable=False),
        sa.Column("rows", sa.JSON, nullable=False),
        sa.Column("bytes", sa.BigInteger, nullable=False),
        sa.Column("run_id", sa.Integer, nullable=True),
    )
    op.create_index("ix_od_versions_dataset", "od_versions", ["dataset"])
    op.create_table(
        "od_datastore_tables",
        sa.Column("version", sa.String(40), primary_key=True),
        sa.Column("resource", sa.String(64), primary_key=True),
        sa.Column("dataset", sa.String(64), nullable=False),
        sa.Column("table_name", sa.String(64), nullable=False, unique=True),
        sa.Column("row_count", sa.BigInteger, nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
    )
    op.create_index("ix_od_datastore_tables_dataset", "od_datastore_tables", ["dataset"])
    op.create_table(
        "od_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dataset", sa.String(64), nullable=False),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.String(40), nullable=True),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("rows", sa.JSON, nullable=False),
        sa.Column("withheld", sa.JSON, nullable=False),
        sa.Column("dropped_fields", sa.JSON, nullable=False),
        sa.Column("warnings", sa.JSON, nullable=False),
        sa.Column("timings", sa.JSON, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("error_kind", sa.String(32), nullable=True),
        sa.Column("report", sa.JSON, nullable=True),
    )
    op.create_index("ix_od_runs_dataset", "od_runs", ["dataset"])
    op.create_index("ix_od_runs_dataset_started", "od_runs", ["dataset", "started"])
    op.create_table(
        "od_tokens",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("hash", sa.String(128), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "od_leases",
        sa.Column("dataset", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("expires", sa.Float, nullable=False),
    )
    op.create_table(
        "od_refresh_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dataset", sa.String(64), nullable=True),
        sa.Column("requested", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("picked", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "od_heartbeats",
        sa.Column("holder", sa.String(128), primary_key=True),
        sa.Column("beat", sa.Float, nullable=False),
        sa.Column("info", sa.JSON, nullable=False),
    )
    op.create_table(
        "od_source_state",
        sa.Column("source", sa.String(64), primary_key=True),
        sa.Column("consecutive_failures", sa.Integer, nullable=False),
        sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_run", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    for table in (
        "od_source_state",
        "od_heartbeats",
        "od_refresh_requests",
        "od_leases",
        "od_tokens",
        "od_runs",
        "od_datastore_tables",
        "od_versions",
        "od_datasets",
    ):
        op.drop_table(table)
