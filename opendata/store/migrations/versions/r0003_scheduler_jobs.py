"""The scheduler's persistent job store, ``od_scheduler_jobs``.

Exactly the table APScheduler 3's ``SQLAlchemyJobStore`` would make (id, next_run_time with its
index, the pickled job), so that the store finds it; made here so that two schedulers starting
together no longer race to create it. A database from before migrations may already hold it,
made by a scheduler that ran: then it is kept as it is.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLE = "od_scheduler_jobs"


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TABLE):
        return
    op.create_table(
        TABLE,
        # 191: MySQL's key length for utf8mb4; Float(25): an 8-byte float (APScheduler's own).
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary, nullable=False),
    )
    op.create_index(f"ix_{TABLE}_next_run_time", TABLE, ["next_run_time"])


def downgrade() -> None:
    op.drop_table(TABLE)
