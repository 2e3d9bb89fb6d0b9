"""CRM: contacts' emails, phones, tags, notes, language, time zone, consent, last seen;
companies with email domains

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-04 15:00:00

A contact keeps its first email in ``contacts.email`` (where replies go) and the others in
``other_emails``; phones (E.164) in ``phones``. Every address given through the API is also a
``contact_addresses`` row, unique per kind and value: one contact per address. A company owns
email domains; contacts at one of them join it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONB = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("attributes", JSONB, server_default="{}", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
    )
    op.create_index(op.f("ix_companies_name"), "companies", ["name"], unique=False)
    op.create_table(
        "company_domains",
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("company_id", BIG_ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_company_domains_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_company_domains")),
    )
    op.create_index(
        op.f("ix_company_domains_company_id"), "company_domains", ["company_id"], unique=False
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("other_emails", sa.JSON(), server_default="[]", nullable=False)
        )
        batch_op.add_column(sa.Column("phones", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("tags", sa.JSON(), server_default="[]", nullable=False))
        batch_op.add_column(sa.Column("language", sa.String(length=35), nullable=True))
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("consent", JSONB, server_default="{}", nullable=False))
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_contacts_last_seen_at"), ["last_seen_at"])
    # Added in place, not through a batch copy of the table: on SQLite a copy would drop the
    # search index's triggers (``0024``); SQLite adds a NULL column with its REFERENCES.
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "ALTER TABLE contacts ADD COLUMN company_id INTEGER"
            " REFERENCES companies (id) ON DELETE SET NULL"
        )
    else:
        op.add_column("contacts", sa.Column("company_id", BIG_ID, nullable=True))
        op.create_foreign_key(
            op.f("fk_contacts_company_id_companies"),
            "contacts",
            "companies",
            ["company_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index(op.f("ix_contacts_company_id"), "contacts", ["company_id"], unique=False)
    op.create_table(
        "contact_addresses",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("contact_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("value", sa.String(length=320), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_addresses_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_addresses")),
        sa.UniqueConstraint("kind", "value", name="uq_contact_addresses_kind_value"),
    )
    op.create_index(
        op.f("ix_contact_addresses_contact_id"), "contact_addresses", ["contact_id"], unique=False
    )
    op.create_table(
        "contact_tags",
        sa.Column("contact_id", BIG_ID, nullable=False),
        sa.Column("tag", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_tags_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("contact_id", "tag", name=op.f("pk_contact_tags")),
    )
    op.create_index(op.f("ix_contact_tags_tag"), "contact_tags", ["tag"], unique=False)
    op.create_table(
        "contact_notes",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("contact_id", BIG_ID, nullable=False),
        sa.Column("author_id", BIG_ID, nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["agents.id"],
            name=op.f("fk_contact_notes_author_id_agents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_contact_notes_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_notes")),
    )
    op.create_index(
        op.f("ix_contact_notes_contact_id"), "contact_notes", ["contact_id"], unique=False
    )

    op.create_table(
        "contact_segments",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("owner_id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("filters", JSONB, nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["agents.id"],
            name=op.f("fk_contact_segments_owner_id_agents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_segments")),
    )
    op.create_index(
        op.f("ix_contact_segments_owner_id"), "contact_segments", ["owner_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("contact_segments")
    op.drop_table("contact_notes")
    op.drop_table("contact_tags")
    op.drop_table("contact_addresses")
    op.drop_index(op.f("ix_contacts_company_id"), table_name="contacts")
    sqlite = op.get_bind().dialect.name == "sqlite"
    if not sqlite:
        op.drop_constraint(op.f("fk_contacts_company_id_companies"), "contacts")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_last_seen_at"))
        for column in (
            "company_id",
            "last_seen_at",
            "consent",
            "timezone",
            "language",
            "tags",
            "phones",
            "other_emails",
        ):
            batch_op.drop_column(column)
    if sqlite:
        _search_triggers()  # the batch copy of the table dropped them
    op.drop_table("company_domains")
    op.drop_table("companies")


def _search_triggers() -> None:
    """The search index's triggers on ``contacts`` as ``0024`` makes them."""
    fts = "contacts_fts"
    op.execute(
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON contacts WHEN new.search_terms IS NOT NULL"
        f" BEGIN INSERT INTO {fts}(rowid, search_terms) VALUES (new.id, new.search_terms); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON contacts WHEN old.search_terms IS NOT NULL"
        f" BEGIN INSERT INTO {fts}({fts}, rowid, search_terms)"
        " VALUES ('delete', old.id, old.search_terms); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF search_terms ON contacts BEGIN"
        f" INSERT INTO {fts}({fts}, rowid, search_terms) SELECT 'delete', old.id,"
        " old.search_terms WHERE old.search_terms IS NOT NULL;"
        f" INSERT INTO {fts}(rowid, search_terms) SELECT new.id, new.search_terms"
        " WHERE new.search_terms IS NOT NULL; END"
    )
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
