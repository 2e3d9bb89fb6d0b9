"""teams.name_key: team names unique ignoring case in every alphabet

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 19:00:00

SQLite's ``lower()`` folds ASCII only, so "ПЕРВАЯ ЛИНИЯ" and "Первая линия" were two teams.
The key is Python's fold of the name (``otklik.core.text.fold``), written by the app; here it
is filled for the teams that exist. Teams whose names already collide keep their names; the
later ones get their id appended to the key, so the unique index can be built.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fold(text: str) -> str:
    # A copy of otklik.core.text.fold as of this revision: a migration must not change
    # when the application's code does.
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return " ".join(folded.split())


def upgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=800), nullable=True))
    teams = sa.table(
        "teams", sa.column("id", sa.BigInteger()), sa.column("name"), sa.column("name_key")
    )
    bind = op.get_bind()
    seen: set[str] = set()
    for ident, name in bind.execute(sa.select(teams.c.id, teams.c.name).order_by(teams.c.id)):
        key = _fold(name)
        if key in seen:
            key = f"{key} #{ident}"
        seen.add(key)
        bind.execute(teams.update().where(teams.c.id == ident).values(name_key=key))
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.alter_column("name_key", existing_type=sa.String(length=800), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_teams_name_key"), ["name_key"])


def downgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_teams_name_key"), type_="unique")
        batch_op.drop_column("name_key")
