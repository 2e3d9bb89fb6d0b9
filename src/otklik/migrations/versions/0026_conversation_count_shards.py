"""Conversation counts in shards, so concurrent creates on PostgreSQL do not queue on one row

Revision ID: 0026
Revises: 0024
Create Date: 2026-12-04 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_KEYS = ("status", "inbox_id", "team_key", "assignee_key")
_RECOUNT = (
    "INSERT INTO conversation_counts (status, inbox_id, team_key, assignee_key, n) "
    "SELECT status, inbox_id, COALESCE(team_id, 0), COALESCE(assignee_id, 0), COUNT(*) "
    "FROM conversations "
    "GROUP BY status, inbox_id, COALESCE(team_id, 0), COALESCE(assignee_id, 0)"
)


def _table(*, sharded: bool) -> None:
    op.drop_table("conversation_counts")
    keys = (*_KEYS, "shard") if sharded else _KEYS
    op.create_table(
        "conversation_counts",
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("inbox_id", BIG_ID, autoincrement=False, nullable=False),
        sa.Column("team_key", BIG_ID, autoincrement=False, nullable=False),
        sa.Column("assignee_key", BIG_ID, autoincrement=False, nullable=False),
        *(
            [sa.Column("shard", sa.SmallInteger(), server_default="0", nullable=False)]
            if sharded
            else []
        ),
        sa.Column("n", BIG_ID, nullable=False),
        sa.PrimaryKeyConstraint(*keys, name=op.f("pk_conversation_counts")),
    )
    op.execute(_RECOUNT)


def upgrade() -> None:
    _table(sharded=True)


def downgrade() -> None:
    _table(sharded=False)
