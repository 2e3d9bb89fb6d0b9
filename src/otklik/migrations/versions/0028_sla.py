"""SLA: business calendars, policies (SLA and OLA) and conversations' clocks

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 03:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sla_calendars",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("weekly", JSON, nullable=False),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("custom_dates", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_calendars")),
    )
    op.create_table(
        "sla_calendar_links",
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("scope_id", BIG_ID, autoincrement=False, nullable=False),
        sa.Column(
            "calendar_id",
            BIG_ID,
            sa.ForeignKey(
                "sla_calendars.id",
                ondelete="CASCADE",
                name=op.f("fk_sla_calendar_links_calendar_id_sla_calendars"),
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("scope", "scope_id", name=op.f("pk_sla_calendar_links")),
    )
    op.create_table(
        "sla_policies",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(3), nullable=False),
        sa.Column("position", BIG_ID, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column(
            "calendar_id",
            BIG_ID,
            sa.ForeignKey(
                "sla_calendars.id",
                ondelete="SET NULL",
                name=op.f("fk_sla_policies_calendar_id_sla_calendars"),
            ),
            nullable=True,
        ),
        sa.Column("conditions", JSON, nullable=False),
        sa.Column("targets", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_policies")),
    )
    op.create_table(
        "sla_clocks",
        sa.Column(
            "conversation_id",
            BIG_ID,
            sa.ForeignKey(
                "conversations.id",
                ondelete="CASCADE",
                name=op.f("fk_sla_clocks_conversation_id_conversations"),
            ),
            nullable=False,
        ),
        sa.Column("target", sa.String(20), nullable=False),
        sa.Column("policy_id", BIG_ID, nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("due_at", WHEN, nullable=True),
        sa.Column("target_s", BIG_ID, nullable=False),
        sa.Column("remaining_s", BIG_ID, nullable=True),
        sa.Column("met_at", WHEN, nullable=True),
        sa.Column("breached_at", WHEN, nullable=True),
        sa.Column("warned_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("conversation_id", "target", name=op.f("pk_sla_clocks")),
    )
    op.create_index("ix_sla_clocks_state_due", "sla_clocks", ["state", "due_at"])
    op.create_index("ix_sla_clocks_policy", "sla_clocks", ["policy_id"])


def downgrade() -> None:
    op.drop_index("ix_sla_clocks_policy", table_name="sla_clocks")
    op.drop_index("ix_sla_clocks_state_due", table_name="sla_clocks")
    op.drop_table("sla_clocks")
    op.drop_table("sla_policies")
    op.drop_table("sla_calendar_links")
    op.drop_table("sla_calendars")
