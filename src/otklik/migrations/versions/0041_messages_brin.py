"""messages: a BRIN index on id (PostgreSQL)

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-04 15:20:00

A search for a word of middling frequency takes the full-text index's matches inside a
window of the newest messages (``conversations/searching.py``). Messages are appended, so
their ids follow the table's pages; a BRIN index turns "id above N" into a page filter of
a few kilobytes that the planner ANDs with the GIN bitmap, instead of a bitmap of the primary
key's hundreds of thousands of entries. SQLite has no BRIN and needs none (FTS5 walks its
index newest first).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_messages_id_brin ON messages USING brin (id)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_messages_id_brin")
