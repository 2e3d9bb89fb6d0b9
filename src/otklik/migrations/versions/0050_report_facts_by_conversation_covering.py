"""report_facts: the index by conversation covers what several tags' excess reads

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-05 04:30:00

ADR 0032 (addendum of 5 Dec, second): the overview for several tags reads the facts of the
conversations carrying two or more of them, conversation by conversation
(``reports/overlap.py``). ``ix_report_facts_conversation_kind`` gains ``at`` as a key (the
period's range within each kind) and the durations, ``first`` and ``n`` (on PostgreSQL
``INCLUDE``d, unordered), so that the read never visits the table: the same index widened,
not a second one.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0050"
down_revision: str | None = "0049"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NAME = "ix_report_facts_conversation_kind"
KEYS = ["conversation_id", "kind", "at"]
COVER = ["first", "n", "seconds", "business_seconds"]


def upgrade() -> None:
    op.drop_index(NAME, table_name="report_facts")
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(NAME, "report_facts", KEYS, postgresql_include=COVER)
    else:
        op.create_index(NAME, "report_facts", [*KEYS, *COVER])


def downgrade() -> None:
    op.drop_index(NAME, table_name="report_facts")
    op.create_index(NAME, "report_facts", ["conversation_id", "kind"])
