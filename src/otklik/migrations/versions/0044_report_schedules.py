"""reports: scheduled email reports

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-04 17:45:00

``report_schedules``: a report mailed daily (yesterday) or weekly (last week) at a local
time, to chosen operators and addresses; ``last_since``/``last_until`` record the last
period handed to the mail job, so each period goes out once across workers and restarts.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0044"
down_revision: str | None = "0043"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "report_schedules",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column(
            "owner_id",
            BIG_ID,
            sa.ForeignKey(
                "agents.id", ondelete="CASCADE", name=op.f("fk_report_schedules_owner_id_agents")
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("frequency", sa.String(10), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=True),
        sa.Column("send_time", sa.String(5), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("filters", JSON, nullable=False),
        sa.Column("recipient_agent_ids", JSON, nullable=False),
        sa.Column("recipient_emails", JSON, nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("format", sa.String(4), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("starts_at", WHEN, nullable=False),
        sa.Column("last_since", WHEN, nullable=True),
        sa.Column("last_until", WHEN, nullable=True),
        sa.Column("last_sent_at", WHEN, nullable=True),
        sa.Column("sent_until", WHEN, nullable=True),
        sa.Column("last_error", sa.String(2000), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_schedules")),
    )
    op.create_index(
        op.f("ix_report_schedules_owner_id"), "report_schedules", ["owner_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_report_schedules_owner_id"), table_name="report_schedules")
    op.drop_table("report_schedules")
