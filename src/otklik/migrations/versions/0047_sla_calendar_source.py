"""sla: calendars fed by a team's shift schedule

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-04 19:15:00

``sla_calendars.source``: ``hours`` (the fixed weekly hours, as before) or ``shifts`` (the
staffed hours of ``team_id``'s shift schedule); closed dates apply to both.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0047"
down_revision: str | None = "0046"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("sla_calendars") as batch:
        batch.add_column(sa.Column("source", sa.String(10), nullable=False, server_default="hours"))
        batch.add_column(sa.Column("team_id", BIG_ID, nullable=True))
        batch.create_foreign_key(
            "fk_sla_calendars_team_id", "teams", ["team_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("sla_calendars") as batch:
        batch.drop_constraint("fk_sla_calendars_team_id", type_="foreignkey")
        batch.drop_column("team_id")
        batch.drop_column("source")
