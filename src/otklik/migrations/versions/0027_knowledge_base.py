"""Knowledge base: categories and sections, articles per language, revisions, deflections;
the articles' search index (ADR 23's scheme: FTS5 on SQLite, a ``tsvector`` on PostgreSQL).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 03:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from otklik.core.db import UTCDateTime

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _sqlite_index(name: str) -> None:
    """As 0024's: an external-content FTS5 table kept by triggers in the writing transaction."""
    fts = f"{name}_fts"
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_terms, content='{name}',"
        " content_rowid='id', tokenize='unicode61 remove_diacritics 0')"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {name} WHEN new.search_terms IS NOT NULL"
        f" BEGIN INSERT INTO {fts}(rowid, search_terms) VALUES (new.id, new.search_terms); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {name} WHEN old.search_terms IS NOT NULL"
        f" BEGIN INSERT INTO {fts}({fts}, rowid, search_terms)"
        " VALUES ('delete', old.id, old.search_terms); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF search_terms ON {name} BEGIN"
        f" INSERT INTO {fts}({fts}, rowid, search_terms) SELECT 'delete', old.id,"
        " old.search_terms WHERE old.search_terms IS NOT NULL;"
        f" INSERT INTO {fts}(rowid, search_terms) SELECT new.id, new.search_terms"
        " WHERE new.search_terms IS NOT NULL; END"
    )


def upgrade() -> None:
    op.create_table(
        "kb_categories",
        sa.Column("id", ID, primary_key=True),
        sa.Column(
            "parent_id", ID, sa.ForeignKey("kb_categories.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("slug", sa.String(100), nullable=False, unique=True),
        sa.Column("name_ru", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("position", ID, nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_kb_categories_parent_position", "kb_categories", ["parent_id", "position"])
    op.create_table(
        "kb_articles",
        sa.Column("id", ID, primary_key=True),
        sa.Column("group_id", ID, nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column(
            "category_id",
            ID,
            sa.ForeignKey("kb_categories.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("slug", sa.String(120), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("internal", sa.Boolean(), nullable=False),
        sa.Column("position", ID, nullable=False),
        sa.Column("author_id", ID, sa.ForeignKey("agents.id", ondelete="SET NULL")),
        sa.Column("updated_by_id", ID, sa.ForeignKey("agents.id", ondelete="SET NULL")),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("views", ID, nullable=False, server_default="0"),
        sa.Column("helpful_yes", ID, nullable=False, server_default="0"),
        sa.Column("helpful_no", ID, nullable=False, server_default="0"),
        sa.Column("search_terms", sa.Text(), nullable=True),
        sa.UniqueConstraint("language", "slug", name="uq_kb_articles_language_slug"),
        sa.UniqueConstraint("group_id", "language", name="uq_kb_articles_group_language"),
    )
    op.create_index("ix_kb_articles_group_id", "kb_articles", ["group_id"])
    op.create_index("ix_kb_articles_category_id", "kb_articles", ["category_id"])
    op.create_index(
        "ix_kb_articles_public", "kb_articles", ["language", "status", "category_id", "position"]
    )
    op.create_index("ix_kb_articles_latest", "kb_articles", ["language", "status", "updated_at"])
    op.create_table(
        "kb_revisions",
        sa.Column("id", ID, primary_key=True),
        sa.Column(
            "article_id", ID, sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("number", ID, nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", ID, sa.ForeignKey("agents.id", ondelete="SET NULL")),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("article_id", "number", name="uq_kb_revisions_number"),
    )
    op.create_table(
        "kb_deflections",
        sa.Column("id", ID, primary_key=True),
        sa.Column(
            "article_id", ID, sa.ForeignKey("kb_articles.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("inbox_id", ID, sa.ForeignKey("inboxes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_kb_deflections_article_id", "kb_deflections", ["article_id"])
    op.create_index("ix_kb_deflections_inbox_id", "kb_deflections", ["inbox_id"])
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_index("kb_articles")
    else:
        op.execute(
            "ALTER TABLE kb_articles ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS"
            " (to_tsvector('simple'::regconfig, coalesce(search_terms, ''))) STORED"
        )
        op.execute("CREATE INDEX ix_kb_articles_search_tsv ON kb_articles USING gin (search_tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS kb_articles_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS kb_articles_fts")
    for name in ("kb_deflections", "kb_revisions", "kb_articles", "kb_categories"):
        op.drop_table(name)
