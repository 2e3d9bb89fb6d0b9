"""Team- and inbox-scoped access: inbox members, counts by inbox and team, events' reach

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _key(name: str) -> sa.Column[int]:
    return sa.Column(name, BIG_ID, autoincrement=False, nullable=False)


def upgrade() -> None:
    op.create_table(
        "inbox_members",
        sa.Column("inbox_id", BIG_ID, nullable=False),
        sa.Column("agent_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_inbox_members_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name=op.f("fk_inbox_members_agent_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("inbox_id", "agent_id", name=op.f("pk_inbox_members")),
    )
    with op.batch_alter_table("inbox_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_members_agent_id"), ["agent_id"], unique=False)
    # Nobody is locked out by the upgrade: every operator answers every inbox, as before;
    # admins narrow it per inbox from here on.
    op.execute(
        "INSERT INTO inbox_members (inbox_id, agent_id) "
        "SELECT inboxes.id, agents.id FROM inboxes CROSS JOIN agents"
    )

    # Counts per inbox and team too, so each operator's counts cover what they may see.
    op.drop_table("conversation_counts")
    op.create_table(
        "conversation_counts",
        sa.Column("status", sa.String(length=10), nullable=False),
        _key("inbox_id"),
        _key("team_key"),
        _key("assignee_key"),
        sa.Column("n", BIG_ID, nullable=False),
        sa.PrimaryKeyConstraint(
            "status",
            "inbox_id",
            "team_key",
            "assignee_key",
            name=op.f("pk_conversation_counts"),
        ),
    )
    op.execute(
        "INSERT INTO conversation_counts (status, inbox_id, team_key, assignee_key, n) "
        "SELECT status, inbox_id, COALESCE(team_id, 0), COALESCE(assignee_id, 0), COUNT(*) "
        "FROM conversations "
        "GROUP BY status, inbox_id, COALESCE(team_id, 0), COALESCE(assignee_id, 0)"
    )

    # Plain ADD COLUMN (no batch copy of the table: SQLite's seq trigger stays in place).
    # Events written before have no reach: every operator hears them on replay, as before.
    for name in ("inbox_id", "team_id", "assignee_id"):
        op.add_column("events", sa.Column(name, sa.BigInteger(), nullable=True))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy would lose SQLite's seq trigger.
    for name in ("assignee_id", "team_id", "inbox_id"):
        op.drop_column("events", name)
    op.drop_table("conversation_counts")
    op.create_table(
        "conversation_counts",
        sa.Column("status", sa.String(length=10), nullable=False),
        _key("assignee_key"),
        sa.Column("n", BIG_ID, nullable=False),
        sa.PrimaryKeyConstraint("status", "assignee_key", name=op.f("pk_conversation_counts")),
    )
    op.execute(
        "INSERT INTO conversation_counts (status, assignee_key, n) "
        "SELECT status, COALESCE(assignee_id, 0), COUNT(*) FROM conversations "
        "GROUP BY status, COALESCE(assignee_id, 0)"
    )
    with op.batch_alter_table("inbox_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_members_agent_id"))
    op.drop_table("inbox_members")
