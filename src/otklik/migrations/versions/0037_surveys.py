"""Surveys: each inbox's survey settings, and every survey sent with its answer

Revision ID: 0037
Revises: 0035
Create Date: 2026-12-04 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0037"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "survey_settings",
        sa.Column(
            "inbox_id",
            BIG_ID,
            sa.ForeignKey(
                "inboxes.id", ondelete="CASCADE", name=op.f("fk_survey_settings_inbox_id_inboxes")
            ),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("csat_enabled", sa.Boolean(), nullable=False),
        sa.Column("nps_enabled", sa.Boolean(), nullable=False),
        sa.Column("nps_interval_days", BIG_ID, nullable=False),
        sa.Column("ces_enabled", sa.Boolean(), nullable=False),
        sa.Column("expires_hours", BIG_ID, nullable=False),
        sa.Column("texts", JSON, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("inbox_id", name=op.f("pk_survey_settings")),
    )
    op.create_table(
        "survey_requests",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(4), nullable=False),
        sa.Column("origin", sa.String(12), nullable=False),
        sa.Column(
            "conversation_id",
            BIG_ID,
            sa.ForeignKey(
                "conversations.id",
                ondelete="CASCADE",
                name=op.f("fk_survey_requests_conversation_id_conversations"),
            ),
            nullable=False,
        ),
        sa.Column("contact_id", BIG_ID, nullable=False),
        sa.Column("inbox_id", BIG_ID, nullable=False),
        sa.Column("team_id", BIG_ID, nullable=True),
        sa.Column("operator_id", BIG_ID, nullable=True),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("expires_at", WHEN, nullable=False),
        sa.Column("score", BIG_ID, nullable=True),
        sa.Column("comment", sa.String(2000), nullable=True),
        sa.Column("responded_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_requests")),
        sa.UniqueConstraint("token", name=op.f("uq_survey_requests_token")),
    )
    op.create_index("ix_survey_requests_conversation", "survey_requests", ["conversation_id"])
    op.create_index(
        "ix_survey_requests_contact_kind", "survey_requests", ["contact_id", "kind", "created_at"]
    )
    op.create_index("ix_survey_requests_responded", "survey_requests", ["responded_at"])


def downgrade() -> None:
    op.drop_table("survey_requests")
    op.drop_table("survey_settings")
