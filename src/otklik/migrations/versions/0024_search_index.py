"""Full-text search: each searchable row's search terms, and the index over them (ADR 23)

``messages``, ``contacts`` and ``canned_answers`` get a ``search_terms`` column: the stemmed,
case-folded words the app computes (``core/fulltext.py``). SQLite indexes it with an FTS5
table per source (external content, kept by triggers in the writing transaction);
PostgreSQL with a generated ``tsvector`` column (``simple`` configuration) and a GIN index.
Existing rows are filled here, in batches.

Note for later migrations: recreating one of these tables on SQLite (``batch_alter_table``)
drops its triggers; create them again (``_sqlite_index``) and rebuild its FTS5 table.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 02:45:00
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Row

from otklik.contacts.models import contact_terms
from otklik.core.fulltext import analyze
from otklik.core.fulltext_sql import refill_sync

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

#: Each indexed table, the columns its terms come from, and how.
SOURCES: dict[str, tuple[tuple[str, ...], Callable[[Row[Any]], str]]] = {
    "messages": (("text",), lambda row: analyze(row.text)),
    "contacts": (
        ("name", "email", "attributes"),
        lambda row: contact_terms(row.name, row.email, row.attributes),
    ),
    "canned_answers": (
        ("shortcut", "title", "text", "category"),
        lambda row: analyze(row.shortcut, row.title, row.text, row.category),
    ),
}


def _table(name: str, sources: Sequence[str]) -> sa.TableClause:
    columns: list[sa.ColumnClause[Any]] = [
        sa.column("id", sa.Integer),
        sa.column("search_terms", sa.Text),
    ]
    columns += [sa.column(s, JSON if s == "attributes" else sa.Text) for s in sources]
    return sa.table(name, *columns)


def _sqlite_index(name: str) -> None:
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
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def upgrade() -> None:
    conn = op.get_bind()
    for name, (sources, to_terms) in SOURCES.items():
        op.add_column(name, sa.Column("search_terms", sa.Text(), nullable=True))
        # Filled before any index exists (no trigger fires, nothing to rebuild twice).
        table = _table(name, sources)
        total = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        if total:
            refill_sync(conn, table, sources, to_terms, rebuild=False)
        if conn.dialect.name == "sqlite":
            _sqlite_index(name)
        else:
            op.execute(
                f"ALTER TABLE {name} ADD COLUMN search_tsv tsvector GENERATED ALWAYS AS"
                " (to_tsvector('simple'::regconfig, coalesce(search_terms, ''))) STORED"
            )
            op.execute(f"CREATE INDEX ix_{name}_search_tsv ON {name} USING gin (search_tsv)")


def downgrade() -> None:
    conn = op.get_bind()
    for name in SOURCES:
        if conn.dialect.name == "sqlite":
            for trigger in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER IF EXISTS {name}_fts_{trigger}")
            op.execute(f"DROP TABLE IF EXISTS {name}_fts")
        else:
            op.execute(f"DROP INDEX IF EXISTS ix_{name}_search_tsv")
            op.execute(f"ALTER TABLE {name} DROP COLUMN search_tsv")
        op.execute(f"ALTER TABLE {name} DROP COLUMN search_terms")
