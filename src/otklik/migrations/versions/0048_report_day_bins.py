"""reports: daily bins of the overview's durations, per-conversation facts at resolution

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-05 10:00:00

ADR 0031: each per-conversation value (the mean response, the summed handle time) is written
as a fact at the resolution that closes its cycle, and every duration the overview shows is
counted in ``report_day_bins`` (UTC day × measure × inbox, channel, team × bin of
``stats.bin_of``). ``report_conversations`` keeps the running sums of the open cycle. The
upgrade derives all of it from the facts already there (``reports/derive.py``).
``survey_hourly`` counts surveys per hour sent, dimensions and score (the overview's CSAT,
NPS and CES), filled from ``survey_requests``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from otklik.core.db import ensure_ln
from otklik.reports import derive
from otklik.surveys import rollup

revision: str = "0048"
down_revision: str | None = "0047"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)
CYCLE_COUNTS = ("cycle_responses", "cycle_handles")
CYCLE_SUMS = (
    "cycle_response_c",
    "cycle_response_b",
    "cycle_handle_c",
    "cycle_handle_b",
    "cycle_handle_dc",
    "cycle_handle_db",
)


def _ensure_ln() -> None:
    """SQLite has ``ln()`` only when built with its math functions (``core/db.py``)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        ensure_ln(bind.connection.dbapi_connection)


def upgrade() -> None:
    with op.batch_alter_table("report_conversations") as batch:
        for name in CYCLE_COUNTS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        for name in CYCLE_SUMS:
            batch.add_column(sa.Column(name, sa.Float(), nullable=False, server_default="0"))
    op.create_table(
        "report_day_bins",
        sa.Column("inbox_id", BIG_ID, autoincrement=False, nullable=False),
        sa.Column("day", WHEN, nullable=False),
        sa.Column("measure", sa.String(24), nullable=False),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("team_key", BIG_ID, autoincrement=False, nullable=False),
        sa.Column("bin", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "shard", sa.SmallInteger(), autoincrement=False, nullable=False, server_default="0"
        ),
        sa.Column("n", BIG_ID, nullable=False),
        sa.Column("total", sa.Float(), nullable=False),
        sa.Column("low", sa.Float(), nullable=False),
        sa.Column("high", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint(
            "inbox_id",
            "day",
            "measure",
            "channel",
            "team_key",
            "bin",
            "shard",
            name=op.f("pk_report_day_bins"),
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "survey_hourly",
        sa.Column("hour", WHEN, nullable=False),
        sa.Column("kind", sa.String(4), nullable=False),
        sa.Column("inbox_id", BIG_ID, autoincrement=False, nullable=False),
        sa.Column("channel", sa.String(30), nullable=False),
        sa.Column("team_key", BIG_ID, autoincrement=False, nullable=False),
        sa.Column("operator_key", BIG_ID, autoincrement=False, nullable=False),
        sa.Column("score_key", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", BIG_ID, nullable=False),
        sa.PrimaryKeyConstraint(
            "hour",
            "kind",
            "inbox_id",
            "channel",
            "team_key",
            "operator_key",
            "score_key",
            name=op.f("pk_survey_hourly"),
        ),
    )
    _ensure_ln()
    dialect = op.get_bind().dialect.name
    for statement in [*derive.statements(dialect), rollup.fill(dialect)]:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("survey_hourly")
    op.drop_table("report_day_bins")
    op.execute(
        "DELETE FROM report_hourly WHERE kind IN ('conv_response', 'conv_handle',"
        " 'conv_handle_dialog', 'fcr_candidate', 'fcr_spoiled', 'escalated_created')"
    )
    op.execute(
        "DELETE FROM report_facts WHERE kind IN ('conv_response', 'conv_handle',"
        " 'conv_handle_dialog')"
    )
    with op.batch_alter_table("report_conversations") as batch:
        for name in (*CYCLE_COUNTS, *CYCLE_SUMS):
            batch.drop_column(name)
