"""Visitor email proofs (one-time codes and links that join a widget visitor to the contact
with that email) and workspace settings (the roles that must use 2FA)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-03 22:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import otklik.core.db

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _utc(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, otklik.core.db.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "visitor_email_proofs",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("inbox_id", BIG_ID, nullable=False),
        sa.Column("visitor_id", BIG_ID, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", BIG_ID, nullable=False),
        _utc("created_at", nullable=False),
        _utc("expires_at", nullable=False),
        _utc("used_at", nullable=True),
        sa.Column("merged_into_id", BIG_ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["inbox_id"],
            ["inboxes.id"],
            name=op.f("fk_visitor_email_proofs_inbox_id_inboxes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visitor_email_proofs")),
    )
    with op.batch_alter_table("visitor_email_proofs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visitor_email_proofs_visitor_id"), ["visitor_id"], unique=False
        )

    op.create_table(
        "workspace_settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", JSON, nullable=False),
        _utc("updated_at", nullable=False),
        sa.Column("updated_by_id", BIG_ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["agents.id"],
            name=op.f("fk_workspace_settings_updated_by_id_agents"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_workspace_settings")),
    )


def downgrade() -> None:
    op.drop_table("workspace_settings")
    with op.batch_alter_table("visitor_email_proofs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visitor_email_proofs_visitor_id"))
    op.drop_table("visitor_email_proofs")
