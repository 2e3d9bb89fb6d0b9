"""Forget operators' events written before access was scoped (0018)

Since 0018 every operators' frame about a conversation carries its reach (inbox, team,
assignee), and a socket's catch-up replays only what the operator may see. Rows written
before that have no reach, and "no reach" means "about no conversation: everyone hears it",
so an agent resuming from an old event id would have been replayed frames of conversations
outside their scope — private notes included. They are deleted here. A client behind them
is told to resync and refetches, as after any pruning; nothing else reads the log.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-03 23:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM events WHERE stream = 'agents' AND inbox_id IS NULL")


def downgrade() -> None:
    """Nothing to restore: the deleted rows were a replay buffer."""
