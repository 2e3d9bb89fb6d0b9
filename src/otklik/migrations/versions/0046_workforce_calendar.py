"""workforce: per-day shift overrides, time-off and swap requests

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-04 17:45:00

``workforce_shift_overrides``: one operator's day edited on top of the rotation patterns (a
moved, resized or added shift, or a day off), from a lead's edit, approved time off or an
approved swap; at most one per operator and day. ``workforce_schedule_requests``: time off and
shift swaps asked by operators, accepted by the colleague (swaps) and decided by the lead.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import otklik.core.db

revision: str = "0046"
down_revision: str | None = "0045"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = otklik.core.db.UTCDateTime(timezone=True)


def _agent(table: str, column: str, ondelete: str, nullable: bool) -> sa.Column[int]:
    return sa.Column(
        column,
        BIG_ID,
        sa.ForeignKey("agents.id", ondelete=ondelete, name=op.f(f"fk_{table}_{column}_agents")),
        nullable=nullable,
    )


def upgrade() -> None:
    table = "workforce_schedule_requests"
    op.create_table(
        table,
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("kind", sa.String(10), nullable=False),
        _agent(table, "agent_id", "CASCADE", False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("date_from", sa.Date(), nullable=False),
        sa.Column("date_to", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        _agent(table, "colleague_id", "CASCADE", True),
        sa.Column("colleague_date", sa.Date(), nullable=True),
        _agent(table, "decided_by_id", "SET NULL", True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("decided_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workforce_schedule_requests")),
    )
    op.create_index("ix_workforce_schedule_requests_agent", table, ["agent_id", "state"])
    table = "workforce_shift_overrides"
    op.create_table(
        table,
        sa.Column("id", BIG_ID, primary_key=True),
        _agent(table, "agent_id", "CASCADE", False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("starts_at", WHEN, nullable=True),
        sa.Column("ends_at", WHEN, nullable=True),
        sa.Column(
            "template_id",
            BIG_ID,
            sa.ForeignKey(
                "workforce_shift_templates.id",
                ondelete="SET NULL",
                name=op.f("fk_workforce_shift_overrides_template_id_workforce_shift_templates"),
            ),
            nullable=True,
        ),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column(
            "request_id",
            BIG_ID,
            sa.ForeignKey(
                "workforce_schedule_requests.id",
                ondelete="SET NULL",
                name=op.f("fk_workforce_shift_overrides_request_id_workforce_schedule_requests"),
            ),
            nullable=True,
        ),
        _agent(table, "by_agent_id", "SET NULL", True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workforce_shift_overrides")),
        sa.UniqueConstraint("agent_id", "day", name="uq_workforce_shift_overrides_agent_day"),
    )


def downgrade() -> None:
    op.drop_table("workforce_shift_overrides")
    op.drop_table("workforce_schedule_requests")
