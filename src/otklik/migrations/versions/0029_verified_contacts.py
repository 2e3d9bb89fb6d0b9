"""verified contacts: when the customer's site first vouched for a contact (widget identity)

A widget inbox may verify the site's signed user id (``HMAC-SHA256(secret, user_id +
timestamp)``, ADR 27); the contact it maps to (identity ``user:<id>`` in that inbox) keeps
when that first happened. The inbox's identity secret lives in its sealed channel config and
needs no column.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("verified_at")
