"""contacts: an external id, and contact imports (CSV files imported as a job)

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-04 16:00:00

``contacts.external_id`` is the id a contact has in another system (a shop's customer
number): a re-import of the same file finds the contact by it first. ``contact_imports``
keeps an uploaded file with its column mapping until the ``contacts.import`` job has run it,
and the job's progress, counts and first errors.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(sa.Column("external_id", sa.String(255), nullable=True))
    op.create_index(op.f("ix_contacts_external_id"), "contacts", ["external_id"], unique=True)
    op.create_table(
        "contact_imports",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column(
            "requested_by_id",
            BIG_ID,
            sa.ForeignKey(
                "agents.id",
                ondelete="SET NULL",
                name=op.f("fk_contact_imports_requested_by_id_agents"),
            ),
            nullable=True,
        ),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=True),
        sa.Column("mapping", JSON, nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("total", BIG_ID, nullable=False),
        sa.Column("done", BIG_ID, nullable=False),
        sa.Column("created", BIG_ID, nullable=False),
        sa.Column("updated", BIG_ID, nullable=False),
        sa.Column("unchanged", BIG_ID, nullable=False),
        sa.Column("failed", BIG_ID, nullable=False),
        sa.Column("errors", sa.JSON(), server_default="[]", nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_imports")),
    )


def downgrade() -> None:
    op.drop_table("contact_imports")
    op.drop_index(op.f("ix_contacts_external_id"), table_name="contacts")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("external_id")
