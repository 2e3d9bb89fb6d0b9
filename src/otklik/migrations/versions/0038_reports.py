"""Reports: the append-only facts table, its hourly rollups, conversations' report state

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-04 14:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038"
down_revision: str | None = "0037"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def _conversation_fk(table: str) -> sa.ForeignKey:
    return sa.ForeignKey(
        "conversations.id",
        ondelete="CASCADE",
        name=op.f(f"fk_{table}_conversation_id_conversations"),
    )


def upgrade() -> None:
    op.create_table(
        "report_facts",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("conversation_id", BIG_ID, _conversation_fk("report_facts"), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", WHEN, nullable=False),
        sa.Column("inbox_id", BIG_ID, nullable=False),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("team_id", BIG_ID, nullable=True),
        sa.Column("agent_id", BIG_ID, nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("business_seconds", sa.Float(), nullable=True),
        sa.Column("n", BIG_ID, nullable=True),
        sa.Column("first", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_facts")),
    )
    op.create_index("ix_report_facts_kind_at", "report_facts", ["kind", "at"])
    op.create_index(
        "ix_report_facts_conversation_kind", "report_facts", ["conversation_id", "kind"]
    )
    op.create_table(
        "report_hourly",
        sa.Column("hour", WHEN, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("inbox_id", BIG_ID, autoincrement=False, nullable=False),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("team_key", BIG_ID, autoincrement=False, nullable=False),
        sa.Column("agent_key", BIG_ID, autoincrement=False, nullable=False),
        sa.Column(
            "shard", sa.SmallInteger(), autoincrement=False, nullable=False, server_default="0"
        ),
        sa.Column("n", BIG_ID, nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("business_seconds", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "hour",
            "kind",
            "inbox_id",
            "channel",
            "team_key",
            "agent_key",
            "shard",
            name=op.f("pk_report_hourly"),
        ),
    )
    op.create_table(
        "report_conversations",
        sa.Column(
            "conversation_id",
            BIG_ID,
            _conversation_fk("report_conversations"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("inbox_id", BIG_ID, nullable=False),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("team_id", BIG_ID, nullable=True),
        sa.Column("assignee_id", BIG_ID, nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("waiting_since", WHEN, nullable=True),
        sa.Column("first_open", sa.Boolean(), nullable=False),
        sa.Column("first_since", WHEN, nullable=True),
        sa.Column("replies", BIG_ID, nullable=False),
        sa.Column("resolutions", BIG_ID, nullable=False),
        sa.Column("handler_id", BIG_ID, nullable=True),
        sa.Column("handling_since", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("conversation_id", name=op.f("pk_report_conversations")),
    )
    op.create_index("ix_report_conversations_handler", "report_conversations", ["handler_id"])


def downgrade() -> None:
    op.drop_table("report_conversations")
    op.drop_table("report_hourly")
    op.drop_table("report_facts")
