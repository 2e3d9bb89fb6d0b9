"""sla_policies.pause_on: the statuses that pause a policy's clocks

Revision ID: 0034
Revises: 0032
Create Date: 2026-12-04 14:30:00

Until now every policy paused its clocks while the conversation was pending or snoozed; an
admin may now keep a policy counting through either. Existing rows stay NULL, read as both.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0034"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pause_on", JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.drop_column("pause_on")
