"""attachments.inbox_id: the widget inbox a visitor's upload came through (its quota)

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-04 10:00:00

Visitors' uploads count against a storage quota per widget inbox (issue 11, defect 6). An
upload made before the visitor's first message has no conversation yet, so the inbox is kept
on the row itself. Existing visitor uploads in widget conversations are counted from now on;
unsent ones from before are pruned within a day anyway.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "inbox_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.create_index(batch_op.f("ix_attachments_inbox_id"), ["inbox_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_attachments_inbox_id_inboxes"),
            "inboxes",
            ["inbox_id"],
            ["id"],
            ondelete="CASCADE",
        )
    attachments = sa.table(
        "attachments",
        sa.column("inbox_id"),
        sa.column("conversation_id"),
        sa.column("uploader_type"),
    )
    conversations = sa.table(
        "conversations", sa.column("id"), sa.column("inbox_id"), sa.column("channel")
    )
    inbox_of = (
        sa.select(conversations.c.inbox_id)
        .where(
            conversations.c.id == attachments.c.conversation_id,
            conversations.c.channel == "widget",
        )
        .scalar_subquery()
    )
    op.get_bind().execute(
        attachments.update()
        .where(attachments.c.uploader_type == "contact", attachments.c.conversation_id.is_not(None))
        .values(inbox_id=inbox_of)
    )


def downgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_attachments_inbox_id_inboxes"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_attachments_inbox_id"))
        batch_op.drop_column("inbox_id")
