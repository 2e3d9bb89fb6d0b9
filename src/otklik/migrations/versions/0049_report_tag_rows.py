"""reports: the overview for one tag and for one operator from rows, not facts

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-05 23:00:00

ADR 0032: ``report_tag_counts`` (per tag, hour and kind) and ``report_tag_day_bins`` (per
tag, UTC day, measure and bin) hold the facts of the conversations that carry each tag now;
``report_conversations.tags`` says which tags a conversation's facts are in. Every overview
measure is counted per operator too (``report_day_bins`` inbox -3), with an index by
operator and day. The upgrade derives all of it from the facts already there
(``reports/tagged.py``, ``reports/derive.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from otklik.core.db import ensure_ln
from otklik.reports import derive, tagged
from otklik.reports.models import OPERATOR_BIN_COLUMNS, OPERATOR_ROWS

revision: str = "0049"
down_revision: str | None = "0048"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ensure_ln() -> None:
    """SQLite has ``ln()`` only when built with its math functions (``core/db.py``)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        ensure_ln(bind.connection.dbapi_connection)


def _shard() -> sa.Column[int]:
    return sa.Column(
        "shard", sa.SmallInteger(), autoincrement=False, nullable=False, server_default="0"
    )


def upgrade() -> None:
    with op.batch_alter_table("report_conversations") as batch:
        batch.add_column(sa.Column("tags", sa.Text(), nullable=True))
    op.create_table(
        "report_tag_counts",
        sa.Column("tag", sa.String(50), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("hour", WHEN, nullable=False),
        _shard(),
        sa.Column("n", BIG_ID, nullable=False),
        sa.PrimaryKeyConstraint("tag", "kind", "hour", "shard", name=op.f("pk_report_tag_counts")),
    )
    op.create_table(
        "report_tag_day_bins",
        sa.Column("tag", sa.String(50), nullable=False),
        sa.Column("day", WHEN, nullable=False),
        sa.Column("measure", sa.String(24), nullable=False),
        sa.Column("bin", sa.Integer(), autoincrement=False, nullable=False),
        _shard(),
        sa.Column("n", BIG_ID, nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tag", "day", "measure", "bin", "shard", name=op.f("pk_report_tag_day_bins")
        ),
        sqlite_with_rowid=False,
    )
    where = sa.text(OPERATOR_ROWS)
    op.create_index(
        "ix_report_day_bins_operator",
        "report_day_bins",
        list(OPERATOR_BIN_COLUMNS),
        sqlite_where=where,
        postgresql_where=where,
    )
    _ensure_ln()
    dialect = op.get_bind().dialect.name
    for statement in [*derive.operator_bins(dialect), *tagged.derived(dialect)]:
        op.execute(statement)


def downgrade() -> None:
    op.drop_index("ix_report_day_bins_operator", table_name="report_day_bins")
    op.drop_table("report_tag_day_bins")
    op.drop_table("report_tag_counts")
    op.execute("DELETE FROM report_day_bins WHERE inbox_id = -3")
    with op.batch_alter_table("report_conversations") as batch:
        batch.drop_column("tags")
