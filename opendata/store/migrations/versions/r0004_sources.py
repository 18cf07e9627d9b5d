"""``od_sources``: what the web app shows about sources, so that it never loads a plugin.

Written by ``opendata sources sync`` (which ``opendata db upgrade``, the scheduler at start and
``opendata refresh`` run): each installed source's name, state (enabled, disabled, refused),
title, distribution, effective schedule, dependencies and, when refused, the redacted reason.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "od_sources",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("title", sa.Unicode(500), nullable=True),
        sa.Column("distribution", sa.String(200), nullable=True),
        sa.Column("schedule", sa.String(200), nullable=True),
        sa.Column("depends_on", sa.JSON, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("od_sources")
