"""search: new messages and contacts reach the SQLite index once per transaction (ADR 35)

On SQLite, the insert triggers of ``messages`` and ``contacts`` no longer write the FTS5
table row by row; they note the row in ``search_backlog`` and the transaction indexes its
notes just before it commits (``core/search_backlog.py``). The update and delete triggers
tell FTS5 to forget a row only when it indexed it, i.e. when the row is not noted. PostgreSQL
is untouched (its index is a generated column's).

Note for later migrations: recreating ``messages`` or ``contacts`` on SQLite
(``batch_alter_table``) drops these triggers; create them again (``_backlog_triggers``).

Revision ID: 0053
Revises: 0052
Create Date: 2026-12-05 17:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0053"
down_revision: str | None = "0052"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = ("messages", "contacts")


def _drop_triggers(name: str) -> None:
    for trigger in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}_fts_{trigger}")


def _backlog_triggers(name: str) -> None:
    fts = f"{name}_fts"
    noted = f"SELECT 1 FROM search_backlog WHERE source = '{name}' AND id = old.id"
    op.execute(
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {name} WHEN new.search_terms IS NOT NULL"
        f" BEGIN INSERT INTO search_backlog(source, id) VALUES ('{name}', new.id); END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {name} WHEN old.search_terms IS NOT NULL"
        f" BEGIN INSERT INTO {fts}({fts}, rowid, search_terms)"
        f" SELECT 'delete', old.id, old.search_terms WHERE NOT EXISTS ({noted});"
        f" DELETE FROM search_backlog WHERE source = '{name}' AND id = old.id; END"
    )
    op.execute(
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF search_terms ON {name} BEGIN"
        f" INSERT INTO {fts}({fts}, rowid, search_terms) SELECT 'delete', old.id,"
        f" old.search_terms WHERE old.search_terms IS NOT NULL AND NOT EXISTS ({noted});"
        f" INSERT OR IGNORE INTO search_backlog(source, id) SELECT '{name}', new.id"
        " WHERE new.search_terms IS NOT NULL; END"
    )


def _row_triggers(name: str) -> None:
    """The triggers as migration 0024 made them."""
    fts = f"{name}_fts"
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
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE search_backlog (source VARCHAR(30) NOT NULL, id INTEGER NOT NULL,"
        " PRIMARY KEY (source, id)) WITHOUT ROWID"
    )
    for name in SOURCES:
        _drop_triggers(name)
        _backlog_triggers(name)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in SOURCES:
        fts = f"{name}_fts"
        op.execute(
            f"INSERT INTO {fts}(rowid, search_terms) SELECT t.id, t.search_terms"
            f" FROM search_backlog AS b JOIN {name} AS t ON t.id = b.id"
            f" WHERE b.source = '{name}' AND t.search_terms IS NOT NULL"
        )
        _drop_triggers(name)
        _row_triggers(name)
    op.execute("DROP TABLE search_backlog")
