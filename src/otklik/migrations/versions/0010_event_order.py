"""events.seq: the order live clients see, stamped just before commit

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
    op.execute("UPDATE events SET seq = id")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_stream_id")
        batch_op.create_index("ix_events_stream_seq", ["stream", "seq"], unique=False)
        batch_op.create_index("ix_events_seq", ["seq"], unique=True)
    if op.get_bind().dialect.name == "postgresql":
        # Owned by the column: dropped with it, and reset with the table (TRUNCATE … RESTART
        # IDENTITY), like the sequence behind a serial id.
        op.execute("CREATE SEQUENCE event_order OWNED BY events.seq")
        op.execute(
            "SELECT setval('event_order', COALESCE((SELECT max(id) FROM events), 0) + 1, false)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE event_order")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_seq")
        batch_op.drop_index("ix_events_stream_seq")
        batch_op.create_index("ix_events_stream_id", ["stream", "id"], unique=False)
        batch_op.drop_column("seq")
