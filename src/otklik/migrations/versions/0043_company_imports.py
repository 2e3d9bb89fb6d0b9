"""companies: an external id; contact imports: what they import (contacts or companies)

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-04 17:45:00

``companies.external_id`` is the id a company has in another system (a CRM's account
number): a re-import of a companies file finds the company by it first.
``contact_imports.kind`` tells the import job whether the file's rows are contacts or
companies.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("companies") as batch:
        batch.add_column(sa.Column("external_id", sa.String(255), nullable=True))
    op.create_index(op.f("ix_companies_external_id"), "companies", ["external_id"], unique=True)
    with op.batch_alter_table("contact_imports") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(10), server_default="contacts", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("contact_imports") as batch:
        batch.drop_column("kind")
    op.drop_index(op.f("ix_companies_external_id"), table_name="companies")
    with op.batch_alter_table("companies") as batch:
        batch.drop_column("external_id")
