"""attachments.kb_article_id: files of knowledge-base articles (images, downloads)

Revision ID: 0032
Revises: 0029
Create Date: 2026-12-04 12:00:00

An article's screenshots and PDFs are stored as attachments like every other file (sniffed,
size-limited, random storage names), owned by the article instead of a message: public with
the article once it is published, deleted with it, and never pruned as unsent uploads.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kb_article_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.create_index(
            batch_op.f("ix_attachments_kb_article_id"), ["kb_article_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_attachments_kb_article_id_kb_articles"),
            "kb_articles",
            ["kb_article_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade() -> None:
    with op.batch_alter_table("attachments", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_attachments_kb_article_id_kb_articles"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_attachments_kb_article_id"))
        batch_op.drop_column("kb_article_id")
