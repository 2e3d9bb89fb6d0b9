"""privacy_exports and privacy_settings: personal-data exports and the retention setting

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-04 14:20:00

An admin's export of everything about a contact is built by a job into a ZIP under
``OTKLIK_DATA_DIR/privacy-exports/``; ``privacy_exports`` says where it is and whether it is
ready. ``privacy_settings`` holds the retention period (``retention_months``, none: off).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "privacy_exports",
        sa.Column("id", BIG_ID, primary_key=True),
        sa.Column("contact_id", BIG_ID, nullable=False),
        sa.Column(
            "requested_by_id",
            BIG_ID,
            sa.ForeignKey(
                "agents.id",
                ondelete="SET NULL",
                name=op.f("fk_privacy_exports_requested_by_id_agents"),
            ),
            nullable=True,
        ),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("storage_key", sa.String(64), nullable=True),
        sa.Column("size", BIG_ID, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_exports")),
    )
    op.create_index(
        op.f("ix_privacy_exports_contact_id"), "privacy_exports", ["contact_id"], unique=False
    )
    op.create_table(
        "privacy_settings",
        sa.Column("key", sa.String(50), nullable=False),
        sa.Column("value", BIG_ID, nullable=True),
        sa.Column("updated_at", WHEN, nullable=False),
        sa.Column(
            "updated_by_id",
            BIG_ID,
            sa.ForeignKey(
                "agents.id",
                ondelete="SET NULL",
                name=op.f("fk_privacy_settings_updated_by_id_agents"),
            ),
            nullable=True,
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_privacy_settings")),
    )


def downgrade() -> None:
    op.drop_table("privacy_settings")
    op.drop_index(op.f("ix_privacy_exports_contact_id"), table_name="privacy_exports")
    op.drop_table("privacy_exports")
