"""SQLite: an event row's seq is its id, set by a trigger as the row is written

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-03 18:30:00

With one writer at a time, SQLite's id order is commit order, so ``seq`` (the order live
clients resume by) equals the id. The server used to write it with one more UPDATE per batch;
the trigger sets it inside the INSERT instead. PostgreSQL keeps stamping it just before
commit (``realtime.log.stamp_order``); nothing changes there.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TRIGGER events_seq_from_id AFTER INSERT ON events "
        "WHEN NEW.seq IS NULL "
        "BEGIN UPDATE events SET seq = NEW.id WHERE id = NEW.id; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER events_seq_from_id")
