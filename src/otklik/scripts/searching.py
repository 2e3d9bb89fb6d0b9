"""Canned answers as a searchable kind: shortcut, title, text and category.

Found by those who may see them (``scopes.py``'s rule, from the operator's scope: global
answers, their teams' — every team's for supervisors and admins — and their own).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from sqlalchemy import ColumnElement, Table, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from otklik.accounts import access
from otklik.core.fulltext import analyze
from otklik.core.fulltext_sql import match, refill_sync
from otklik.scripts.models import CannedAnswer
from otklik.scripts.scopes import MANAGERS
from otklik.search.schemas import CANDIDATES, Found, Kind, Request

_canned = cast(Table, CannedAnswer.__table__)


def _visible(scope: access.Scope) -> ColumnElement[bool]:
    c = _canned.c
    teams: ColumnElement[bool] = c.scope == "team"
    if scope.role not in MANAGERS:
        teams = and_(teams, c.team_id.in_(sorted(scope.team_ids)))
    return or_(
        c.scope == "global", teams, and_(c.scope == "personal", c.owner_id == scope.agent_id)
    )


async def search_canned(session: AsyncSession, request: Request) -> list[Found]:
    c = _canned.c
    found = match(_canned, request.query, session.get_bind().dialect.name)
    ranked = (
        select(c.id, c.shortcut, c.title, c.text, found.score.label("score"))
        .select_from(found.source)
        .where(found.condition, _visible(request.scope))
        .order_by(found.newest_first)
        .limit(CANDIDATES)
        .subquery()
    )
    rows = await session.execute(
        select(ranked).order_by(ranked.c.score.desc(), ranked.c.id.desc()).limit(request.limit + 1)
    )
    return [Found(id=row.id, title=f"/{row.shortcut} · {row.title}", text=row.text) for row in rows]


def _refill(session: Session, progress: Callable[[int, int], None]) -> int:
    return refill_sync(
        session.connection(),
        _canned,
        ("shortcut", "title", "text", "category"),
        lambda row: analyze(row.shortcut, row.title, row.text, row.category),
        progress,
    )


async def reindex(session: AsyncSession, progress: Callable[[int, int], None]) -> int:
    return await session.run_sync(_refill, progress)


CANNED = Kind(name="canned", search=search_canned, reindex=reindex)
