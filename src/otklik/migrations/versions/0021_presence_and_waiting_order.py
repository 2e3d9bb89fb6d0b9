"""Presence that follows the sockets; queues ordered by how long the customer has waited

``agents.seen_at``: when a socket of the operator was last known open (each process writes it
for its connected operators every few seconds, and when their last socket closes);
``agents.active_at``: when the operator last used the workspace; ``agents.presence_auto_from``:
the status the operator chose, while the system shows another (offline after the sockets
went, away when idle) — what they come back to.

The queues (unassigned, a team's) are read oldest unanswered customer message first:
indexes on ``(assignee_id | team_id, status, waiting_since, id)`` serve them.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 02:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import otklik.core.db

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agents") as batch:
        batch.add_column(sa.Column("seen_at", otklik.core.db.UTCDateTime(timezone=True)))
        batch.add_column(sa.Column("active_at", otklik.core.db.UTCDateTime(timezone=True)))
        batch.add_column(sa.Column("presence_auto_from", sa.String(20)))
    op.create_index(
        "ix_conversations_assignee_status_waiting",
        "conversations",
        ["assignee_id", "status", "waiting_since", "id"],
    )
    op.create_index(
        "ix_conversations_team_status_waiting",
        "conversations",
        ["team_id", "status", "waiting_since", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_conversations_team_status_waiting", table_name="conversations")
    op.drop_index("ix_conversations_assignee_status_waiting", table_name="conversations")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("presence_auto_from")
        batch.drop_column("active_at")
        batch.drop_column("seen_at")
