"""sla_policies.pause_on (what pauses a policy's clocks), sla_breaches (the missed targets)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-04 14:30:00

Until now every policy paused its clocks while the conversation was pending or snoozed; an
admin may now keep a policy counting through either. Existing rows stay NULL, read as both.

``sla_breaches`` keeps one row per missed target as it stood when the sweeper marked it
(policy, due time, assignee and team then, the reason in words) for the breaches report.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pause_on", JSON, nullable=True))
    op.create_table(
        "sla_breaches",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("conversation_id", ID, nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("policy_id", ID, nullable=True),
        sa.Column("policy_name", sa.String(length=200), nullable=True),
        sa.Column("target_minutes", ID, nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("breached_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("inbox_id", ID, nullable=False),
        sa.Column("team_id", ID, nullable=True),
        sa.Column("assignee_id", ID, nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_sla_breaches_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_breaches")),
    )
    op.create_index(op.f("ix_sla_breaches_conversation_id"), "sla_breaches", ["conversation_id"])
    op.create_index("ix_sla_breaches_breached_at", "sla_breaches", ["breached_at"])
    op.create_index("ix_sla_breaches_team_breached_at", "sla_breaches", ["team_id", "breached_at"])


def downgrade() -> None:
    op.drop_table("sla_breaches")
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.drop_column("pause_on")
