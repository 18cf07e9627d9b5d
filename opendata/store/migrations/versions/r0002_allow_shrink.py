"""A queued refresh may be allowed to shrink: ``od_refresh_requests.allow_shrink``.

Nullable, so that the requests queued before it read as "not allowed".

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("od_refresh_requests", sa.Column("allow_shrink", sa.Boolean, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("od_refresh_requests") as batch:
        batch.drop_column("allow_shrink")
