"""report_facts: an index by operator

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-05 07:30:00

ADR 0033: a supervisor's overview reads the whole days of their inboxes and teams from the
day bins and, from the facts, only their own facts elsewhere (what else they see,
``accounts.access.visible``): found by this index, as are the facts of an operator filter
that the operators' day bins cannot answer (an operator and an inbox). Before, both read
every fact of the period: 3–4 s for 30 days at 1M conversations.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0051"
down_revision: str | None = "0050"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_report_facts_agent", "report_facts", ["agent_id", "kind", "at"])


def downgrade() -> None:
    op.drop_index("ix_report_facts_agent", table_name="report_facts")
