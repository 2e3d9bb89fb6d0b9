"""Workforce: status intervals, handling intervals, the reason of a break

``workforce_status_intervals``: every presence change of an operator (online, away, break with
its reason, offline; by the operator, the system or a schedule) as an interval;
``workforce_handling_intervals``: while an open conversation is assigned to an operator;
``agents.status_reason``: why an operator is on a break; ``workforce_simulations``: staffing
questions checked by the queue simulation (a background job) and their answers; shift
templates, rotation patterns (2/2, 5/2, 3/3, day/evening/night, custom) and which operator
works which pattern from which date.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-04 14:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import otklik.core.db

revision: str = "0039"
down_revision: str | None = "0038"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = otklik.core.db.UTCDateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _agent(table: str) -> sa.Column[int]:
    return sa.Column(
        "agent_id",
        BIG_ID,
        sa.ForeignKey("agents.id", ondelete="CASCADE", name=op.f(f"fk_{table}_agent_id_agents")),
        nullable=False,
    )


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("status_reason", sa.String(20), nullable=True))
    op.create_table(
        "workforce_status_intervals",
        sa.Column("id", BIG_ID, primary_key=True),
        _agent("workforce_status_intervals"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(20), nullable=True),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workforce_status_intervals")),
    )
    op.create_index(
        "ix_workforce_status_intervals_agent_start",
        "workforce_status_intervals",
        ["agent_id", "started_at"],
    )
    op.create_table(
        "workforce_handling_intervals",
        sa.Column("id", BIG_ID, primary_key=True),
        _agent("workforce_handling_intervals"),
        sa.Column(
            "conversation_id",
            BIG_ID,
            sa.ForeignKey(
                "conversations.id",
                ondelete="CASCADE",
                name=op.f("fk_workforce_handling_intervals_conversation_id_conversations"),
            ),
            nullable=False,
        ),
        sa.Column("started_at", WHEN, nullable=False),
        sa.Column("ended_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workforce_handling_intervals")),
    )
    op.create_index(
        "ix_workforce_handling_intervals_agent_start",
        "workforce_handling_intervals",
        ["agent_id", "started_at"],
    )
    op.create_index(
        "ix_workforce_handling_intervals_conversation",
        "workforce_handling_intervals",
        ["conversation_id", "ended_at"],
    )

    op.create_table(
        "workforce_simulations",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column(
            "requested_by_id",
            BIG_ID,
            sa.ForeignKey(
                "agents.id",
                ondelete="SET NULL",
                name=op.f("fk_workforce_simulations_requested_by_id_agents"),
            ),
            nullable=True,
        ),
        sa.Column("params", JSON, nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("result", JSON, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workforce_simulations")),
    )
    op.create_table(
        "workforce_shift_templates",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("start_minute", BIG_ID, nullable=False),
        sa.Column("length_minutes", BIG_ID, nullable=False),
        sa.Column("breaks", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workforce_shift_templates")),
    )
    op.create_table(
        "workforce_rotation_patterns",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("cycle", JSON, nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workforce_rotation_patterns")),
    )
    op.create_table(
        "workforce_pattern_assignments",
        sa.Column("id", BIG_ID, primary_key=True),
        _agent("workforce_pattern_assignments"),
        sa.Column(
            "pattern_id",
            BIG_ID,
            sa.ForeignKey(
                "workforce_rotation_patterns.id",
                ondelete="CASCADE",
                name=op.f(
                    "fk_workforce_pattern_assignments_pattern_id_workforce_rotation_patterns"
                ),
            ),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workforce_pattern_assignments")),
    )
    op.create_index(
        "ix_workforce_pattern_assignments_agent",
        "workforce_pattern_assignments",
        ["agent_id", "starts_on"],
    )


def downgrade() -> None:
    op.drop_table("workforce_pattern_assignments")
    op.drop_table("workforce_rotation_patterns")
    op.drop_table("workforce_shift_templates")
    op.drop_table("workforce_simulations")
    op.drop_table("workforce_handling_intervals")
    op.drop_table("workforce_status_intervals")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("status_reason")
