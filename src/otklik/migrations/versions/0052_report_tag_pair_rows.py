"""reports: several tags' overview from the tags' rows less their pairs' rows

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-05 10:00:00

ADR 0034: ``report_tag_pair_counts`` and ``report_tag_pair_day_bins`` hold, per pair of
tags, what ``report_tag_counts`` and ``report_tag_day_bins`` hold per tag, for the
conversations carrying both (and at most ``tagged.PAIRS_UP_TO`` tags). "Any of" several
tags is their rows added up less their pairs' rows; the facts of the conversations carrying
two of them no longer need reading. The upgrade derives the pair rows from the facts already
there (``reports/tagged.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from otklik.core.db import ensure_ln
from otklik.reports import tagged

revision: str = "0052"
down_revision: str | None = "0051"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _keys() -> list[sa.Column[str]]:
    return [
        sa.Column("tag", sa.String(50), nullable=False),
        sa.Column("other", sa.String(50), nullable=False),
    ]


def _shard() -> sa.Column[int]:
    return sa.Column(
        "shard", sa.SmallInteger(), autoincrement=False, nullable=False, server_default="0"
    )


def upgrade() -> None:
    op.create_table(
        "report_tag_pair_counts",
        *_keys(),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("hour", WHEN, nullable=False),
        _shard(),
        sa.Column("n", BIG_ID, nullable=False),
        sa.PrimaryKeyConstraint(
            "tag", "other", "kind", "hour", "shard", name=op.f("pk_report_tag_pair_counts")
        ),
    )
    op.create_table(
        "report_tag_pair_day_bins",
        *_keys(),
        sa.Column("day", WHEN, nullable=False),
        sa.Column("measure", sa.String(24), nullable=False),
        sa.Column("bin", sa.Integer(), autoincrement=False, nullable=False),
        _shard(),
        sa.Column("n", BIG_ID, nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tag",
            "other",
            "day",
            "measure",
            "bin",
            "shard",
            name=op.f("pk_report_tag_pair_day_bins"),
        ),
        sqlite_with_rowid=False,
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # SQLite has ``ln()`` only when built with its math functions (``core/db.py``).
        ensure_ln(bind.connection.dbapi_connection)
    for statement in tagged.pairs_derived(bind.dialect.name):
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("report_tag_pair_day_bins")
    op.drop_table("report_tag_pair_counts")
