"""report_facts, report_hourly, survey_requests, sla_clocks: covering indexes for the reports

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-04 17:40:00

Every report reads the facts of one kind over a period and bins or counts them in the
database (``reports/stats.py``): with the durations, the conversation and the dimensions in
the ``(kind, at)`` index the database reads the index alone, not a table row per fact. The
hourly rollups are read by kind and hour (counts, the per-operator table), not by hour
first and every kind. CSAT, NPS and CES count ``survey_requests`` by the time they were sent
(there was no index on it: every overview read the whole table); the SLA compliance
report counts ``sla_clocks`` by the time they started (the same). On PostgreSQL the extra
columns are ``INCLUDE``d (not ordered).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0045"
down_revision: str | None = "0044"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FACT_COVER = [
    "conversation_id",
    "seconds",
    "business_seconds",
    "n",
    "first",
    "inbox_id",
    "channel",
    "team_id",
    "agent_id",
    "id",
]
HOURLY_COVER = ["inbox_id", "channel", "team_key", "agent_key", "n", "seconds"]
CLOCK_COVER = ["target", "policy_id", "state", "breached_at", "conversation_id"]
SURVEY_COVER = ["kind", "score", "inbox_id", "team_id", "operator_id", "channel"]


def _create(name: str, table: str, keys: list[str], cover: list[str]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(name, table, keys, postgresql_include=cover)
    else:
        op.create_index(name, table, [*keys, *cover])


def upgrade() -> None:
    op.drop_index("ix_report_facts_kind_at", table_name="report_facts")
    _create("ix_report_facts_kind_at", "report_facts", ["kind", "at"], FACT_COVER)
    _create("ix_report_hourly_kind_hour", "report_hourly", ["kind", "hour"], HOURLY_COVER)
    _create("ix_sla_clocks_started", "sla_clocks", ["started_at"], CLOCK_COVER)
    _create("ix_survey_requests_created", "survey_requests", ["created_at"], SURVEY_COVER)


def downgrade() -> None:
    op.drop_index("ix_survey_requests_created", table_name="survey_requests")
    op.drop_index("ix_sla_clocks_started", table_name="sla_clocks")
    op.drop_index("ix_report_hourly_kind_hour", table_name="report_hourly")
    op.drop_index("ix_report_facts_kind_at", table_name="report_facts")
    op.create_index("ix_report_facts_kind_at", "report_facts", ["kind", "at"])
